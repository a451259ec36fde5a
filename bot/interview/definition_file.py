"""Reading report definitions: each ``templates/<type>/definition.toml`` checked and loaded.

Every problem is reported as a :class:`DefinitionError` naming the file, the section or
question, and what is wrong, so that a template author can fix it without reading code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.interview.definition import (
    DEFAULT_MAX_CHARS,
    DEFAULT_MAX_ITEMS,
    ITEM_KINDS,
    Condition,
    Kind,
    Question,
    ReportType,
    Section,
)
from bot.interview.parsing import check_value

DEFINITION_FILE = "definition.toml"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

# Questions whose options speak for themselves need no example answer.
CHOICE_KINDS = frozenset({Kind.SINGLE_CHOICE, Kind.MULTI_CHOICE, Kind.PERIOD, Kind.DETAILS})
# Facts tied to one reporting period are not worth carrying into the next report.
NON_CARRIED_KINDS = frozenset({Kind.DATE, Kind.YEAR, Kind.PERIOD, Kind.DETAILS})

DEFAULT_MAX_LENGTH: Mapping[Kind, int] = {
    Kind.SHORT_TEXT: 80,
    Kind.LONG_TEXT: 2000,
    Kind.LIST: 500,
    Kind.MULTI_CHOICE: 500,
    Kind.DETAILS: 300,  # the detail alone, without the item it belongs to
}
DEFAULT_MIN = {Kind.INTEGER: 0, Kind.YEAR: 1990}
DEFAULT_MAX = {Kind.INTEGER: 100_000, Kind.YEAR: 2100}


class DefinitionError(Exception):
    """A report definition is malformed; the message names the file and the problem."""


_QUESTION_KEYS = {
    "id",
    "kind",
    "label",
    "prompt",
    "example",
    "optional",
    "profile",
    "carry",
    "default",
    "when",
    "options",
    "phrase_bank",
    "max_length",
    "min",
    "max",
    "min_items",
    "max_items",
    "unit",
    "of",
    "other",
}
_SECTION_KEYS = {"id", "title", "intro", "questions"}
_TOP_KEYS = {"id", "name", "description", "order", "sections", "max_chars", "min_chars"}


def _fail(where: str, message: str) -> DefinitionError:
    return DefinitionError(f"{where}: {message}")


def _require_str(data: Mapping[str, Any], key: str, where: str, *, empty_ok: bool = False) -> str:
    value = data.get(key, "" if empty_ok else None)
    if not isinstance(value, str) or (not empty_ok and not value.strip()):
        raise _fail(where, f"'{key}' must be a non-empty string")
    return value.strip()


def _check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, f"'{key}' must be a list of non-empty strings")
    items = tuple(v.strip() for v in value)
    if len(set(items)) != len(items):
        raise _fail(where, f"'{key}' has duplicate entries")
    return items


def _int_or_none(data: Mapping[str, Any], key: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(where, f"'{key}' must be an integer")
    return value


def _condition(data: Any, earlier: Mapping[str, Question], where: str) -> Condition:
    if not isinstance(data, dict):
        raise _fail(where, '\'when\' must be a table such as { question = "x", equals = "是" }')
    _check_keys(data, {"question", *Condition.OPS}, f"{where} when")
    ref = data.get("question")
    if not isinstance(ref, str) or ref not in earlier:
        raise _fail(where, f"'when' refers to '{ref}', which is not an earlier question")
    ops = [op for op in Condition.OPS if op in data]
    if len(ops) != 1:
        raise _fail(where, f"'when' needs exactly one of {', '.join(Condition.OPS)}")
    op, operand = ops[0], data[ops[0]]
    target = earlier[ref]
    if op == "answered":
        if not isinstance(operand, bool):
            raise _fail(where, "'answered' must be true or false")
        return Condition(ref, op, operand)
    if op == "min":
        if target.kind not in (Kind.INTEGER, Kind.YEAR) or not isinstance(operand, int):
            raise _fail(where, "'min' needs an integer operand and an integer or year question")
        return Condition(ref, op, operand)
    values = operand if op == "in" else [operand]
    if not isinstance(values, list) or not values:
        raise _fail(where, f"'{op}' needs a value")
    if target.choices:
        bad = [v for v in values if v not in target.choices]
        if bad:
            raise _fail(where, f"'when' compares '{ref}' with {bad!r}, which is not one of its options")
    if op == "in":
        return Condition(ref, op, tuple(str(v) for v in values))
    return Condition(ref, op, operand)


def _table_id(data: Any, allowed: set[str], what: str, seen: Mapping[str, Any] | set[str], where: str) -> str:
    """The id of a section or question table, after checking its keys and uniqueness."""
    if not isinstance(data, dict):
        raise _fail(where, f"a {what} must be a table")
    _check_keys(data, allowed, where)
    item_id = data.get("id")
    if not isinstance(item_id, str) or not ID_PATTERN.match(item_id):
        raise _fail(where, f"{what} id {item_id!r} must match {ID_PATTERN.pattern}")
    if item_id in seen:
        raise _fail(where, f"duplicate {what} id '{item_id}'")
    return item_id


def _question(data: Any, earlier: Mapping[str, Question], where: str) -> Question:
    qid = _table_id(data, _QUESTION_KEYS, "question", earlier, where)
    where = f"{where} ({qid})"
    try:
        kind = Kind(str(data.get("kind")))
    except ValueError:
        known = ", ".join(k.value for k in Kind)
        raise _fail(where, f"unknown kind {data.get('kind')!r}; known kinds: {known}") from None
    label = _require_str(data, "label", where)
    prompt = _require_str(data, "prompt", where)
    example = _require_str(data, "example", where, empty_ok=kind in CHOICE_KINDS)

    options: tuple[str, ...] = ()
    if kind is Kind.SINGLE_CHOICE:
        if "options" not in data:
            raise _fail(where, "a single_choice question needs 'options'")
        options = _strings(data["options"], "options", where)
        if len(options) < 2:
            raise _fail(where, "a single_choice question needs at least two options")
    elif kind is Kind.MULTI_CHOICE:
        if "phrase_bank" not in data:
            raise _fail(where, "a multi_choice question needs a non-empty 'phrase_bank'")
        options = _strings(data["phrase_bank"], "phrase_bank", where)
        if not options:
            raise _fail(where, "the phrase bank is empty")
    for key in ("options", "phrase_bank"):
        wanted = {"options": Kind.SINGLE_CHOICE, "phrase_bank": Kind.MULTI_CHOICE}[key]
        if key in data and kind is not wanted:
            raise _fail(where, f"'{key}' is only for {wanted.value} questions")

    flags = {}
    for key in ("optional", "profile", "carry"):
        if key in data and not isinstance(data[key], bool):
            raise _fail(where, f"'{key}' must be true or false")
        flags[key] = data.get(key)

    max_length = _int_or_none(data, "max_length", where)
    if max_length is not None and kind not in DEFAULT_MAX_LENGTH:
        raise _fail(where, f"'max_length' does not apply to {kind.value}")
    lo, hi = _int_or_none(data, "min", where), _int_or_none(data, "max", where)
    if (lo is not None or hi is not None) and kind not in DEFAULT_MIN:
        raise _fail(where, f"'min'/'max' only apply to integer and year questions, not {kind.value}")
    lo = DEFAULT_MIN.get(kind) if lo is None else lo
    hi = DEFAULT_MAX.get(kind) if hi is None else hi
    if lo is not None and hi is not None and lo > hi:
        raise _fail(where, "'min' is greater than 'max'")
    min_items = _int_or_none(data, "min_items", where)
    max_items = _int_or_none(data, "max_items", where)
    if (min_items is not None or max_items is not None) and kind not in ITEM_KINDS:
        raise _fail(where, "'min_items'/'max_items' only apply to list and multi_choice questions")
    optional = bool(flags["optional"])
    min_items = (0 if optional else 1) if min_items is None else min_items
    max_items = DEFAULT_MAX_ITEMS if max_items is None else max_items
    if kind in ITEM_KINDS and not 0 <= min_items <= max_items:
        raise _fail(where, "need 0 <= min_items <= max_items")
    of = data.get("of", "")
    if kind is Kind.DETAILS:
        target = earlier.get(of) if isinstance(of, str) else None
        if target is None or target.kind not in (Kind.LIST, Kind.MULTI_CHOICE):
            raise _fail(where, "a details question needs 'of': an earlier list or multi_choice question")
    elif "of" in data:
        raise _fail(where, "'of' is only for details questions")
    other = data.get("other", False)
    if not isinstance(other, bool) or (other and kind is not Kind.SINGLE_CHOICE):
        raise _fail(where, "'other' is true or false and only for single_choice questions")
    unit = data.get("unit", "")
    if not isinstance(unit, str) or (unit and kind is not Kind.INTEGER):
        raise _fail(where, "'unit' is a string and only applies to integer questions")

    question = Question(
        id=qid,
        kind=kind,
        label=label,
        prompt=prompt,
        example=example,
        optional=optional,
        profile=bool(flags["profile"]),
        carry=kind not in NON_CARRIED_KINDS if flags["carry"] is None else bool(flags["carry"]),
        when=_condition(data["when"], earlier, where) if "when" in data else None,
        options=options,
        max_length=max_length or DEFAULT_MAX_LENGTH.get(kind, 0),
        min=lo,
        max=hi,
        min_items=min_items,
        max_items=max_items,
        unit=unit,
        of=of if kind is Kind.DETAILS else "",
        other=other,
    )
    if "default" in data:
        problem = check_value(question, data["default"])
        if problem:
            raise _fail(where, f"default {data['default']!r} is not valid: {problem}")
        question = replace(question, default=data["default"])
    return question


def parse_definition(data: Mapping[str, Any], where: str) -> ReportType:
    """Build and validate a report type from the decoded TOML of its definition."""
    _check_keys(data, _TOP_KEYS, where)
    type_id = data.get("id")
    if not isinstance(type_id, str) or not ID_PATTERN.match(type_id):
        raise _fail(where, f"report type id {type_id!r} must match {ID_PATTERN.pattern}")
    name = _require_str(data, "name", where)
    description = _require_str(data, "description", where, empty_ok=True)
    order = _int_or_none(data, "order", where)
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise _fail(where, "a definition needs at least one [[sections]]")
    earlier: dict[str, Question] = {}
    sections: list[Section] = []
    section_ids: set[str] = set()
    for n, raw in enumerate(raw_sections, 1):
        sid = _table_id(raw, _SECTION_KEYS, "section", section_ids, f"{where}: section {n}")
        section_ids.add(sid)
        s_where = f"{where}: section '{sid}'"
        title = _require_str(raw, "title", s_where)
        raw_questions = raw.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            raise _fail(s_where, "a section needs at least one [[sections.questions]]")
        questions = []
        for m, raw_q in enumerate(raw_questions, 1):
            q = _question(raw_q, earlier, f"{s_where} question {m}")
            earlier[q.id] = q
            questions.append(q)
        intro = _require_str(raw, "intro", s_where, empty_ok=True)
        sections.append(Section(sid, title, tuple(questions), intro))
    max_chars = _int_or_none(data, "max_chars", where)
    min_chars = _int_or_none(data, "min_chars", where)
    return ReportType(
        type_id,
        name,
        description,
        tuple(sections),
        100 if order is None else order,
        max_chars=DEFAULT_MAX_CHARS if max_chars is None else max_chars,
        min_chars=min_chars or 0,
    )


def load_definition(folder: Path) -> ReportType:
    """Load and validate ``folder/definition.toml``; the folder name must equal the type id."""
    path = folder / DEFINITION_FILE
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise DefinitionError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"{path}: not valid TOML: {exc}") from None
    report_type = parse_definition(data, str(path))
    if report_type.id != folder.name:
        raise DefinitionError(f"{path}: id '{report_type.id}' differs from its folder '{folder.name}'")
    return replace(report_type, path=folder)


def report_folders(root: Path) -> list[Path]:
    """The folders under ``root`` that hold a report definition."""
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / DEFINITION_FILE).exists())


def load_report_types(root: Path) -> dict[str, ReportType]:
    """All report types under ``root``, in their display order."""
    types = [load_definition(folder) for folder in report_folders(root)]
    if not types:
        raise DefinitionError(f"{root}: no report definitions found")
    return {t.id: t for t in sorted(types, key=lambda t: (t.order, t.id))}
