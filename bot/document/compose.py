"""Composition: answers → formal prose (Jinja2 templates per report type) → document model.

A report template (``templates/<type>/report.j2``) writes one paragraph per line. A line may
start with a directive — ``@title``, ``@author``, ``@recipient``, ``@salutation``, ``@h1``,
``@h2``, ``@h3``, ``@signature``, ``@date``, ``@seal 是|否`` (whether the signature block is
sealed, GB/T 7.3.5) — otherwise it is a body paragraph. A heading may
name the definition section its part is written from (``@h1:leadership …``) for the lint and
for replacing a section's body (bot/document/sections.py); ``@p:closing`` ends the last one. Heading
numbers (``一、`` ``（一）`` ``1.``) are generated here, so nothing the template leaves out leaves a
gap. The body never prints a sentence, or a clause of 12 or more Chinese characters, twice, and a
paragraph over 300 characters is cut at a sentence end.

Answers are data: every value printed by an expression is prefixed with a marker that no answer
can contain, so an answer can never become a directive or template code, and newlines inside an
answer become paragraph breaks of the same role.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from bot.disk_cache import DiskCache
from bot.document import phrasing
from bot.document.model import Document, Paragraph, Role, Run, xml_safe
from bot.document.template_cache import TemplateCache
from bot.document.template_helpers import HELPERS, finalize
from bot.document.template_text import BREAK, MARK, Composed, Figure, Missing, Stock, cn_number, tidy
from bot.interview.applicability import applicable_questions
from bot.interview.definition import DETAIL_SEPARATOR, Kind, ReportType, Value, is_filled
from bot.interview.figures import UNKNOWN_WORDS, is_figure
from bot.interview.numerals import cn_date

REPORT_TEMPLATE = "report.j2"
_DIRECTIVES = {
    "title": Role.TITLE,
    "author": Role.AUTHOR,
    "recipient": Role.RECIPIENT,
    "salutation": Role.SALUTATION,
    "h1": Role.HEADING1,
    "h2": Role.HEADING2,
    "h3": Role.HEADING3,
    "signature": Role.SIGNATURE,
    "date": Role.DATE,
    "p": Role.BODY,
}


class CompositionError(Exception):
    """A report template is broken (a bug in templates/, never in the user's answers)."""


# -- context ---------------------------------------------------------------------------------


def template_context(definition: ReportType, answers: Mapping[str, Value]) -> dict[str, Any]:
    """Every question id → its value, ``Missing`` for a required fact not yet given, or None."""
    context: dict[str, Any] = {q.id: None for q in definition.questions}
    for q in applicable_questions(definition, answers):
        value = answers.get(q.id)
        if isinstance(value, str) and value in UNKNOWN_WORDS:
            # The official does not have this fact yet.
            context[q.id] = Missing(q.label, q.unit if q.kind is Kind.INTEGER else "", q.optional)
        elif is_filled(q, value):
            context[q.id] = _context_value(q.kind, q.unit, q.label, value)
        elif not q.optional:
            context[q.id] = Missing(q.label, q.unit if q.kind is Kind.INTEGER else "")
        elif q.default is not None and q.kind is Kind.SINGLE_CHOICE:
            context[q.id] = q.default  # a skipped choice reads as the choice the interview offered
    for q in definition.questions:
        items = context.get(q.id)
        if q.kind is Kind.MULTI_CHOICE and isinstance(items, list):
            context[q.id] = [Stock(i) if i in q.options else i for i in items]
    _in_the_units_words(definition, context)
    return context


STAFF_NOUN = "staff_noun"  # the question naming what the unit calls its people (教职工, 干警, …)
SELF_NAME = "unit_self"  # the question naming how the unit calls itself (我局, 我院, …)
# The generic words phrase-bank statements are written with, and what replaces each in the
# statements a unit ticked (never in what the user typed).
_GENERIC_WORDS = (
    (STAFF_NOUN, re.compile("干部职工(?!大?会)")),  # 干部职工大会 is a meeting's name
    (SELF_NAME, re.compile("本单位")),
)


def _in_the_units_words(definition: ReportType, context: dict[str, Any]) -> None:
    """Phrase-bank statements chosen by a school speak of 教职工 and 我校, by a hospital of 医务人员
    and 我院; their details follow them."""
    words = [
        (pattern, word)
        for qid, pattern in _GENERIC_WORDS
        if isinstance(word := context.get(qid), str) and word.strip()
    ]
    if not words:
        return
    for q in definition.questions:
        items = context.get(q.id)
        if q.kind is not Kind.MULTI_CHOICE or not isinstance(items, list):
            continue
        renamed = {}
        for item in items:
            if isinstance(item, Stock):
                text = str(item)
                for pattern, word in words:
                    text = pattern.sub(word, text)
                renamed[item] = Stock(text)
        context[q.id] = [renamed.get(i, i) for i in items]
        for d in definition.questions:
            details = context.get(d.id)
            if d.kind is Kind.DETAILS and d.of == q.id and isinstance(details, dict):
                context[d.id] = {renamed.get(k, k): v for k, v in details.items()}


def _context_value(kind: Kind, unit: str, label: str, value: Value) -> Any:
    # Answers lose the characters a DOCX cannot hold here, placeholder marks among them, so only
    # text a template built around a missing fact can carry a mark into clean_text.
    if kind is Kind.DATE:
        return Composed(cn_date(str(value)))
    if kind is Kind.INTEGER and is_figure(value):
        return Figure(value, unit)  # type: ignore[arg-type]
    if isinstance(value, list):
        if kind is Kind.DETAILS:
            pairs = (xml_safe(v).split(DETAIL_SEPARATOR, 1) for v in value if DETAIL_SEPARATOR in v)
            return dict(pairs)
        # An item the official does not have yet (不详) is a mark, like any unknown fact.
        return [Missing(label) if v in UNKNOWN_WORDS else xml_safe(v) for v in value]
    return xml_safe(value) if isinstance(value, str) else value


# -- parsing the template's output into the document model -----------------------------------


def _runs(text: str) -> tuple[Run, ...]:
    parts = text.split(MARK)
    runs = [Run(part, placeholder=bool(n % 2)) for n, part in enumerate(parts) if part]
    return tuple(runs)


def _heading_number(role: Role, counters: list[int]) -> str:
    level = {Role.HEADING1: 0, Role.HEADING2: 1, Role.HEADING3: 2}[role]
    counters[level] += 1
    for lower in range(level + 1, len(counters)):
        counters[lower] = 0
    n = counters[level]
    return (f"{cn_number(n)}、", f"（{cn_number(n)}）", f"{n}.")[level]


def parse_output(output: str) -> Document:
    """The rendered template as a document model.

    A body paragraph never repeats a sentence or a clause of 12 or more characters printed
    before, and long ones are cut at sentence ends.
    """
    entries: list[tuple[Role, str, str]] = []
    counters = [0, 0, 0]
    section = ""
    sealed: bool | None = None
    for raw in output.split("\n"):
        line = raw.strip(" \t\u3000")
        if not line:
            continue
        if line.startswith("@seal"):
            choice = tidy(line.removeprefix("@seal")).strip(" \t\u3000" + MARK)
            sealed = {"是": True, "否": False}.get(choice, sealed)  # anything else: the default
            continue
        role = Role.BODY
        if line.startswith("@"):
            word, _, line = line[1:].partition(" ")
            word, _, tag = word.partition(":")
            if word not in _DIRECTIVES:
                raise CompositionError(f"unknown directive '@{word}'")
            role = _DIRECTIVES[word]
            if role in (Role.HEADING1, Role.HEADING2, Role.HEADING3) and tag:
                section = tag
            elif role is Role.HEADING1:
                section = ""
            elif role is Role.BODY and tag:
                section = tag  # ``@p:closing 特此报告。``: the last section's body ends before it
        text = tidy(line).strip(" \t\u3000")
        if not text.replace(BREAK, "").strip():
            continue  # a directive whose content was left out (an optional recipient, say)
        if role in (Role.HEADING1, Role.HEADING2, Role.HEADING3, Role.TITLE):
            if role is not Role.TITLE:
                text = _heading_number(role, counters) + text.replace(BREAK, "")
            entries.append((role, text.replace(BREAK, ""), section))
            continue
        entries += [(role, part.strip(" \t\u3000"), section) for part in text.split(BREAK)]
    paragraphs = []
    seen: set[str] = set()
    for role, text, where in entries:
        if role is Role.BODY:
            text = _without_repeats(text, seen)
        if not text.replace(MARK, "").strip():
            continue
        pieces = phrasing.split_long(text) if role is Role.BODY else [text]
        paragraphs += [Paragraph(role, _runs(piece), where) for piece in pieces]
    titles = [p.text for p in paragraphs if p.role is Role.TITLE]
    if not titles:
        raise CompositionError("the report template produced no @title line")
    return Document(titles[0], tuple(paragraphs), sealed)


REPEAT_MIN = 12  # Chinese characters: a clause this long printed twice reads as a copy


def long_enough_to_repeat(key: str) -> bool:
    """Whether a clause is long enough that printing it twice reads as a copy.

    A deadline such as ``2026年12月底前完成`` may well recur; figures and dates do not count
    towards the length.
    """
    return phrasing.han_count(key) >= REPEAT_MIN


_SENTENCE_RE = re.compile(r"[^。！？]+[。！？]?[”’）]?")
_CLAUSE_RE = re.compile(r"[，；：。！？]*[^，；：。！？]+[，；：。！？]?")


def clause_key(text: str) -> str:
    """A sentence or clause as compared for repeats: its punctuation and spaces left out."""
    return re.sub(r"[，、；：。！？“”‘’《》（）\s]", "", text)


def _without_repeats(paragraph: str, seen: set[str]) -> str:
    """``paragraph`` without the sentences and clauses already printed (recorded in ``seen``)."""
    kept_sentences = []
    for sentence_text in _SENTENCE_RE.findall(paragraph):
        key = clause_key(sentence_text)
        if MARK not in sentence_text and long_enough_to_repeat(key) and key in seen:
            continue
        clauses = _CLAUSE_RE.findall(sentence_text)
        kept = []
        for clause in clauses:
            ckey = clause_key(clause)
            if MARK not in clause and long_enough_to_repeat(ckey) and ckey in seen and len(clauses) > 1:
                continue
            kept.append(clause)
            if long_enough_to_repeat(ckey):
                seen.add(ckey)
        if not kept:
            continue
        text = "".join(kept)
        if text[-1] not in "。！？”’）" and sentence_text[-1] in "。！？":
            text = phrasing.strip_end(text) + sentence_text[-1]
        seen.add(key)
        kept_sentences.append(text)
    return "".join(kept_sentences)


# -- composing -------------------------------------------------------------------------------


class Composer:
    """Renders report types' templates in a sandbox."""

    def __init__(self, templates_root: Path, cache: DiskCache | None = None) -> None:
        self.root = templates_root
        self._envs: dict[str, SandboxedEnvironment] = {}
        # Compiled templates kept between processes (a one-off render compiles nothing it did before).
        self._bytecode = TemplateCache(cache, __file__) if cache else None

    def _env(self, definition: ReportType) -> SandboxedEnvironment:
        folder = definition.path or self.root / definition.id
        key = str(folder)
        if key not in self._envs:
            env = SandboxedEnvironment(
                loader=FileSystemLoader([str(folder), str(self.root)]),
                undefined=StrictUndefined,
                finalize=finalize,
                autoescape=False,
                lstrip_blocks=True,
                keep_trailing_newline=True,
                bytecode_cache=self._bytecode,
            )
            env.globals.update(HELPERS)
            self._envs[key] = env
        return self._envs[key]

    def compose(self, definition: ReportType, answers: Mapping[str, Value]) -> Document:
        """The report for ``answers``; facts still missing appear as 【待填写：…】 placeholders."""
        try:
            template = self._env(definition).get_template(REPORT_TEMPLATE)
            output = template.render(template_context(definition, answers))
        except TemplateError as exc:
            raise CompositionError(f"{definition.id}/{REPORT_TEMPLATE}: {exc}") from exc
        return parse_output(output)
