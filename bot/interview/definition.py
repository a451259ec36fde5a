"""Report definitions: the data model of a report type (questions, sections, conditions).

A report type is a folder under ``templates/`` holding ``definition.toml``; everything the
interview asks lives there. This module knows the shape of that data; ``definition_file``
reads and checks the files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, TypeAlias

from bot.interview.figures import is_figure, magnitude

#: A stored answer in its parsed form. ``None`` records a deliberately skipped question.
Value: TypeAlias = str | int | list[str] | None


class Kind(StrEnum):
    """The kinds of question the interview knows how to ask and parse."""

    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    LIST = "list"
    DATE = "date"
    YEAR = "year"
    PERIOD = "period"
    DETAILS = "details"  # an optional detail for each item chosen in an earlier list or phrase bank


PERIODS: tuple[str, ...] = (
    "第一季度",
    "第二季度",
    "第三季度",
    "第四季度",
    "上半年",
    "下半年",
    "全年",
)

TEXT_KINDS = frozenset({Kind.SHORT_TEXT, Kind.LONG_TEXT})
ITEM_KINDS = frozenset({Kind.LIST, Kind.MULTI_CHOICE, Kind.DETAILS})
#: A stored detail is the item it belongs to and the detail, on two lines.
DETAIL_SEPARATOR = "\n"
DEFAULT_MAX_ITEMS = 20
DEFAULT_MAX_CHARS = 5000  # 《整治形式主义为基层减负若干规定》: about 5,000 characters at most


@dataclass(frozen=True)
class Condition:
    """Asks a question only when an earlier answer meets a test."""

    question: str
    op: str
    operand: Value | bool | tuple[str, ...] = None

    OPS = ("equals", "not_equals", "in", "min", "answered")

    def holds(self, answers: Mapping[str, Value]) -> bool:
        """Whether the condition is met by ``answers`` (a missing answer never meets it)."""
        value = answers.get(self.question)
        if self.op == "answered":
            return has_content(value) == bool(self.operand)
        if value is None:
            return False
        if self.op == "equals":
            return value == self.operand
        if self.op == "not_equals":
            return value != self.operand
        if self.op == "in":
            assert isinstance(self.operand, tuple)
            return value in self.operand
        if self.op == "min":
            if isinstance(value, str) and is_figure(value):
                value = int(magnitude(value))  # an approximate count such as 30余 meets min 1
            return isinstance(value, int) and isinstance(self.operand, int) and value >= self.operand
        raise AssertionError(self.op)

    def describe(self) -> dict[str, Any]:
        """The condition as plain data, in the form the definition file uses."""
        operand = list(self.operand) if isinstance(self.operand, tuple) else self.operand
        return {"question": self.question, self.op: operand}


@dataclass(frozen=True)
class Question:
    """One question of the interview."""

    id: str
    kind: Kind
    label: str
    prompt: str
    example: str = ""
    optional: bool = False
    profile: bool = False
    carry: bool = True
    default: Value = None
    when: Condition | None = None
    options: tuple[str, ...] = ()
    max_length: int = 0
    min: int | None = None
    max: int | None = None
    min_items: int = 0
    max_items: int = DEFAULT_MAX_ITEMS
    unit: str = ""
    of: str = ""  # details: the list or phrase bank whose chosen items they belong to
    other: bool = False  # single choice: a typed answer that is none of the options is taken too

    @property
    def choices(self) -> tuple[str, ...]:
        """The fixed options a user can pick (periods included)."""
        return PERIODS if self.kind is Kind.PERIOD else self.options


@dataclass(frozen=True)
class Section:
    """A part of the report: a heading's worth of questions."""

    id: str
    title: str
    questions: tuple[Question, ...]
    intro: str = ""


@dataclass(frozen=True)
class ReportType:
    """A report type: its names and its sections in order."""

    id: str
    name: str
    description: str
    sections: tuple[Section, ...]
    order: int = 100
    path: Path | None = field(default=None, compare=False)
    max_chars: int = DEFAULT_MAX_CHARS  # body length the lint allows; 0 for no limit
    min_chars: int = 0  # below this the lint says the report is thin (0: never)

    # Cached: the interview asks for these several times per answer.
    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """All questions in interview order."""
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def _index(self) -> dict[str, tuple[Question, Section]]:
        index: dict[str, tuple[Question, Section]] = {}
        for s in self.sections:
            for q in s.questions:
                index.setdefault(q.id, (q, s))
        return index

    @cached_property
    def carried(self) -> tuple[Question, ...]:
        """The questions whose answer in the previous report is offered again."""
        return tuple(q for q in self.questions if q.carry)

    @cached_property
    def remembered(self) -> bool:
        """Whether any question's answer is remembered in the user's profile."""
        return any(q.profile for q in self.questions)

    @cached_property
    def conditional(self) -> bool:
        """Whether any question is asked only under a condition."""
        return any(q.when is not None for q in self.questions)

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if there is none)."""
        return self._index[question_id][0]

    def section_of(self, question_id: str) -> Section:
        """The section holding this question."""
        return self._index[question_id][1]


# Values whose emptiness is their length (a tuple: isinstance with one is quicker than with str | list).
_SIZED = (str, list)


def has_content(value: Value) -> bool:
    """Whether a stored value counts as answered (skips, empty text and empty lists do not)."""
    if value is None:
        return False
    return not isinstance(value, _SIZED) or len(value) > 0


def is_filled(question: Question, value: Value) -> bool:
    """Whether ``value`` answers ``question``: some content, and for a list its least items."""
    # Written out rather than calling has_content: every step tests every question this way.
    if value is None:
        return False
    if question.kind in ITEM_KINDS:
        # An optional list may be left empty, yet an empty list answers nothing.
        return isinstance(value, list) and len(value) >= max(1, question.min_items)
    return not isinstance(value, _SIZED) or len(value) > 0


def describe(report_type: ReportType) -> dict[str, Any]:
    """The definition as plain JSON-ready data (for ``reportbot schema``)."""

    def question(q: Question) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": q.id,
            "kind": q.kind.value,
            "label": q.label,
            "prompt": q.prompt,
            "example": q.example,
            "optional": q.optional,
            "profile": q.profile,
            "options": list(q.choices),
            "condition": q.when.describe() if q.when else None,
            "default": q.default,
        }
        if q.of:
            data["of"] = q.of
        if q.other:
            data["other"] = True
        limits: dict[str, int] = {}
        if q.max_length:
            limits["max_length"] = q.max_length
        if q.min is not None:
            limits["min"] = q.min
        if q.max is not None:
            limits["max"] = q.max
        if q.kind in ITEM_KINDS:
            limits["min_items"] = q.min_items
            limits["max_items"] = q.max_items
        data["limits"] = limits
        return data

    return {
        "id": report_type.id,
        "name": report_type.name,
        "description": report_type.description,
        "sections": [
            {"id": s.id, "title": s.title, "questions": [question(q) for q in s.questions]}
            for s in report_type.sections
        ],
    }
