"""Settings of the page preview (PDF and page pictures), apart from the conversions themselves so
reading the settings does not import asyncio."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PageSettings:
    """Whether pages are made, with which programs, how long one may take."""

    enabled: bool = True
    soffice: str = "soffice"
    pdftoppm: str = "pdftoppm"
    timeout: float = 60.0
    max_pages: int = 10  # an album holds at most 10 pictures
    resolution: int = 110  # dots per inch: an A4 page about 900 pixels wide, readable on a phone
    at_once: int = 2
    # The Python with LibreOffice's uno module (Debian: python3-uno), which keeps LibreOffice
    # running between conversions; "none": start soffice for each conversion.
    uno_python: str = "/usr/bin/python3"

    @classmethod
    def from_settings(cls, env: Mapping[str, str]) -> PageSettings:
        """From REPORTBOT_PAGE_PREVIEW, _SOFFICE, _PDFTOPPM, _UNO_PYTHON, _CONVERT_TIMEOUT (ValueError)."""
        raw = (env.get("REPORTBOT_PAGE_PREVIEW") or "on").strip().lower()
        if raw not in ("on", "off"):
            raise ValueError(f"REPORTBOT_PAGE_PREVIEW must be on or off, not {raw!r}")
        timeout_raw = (env.get("REPORTBOT_CONVERT_TIMEOUT") or "60").strip()
        try:
            timeout = float(timeout_raw)
        except ValueError:
            timeout = -1.0
        if not timeout > 0:
            raise ValueError(
                f"REPORTBOT_CONVERT_TIMEOUT must be a positive number of seconds, not {timeout_raw!r}"
            )
        return cls(
            enabled=raw == "on",
            soffice=(env.get("REPORTBOT_SOFFICE") or "soffice").strip(),
            pdftoppm=(env.get("REPORTBOT_PDFTOPPM") or "pdftoppm").strip(),
            timeout=timeout,
            uno_python=(env.get("REPORTBOT_UNO_PYTHON") or cls.uno_python).strip(),
        )
