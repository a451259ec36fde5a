"""A report section's printed body: read it from a composed document, or put another text in its
place (headings and their numbers stay generated).

A section's body is the run of body paragraphs after the heading tagged with the section's id
(``@h1:leadership …`` in a report template) up to the next heading or the closing lines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from bot.document.model import Document, Paragraph, Role, Run, xml_safe

_HEADINGS = (Role.HEADING1, Role.HEADING2, Role.HEADING3)


@dataclass(frozen=True)
class Body:
    """A section as printed: its numbered heading and its body, a paragraph per line."""

    heading: str
    text: str
    start: int  # index of the first body paragraph in the document
    end: int  # index after the last


def bodies(document: Document) -> dict[str, Body]:
    """Every tagged section's body, by section id (the first heading with the tag)."""
    found: dict[str, Body] = {}
    paragraphs = document.paragraphs
    for n, p in enumerate(paragraphs):
        if p.role not in _HEADINGS or not p.section or p.section in found:
            continue
        end = n + 1
        while (
            end < len(paragraphs)
            and paragraphs[end].role is Role.BODY
            and paragraphs[end].section == p.section
        ):
            end += 1
        text = "\n".join(q.text for q in paragraphs[n + 1 : end])
        found[p.section] = Body(p.text, text, n + 1, end)
    return found


def paragraphs_of(text: str) -> list[str]:
    """A typed text as body paragraphs: one per non-empty line, spaces around it removed."""
    return [line for raw in xml_safe(text).splitlines() if (line := raw.strip(" \t\u3000"))]


def with_texts(document: Document, texts: Mapping[str, str]) -> Document:
    """``document`` with the body of each section in ``texts`` replaced by that text."""
    found = bodies(document)
    if not any(section in found for section in texts):
        return document
    paragraphs = list(document.paragraphs)
    # From the last section back, so earlier indices stay right.
    for section, body in sorted(found.items(), key=lambda item: -item[1].start):
        if section not in texts:
            continue
        new = [Paragraph(Role.BODY, (Run(line),), section) for line in paragraphs_of(texts[section])]
        paragraphs[body.start : body.end] = new
    return dataclasses.replace(document, paragraphs=tuple(paragraphs))
