"""The interview engine: pure functions of (definition, answers, cursor, input).

No Telegram, no SQLite, no clock and no randomness: the caller passes ``today`` where a date
matters and the one-tap offers as plain data, stores ``Step.changes`` and ``Step.cursor``, and
shows ``Step.notice``/``Step.prompt``. This module imports only the standard library and
``bot.interview`` modules (tests/test_engine.py checks).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Concatenate, ParamSpec

from bot.interview.applicability import applicable_answers, applicable_questions
from bot.interview.definition import ITEM_KINDS, Kind, Question, ReportType, Section, Value, has_content
from bot.interview.items import Choice, choices_for, items_after, with_options_toggled
from bot.interview.messages import Messages
from bot.interview.parsing import FINISH_WORDS, Rejected, clean, parse_typed
from bot.interview.survey import Progress, Survey, Surveyor


@dataclass(frozen=True)
class Cursor:
    """Where the interview stands: the question being asked (None once nothing is left)."""

    question: str | None
    review: bool = False  # after this question is answered, show the review again

    def to_dict(self) -> dict[str, Any]:
        """The cursor as JSON-ready data."""
        return {"question": self.question, "review": self.review}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Cursor:
        """A cursor from stored data (a missing or odd value starts over)."""
        if not isinstance(data, Mapping):
            return cls(None)
        question = data.get("question")
        return cls(question if isinstance(question, str) else None, bool(data.get("review")))


@dataclass(frozen=True)
class State:
    """Everything the engine needs about one report, as plain data."""

    answers: Mapping[str, Value]
    cursor: Cursor
    suggestions: Mapping[str, Value] = field(default_factory=dict)  # one-tap offers by question id
    remembered: frozenset[str] = frozenset()  # offers that are the user's own earlier answers


@dataclass(frozen=True)
class Prompt:
    """The question to ask now, with what the user needs to answer it."""

    question: Question
    section: Section
    progress: Progress
    current: Value = None
    answered: bool = False  # a row exists, even a deliberate skip
    suggestion: Value = None
    remembered: bool = False  # the suggestion is the user's own earlier answer, not a default
    choices: tuple[Choice, ...] = ()
    position: int = 0  # the question's place in the whole definition, 1-based (for buttons)


@dataclass(frozen=True)
class ReviewItem:
    """One answer in the review, addressable by ``number``."""

    number: int
    question: Question
    value: Value
    answered: bool
    missing: bool


@dataclass(frozen=True)
class ReviewSection:
    """A section's answers in the review."""

    number: int
    section: Section
    items: tuple[ReviewItem, ...]


@dataclass(frozen=True)
class SectionStatus:
    """A section as listed for jumping: how many of its questions are answered."""

    number: int
    section: Section
    answered: int  # answered or, when optional, deliberately skipped
    total: int


