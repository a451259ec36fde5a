"""Where a report's answers stand: the questions that apply, those still open, those missing,
and the sections and places of the questions that apply (for progress and jumping)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.interview.applicability import partition_applicable
from bot.interview.definition import Question, ReportType, Section, Value, is_filled

# A definition with many conditions has many sets of questions that apply; past this many
# groupings the cache starts again rather than grow without bound.
_MOST_GROUPINGS = 256


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
class SectionGrouping:
    """The sections that hold some of a set of questions, and each question's place in them."""

    sections: tuple[tuple[Section, tuple[Question, ...]], ...]
    places: dict[str, tuple[int, int, int, int]]  # section number, sections, number in it, in it


@dataclass(frozen=True)
class Survey:
    """Where a set of answers stands: the questions that apply, those open, those missing."""

    questions: tuple[Question, ...]
    open: frozenset[str]  # neither answered nor (optional and) deliberately skipped
    missing: tuple[Question, ...]  # required and not answered
    grouping: SectionGrouping

    def progress(self, question_id: str | None) -> Progress:
        """Progress at ``question_id`` (or overall when None)."""
        answered = len(self.questions) - len(self.open)
        if question_id is None:
            count = len(self.grouping.sections)
            return Progress(count, count, 0, 0, answered, len(self.questions))
        return Progress(*self.grouping.places[question_id], answered, len(self.questions))

    def next_open(self, after: str | None) -> str | None:
        """The first open question after ``after`` (from the start when None), wrapping round."""
        ids = [q.id for q in self.questions]
        start = ids.index(after) + 1 if after in ids else 0
        for q in self.questions[start:] + self.questions[:start]:
            if q.id in self.open:
                return q.id
        return None


class Surveyor:
    """Surveys answers to one report definition."""

    def __init__(self, definition: ReportType) -> None:
        self.definition = definition
        # Conditions make only a few sets of questions that apply; each set's grouping is
        # worked out once, keyed by the questions left out.
        self._groupings: dict[tuple[str, ...], SectionGrouping] = {}

    def survey(self, answers: Mapping[str, Value]) -> Survey:
        """Where ``answers`` stand; one pass serves a whole step (next question, progress, missing)."""
        questions, left_out = partition_applicable(self.definition, answers)
        open_ids = []
        missing = []
        for q in questions:
            if not is_filled(q, answers.get(q.id)):
                if not q.optional:
                    missing.append(q)
                if not (q.optional and q.id in answers):  # a skip settles an optional one
                    open_ids.append(q.id)
        return Survey(questions, frozenset(open_ids), tuple(missing), self._grouping(questions, left_out))

    def _grouping(self, questions: tuple[Question, ...], left_out: tuple[str, ...]) -> SectionGrouping:
        """Sections and places of ``questions``: all of the definition's but those ``left_out``."""
        grouping = self._groupings.get(left_out)
        if grouping is None:
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
            if len(self._groupings) >= _MOST_GROUPINGS:
                self._groupings.clear()
            grouping = self._groupings[left_out] = SectionGrouping(tuple(sections), places)
        return grouping
