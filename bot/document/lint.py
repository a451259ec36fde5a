"""Checks on a composed report that an experienced secretary would make before sending it."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.document import phrasing
from bot.document.compose import clause_key, long_enough_to_repeat
from bot.document.model import Document, Paragraph, Role
from bot.interview.definition import Kind, ReportType
from bot.interview.messages import Messages

_PLACEHOLDER_RE = re.compile(r"【待填写：(?P<label>[^】]*)】")
_CLAUSE_RE = re.compile(r"[^，；：。！？]+")
START_CHARS = 12
_FRAME = frozenset({Role.TITLE, Role.RECIPIENT, Role.AUTHOR, Role.SIGNATURE, Role.DATE})


@dataclass(frozen=True)
class Finding:
    """One thing to look at: what it is, and where to change it."""

    key: str  # the message key under [lint] in templates/messages.toml
    params: dict[str, object]
    section: str = ""  # the definition section whose answers to revisit ("" when none)


def body_paragraphs(document: Document) -> list[Paragraph]:
    """The paragraphs counted as the report's body (no title, recipient, author, 落款 or date)."""
    return [p for p in document.paragraphs if p.role not in _FRAME]


def body_chars(document: Document) -> int:
    """The body's length in Chinese characters."""
    return sum(phrasing.han_count(p.text) for p in body_paragraphs(document))


def lint(document: Document, definition: ReportType) -> list[Finding]:
    """Repeated clauses, long enumerations and paragraphs, facts still to fill in, and length."""
    findings: list[Finding] = []
    seen: dict[str, str] = {}
    for p in body_paragraphs(document):
        text = p.text
        plain = _PLACEHOLDER_RE.sub("", text)  # what the paragraph says, marks left out
        if p.role is Role.BODY:
            items = phrasing.enumerations(text)
            start = text[:START_CHARS]  # the paragraph is named by its first words
            if items > phrasing.ITEMS_PER_PARAGRAPH:
                findings.append(Finding("too_many_items", {"start": start, "items": items}, p.section))
            if len(text) > phrasing.PARAGRAPH_LIMIT:
                findings.append(Finding("long_paragraph", {"start": start, "length": len(text)}, p.section))
        if p.role is Role.BODY and _UNKNOWN_RE.search(plain):
            findings.append(Finding("unknown_in_text", {"start": text[:START_CHARS]}, p.section))
        for figure in sorted(_twice(text)):
            findings.append(Finding("figure_twice", {"figure": figure}, p.section))
        for clause in _CLAUSE_RE.findall(plain):
            key = clause_key(clause)
            if not long_enough_to_repeat(key) or p.role is not Role.BODY:
                continue
            if key in seen:
                findings.append(Finding("repeated", {"clause": clause}, p.section))
            seen[key] = p.section
    # One finding per fact still to fill in, however many places print it.
    marks = Counter(m["label"] for p in document.paragraphs for m in _PLACEHOLDER_RE.finditer(p.text))
    for label, count in marks.items():
        key = "placeholder" if count == 1 else "placeholder_many"
        findings.append(Finding(key, {"label": label, "count": count}, _section_of(definition, label)))
    limit = definition.max_chars
    total = body_chars(document)
    if limit and total > limit:
        findings.append(Finding("too_long", {"length": total, "limit": limit}))
    if total < definition.min_chars:
        # The hint names where to write more: types without detail questions have other fields.
        rich = any(q.kind is Kind.DETAILS for q in definition.questions)
        key = "too_short" if rich else "too_short_plain"
        findings.append(Finding(key, {"length": total, "least": definition.min_chars}))
    return findings


# Words that in running text can only be a fact left open (不清楚, 待定 are ordinary words).
_UNKNOWN_RE = re.compile("不详|待补充|待统计|待核实|暂缺")
# A figure worth noticing twice: two or more digits with a counting word of things done (次, 篇,
# 人次, 场…); counts of units and people (12个所, 12个党支部) recur as different facts.
_FIGURE_RE = re.compile(
    r"(?:近|约|超过)?\d{2,}(?:\.\d+)?(?:万|亿)?(?:余|多)?(?:人次|场次|次|篇|场|期|条|项|份|起|件)"
)


def _twice(paragraph: str) -> set[str]:
    """Figures printed twice in one paragraph: usually a count answered twice (a count question and
    the same number in a detail)."""
    found = _FIGURE_RE.findall(paragraph)
    return {f for f in found if found.count(f) > 1}


def _section_of(definition: ReportType, label: str) -> str:
    for q in definition.questions:
        if q.label == label:
            return definition.section_of(q.id).id
    return ""


def describe(findings: list[Finding], definition: ReportType, messages: Messages) -> str:
    """The findings as a short Chinese list, each with the section to revisit ("" when none)."""
    if not findings:
        return ""
    numbers = {s.id: n for n, s in enumerate(definition.sections, 1)}
    titles = {s.id: s.title for s in definition.sections}
    lines = [messages.text("lint.title", count=len(findings))]
    for n, f in enumerate(findings, 1):
        line = f"{n}. " + messages.text(f"lint.{f.key}", **f.params)
        if f.section in numbers:
            line += messages.text("lint.where", number=numbers[f.section], title=titles[f.section])
        lines.append(line)
    return "\n".join(lines)
