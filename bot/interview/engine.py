"""The interview engine: pure functions of (definition, answers, cursor, input).

No Telegram, no SQLite, no clock and no randomness: the caller passes ``today`` where a date
matters, stores ``Step.changes`` and ``Step.cursor``, and shows ``Step.notice``/``Step.prompt``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec

from bot.interview.definition import (
    DETAIL_SEPARATOR,
    ITEM_KINDS,
    Kind,
    Question,
    ReportType,
    Section,
    Value,
    has_content,
)
from bot.interview.messages import Messages
from bot.interview.parsing import (
    FINISH_WORDS,
    Rejected,
    check_value,
    clean,
    parse_detail,
    parse_items,
    parse_toggles,
    parse_typed,
)


@dataclass(frozen=True)
class Cursor:
    """Where the interview stands: the question being asked (None once nothing is left)."""

    question: str | None
    review: bool = False  # after this question is settled, show the review again

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
    """Everything the engine needs about one report."""

    answers: Mapping[str, Value]
    cursor: Cursor
    suggestions: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """Section k of n, question i of m within it, and answers so far."""

    section_number: int
    section_count: int
    question_number: int
    question_count: int
    answered: int
    total: int


@dataclass(frozen=True)
class Choice:
    """One option as shown to the user; ``number`` is what they send or press."""

    number: int
    label: str
    selected: bool = False


@dataclass(frozen=True)
class Prompt:
    """The question to ask now, with what the user needs to answer it."""

    question: Question
    section: Section
    progress: Progress
    current: Value = None
    answered: bool = False  # a row exists, even a deliberate skip
    suggestion: Value = None
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
    """A section as listed for jumping: how many of its questions are settled."""

    number: int
    section: Section
    settled: int
    total: int


@dataclass(frozen=True)
class _Layout:
    """The sections that hold some of a set of questions, and each question's place in them."""

    sections: tuple[tuple[Section, tuple[Question, ...]], ...]
    places: dict[str, tuple[int, int, int, int]]  # section number, sections, number in it, in it


@dataclass(frozen=True)
class _Survey:
    """Where a set of answers stands: the questions that apply, those open, those missing."""

    questions: tuple[Question, ...]
    open: frozenset[str]
    missing: tuple[Question, ...]
    layout: _Layout


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


def suggest_one(question: Question, profile: Mapping[str, Value], previous: Value, today: dt.date) -> Value:
    """The value to offer for one question: profile, then the previous report, then defaults."""
    candidates: list[Value] = []
    if question.profile:
        candidates.append(profile.get(question.id))
    if question.carry:
        candidates.append(previous)
    candidates.append(question.default)
    if question.kind is Kind.YEAR:
        candidates.append(today.year)
    elif question.kind is Kind.DATE:
        candidates.append(today.isoformat())
    for value in candidates:
        if has_content(value) and check_value(question, value) is None:
            return value
    return None


def suggest(
    definition: ReportType,
    profile: Mapping[str, Value],
    previous: Mapping[str, Value],
    today: dt.date,
) -> dict[str, Value]:
    """Values to offer as one-tap answers for every question that has one."""
    offers = {q.id: suggest_one(q, profile, previous.get(q.id), today) for q in definition.questions}
    return {qid: value for qid, value in offers.items() if value is not None}


def profile_updates(definition: ReportType, changes: Mapping[str, Value]) -> dict[str, Value]:
    """The profile fields that ``changes`` sets, to be remembered for the user's next report."""
    updates: dict[str, Value] = {}
    for qid, value in changes.items():
        try:
            question = definition.question(qid)
        except KeyError:
            continue
        if question.profile and has_content(value):
            updates[qid] = value
    return updates


P = ParamSpec("P")


def visible_questions(definition: ReportType, answers: Mapping[str, Value]) -> list[Question]:
    """Questions whose conditions hold, in order (answers to hidden questions are ignored)."""
    return list(_visibility(definition, answers)[0])


