"""Where a report's answers stand: the questions that apply, those still open, those missing,
and the sections and places of the questions that apply (for progress and jumping)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
    settled: bool = True  # no follow-up can still appear in the section: its count is final
    added: int = 0  # questions the answer just given added to this section


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
    # Per question, the questions whose answers decide whether its section's follow-ups are asked.
    deciders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def progress(self, question_id: str | None, added: int = 0) -> Progress:
        """Progress at ``question_id`` (or overall when None); ``added``: follow-ups just added."""
        answered = len(self.questions) - len(self.open)
        if question_id is None:
            count = len(self.grouping.sections)
            return Progress(count, count, 0, 0, answered, len(self.questions))
        # A follow-up may still appear while a question deciding it is open or being asked;
        # until then the section's count is not shown, so it never changes under the user.
        deciders = self.deciders.get(question_id, ())
        settled = not any(d == question_id or d in self.open for d in deciders)
        place = self.grouping.places[question_id]
        return Progress(*place, answered, len(self.questions), settled, added)

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
        by_section = {
            s.id: tuple(dict.fromkeys(q.when.question for q in s.questions if q.when is not None))
            for s in definition.sections
        }
        self._deciders = {q.id: by_section[s.id] for s in definition.sections for q in s.questions}
        self._all_deciders = frozenset(d for ds in by_section.values() for d in ds)

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
        grouping = self._grouping(questions, left_out)
        return Survey(questions, frozenset(open_ids), tuple(missing), grouping, self._deciders)

    def added(
        self, before: Mapping[str, Value], after: Survey, asked: str | None, following: str | None
    ) -> int:
        """How many questions answering ``asked`` added to the section the interview goes on in."""
        if asked not in self._all_deciders or asked is None or following is None:
            return 0
        section = self.definition.section_of(following)
        if section is not self.definition.section_of(asked):
            return 0  # a section not reached yet: its count has not been shown
        earlier = {q.id for q in self.survey(before).questions}
        now = {q.id for q in after.questions}
        return sum(1 for q in section.questions if q.id in now and q.id not in earlier)

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
