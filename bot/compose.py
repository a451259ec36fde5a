"""Composition: answers → formal prose (Jinja2 templates per report type) → document model.

A report template (``templates/<type>/report.j2``) writes one paragraph per line. A line may
start with a directive — ``@title``, ``@author``, ``@recipient``, ``@salutation``, ``@h1``,
``@h2``, ``@h3``, ``@signature``, ``@date`` — otherwise it is a body paragraph. Heading numbers
(``一、`` ``（一）`` ``1.``) are generated here, so nothing the template leaves out leaves a gap.

Answers are data: every value printed by an expression is prefixed with a marker that no answer
can contain, so an answer can never become a directive or template code, and newlines inside an
answer become paragraph breaks of the same role.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from bot.definition import ITEM_KINDS, Kind, ReportType, Value, has_content
from bot.document import Document, Paragraph, Role, Run, xml_safe
from bot.engine import visible_questions
from bot.numerals import cn_date

REPORT_TEMPLATE = "report.j2"
ESC = "\x1b"  # starts text printed by an expression: such text is never a directive
END = "\x03"  # ends text printed by an expression: punctuation is tidied only at these seams
BREAK = "\x01"  # a line break inside an answer: a new paragraph of the same role
MARK = "\x02"  # encloses a placeholder
PLACEHOLDER = "【待填写：{label}】"

_CN_DIGITS = "零一二三四五六七八九"
_END_PUNCT = "。，、；：,.;:！!？? \t"
_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_PUNCT_RE = re.compile(rf"(?<=[{_CJK}])[,;:?!]|[,;:?!](?=[{_CJK}])|\((?=[{_CJK}])|(?<=[{_CJK}])\)")
# Punctuation where an expression's output ends and the template goes on: "……。" + "。".
_JUNCTION_RE = re.compile(r"[，、；：。]+\x03(?!\x1b)[，、；：。]+")
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


class Composed(str):
    """Text made by the template helpers: already cleaned, may hold placeholder markers."""

    __slots__ = ()


@dataclass(frozen=True)
class Missing:
    """A required fact without an answer: prints and iterates as one placeholder."""

    label: str

    def __str__(self) -> str:
        return MARK + PLACEHOLDER.format(label=self.label) + MARK

    def __iter__(self) -> Iterator[Missing]:
        return iter([self])


# -- typography ----------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """An answer ready for print: storable characters, full-width punctuation beside Chinese."""
    text = xml_safe(str(text)).replace("\r\n", "\n").replace("\r", "\n").strip()
    text = _HALF_PUNCT_RE.sub(lambda m: _HALF_TO_FULL[m.group()], text)
    return text.replace("\n", BREAK)


def strip_end(text: str) -> str:
    """Text without its trailing punctuation, so the template decides how the sentence ends."""
    return text.rstrip(_END_PUNCT)


def _collapse(match: re.Match[str]) -> str:
    run = match.group().replace(END, "")
    for strongest in "。；：，":
        if strongest in run:
            return strongest
    return run[0]


def tidy(text: str) -> str:
    """Punctuation doubled where an answer meets the template made single (``。。`` → ``。``,
    ``；。`` → ``。``); punctuation inside an answer stays as typed."""
    return _JUNCTION_RE.sub(_collapse, text).replace(END, "").replace(ESC, "")


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (for ordinals up to 99)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


# -- helpers available in templates ----------------------------------------------------------


def _piece(value: Any) -> str:
    """One value as text inside a helper's output."""
    if isinstance(value, Missing):
        return str(value)
    return strip_end(value if isinstance(value, Composed) else clean_text(value))


def _pieces(values: Any) -> list[str]:
    if values is None:
        return []
    if isinstance(values, Missing):
        return [str(values)]
    if isinstance(values, str):
        values = [values]
    return [p for p in (_piece(v) for v in values) if p]


def sentence(text: Any) -> Composed:
    """``text`` ending in exactly one ``。``."""
    piece = _piece(text)
    return Composed(piece + "。" if piece else "")


def join_cn(values: Any, last: str = "、") -> Composed:
    """``A、B、C`` (or ``A、B和C`` with ``last="和"``)."""
    pieces = _pieces(values)
    if len(pieces) <= 1:
        return Composed("".join(pieces))
    return Composed("、".join(pieces[:-1]) + last + pieces[-1])


def enumerate_cn(values: Any, end: str = "。") -> Composed:
    """``一是A；二是B；三是C。``; a single item is just ``A。``."""
    pieces = _pieces(values)
    if len(pieces) == 1:
        return Composed(pieces[0] + end)
    return Composed(
        "；".join(f"{cn_number(n)}是{p}" for n, p in enumerate(pieces, 1)) + end if pieces else ""
    )


def clauses(values: Any) -> Composed:
    """``A；B；C。``: several measures in one sentence."""
    pieces = _pieces(values)
    return Composed("；".join(pieces) + "。" if pieces else "")


