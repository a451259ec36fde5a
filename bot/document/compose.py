"""Composition: answers → formal prose (Jinja2 templates per report type) → document model.

A report template (``templates/<type>/report.j2``) writes one paragraph per line. A line may
start with a directive — ``@title``, ``@author``, ``@recipient``, ``@salutation``, ``@h1``,
``@h2``, ``@h3``, ``@signature``, ``@date`` — otherwise it is a body paragraph. A heading may
name the definition section its part is written from (``@h1:leadership …``) for the lint. Heading
numbers (``一、`` ``（一）`` ``1.``) are generated here, so nothing the template leaves out leaves a
gap. The body never prints a sentence, or a clause of 12 or more Chinese characters, twice, and a
paragraph over 300 characters is cut at a sentence end.

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

from bot.document import phrasing
from bot.document.model import Document, Paragraph, Role, Run, xml_safe
from bot.interview.definition import DETAIL_SEPARATOR, ITEM_KINDS, Kind, ReportType, Value, has_content
from bot.interview.applicability import applicable_questions
from bot.interview.figures import UNKNOWN_WORDS, is_figure, magnitude, print_figure
from bot.interview.numerals import cn_date

REPORT_TEMPLATE = "report.j2"
ESC = "\x1b"  # starts text printed by an expression: such text is never a directive
END = "\x03"  # ends text printed by an expression: punctuation is tidied only at these seams
BREAK = "\x01"  # a line break inside an answer: a new paragraph of the same role
MARK = "\x02"  # encloses a placeholder
PLACEHOLDER = "【待填写：{label}】"
_KEPT_MARK = "\ue000"  # a private-use character standing in for MARK while text is cleaned

_END_PUNCT = phrasing.TRAILING
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
    """A fact without an answer (a required one not given yet, or one answered 不详): prints and
    iterates as one placeholder, followed by the counting word a figure is in."""

    label: str
    unit: str = ""
    optional: bool = False  # an optional fact answered 不详: it may as well be left out

    def __str__(self) -> str:
        return MARK + PLACEHOLDER.format(label=self.label) + MARK + self.unit

    def __iter__(self) -> Iterator[Missing]:
        return iter([self])


class Stock(str):
    """A phrase-bank statement the user ticked (not words they typed themselves)."""

    __slots__ = ()


class Figure(str):
    """A count as the official gave it, printed with its unit (``30余次``); true when above zero."""

    __slots__ = ("value",)
    value: int | str

    def __new__(cls, value: int | str, unit: str) -> Figure:
        figure = super().__new__(cls, print_figure(value, unit))
        figure.value = value
        return figure

    def __bool__(self) -> bool:
        return magnitude(self.value) > 0


# -- typography ----------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """An answer ready for print: storable characters, full-width punctuation beside Chinese.
    (Placeholder marks survive: a template may build text around a missing fact and print it.)"""
    text = xml_safe(str(text).replace(MARK, _KEPT_MARK)).replace(_KEPT_MARK, MARK)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
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


cn_number = phrasing.cn_number


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
    """``text`` ending in exactly one ``。`` (or the ``！``/``？``/``。”`` it already ends with)."""
    if isinstance(text, Missing):
        return Composed(str(text) + "。")
    cleaned = text if isinstance(text, Composed) else clean_text(text)
    return Composed(phrasing.as_sentence(cleaned) if cleaned else "")


def join_cn(values: Any, last: str = "、") -> Composed:
    """``A、B、C`` (or ``A、B和C`` with ``last="和"``)."""
    return Composed(phrasing.join_items(_pieces(values), last))


def split_heading(item: Any) -> tuple[Composed, Composed]:
    """``提高政治站位：把学习……`` → (``提高政治站位``, ``把学习……。``); no colon → (item, '')."""
    if isinstance(item, Missing):
        return Composed(str(item)), Composed("")
    text = _piece(item)
    head, sep, body = text.replace(":", "：").partition("：")
    if not sep or not body.strip():
        return Composed(strip_end(head)), Composed("")
    return Composed(strip_end(head)), sentence(Composed(body.strip()))


def tally(pairs: Iterable[tuple[Any, ...]], sep: str = "，") -> Composed:
    """Figures as clauses — ``党组专题会议3次，领导小组会议2次`` — zero or skipped ones dropped,
    and optional ones answered 不详 too when no other figure is there to carry the mark.
    Each pair is (label, figure) or (label, figure, text after the figure)."""
    kept = [
        (label, value, after)
        for label, value, *after in pairs
        if isinstance(value, Missing) or (isinstance(value, Figure) and value)
    ]
    if all(isinstance(value, Missing) and value.optional for _, value, _ in kept):
        return Composed("")
    return Composed(sep.join(f"{_piece(label)}{value}{''.join(after)}" for label, value, after in kept))


def figures(pairs: Iterable[tuple[Any, ...]], before: str = "", after: str = "") -> Composed:
    """One sentence of figures — ``前三季度，共召开党组专题会议1次、领导小组会议3次。`` — or
    nothing when no figure is above zero."""
    counted = tally(pairs, "、")
    return Composed(phrasing.as_sentence(f"{before}{counted}{after}") if counted else "")


def _measure_list(values: Any, details: Any) -> list[phrasing.Measure]:
    found = details if isinstance(details, dict) else {}
    out = []
    for raw in _raw_items(values):
        if isinstance(raw, Missing):
            out.append(phrasing.Measure(str(raw)))
            continue
        measure = phrasing.split_measure(clean_text(raw).replace(BREAK, "；"))
        if isinstance(raw, Stock) and measure.body:
            measure = phrasing.Measure(measure.heading, measure.body, stock=True)
        if raw in found:
            # What the unit actually did replaces the stock description of such a measure (a
            # detail that only says who leads, by when or why keeps it); the user's own words
            # stay, with the detail after them.
            detail = clean_text(found[raw])
            replaced = bool(measure.body) and phrasing.says_what_was_done(detail)
            if replaced and not isinstance(raw, Stock):
                # The user's own words go only when the detail says them again, more fully.
                replaced = phrasing.restates(detail, measure.body)
            measure = phrasing.with_detail(phrasing.Measure(measure.heading) if replaced else measure, detail)
        out.append(measure)
    return out


def _raw_items(values: Any) -> list[Any]:
    if values is None:
        return []
    if isinstance(values, Missing | str):
        return [values]
    return [v for v in values if v is not None]


def measures(
    items: Any,
    details: Any = None,
    lead: Any = "",
    more: Any = None,
    facts: Iterable[tuple[str, Any, str]] = (),
    per_paragraph: int = phrasing.ITEMS_PER_PARAGRAPH,
) -> Composed:
    """Paragraphs of ``一是[heading]。[what was done]`` from chosen or typed items, each with the
    user's detail; ``more`` adds the section's further items; each of ``facts`` — (keyword,
    sentence, heading) — joins the first item whose heading holds the keyword, or becomes an item
    of its own under ``heading``. Nothing is printed when there is nothing to say."""
    found = _measure_list(items, details) + _measure_list(more, None)
    for keyword, sentence_text, heading in facts:
        text = str(sentence_text) if sentence_text else ""
        said = "".join(m.heading + m.body for m in found)
        if not text or phrasing.figures_already_said(text, said):
            continue  # the official's own detail already gives these figures
        if not phrasing.attach(found, keyword, text):
            found.append(phrasing.Measure(heading, text))
    lead_text = _piece(lead) if lead else ""
    if not found:
        return Composed("")
    paragraphs = phrasing.enumerate_measures(found, lead_text, per_paragraph)
    return Composed(BREAK.join(paragraphs))


def activities(values: Any, kind: str = "活动") -> Composed:
    """``A、B等活动``, never ``…活动等活动``."""
    return Composed(phrasing.named_activities(_pieces(values), kind))


def book(text: Any) -> Composed:
    """A document's title in one pair of 书名号."""
    if isinstance(text, Missing):
        return Composed(str(text))
    return Composed(phrasing.book_title(clean_text(text)) if text else "")


