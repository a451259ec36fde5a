"""Application service: runs engine operations on stored reports and persists each step.

Front ends (console, Telegram) call this and only render what comes back; the engine stays
pure and the store stays a plain repository.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.interview.definition import Kind, Question, ReportType, Value
from bot.interview.definition_file import load_report_types
from bot.interview.engine import Cursor, Interview, SectionStatus, State, Step
from bot.interview.messages import Messages
from bot.interview.parsing import Rejected, parse_typed
from bot.interview.presenter import format_value
from bot.interview.suggestions import offers, profile_updates
from bot.service.chat import Chats
from bot.service.limits import Limits as Limits
from storage import COMPLETE, DRAFT, Report, ReportNotFound, Store

if TYPE_CHECKING:  # composing imports Jinja2, which no step needs: the bot starts without it
    from bot.document.compose import Composer
    from bot.document.model import Document

# The engine operations a front end may run on a stored report, by name.
OPERATIONS: dict[str, Callable[..., Step]] = {
    "answer": Interview.answer,
    "choose": Interview.choose,
    "finish": Interview.finish,
    "accept": Interview.accept,
    "clear": Interview.clear,
    "back": Interview.back,
    "skip": Interview.skip,
    "section": Interview.goto_section,
    "review": Interview.review,
    "edit": Interview.edit,
}


# Reports whose offers are kept; a few kilobytes each, dropped all at once past this many.
_MOST_OFFERS = 1024


class UnknownReportType(LookupError):
    """A stored report refers to a report type that is no longer defined."""


class LimitReached(Exception):
    """A per-user limit stops the operation; ``key`` names the message that says which."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def answers_size(answers: Mapping[str, Any]) -> int:
    """A report's size: the characters of its stored answers."""
    return sum(_characters(v) for v in answers.values())


def _characters(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, list):
        return sum(len(str(item)) for item in value)
    return len(str(value))


@dataclass(frozen=True)
class Templates:
    """The report types and message texts from ``templates/``."""

    types: dict[str, ReportType]
    messages: Messages

    @classmethod
    def load(cls, root: Path) -> Templates:
        """Load every definition and the message catalogue under ``root``."""
        return cls(load_report_types(root), Messages.load(root))

    @cached_property
    def _interviews(self) -> dict[str, Interview]:
        return {tid: Interview(t, self.messages) for tid, t in self.types.items()}

    def interview(self, type_id: str) -> Interview:
        """The interview for a report type."""
        try:
            return self._interviews[type_id]
        except KeyError:
            raise UnknownReportType(type_id) from None


@dataclass(frozen=True)
class DraftInfo:
    """A report as listed for the user: what it is, for when, how far, last changed."""

    id: int
    type_id: str
    type_name: str
    period: str  # the text to show: the period answered, or that it is not known yet
    answered: int
    total: int
    updated: dt.datetime
    status: str


