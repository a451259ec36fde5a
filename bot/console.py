"""The interview in a terminal: the same engine and database as the bot, line by line.

Reads plain lines, so it works interactively and with piped stdin (scripts, tests).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.console_sections import ConsoleSections
from bot.document.model import file_name
from bot.document.pages import ConversionFailed, PageSettings, write_pages
from bot.document.render import Renderer
from bot.interview.engine import Step
from bot.interview.messages import Messages
from bot.interview.presenter import format_step
from bot.service.reports import LimitReached, Reports, UnknownReportType
from bot.service.sections import SectionDrafts
from storage import ReportNotFound

if TYPE_CHECKING:
    from bot.service.llm_settings import LlmSettings

QUIT = "quit"
log = logging.getLogger("reportbot.console")


class ConsoleChat:
    """One console user's session: choose or resume a report, then answer line by line."""

    def __init__(
        self,
        reports: Reports,
        owner: str,
        stdin: TextIO,
        stdout: TextIO,
        zone: dt.tzinfo,
        renderer: Renderer,
        output_dir: Path,
        pages: PageSettings | None = None,
        llm: LlmSettings | None = None,
    ) -> None:
        self.pages = pages  # the PDF and page pictures beside each DOCX; None: off
        self.reports = reports
        self.renderer = renderer
        self.output_dir = output_dir
        self.owner = owner
        self.stdin = stdin
        self.stdout = stdout
        self.zone = zone
        self.report_id: int | None = None
        drafts = SectionDrafts(reports, lambda: renderer.composer)
        self.sections = ConsoleSections(drafts, owner, self.say, self._read, llm)

    @property
    def messages(self) -> Messages:
        """The message catalogue."""
        return self.reports.templates.messages

    def say(self, text: str) -> None:
        """Print one reply followed by a blank line."""
        self.stdout.write(text.rstrip() + "\n\n")
        self.stdout.flush()

    def _read(self) -> str | None:
        line = self.stdin.readline()
        if line == "":
            return None
        line = line.rstrip("\n")
        if not self.stdin.isatty():
            # A terminal shows what was typed; piped input is echoed so a transcript has both sides.
            self.stdout.write(self.messages.text("console.echo", line=line) + "\n\n")
        return line

    def run(self) -> int:
        """The whole session; returns the exit status."""
        self.say(self.messages.text("console.welcome"))
        if not self._choose_report():
            self.say(self.messages.text("console.saved"))
            return 0
        while True:
            line = self._read()
            if line is None or self._handle(line) == QUIT:
                break
        self.say(self.messages.text("console.saved"))
        return 0

    # -- choosing a report -----------------------------------------------------------------

    def _menu(self) -> list[Callable[[], bool]]:
        """Print drafts then report types, numbered together; return the action per number."""
        actions: list[Callable[[], bool]] = []
        drafts = self.reports.drafts(self.owner, self.zone)
        lines = []
        if drafts:
            lines.append(self.messages.text("console.drafts_title"))
            for info in drafts:
                actions.append(partial(self._resume, info.id))
                lines.append(
                    self.messages.text(
                        "console.draft_line",
                        number=len(actions),
                        name=info.type_name,
                        period=info.period,
                        answered=info.answered,
                        total=info.total,
                        updated=info.updated.strftime("%Y-%m-%d %H:%M"),
                    )
                )
        lines.append(self.messages.text("console.types_title"))
        for type_id, definition in self.reports.templates.types.items():
            actions.append(partial(self._start, type_id))
            lines.append(self.messages.text("console.type_line", number=len(actions), name=definition.name))
        lines.append(self.messages.text("console.choose_start"))
        self.say("\n".join(lines))
        return actions

    def _choose_report(self) -> bool:
        actions = self._menu()
        types = self.reports.templates.types
        while True:
            line = self._read()
            if line is None:
                return False
            choice = line.strip()
            if choice in ("/quit", "/q", "退出"):
                return False
            if choice == "/help":
                self.say(self.messages.text("console.help"))
                continue
            by_name = {t.name: tid for tid, t in types.items()}
            if choice.isdecimal() and 1 <= int(choice) <= len(actions):
                if actions[int(choice) - 1]():
                    return True
                continue
            if choice in types or choice in by_name:
                if self._start(by_name.get(choice, choice)):
                    return True
                continue
            if choice:
                self.say(self.messages.text("console.bad_start"))

    def _start(self, type_id: str) -> bool:
        try:
            self.report_id, step = self.reports.new(self.owner, type_id)
        except LimitReached as exc:
            self.say(self.messages.text(exc.key, **exc.params))
            return False
        name = self.reports.templates.types[type_id].name
        self.say(self.messages.text("console.started", name=name, id=self.report_id))
        self._show(step)
        return True

    def _resume(self, report_id: int) -> bool:
        self.report_id = report_id
        report = self.reports.load(self.owner, report_id)
        name = self.reports.templates.types[report.type].name
        self.say(self.messages.text("console.resumed", name=name, id=report_id))
        self._show(self.reports.current(self.owner, report_id))
        return True

    # -- the interview ---------------------------------------------------------------------

    def _show(self, step: Step) -> None:
        text = format_step(step, self.messages)
        if step.finished:
            text = "\n\n".join(t for t in (text, self.messages.text("console.finished")) if t)
        if text:
            self.say(text)
        if step.finished:
            self._write(draft=False)

    def _write(self, *, draft: bool) -> None:
        """Write the report (or its draft, with 【待填写】 marks) and say where."""
        assert self.report_id is not None
        document = self.reports.document(self.owner, self.report_id, self.renderer.composer)
        if draft:
            path = self.output_dir / file_name(document.title + "（草稿）")
            self.renderer.write(document, path, self.output_dir)
            self.say(self.messages.text("console.preview_written", path=path))
        else:
            path = self.renderer.write(document, None, self.output_dir)
            self.say(self.messages.text("console.written", path=path))
        self._write_pages(path)
        self.say(self.reports.findings(self.owner, self.report_id, document))

    def _write_pages(self, docx: Path) -> None:
        """The PDF beside the DOCX and page pictures in a folder of the same name; say where."""
        if self.pages is None:
            return
        try:
            written = write_pages(self.pages, docx, docx.with_suffix(".pdf"), docx.with_suffix(""))
        except ConversionFailed as exc:
            log.warning("page preview not made: %s", exc)
            key = {"missing": "pages.missing", "timeout": "pages.timeout"}.get(exc.reason, "pages.failed")
            self.say(self.messages.text(key))
            return
        self.say(self.messages.text("pages.console_pdf", path=written.pdf))
        folder = docx.with_suffix("")
        self.say(self.messages.text("pages.console_pictures", count=len(written.pictures), path=folder))
        if written.substitute_fonts:
            self.say(self.messages.text("pages.substitute_fonts"))

    def _export(self) -> None:
        assert self.report_id is not None
        step = self.reports.current(self.owner, self.report_id)
        if step.missing:
            labels = "、".join(q.label for q in step.missing)
            self.say(self.messages.text("console.export_incomplete", count=len(step.missing), labels=labels))
            return
        self._write(draft=False)

    def _handle(self, line: str) -> str | None:
        try:
            return self._dispatch(line)
        except LimitReached as exc:
            self.say(self.messages.text(exc.key, **exc.params))
        except sqlite3.Error:
            log.exception("storage failed")
            self.say(self.messages.text("storage.failed"))
        return None

    def _dispatch(self, line: str) -> str | None:
        assert self.report_id is not None
        text = line.strip()
        if text.startswith("／"):
            text = "/" + text[1:]
        if not text.startswith("/"):
            self._step("answer", line)
            return None
        command, _, arg = text.partition(" ")
        arg = arg.strip()
        simple = {
            "/back": "back",
            "/skip": "skip",
            "/ok": "accept",
            "/clear": "clear",
            "/done": "finish",
            "/review": "review",
        }
        try:
            if command in ("/quit", "/q", "/exit"):
                return QUIT
            if command == "/help":
                self.say(self.messages.text("console.help"))
            elif command in simple:
                self._step(simple[command])
            elif command == "/preview":
                self._write(draft=True)
            elif command == "/export":
                self._export()
            elif command == "/edit":
                self._show(self.reports.act(self.owner, self.report_id, "edit", arg))
            elif command == "/section":
                self._section(arg)
            elif command in ("/rewrite", "/polish", "/restore"):
                getattr(self.sections, command[1:])(self.report_id, arg)
            elif command in ("/drafts", "/new"):
                if not self._choose_report():
                    return QUIT
            else:
                self.say(self.messages.text("console.unknown_command", command=command))
        except (ReportNotFound, UnknownReportType):
            self.say(self.messages.text("console.bad_start"))
            if not self._choose_report():
                return QUIT
        return None

    def _step(self, operation: str, *args: str) -> None:
        """Run ``operation``, ask about sections rewritten by hand, show a finished section's text."""
        assert self.report_id is not None
        before = self.reports.load(self.owner, self.report_id)
        step = self.reports.act(self.owner, self.report_id, operation, *args)
        self.sections.after_step(before, operation, step)
        self._show(step)

    def _section(self, arg: str) -> None:
        assert self.report_id is not None
        if arg.isdecimal():
            self.sections.show(self.report_id, int(arg))  # what it prints now, then its questions
            self._show(self.reports.act(self.owner, self.report_id, "section", int(arg)))
            return
        lines = [self.messages.text("console.sections_title")]
        for status in self.reports.sections(self.owner, self.report_id):
            lines.append(
                self.messages.text(
                    "console.section_line",
                    number=status.number,
                    title=status.section.title,
                    answered=status.answered,
                    total=status.total,
                )
            )
        self.say("\n".join(lines))