def _visibility(
    definition: ReportType, answers: Mapping[str, Value]
) -> tuple[tuple[Question, ...], tuple[str, ...]]:
    """The questions whose conditions hold, in order, and the ids of those whose do not."""
    if not definition.conditional:
        return definition.questions, ()
    visible: dict[str, Value] = {}
    shown = []
    hidden = []
    for q in definition.questions:
        if q.when is None or q.when.holds(visible):
            shown.append(q)
            if q.id in answers:
                visible[q.id] = answers[q.id]
        else:
            hidden.append(q.id)
    return tuple(shown), tuple(hidden)


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
        self._least_items = {q.id: max(1, q.min_items) for q in definition.questions if q.kind in ITEM_KINDS}
        # Sections and places for each set of hidden questions met so far (conditions make only
        # a few such sets), worked out once each.
        self._layouts: dict[tuple[str, ...], _Layout] = {}

    # -- queries -------------------------------------------------------------------------

    def applicable(self, answers: Mapping[str, Value]) -> list[Question]:
        """Questions whose conditions hold, in order (answers to hidden questions are ignored)."""
        return visible_questions(self.definition, answers)

    def visible_answers(self, answers: Mapping[str, Value]) -> dict[str, Value]:
        """The answers that belong in the report (those of applicable questions)."""
        return {q.id: answers[q.id] for q in self.applicable(answers) if q.id in answers}

    def missing(self, answers: Mapping[str, Value]) -> list[Question]:
        """Required questions that still lack an answer."""
        return list(self._survey(answers).missing)

    def progress(self, answers: Mapping[str, Value], question_id: str | None) -> Progress:
        """Progress at ``question_id`` (or overall when None)."""
        return self._progress(question_id, self._survey(answers))

    def _survey(self, answers: Mapping[str, Value]) -> _Survey:
        # One pass over the questions serves the whole step: next question, progress, missing.
        # It runs on every step, so the test for an answer is written out here.
        questions, hidden = _visibility(self.definition, answers)
        least_items = self._least_items
        open_ids = []
        missing = []
        for q in questions:
            value = answers.get(q.id)
            least = least_items.get(q.id)  # for list questions
            if least is not None:
                filled = isinstance(value, list) and len(value) >= least
            else:
                filled = has_content(value)
            if not filled:
                if not q.optional:
                    missing.append(q)
                if not (q.optional and q.id in answers):  # a skip settles an optional one
                    open_ids.append(q.id)
        return _Survey(questions, frozenset(open_ids), tuple(missing), self._layout(questions, hidden))

    def _progress(self, question_id: str | None, survey: _Survey) -> Progress:
        questions = survey.questions
        settled = len(questions) - len(survey.open)
        layout = survey.layout
        if question_id is None:
            count = len(layout.sections)
            return Progress(count, count, 0, 0, settled, len(questions))
        return Progress(*layout.places[question_id], settled, len(questions))

    def sections(self, answers: Mapping[str, Value]) -> list[SectionStatus]:
        """The sections that have questions to ask, with how far each has got."""
        survey = self._survey(answers)
        return [
            SectionStatus(n, s, sum(1 for q in qs if q.id not in survey.open), len(qs))
            for n, (s, qs) in enumerate(survey.layout.sections, 1)
        ]

    def review_sections(self, answers: Mapping[str, Value]) -> tuple[ReviewSection, ...]:
        """All answers by section, numbered for ``edit``."""
        survey = self._survey(answers)
        missing = {q.id for q in survey.missing}
        result = []
        number = 0
        for n, (section, questions) in enumerate(survey.layout.sections, 1):
            items = []
            for q in questions:
                number += 1
                items.append(
                    ReviewItem(
                        number,
                        q,
                        answers.get(q.id),
                        q.id in answers,
                        q.id in missing,
                    )
                )
            result.append(ReviewSection(n, section, tuple(items)))
        return tuple(result)

    # -- operations ------------------------------------------------------------------------

    def start(self, answers: Mapping[str, Value], suggestions: Mapping[str, Value]) -> Step:
        """Begin (or resume) at the first question still open."""
        state = State(answers, Cursor(self._next_open(answers, None)), suggestions)
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
                if question.kind is Kind.DETAILS:
                    return self._add_detail(state, question, text)
                return self._add_items(state, question, text)
            value = parse_typed(question, text, today)
        except Rejected as exc:
            return self._reject(state, exc.key, **exc.params)
        return self._advance(state, {question.id: value})

    @_on_question
    def choose(self, state: State, question: Question, number: int) -> Step:
        """Pick option ``number`` (single choice, period) or toggle it (multi choice)."""
        choices = self._choices(question, state.answers.get(question.id), state.answers)
        if not choices or question.kind is Kind.DETAILS:
            return self._reject(state, "no_choices")
        if not 1 <= number <= len(choices):
            return self._reject(state, "choice_number", count=len(choices))
        if question.kind is Kind.MULTI_CHOICE:
            return self._toggle(state, question, [number])
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
        questions = self.applicable(state.answers)
        ids = [q.id for q in questions]
        here = ids.index(state.cursor.question) if state.cursor.question else len(ids)
        if here == 0:
            return self._reject(state, "at_start")
        return self._show(State(state.answers, Cursor(ids[here - 1]), state.suggestions))

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
        grouped = survey.layout.sections
        if not 1 <= number <= len(grouped):
            return self._reject(state, "section_number", count=len(grouped))
        _, questions = grouped[number - 1]
        target = next((q for q in questions if q.id in survey.open), questions[0])
        return self._show(State(state.answers, Cursor(target.id), state.suggestions))

    def review(self, state: State) -> Step:
        """All answers by section, numbered so that each can be changed."""
        state = self._normalize(state)
        step = self._show(state)
        return Step(
            {},
            step.cursor,
            step.prompt,
            review=self.review_sections(state.answers),
            missing=step.missing,
        )

    def edit(self, state: State, ref: str) -> Step:
        """Change one answer (by review number or question id), then return to the review."""
        state = self._normalize(state)
        questions = self.applicable(state.answers)
        ref = ref.strip()
        target: Question | None = None
        if ref.isdecimal() and 1 <= int(ref) <= len(questions):
            target = questions[int(ref) - 1]
        else:
            target = next((q for q in questions if q.id == ref), None)
        if target is None:
            return self._reject(state, "edit_number", count=len(questions))
        return self._show(State(state.answers, Cursor(target.id, review=True), state.suggestions))

    # -- internals -------------------------------------------------------------------------

    def _layout(self, questions: tuple[Question, ...], hidden: tuple[str, ...]) -> _Layout:
        """Sections and places of ``questions``: all of the definition's but the ``hidden`` ones."""
        layout = self._layouts.get(hidden)
        if layout is None:
            wanted = {q.id for q in questions}
            sections = []
            for section in self.definition.sections:
                qs = tuple(q for q in section.questions if q.id in wanted)
                if qs:
                    sections.append((section, qs))
            places = {
                q.id: (n, len(sections), k, len(qs))
                for n, (_, qs) in enumerate(sections, 1)
                for k, q in enumerate(qs, 1)
            }
            if len(self._layouts) >= 256:
                self._layouts.clear()  # a definition with many conditions: never grows unbounded
            layout = self._layouts[hidden] = _Layout(tuple(sections), places)
        return layout

    def _next_open(
        self, answers: Mapping[str, Value], after: str | None, survey: _Survey | None = None
    ) -> str | None:
        if survey is None:
            survey = self._survey(answers)
        questions = survey.questions
        ids = [q.id for q in questions]
        start = ids.index(after) + 1 if after in ids else 0
        for q in questions[start:] + questions[:start]:
            if q.id in survey.open:
                return q.id
        return None

    def _normalize(self, state: State) -> State:
        """Move a cursor off a question that no longer applies (or no longer exists)."""
        qid = state.cursor.question
        if qid is None or self._applies(qid, state.answers):
            return state
        return State(state.answers, Cursor(self._next_open(state.answers, None)), state.suggestions)

    def _applies(self, question_id: str, answers: Mapping[str, Value]) -> bool:
        try:
            question = self.definition.question(question_id)
        except KeyError:
            return False
        # Without a condition a question always applies; with one, its chain must be followed.
        return question.when is None or question in self.applicable(answers)

    def _question(self, state: State) -> Question | None:
        qid = state.cursor.question
        return None if qid is None else self.definition.question(qid)

    def _choices(
        self, question: Question, current: Value, answers: Mapping[str, Value]
    ) -> tuple[Choice, ...]:
        if question.kind is Kind.DETAILS:
            # The items chosen in the question the details are for, under the numbers the user
            # saw there (a phrase bank keeps its numbers); those with a detail are marked.
            target = self.definition.question(question.of)
            chosen = self._choices(target, answers.get(target.id), answers)
            if target.kind is Kind.MULTI_CHOICE:
                chosen = tuple(c for c in chosen if c.selected)
            else:
                items = answers.get(target.id)
                listed = items if isinstance(items, list) else []
                chosen = tuple(Choice(n, item) for n, item in enumerate(listed, 1))
            given = {d.split(DETAIL_SEPARATOR)[0] for d in current} if isinstance(current, list) else set()
            return tuple(Choice(c.number, c.label, c.label in given) for c in chosen)
        selected = set(current) if isinstance(current, list) else {current}
        labels = list(question.choices)
        if question.kind is Kind.MULTI_CHOICE and isinstance(current, list):
            labels += [item for item in current if item not in question.options]
        return tuple(Choice(n, label, label in selected) for n, label in enumerate(labels, 1))

    def _prompt(self, state: State, survey: _Survey) -> Prompt | None:
        question = self._question(state)
        if question is None:
            return None
        current = state.answers.get(question.id)
        return Prompt(
            question=question,
            section=self.definition.section_of(question.id),
            progress=self._progress(question.id, survey),
            current=current,
            answered=question.id in state.answers,
            suggestion=state.suggestions.get(question.id),
            choices=self._choices(question, current, state.answers),
            position=self._positions[question.id],
        )

    def _show(
        self,
        state: State,
        changes: Mapping[str, Value] | None = None,
        notice: str = "",
        survey: _Survey | None = None,
    ) -> Step:
        if survey is None:
            survey = self._survey(state.answers)
        return Step(
            dict(changes or {}), state.cursor, self._prompt(state, survey), notice, missing=survey.missing
        )

    def _stay(self, state: State, changes: Mapping[str, Value], notice: str = "") -> Step:
        answers = {**state.answers, **changes}
        return self._show(State(answers, state.cursor, state.suggestions), changes, notice)

    def _advance(self, state: State, changes: Mapping[str, Value]) -> Step:
        answers = {**state.answers, **changes}
        if state.cursor.review:
            cursor = Cursor(self._next_open(answers, None))
            step = self._show(
                State(answers, cursor, state.suggestions),
                changes,
                self.messages.text("engine.changed"),
            )
            return Step(
                step.changes,
                step.cursor,
                step.prompt,
                step.notice,
                review=self.review_sections(answers),
                missing=step.missing,
            )
        survey = self._survey(answers)
        cursor = Cursor(self._next_open(answers, state.cursor.question, survey))
        return self._show(State(answers, cursor, state.suggestions), changes, survey=survey)

    def _reject(self, state: State, key: str, **params: Any) -> Step:
        step = self._show(state, notice=self.messages.text(f"error.{key}", **params))
        return Step(step.changes, step.cursor, step.prompt, step.notice, rejected=True, missing=step.missing)

    def _add_items(self, state: State, question: Question, text: str) -> Step:
        current = state.answers.get(question.id)
        items = list(current) if isinstance(current, list) else []
        if question.kind is Kind.MULTI_CHOICE:
            toggles = parse_toggles(text, len(self._choices(question, current, state.answers)))
            if toggles is not None:
                return self._toggle(state, question, toggles)
        new = [item for item in parse_items(question, text) if item not in items]
        if not new:
            return self._reject(state, "duplicate_item")
        if len(items) + len(new) > question.max_items:
            return self._reject(state, "too_many_items", max=question.max_items)
        items += new
        notice = self.messages.text("engine.items_added", added=len(new), total=len(items))
        return self._stay(state, {question.id: items}, notice)

    def _toggle(self, state: State, question: Question, numbers: list[int]) -> Step:
        current = state.answers.get(question.id)
        choices = self._choices(question, current, state.answers)
        items = list(current) if isinstance(current, list) else []
        for number in numbers:
            label = choices[number - 1].label
            if label in items:
                items.remove(label)
            else:
                items.append(label)
        if len(items) > question.max_items:
            return self._reject(state, "too_many_items", max=question.max_items)
        notice = self.messages.text("engine.selected", total=len(items))
        return self._stay(state, {question.id: items}, notice)

    def _add_detail(self, state: State, question: Question, text: str) -> Step:
        current = state.answers.get(question.id)
        choices = self._choices(question, current, state.answers)
        if not choices:
            return self._reject(state, "no_items_for_details")
        by_number = {c.number: c.label for c in choices}
        number, detail = parse_detail(question, text, tuple(by_number))
        item = by_number[number]
        kept = {d.split(DETAIL_SEPARATOR)[0]: d for d in current} if isinstance(current, list) else {}
        kept[item] = f"{item}{DETAIL_SEPARATOR}{detail}"
        # Stored in the order of the items they belong to, whatever order they were sent in.
        details = [kept[c.label] for c in choices if c.label in kept]
        notice = self.messages.text("engine.detail_added", number=number, total=len(details))
        return self._stay(state, {question.id: details}, notice)
