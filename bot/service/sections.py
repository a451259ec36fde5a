"""A report section's printed text in the chat: shown, rewritten by hand, polished, restored.

Front ends (console, Telegram) call this; the text replacing a section's generated body is
stored with the report (:meth:`storage.Store.set_section_text`) and used by every later preview
and export (:meth:`bot.service.reports.Reports.document`). Sections are numbered as in
``/section``; one that prints no body of its own (the basic facts) has no text to show. A
section printed without a heading (a speech's parts) is shown under its title.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.interview.definition import ReportType, Section
from bot.interview.engine import Step
from bot.interview.messages import Messages
from bot.interview.presenter import format_value
from bot.service.reports import Reports
from storage import Report, SectionText

if TYPE_CHECKING:
    from bot.document.compose import Composer

MAX_SECTION_CHARS = 6000  # a section is rarely over 2,000 characters; the whole body's limit is 5,000
# Operations that move on from a question after answering it (not back, jumps or the review).
_FORWARD = ("answer", "choose", "finish", "accept", "skip")
_NUMBER_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)")


class SectionUnavailable(Exception):
    """The section cannot be shown or changed; ``key`` names the message that says why."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class SectionView:
    """A section as it will print: heading (numbered; the title when it prints none), text now,
    generated text, who changed it."""

    report_id: int
    number: int
    section: Section
    heading: str
    text: str
    generated: str
    origin: str | None  # None: the generated text; "hand" or "polish"
    headed: bool = True  # False: the section prints no heading (the title stands in for it)

    def key(self, key: str) -> str:
        """Message ``key``, or its ``_plain`` variant when the section prints no heading (its
        text then holds all its numbering, 第一， and the like)."""
        return key if self.headed else f"{key}_plain"


@dataclass(frozen=True)
class PolishInput:
    """What a polish request carries for one section."""

    heading: str
    answers: list[tuple[str, str]]  # (question label, answer as printed)
    current: str  # the text to polish (the section's text now)
    names: list[str]  # answers that are names (questions whose id names a name)