class Reports:
    """Engine operations on stored reports, one transaction per step."""

    def __init__(
        self, store: Store, templates: Templates, today: Callable[[], dt.date], limits: Limits | None = None
    ) -> None:
        self.store = store
        self.templates = templates
        self.today = today
        self.limits = limits or Limits()
        self.chats = Chats(store, self.profile_field)
        # Each report's offers with what they were worked out from: the next step usually has
        # the same profile, previous answers and date, and working them out again for every
        # question costs more than gathering those.
        self._offers: dict[int, tuple[tuple[Any, ...], tuple[dict[str, Value], frozenset[str]]]] = {}

    def _state(self, report: Report) -> State:
        """The engine's input for ``report``: its answers, cursor and offers, as plain data."""
        return State(report.answers, Cursor.from_dict(report.cursor), *self._suggestions(report))

    def _suggestions(self, report: Report) -> tuple[dict[str, Value], frozenset[str]]:
        """One-tap offers for every question of ``report`` and which of them are the user's own
        earlier answers: read here, before the engine runs."""
        definition = self.templates.interview(report.type).definition
        profile = self.store.profile(report.owner) if definition.remembered else {}
        earlier = self.store.previous_answers(report.owner, report.type, exclude=report.id)
        previous = {q.id: earlier.get(q.id) for q in definition.carried}
        sources = (report.type, profile, previous, self.today())
        known = self._offers.get(report.id)
        if known is not None and known[0] == sources:
            return known[1]
        found = offers(definition, profile, previous, sources[3])
        if len(self._offers) >= _MOST_OFFERS:
            self._offers.clear()
        self._offers[report.id] = (sources, found)
        return found

    def _persist(self, owner: str, report: Report, step: Step, update_id: int | None) -> None:
        finished = step.cursor.question is None and step.complete
        self.store.save_step(
            owner,
            report.id,
            step.changes,
            step.cursor.to_dict(),
            status=COMPLETE if finished else DRAFT,
            profile=profile_updates(self.templates.interview(report.type).definition, step.changes),
            update_id=update_id,
        )

    def new(
        self, owner: str, type_id: str, *, update_id: int | None = None, activate: bool = False
    ) -> tuple[int, Step]:
        """Start a report of ``type_id``; returns its id and the first question."""
        interview = self.templates.interview(type_id)
        if self.store.count_reports(owner) >= self.limits.max_drafts:
            raise LimitReached("limit.drafts", max=self.limits.max_drafts)
        first = interview.start({}, {})
        report_id = self.store.create_report(
            owner, type_id, first.cursor.to_dict(), update_id=update_id, activate=activate
        )
        return report_id, self.current(owner, report_id)

    def load(self, owner: str, report_id: int) -> Report:
        """A report of ``owner`` (ReportNotFound for anyone else's)."""
        return self.store.load_report(owner, report_id)

    def current(self, owner: str, report_id: int) -> Step:
        """What the report is asking now."""
        report = self.store.load_report(owner, report_id)
        return self.templates.interview(report.type).current(self._state(report))

    def act(
        self, owner: str, report_id: int, operation: str, *args: Any, update_id: int | None = None
    ) -> Step:
        """Run an engine operation (``answer``, ``back``, ``skip``…) and store its outcome.

        With ``update_id``, the outcome is stored at most once per Telegram update.
        """
        method = OPERATIONS.get(operation)
        if method is None:
            raise ValueError(f"unknown operation {operation!r}")
        if operation == "answer":
            args = (*args, self.today())
        report = self.store.load_report(owner, report_id)
        step = method(self.templates.interview(report.type), self._state(report), *args)
        if step.changes and answers_size({**report.answers, **step.changes}) > self.limits.max_report_chars:
            raise LimitReached("limit.report_size", max=self.limits.max_report_chars)
        if not step.rejected and (step.changes or step.cursor.to_dict() != report.cursor):
            self._persist(owner, report, step, update_id)
        return step

    def resume(self, owner: str, report_id: int) -> Step:
        """Make this the report the chat continues; what it is asking now."""
        self.chats.continue_report(owner, report_id)
        return self.current(owner, report_id)

    def continue_with(
        self, owner: str, report_id: int, operation: str, *args: Any, update_id: int | None = None
    ) -> Step:
        """Make this the report the chat continues, then run ``operation`` on it (as :meth:`act`)."""
        self.chats.continue_report(owner, report_id)
        return self.act(owner, report_id, operation, *args, update_id=update_id)

    def act_on_asked(
        self,
        owner: str,
        report_id: int,
        position: int,
        operation: str,
        *args: Any,
        update_id: int | None = None,
    ) -> tuple[Step, Step] | None:
        """A question's button: run ``operation`` only if that question is the one asked now.

        ``position`` is where the question was asked when its button was shown. Returns what
        was being asked and the outcome, or None for a stale press (then nothing changes).
        """
        asked = self.current(owner, report_id)
        if (asked.prompt.position if asked.prompt is not None else None) != position:
            return None
        return asked, self.continue_with(owner, report_id, operation, *args, update_id=update_id)

    def profile_fields(self) -> list[Question]:
        """The remembered text fields a user may change directly, in catalogue order, each once."""
        fields: dict[str, Question] = {}
        for definition in self.templates.types.values():
            for q in definition.questions:
                if q.profile and q.kind in (Kind.SHORT_TEXT, Kind.LONG_TEXT):
                    fields.setdefault(q.id, q)
        return list(fields.values())

    def profile_field(self, question_id: str) -> Question | None:
        """The remembered text field with this id, if there is one."""
        return next((q for q in self.profile_fields() if q.id == question_id), None)

    def profile(self, owner: str) -> dict[str, Any]:
        """The owner's remembered profile values, by question id."""
        return self.store.profile(owner)

    def set_profile(
        self, owner: str, question: Question, text: str, *, update_id: int | None = None
    ) -> str | None:
        """Change a remembered field from what the user typed; None, or why it was refused.

        The text takes the path of every typed answer (cleaning, the question's own checks).
        """
        try:
            value = parse_typed(question, text, self.today())
        except Rejected as exc:
            return self.templates.messages.text(f"error.{exc.key}", **exc.params)
        self.store.update_profile(owner, {question.id: value}, update_id=update_id)
        return None

    def document(self, owner: str, report_id: int, composer: Composer) -> Document:
        """The report as composed now: a draft shows its missing facts as placeholders."""
        report = self.store.load_report(owner, report_id)
        document = composer.compose(self.templates.interview(report.type).definition, report.answers)
        if report.texts:  # sections rewritten by hand or polished print the user's text
            from bot.document.sections import with_texts

            document = with_texts(document, {k: t.text for k, t in report.texts.items()})
        return document

    def findings(self, owner: str, report_id: int, document: Document) -> str:
        """What the lint finds in ``document`` (this report's), as a short Chinese list."""
        from bot.document.lint import describe as describe_findings
        from bot.document.lint import lint

        definition = self.templates.interview(self.store.load_report(owner, report_id).type).definition
        found = lint(document, definition)
        if not found:
            return self.templates.messages.text("lint.none")
        return describe_findings(found, definition, self.templates.messages)

    def sections(self, owner: str, report_id: int) -> list[SectionStatus]:
        """The report's sections with their progress, for jumping."""
        report = self.store.load_report(owner, report_id)
        return self.templates.interview(report.type).sections(report.answers)

    def delete(self, owner: str, report_id: int) -> None:
        """Delete one of the owner's reports; the chat no longer continues it if it did."""
        was_active = self.chats.active_report(owner) == report_id
        self.store.delete_report(owner, report_id)
        if was_active:
            self.chats.pause(owner)

    def about(self, owner: str, report_id: int, zone: dt.tzinfo) -> DraftInfo:
        """One of the owner's reports as listed (ReportNotFound for anyone else's)."""
        return self.describe(self.load(owner, report_id), zone)

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    def describe(self, report: Report, zone: dt.tzinfo) -> DraftInfo:
        """A stored report as the user sees it in a list."""
        interview = self.templates.interview(report.type)
        answers = interview.applicable_answers(report.answers)
        progress = interview.progress(report.answers, None)
        return DraftInfo(
            id=report.id,
            type_id=report.type,
            type_name=interview.definition.name,
            period=self.period_label(interview.definition, answers)
            or self.templates.messages.text("report.period_unknown"),
            answered=progress.answered,
            total=progress.total,
            updated=dt.datetime.fromisoformat(report.updated).astimezone(zone),
            status=report.status,
        )

    def drafts(self, owner: str, zone: dt.tzinfo) -> list[DraftInfo]:
        """The owner's unfinished reports, most recent first (unknown types left out)."""
        infos = []
        for report in self.store.list_reports(owner):
            try:
                infos.append(self.describe(report, zone))
            except UnknownReportType:
                continue
        return infos

    def period_label(self, definition: ReportType, answers: dict[str, Any]) -> str:
        """``2023年第三季度`` from the year and period answers, else the first date, else ''."""
        messages = self.templates.messages
        by_kind: dict[Kind, str] = {}
        for q in definition.questions:
            value = answers.get(q.id)
            if value is not None and q.kind in (Kind.YEAR, Kind.PERIOD, Kind.DATE):
                by_kind.setdefault(q.kind, format_value(q, value, messages))
        if Kind.YEAR in by_kind or Kind.PERIOD in by_kind:
            return by_kind.get(Kind.YEAR, "") + by_kind.get(Kind.PERIOD, "")
        return by_kind.get(Kind.DATE, "")


__all__ = [
    "DraftInfo",
    "LimitReached",
    "Limits",
    "ReportNotFound",
    "Reports",
    "Templates",
    "UnknownReportType",
]
