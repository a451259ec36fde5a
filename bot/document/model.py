"""The document model between composition and the DOCX writer: roles, paragraphs, runs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a paragraph is in a 公文; the writer maps each role to its layout."""

    TITLE = "title"
    AUTHOR = "author"
    RECIPIENT = "recipient"
    SALUTATION = "salutation"
    HEADING1 = "h1"
    HEADING2 = "h2"
    HEADING3 = "h3"
    BODY = "body"
    SIGNATURE = "signature"
    DATE = "date"


@dataclass(frozen=True)
class Run:
    """A stretch of text; a placeholder is a fact still to fill in, shown highlighted."""

    text: str
    placeholder: bool = False


@dataclass(frozen=True)
class Paragraph:
    """One paragraph with its role."""

    role: Role
    runs: tuple[Run, ...]
    section: str = ""  # the report section (a definition's section id) it was written for

    @property
    def text(self) -> str:
        """The paragraph's plain text."""
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Document:
    """A composed report: its title and its paragraphs in order (the title paragraph included)."""

    title: str
    paragraphs: tuple[Paragraph, ...]
    sealed: bool | None = None  # the signature block's layout (GB/T 7.3.5); None: the writer's default

    @property
    def text(self) -> str:
        """The whole text, a paragraph per line (for tests and previews)."""
        return "\n".join(p.text for p in self.paragraphs)

    @property
    def placeholders(self) -> list[str]:
        """The texts of all placeholder runs, in order."""
        return [run.text for p in self.paragraphs for run in p.runs if run.placeholder]


# Characters XML 1.0 cannot hold (and so no DOCX): C0 controls except tab/newline/CR,
# surrogates, U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FILENAME_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def xml_safe(text: str) -> str:
    """``text`` without the characters a DOCX cannot store."""
    return _XML_ILLEGAL.sub("", text)


def file_name(title: str, limit: int = 120) -> str:
    """The DOCX file name for a title: characters file systems reject removed."""
    name = _FILENAME_ILLEGAL.sub("", xml_safe(title)).strip().strip(".")
    return (name[:limit] or "报告") + ".docx"