class SectionDrafts:
    """Sections' printed texts of stored reports."""

    def __init__(self, reports: Reports, composer: Callable[[], Composer]) -> None:
        self.reports = reports
        self._composer = composer

    def _definition(self, report: Report) -> ReportType:
        return self.reports.templates.interview(report.type).definition

    def _section(self, definition: ReportType, number: int) -> Section:
        if not 1 <= number <= len(definition.sections):
            raise SectionUnavailable("section.number", count=len(definition.sections))
        return definition.sections[number - 1]

    def view(self, owner: str, report_id: int, number: int) -> SectionView:
        """Section ``number`` of the report as it will print (SectionUnavailable if it prints none)."""
        from bot.document.sections import bodies

        report = self.reports.load(owner, report_id)
        definition = self._definition(report)
        section = self._section(definition, number)
        generated = self._composer().compose(definition, report.answers)
        body = bodies(generated).get(section.id)
        if body is None:
            raise SectionUnavailable("section.no_body", number=number, title=section.title)
        changed = report.texts.get(section.id)
        text = "\n".join(_lines(changed.text)) if changed else body.text
        return SectionView(
            report_id,
            number,
            section,
            body.heading or section.title,
            text,
            body.text,
            changed.origin if changed else None,
            bool(body.heading),
        )

    def numbers_with_text(self, owner: str, report_id: int) -> list[tuple[int, Section]]:
        """The sections that print a body of their own, numbered."""
        from bot.document.sections import bodies

        report = self.reports.load(owner, report_id)
        definition = self._definition(report)
        printed = bodies(self._composer().compose(definition, report.answers))
        return [(n, s) for n, s in enumerate(definition.sections, 1) if s.id in printed]

    def replace(
        self, owner: str, report_id: int, number: int, text: str, origin: str, *, update_id: int | None = None
    ) -> SectionView:
        """Store ``text`` as the section's body (SectionUnavailable when empty or too long)."""
        lines = _lines(text)
        if not lines:
            raise SectionUnavailable("section.rewrite_empty")
        length = sum(len(line) for line in lines)
        if length > MAX_SECTION_CHARS:
            raise SectionUnavailable("section.rewrite_too_long", limit=MAX_SECTION_CHARS, length=length)
        view = self.view(owner, report_id, number)
        self.reports.store.set_section_text(
            owner, report_id, view.section.id, SectionText("\n".join(lines), origin), update_id=update_id
        )
        return self.view(owner, report_id, number)

    def restore(self, owner: str, report_id: int, number: int, *, update_id: int | None = None) -> bool:
        """Back to the generated text; False when it was not changed."""
        view = self.view(owner, report_id, number)
        if view.origin is None:
            return False
        self.reports.store.set_section_text(owner, report_id, view.section.id, None, update_id=update_id)
        return True

    def start_rewrite(self, owner: str, report_id: int, number: int) -> SectionView:
        """The owner's next typed message is the section's new text."""
        view = self.view(owner, report_id, number)
        self.reports.store.set_rewriting(owner, f"{report_id}:{number}")
        return view

    def rewriting(self, owner: str) -> tuple[int, int] | None:
        """The report and section whose new text the owner's next message is, if any."""
        target = self.reports.store.rewriting(owner)
        if target is None:
            return None
        report, _, number = target.partition(":")
        return (int(report), int(number)) if report.isdecimal() and number.isdecimal() else None

    def end_rewrite(self, owner: str) -> None:
        """Typed messages are answers again."""
        self.reports.store.set_rewriting(owner, None)

    def moved_on(self, owner: str) -> None:
        """The owner went on with the interview: a rewrite begun is given up, so that their next
        answer is not taken for the section's text."""
        if self.reports.store.rewriting(owner) is not None:
            self.end_rewrite(owner)

    def polish_input(self, owner: str, report_id: int, number: int) -> PolishInput:
        """The section's answers, heading and current text, for the model."""
        view = self.view(owner, report_id, number)
        report = self.reports.load(owner, report_id)
        interview = self.reports.templates.interview(report.type)
        applicable = interview.applicable_answers(report.answers)
        answers: list[tuple[str, str]] = []
        names: list[str] = []
        for q in view.section.questions:
            value = applicable.get(q.id)
            if value is None or value == [] or value == "":
                continue
            printed = format_value(q, value, self.reports.templates.messages)
            answers.append((q.label, printed))
            if "name" in q.id and isinstance(value, str):
                names.append(value)
        heading = _NUMBER_RE.sub("", view.heading, count=1)
        return PolishInput(heading, answers, view.text, names)

    def after_step(self, before: Report, operation: str, step: Step) -> tuple[int | None, list[int]]:
        """After a step on ``before``: the section just completed (to show its text), and the
        sections whose text was replaced but whose answers the step changed (to ask about)."""
        definition = self._definition(before)
        numbers = {s.id: n for n, s in enumerate(definition.sections, 1)}
        touched = sorted(
            {
                numbers[definition.section_of(qid).id]
                for qid, value in step.changes.items()
                if definition.section_of(qid).id in before.texts and before.answers.get(qid) != value
            }
        )
        completed = None
        asked = before.cursor.get("question")
        if (
            operation in _FORWARD
            and not step.rejected
            and not before.cursor.get("review")
            and isinstance(asked, str)
        ):
            try:
                done = definition.section_of(asked)
            except KeyError:
                return None, touched  # a question the definition no longer has
            moved = step.prompt is None or step.prompt.section.id != done.id
            if moved and numbers[done.id] not in touched:
                completed = numbers[done.id]
        return completed, touched


def _lines(text: str) -> list[str]:
    from bot.document.sections import paragraphs_of

    return paragraphs_of(text)


def view_text(view: SectionView, messages: Messages) -> str:
    """A section as it will print, after the line that says whose text it is (chat and console)."""
    title = view.section.title
    if view.origin is None:
        head = messages.text("section.shown", number=view.number, title=title)
    else:
        origin = messages.text(f"section.origin_{view.origin}")
        head = messages.text("section.shown_changed", number=view.number, title=title, origin=origin)
    return f"{head}\n\n{view.heading}\n{view.text}"