def notice(text: Any) -> Composed:
    """A notice cited as a report's basis, its title in 书名号 even when typed without them."""
    if isinstance(text, Missing):
        return Composed(str(text))
    return Composed(phrasing.notice_reference(clean_text(text)) if text else "")


def meeting(text: Any) -> Composed:
    """A meeting's name ready to sit in ``在…上``."""
    if isinstance(text, Missing):
        return Composed(str(text))
    return Composed(phrasing.meeting_name(clean_text(text)))


def scope(period: Any, cumulative: Any = None) -> Composed:
    """How a report's counts are scoped: ``第三季度``, or ``前三季度`` when they are cumulative."""
    if isinstance(period, Missing) or not period:
        return Composed(str(period or ""))
    return Composed(phrasing.scope_phrase(str(period), bool(cumulative) and "累计" in str(cumulative)))


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
    "tally": tally,
    "ordinal": ordinal,
    "period_phrase": period_phrase,
    "strip_end": lambda t: Composed(_piece(t)),
    "split_heading": split_heading,
    "figures": figures,
    "measures": measures,
    "activities": activities,
    "book": book,
    "meeting": meeting,
    "notice": notice,
    "scope": scope,
}


# -- context ---------------------------------------------------------------------------------


def template_context(definition: ReportType, answers: Mapping[str, Value]) -> dict[str, Any]:
    """Every question id → its value, ``Missing`` for a required fact not yet given, or None."""
    context: dict[str, Any] = {q.id: None for q in definition.questions}
    for q in applicable_questions(definition, answers):
        value = answers.get(q.id)
        filled = has_content(value) and (q.kind not in ITEM_KINDS or len(value) >= q.min_items)  # type: ignore[arg-type]
        if isinstance(value, str) and value in UNKNOWN_WORDS:
            # The official does not have this fact yet.
            context[q.id] = Missing(q.label, q.unit if q.kind is Kind.INTEGER else "", q.optional)
        elif filled:
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
    """The rendered template as a document model; a body paragraph never repeats a sentence or a
    clause of 12 or more characters printed before, and long ones are cut at sentence ends."""
    entries: list[tuple[Role, str, str]] = []
    counters = [0, 0, 0]
    section = ""
    for raw in output.split("\n"):
        line = raw.strip(" \t\u3000")
        if not line:
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
    return Document(titles[0], tuple(paragraphs))


REPEAT_MIN = 12  # Chinese characters: a clause this long printed twice reads as a copy


def long_enough_to_repeat(key: str) -> bool:
    """Whether a clause is long enough that printing it twice reads as a copy (a deadline such as
    ``2026年12月底前完成`` may well recur; figures and dates do not count towards the length)."""
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
