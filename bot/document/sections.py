"""A report section's printed body: read it from a composed document, or put another text in its
place (headings and their numbers stay generated).

A section's body is the run of body paragraphs after the heading tagged with the section's id
(``@h1:leadership …`` in a report template) up to the next heading or the closing lines. A
section that prints no heading (a speech's opening, points and closing) has for its body the run
of body paragraphs tagged with its id (``@p:points …``); its ``heading`` is empty.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from bot.document.model import Document, Paragraph, Role, Run, xml_safe

_HEADINGS = (Role.HEADING1, Role.HEADING2, Role.HEADING3)


@dataclass(frozen=True)
class Body:
    """A section as printed: its numbered heading ("" if it prints none) and its body, a paragraph
    per line."""

    heading: str
    text: str
    start: int  # index of the first body paragraph in the document
    end: int  # index after the last


def bodies(document: Document) -> dict[str, Body]:
    """Every tagged section's body, by section id: the body under the first heading with the tag,
    else the first run of body paragraphs with it."""
    found: dict[str, Body] = {}
    paragraphs = document.paragraphs
    headed = {p.section for p in paragraphs if p.role in _HEADINGS}
    for n, p in enumerate(paragraphs):
        if not p.section or p.section in found:
            continue
        if p.role in _HEADINGS:
            start, heading = n + 1, p.text
        elif p.role is Role.BODY and p.section not in headed:
            start, heading = n, ""
        else:
            continue
        end = start
        while (
            end < len(paragraphs)
            and paragraphs[end].role is Role.BODY
            and paragraphs[end].section == p.section
        ):
            end += 1
        text = "\n".join(q.text for q in paragraphs[start:end])
        found[p.section] = Body(heading, text, start, end)
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