@dataclass(frozen=True)
class Step:
    """The outcome of one operation: what to store and what to say."""

    changes: Mapping[str, Value]
    cursor: Cursor
    prompt: Prompt | None
    notice: str = ""
    rejected: bool = False
    review: tuple[ReviewSection, ...] = ()
    missing: tuple[Question, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every required answer is present after this step."""
        return not self.missing

    @property
    def finished(self) -> bool:
        """Whether this step ends the interview: nothing asked, refused or reviewed, all answered."""
        return self.prompt is None and not self.rejected and not self.review and self.complete


P = ParamSpec("P")


def _on_question(
    method: Callable[Concatenate[Interview, State, Question, P], Step],
) -> Callable[Concatenate[Interview, State, P], Step]:
    """Run an operation on the current question; once nothing is left, say the report is done."""

    @functools.wraps(method)
    def wrapper(self: Interview, state: State, /, *args: P.args, **kwargs: P.kwargs) -> Step:
        state = self._normalize(state)
        question = self._question(state)
        if question is None:
            return self._reject(state, "done")
        return method(self, state, question, *args, **kwargs)

    return wrapper


class Interview:
    """The operations of an interview over one report definition."""

    def __init__(self, definition: ReportType, messages: Messages) -> None:
        self.definition = definition
        self.messages = messages
        self._positions = {q.id: n for n, q in enumerate(definition.questions, 1)}
        self._surveyor = Surveyor(definition)
        self._survey = self._surveyor.survey

    # -- queries -------------------------------------------------------------------------

    def applicable_questions(self, answers: Mapping[str, Value]) -> list[Question]:
        """The questions that apply to ``answers`` (their conditions hold), in order."""
        return applicable_questions(self.definition, answers)

    def applicable_answers(self, answers: Mapping[str, Value]) -> dict[str, Value]:
        """The answers that belong in the report: those to the questions that apply."""
        return applicable_answers(self.definition, answers)

    def missing(self, answers: Mapping[str, Value]) -> list[Question]:
        """Required questions that still lack an answer."""
        return list(self._survey(answers).missing)

    def progress(self, answers: Mapping[str, Value], question_id: str | None) -> Progress:
        """Progress at ``question_id`` (or overall when None)."""
        return self._survey(answers).progress(question_id)

    def sections(self, answers: Mapping[str, Value]) -> list[SectionStatus]:
        """The sections that have questions to ask, with how far each has got."""
        survey = self._survey(answers)
        return [
            SectionStatus(n, s, sum(1 for q in qs if q.id not in survey.open), len(qs))
            for n, (s, qs) in enumerate(survey.grouping.sections, 1)
        ]

    def review_sections(self, answers: Mapping[str, Value]) -> tuple[ReviewSection, ...]:
        """All answers by section, numbered for ``edit``."""
        survey = self._survey(answers)
        missing = {q.id for q in survey.missing}
        result = []
        number = 0
        for n, (section, questions) in enumerate(survey.grouping.sections, 1):
            items = []
            for q in questions:
                number += 1
                items.append(ReviewItem(number, q, answers.get(q.id), q.id in answers, q.id in missing))
            result.append(ReviewSection(n, section, tuple(items)))
        return tuple(result)

    # -- operations ------------------------------------------------------------------------

    def start(
        self,
        answers: Mapping[str, Value],
        suggestions: Mapping[str, Value],
        remembered: frozenset[str] = frozenset(),
    ) -> Step:
        """Begin (or resume) at the first question still open."""
        state = State(answers, Cursor(self._survey(answers).next_open(None)), suggestions, remembered)
        return self._show(state)

    def current(self, state: State) -> Step:
        """Say again what is being asked."""
        return self._show(self._normalize(state))

    @_on_question
    def answer(self, state: State, question: Question, text: str, today: dt.date) -> Step:
        """Take one message as the answer to the current question."""
        text = clean(text)
        if not text:
            return self._reject(state, "empty")
        try:
            if question.kind in ITEM_KINDS:
                if text.lower() in FINISH_WORDS:
                    return self.finish(state)
                items, key, params = items_after(self.definition, question, state.answers, text)
                return self._stay(state, {question.id: items}, self.messages.text(key, **params))
            value = parse_typed(question, text, today)
        except Rejected as exc:
            return self._reject(state, exc.key, **exc.params)
        return self._advance(state, {question.id: value})

    @_on_question
    def choose(self, state: State, question: Question, number: int) -> Step:
        """Pick option ``number`` (single choice, period) or toggle it (multi choice)."""
        choices = self._choices(question, state.answers)
        if not choices or question.kind is Kind.DETAILS:
            return self._reject(state, "no_choices")
        if not 1 <= number <= len(choices):
            return self._reject(state, "choice_number", count=len(choices))
        if question.kind is Kind.MULTI_CHOICE:
            try:
                items = with_options_toggled(question, state.answers.get(question.id), choices, [number])
            except Rejected as exc:
                return self._reject(state, exc.key, **exc.params)
            return self._stay(
                state, {question.id: items}, self.messages.text("engine.selected", total=len(items))
            )
        return self._advance(state, {question.id: choices[number - 1].label})

    @_on_question
    def finish(self, state: State, question: Question) -> Step:
        """End a list or a multi choice and move on."""
        if question.kind not in ITEM_KINDS:
            return self._reject(state, "not_a_list")
        items = state.answers.get(question.id)
        count = len(items) if isinstance(items, list) else 0
        if count < question.min_items:
            return self._reject(state, "too_few_items", min=question.min_items)
        changes: dict[str, Value] = {}
        if count == 0 and state.answers.get(question.id, "") is not None:
            changes[question.id] = None  # an optional list left empty counts as skipped
        return self._advance(state, changes)

    @_on_question
    def accept(self, state: State, question: Question) -> Step:
        """Keep the current answer, or take the offered one, and move on."""
        current = state.answers.get(question.id)
        if has_content(current) and question.kind in ITEM_KINDS:
            return self.finish(state)
        if has_content(current) or (current is None and question.id in state.answers):
            return self._advance(state, {})  # keep the answer (or the skip) as it is
        offer = state.suggestions.get(question.id)
        if not has_content(offer):
            return self._reject(state, "nothing_to_accept")
        return self._advance(state, {question.id: offer})

    @_on_question
    def clear(self, state: State, question: Question) -> Step:
        """Empty the items of the current list or multi choice."""
        if question.kind not in ITEM_KINDS:
            return self._reject(state, "clear_not_needed")
        return self._stay(state, {question.id: []}, self.messages.text("engine.cleared"))

    def back(self, state: State) -> Step:
        """Go to the previous question; later answers are kept."""
        state = self._normalize(state)
        ids = [q.id for q in self.applicable_questions(state.answers)]
        here = ids.index(state.cursor.question) if state.cursor.question else len(ids)
        if here == 0:
            return self._reject(state, "at_start")
        return self._show(replace(state, cursor=Cursor(ids[here - 1])))

    @_on_question
    def skip(self, state: State, question: Question) -> Step:
        """Pass over an optional question (a required one says why it cannot be skipped)."""
        if not question.optional:
            return self._reject(state, "cannot_skip", label=question.label)
        changes: dict[str, Value] = {} if question.id in state.answers else {question.id: None}
        return self._advance(state, changes)

    def goto_section(self, state: State, number: int) -> Step:
        """Jump to section ``number`` (as listed by :meth:`sections`)."""
        state = self._normalize(state)
        survey = self._survey(state.answers)
        grouped = survey.grouping.sections
        if not 1 <= number <= len(grouped):
            return self._reject(state, "section_number", count=len(grouped))
        _, questions = grouped[number - 1]
        target = next((q for q in questions if q.id in survey.open), questions[0])
        return self._show(replace(state, cursor=Cursor(target.id)))

    def review(self, state: State) -> Step:
        """All answers by section, numbered so that each can be changed."""
        state = self._normalize(state)
        return replace(self._show(state), review=self.review_sections(state.answers))

    def edit(self, state: State, ref: str) -> Step:
        """Change one answer (by review number or question id), then return to the review."""
        state = self._normalize(state)
        questions = self.applicable_questions(state.answers)
        ref = ref.strip()
        target: Question | None = None
        if ref.isdecimal() and 1 <= int(ref) <= len(questions):
            target = questions[int(ref) - 1]
        else:
            target = next((q for q in questions if q.id == ref), None)
        if target is None:
            return self._reject(state, "edit_number", count=len(questions))
        return self._show(replace(state, cursor=Cursor(target.id, review=True)))

    # -- internals -------------------------------------------------------------------------

    def _normalize(self, state: State) -> State:
        """Move a cursor off a question that no longer applies (or no longer exists)."""
        qid = state.cursor.question
        if qid is None or self._applies(qid, state.answers):
            return state
        return replace(state, cursor=Cursor(self._survey(state.answers).next_open(None)))

    def _applies(self, question_id: str, answers: Mapping[str, Value]) -> bool:
        try:
            question = self.definition.question(question_id)
        except KeyError:
            return False
        # Without a condition a question always applies; with one, its chain must be followed.
        return question.when is None or question in self.applicable_questions(answers)

    def _question(self, state: State) -> Question | None:
        qid = state.cursor.question
        return None if qid is None else self.definition.question(qid)

    def _choices(self, question: Question, answers: Mapping[str, Value]) -> tuple[Choice, ...]:
        return choices_for(self.definition, question, answers.get(question.id), answers)

    def _prompt(self, state: State, survey: Survey, added: int = 0) -> Prompt | None:
        question = self._question(state)
        if question is None:
            return None
        return Prompt(
            question=question,
            section=self.definition.section_of(question.id),
            progress=survey.progress(question.id, added=added),
            current=state.answers.get(question.id),
            answered=question.id in state.answers,
            suggestion=state.suggestions.get(question.id),
            remembered=question.id in state.remembered,
            choices=self._choices(question, state.answers),
            position=self._positions[question.id],
        )

    def _show(
        self,
        state: State,
        changes: Mapping[str, Value] | None = None,
        notice: str = "",
        survey: Survey | None = None,
        added: int = 0,
    ) -> Step:
        if survey is None:
            survey = self._survey(state.answers)
        prompt = self._prompt(state, survey, added)
        return Step(dict(changes or {}), state.cursor, prompt, notice, missing=survey.missing)

    def _stay(self, state: State, changes: Mapping[str, Value], notice: str = "") -> Step:
        answers = {**state.answers, **changes}
        return self._show(replace(state, answers=answers), changes, notice)

    def _advance(self, state: State, changes: Mapping[str, Value]) -> Step:
        answers = {**state.answers, **changes}
        survey = self._survey(answers)
        if state.cursor.review:
            cursor = Cursor(survey.next_open(None))
            notice = self.messages.text("engine.changed")
            added = self._surveyor.added(state.answers, survey, state.cursor.question, cursor.question)
            step = self._show(replace(state, answers=answers, cursor=cursor), changes, notice, survey, added)
            return replace(step, review=self.review_sections(answers))
        cursor = Cursor(survey.next_open(state.cursor.question))
        added = self._surveyor.added(state.answers, survey, state.cursor.question, cursor.question)
        return self._show(replace(state, answers=answers, cursor=cursor), changes, survey=survey, added=added)

    def _reject(self, state: State, key: str, **params: Any) -> Step:
        step = self._show(state, notice=self.messages.text(f"error.{key}", **params))
        return replace(step, rejected=True)
