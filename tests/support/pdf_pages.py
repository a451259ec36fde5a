"""DOCX files laid out by LibreOffice, read back as lines with their place on each page.

LibreOffice converts the files to PDF (its own profile folder, a time limit) and poppler's
``pdftotext -bbox-layout`` gives every line's box in points from the page's top left.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from bot.document.pages import FONTS_CONF

XHTML = "{http://www.w3.org/1999/xhtml}"
PAGE_NUMBER_RE = re.compile(r"^—\d+—$")
MM = 72 / 25.4


@dataclass(frozen=True)
class Line:
    """One line of text on a page: its words run together and its box in points."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def is_page_number(self) -> bool:
        """Whether this is the footer's ``— N —``."""
        return bool(PAGE_NUMBER_RE.match(self.text))


@dataclass(frozen=True)
class Page:
    """A page's size and its lines, top to bottom."""

    width: float
    height: float
    lines: tuple[Line, ...]

    @property
    def text_lines(self) -> list[Line]:
        """The lines of the type area (the page number left out)."""
        return [line for line in self.lines if not line.is_page_number]


def to_pdf(files: list[Path], folder: Path, timeout: float = 300) -> list[Path]:
    """The PDFs LibreOffice makes of ``files``, written to ``folder``."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed for this test; `make test` installs it"
    assert shutil.which("pdftotext"), "poppler-utils is needed for this test; `make test` installs it"
    result = subprocess.run(
        [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{folder}/lo-profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)},  # the fonts the bot's pictures use
    )
    pdfs = [folder / (f.stem + ".pdf") for f in files]
    missing = [p.name for p in pdfs if not p.exists()]
    assert not missing, f"LibreOffice made no {missing}: {result.stderr}"
    return pdfs


def pages(pdf: Path) -> list[Page]:
    """The pages of ``pdf`` with their lines, as pdftotext finds them."""
    result = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    )
    root = ET.fromstring(result.stdout)
    found = []
    for page in root.iter(f"{XHTML}page"):
        lines = []
        for line in page.iter(f"{XHTML}line"):
            text = "".join(word.text or "" for word in line.iter(f"{XHTML}word"))
            box = [float(line.get(k, "0")) for k in ("xMin", "yMin", "xMax", "yMax")]
            lines.append(Line(text, *box))
        lines.sort(key=lambda line: (round(line.y0), line.x0))
        found.append(Page(float(page.get("width", "0")), float(page.get("height", "0")), tuple(lines)))
    return found