def split_heading(item: Any) -> tuple[Composed, Composed]:
    """``提高政治站位：把学习……`` → (``提高政治站位``, ``把学习……。``); no colon → (item, '')."""
    if isinstance(item, Missing):
        return Composed(str(item)), Composed("")
    text = _piece(item)
    head, sep, body = text.replace(":", "：").partition("：")
    if not sep or not body.strip():
        return Composed(strip_end(head)), Composed("")
    return Composed(strip_end(head)), sentence(Composed(body.strip()))


def paragraphs_cn(values: Any, style: str = "是") -> Composed:
    """Each item its own paragraph: ``一是A。`` (style ``是``) or ``（一）A。`` (style ``（）``)."""
    pieces = _pieces(values)
    if style == "（）":
        return Composed(BREAK.join(f"（{cn_number(n)}）{p}。" for n, p in enumerate(pieces, 1)))
    return Composed(BREAK.join(f"{cn_number(n)}是{p}。" for n, p in enumerate(pieces, 1)))


def tally(pairs: Iterable[tuple[str, Any, str]]) -> Composed:
    """Figures as clauses — ``党组专题会议3次，领导小组会议2次`` — zero or skipped ones dropped."""
    clauses = []
    for label, value, unit in pairs:
        if isinstance(value, Missing) or (
            isinstance(value, int) and not isinstance(value, bool) and value > 0
        ):
            clauses.append(f"{label}{value}{unit}")
    return Composed("，".join(clauses))


def ordinal(n: int) -> Composed:
    """1 → 第一."""
    return Composed("第" + cn_number(n))


def period_phrase(year: Any, period: Any) -> Composed:
    """``2023年第三季度``, ``2023年上半年``, or ``2023年度`` for a whole year."""
    y = _piece(year)
    if isinstance(period, Missing):
        return Composed(f"{y}年{period}")
    if period == "全年":
        return Composed(f"{y}年度")
    return Composed(f"{y}年{_piece(period)}" if period else f"{y}年")


def _finalize(value: Any) -> str:
    """Every ``{{ expression }}`` passes here: answers are cleaned and marked as data."""
    if value is None:
        return ""
    if isinstance(value, Composed | Missing):
        return ESC + str(value) + END
    if isinstance(value, list):
        return ESC + join_cn(value) + END
    return ESC + clean_text(value) + END


HELPERS = {
    "sentence": sentence,
    "join_cn": join_cn,
    "enumerate_cn": enumerate_cn,
    "paragraphs_cn": paragraphs_cn,
    "tally": tally,
    "ordinal": ordinal,
    "period_phrase": period_phrase,
    "strip_end": lambda t: Composed(_piece(t)),
    "clauses": clauses,
    "split_heading": split_heading,
}


# -- context ---------------------------------------------------------------------------------


def template_context(definition: ReportType, answers: Mapping[str, Value]) -> dict[str, Any]:
    """Every question id → its value, ``Missing`` for a required fact not yet given, or None."""
    context: dict[str, Any] = {q.id: None for q in definition.questions}
    for q in visible_questions(definition, answers):
        value = answers.get(q.id)
        filled = has_content(value) and (q.kind not in ITEM_KINDS or len(value) >= q.min_items)  # type: ignore[arg-type]
        if filled:
            context[q.id] = Composed(cn_date(value)) if q.kind is Kind.DATE else value  # type: ignore[arg-type]
        elif not q.optional:
            context[q.id] = Missing(q.label)
    return context


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
    """The rendered template as a document model."""
    paragraphs: list[Paragraph] = []
    counters = [0, 0, 0]
    title = ""
    for raw in output.split("\n"):
        line = raw.strip(" \t\u3000")
        if not line:
            continue
        role = Role.BODY
        if line.startswith("@"):
            word, _, line = line[1:].partition(" ")
            if word not in _DIRECTIVES:
                raise CompositionError(f"unknown directive '@{word}'")
            role = _DIRECTIVES[word]
        text = tidy(line).strip(" \t\u3000")
        if not text.replace(BREAK, "").strip():
            continue  # a directive whose content was left out (an optional recipient, say)
        if role in (Role.HEADING1, Role.HEADING2, Role.HEADING3):
            text = _heading_number(role, counters) + text.replace(BREAK, "")
        if role is Role.TITLE:
            title = "".join(run.text for run in _runs(text.replace(BREAK, "")))
            paragraphs.append(Paragraph(role, _runs(text.replace(BREAK, ""))))
            continue
        for part in text.split(BREAK):
            part = part.strip(" \t\u3000")
            if part:
                paragraphs.append(Paragraph(role, _runs(part)))
    if not title:
        raise CompositionError("the report template produced no @title line")
    return Document(title, tuple(paragraphs))


# -- composing -------------------------------------------------------------------------------


class Composer:
    """Renders report types' templates in a sandbox."""

    def __init__(self, templates_root: Path) -> None:
        self.root = templates_root
        self._envs: dict[str, SandboxedEnvironment] = {}

    def _env(self, definition: ReportType) -> SandboxedEnvironment:
        folder = definition.path or self.root / definition.id
        key = str(folder)
        if key not in self._envs:
            env = SandboxedEnvironment(
                loader=FileSystemLoader([str(folder), str(self.root)]),
                undefined=StrictUndefined,
                finalize=_finalize,
                autoescape=False,
                lstrip_blocks=True,
                keep_trailing_newline=True,
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
