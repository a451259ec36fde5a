"""The fonts a report is set in, per role: a setting, kept apart from python-docx so reading the
settings does not import it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Fonts:
    """Font names per role; the standard 公文 fonts or fallbacks for machines without them."""

    title: str = "方正小标宋简体"
    body: str = "仿宋_GB2312"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    page_number: str = "宋体"

    @classmethod
    def fallback(cls) -> Fonts:
        """Fonts that ship with common Chinese systems (仿宋 and 楷体 without _GB2312)."""
        return cls(title="方正小标宋简体", body="仿宋", heading1="黑体", heading2="楷体", page_number="宋体")

    @classmethod
    def from_settings(cls, env: Mapping[str, str]) -> Fonts:
        """Fonts from ``REPORTBOT_FONTS=fallback`` and ``REPORTBOT_FONT_<ROLE>`` overrides."""
        base = cls.fallback() if env.get("REPORTBOT_FONTS", "").strip() == "fallback" else cls()
        overrides = {
            field: env[f"REPORTBOT_FONT_{field.upper()}"].strip()
            for field in ("title", "body", "heading1", "heading2", "page_number")
            if env.get(f"REPORTBOT_FONT_{field.upper()}", "").strip()
        }
        return cls(**{**base.__dict__, **overrides})
