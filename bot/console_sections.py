"""The console's section commands: ``/section N`` shows what section N will print, ``/rewrite N``,
``/polish N`` and ``/restore N`` change it (the same service as the Telegram buttons)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.interview.engine import Step
from bot.interview.messages import Messages
from bot.service.sections import SectionDrafts, SectionUnavailable, SectionView, view_text
from storage import Report

if TYPE_CHECKING:
    from bot.service.llm_settings import LlmSettings

Say = Callable[[str], None]
Read = Callable[[], "str | None"]


class ConsoleSections:
    """Section commands for one console session (its owner, its current report)."""

    def __init__(
        self, drafts: SectionDrafts, owner: str, say: Say, read: Read, llm: LlmSettings | None
    ) -> None:
        self.drafts = drafts
        self.owner = owner
        self.say = say
        self.read = read
        self.llm = llm

    @property
    def messages(self) -> Messages:
        """The message catalogue."""
        return self.drafts.reports.templates.messages

    def _number(self, command: str, arg: str) -> int | None:
        if arg.isdecimal():
            return int(arg)
        self.say(self.messages.text("section.console.number_ask", command=command))
        return None

    def _view(self, command: str, report_id: int, arg: str) -> SectionView | None:
        """The section ``arg`` names, or None once the user was told what is wrong."""
        number = self._number(command, arg)
        if number is None:
            return None
        try:
            return self.drafts.view(self.owner, report_id, number)
        except SectionUnavailable as exc:
            self.say(self.messages.text(exc.key, **exc.params))
            return None

    def show(self, report_id: int, number: int, *, done: bool = False) -> bool:
        """Print what section ``number`` will print and the commands that change it (``done``:
        its last question was just answered); False when it prints no text of its own."""
        try:
            view = self.drafts.view(self.owner, report_id, number)
        except SectionUnavailable as exc:
            if exc.key != "section.no_body":
                self.say(self.messages.text(exc.key, **exc.params))
            return False
        text = view_text(view, self.messages)
        lead = self.messages.text(view.key("section.done_hint"), title=view.section.title) if done else ""
        polish = self.messages.text("section.console.polish", number=number) if self.llm else ""
        restore = self.messages.text("section.console.restore", number=number) if view.origin else ""
        actions = self.messages.text("section.console.actions", number=number, polish=polish, restore=restore)
        self.say("\n\n".join(t for t in (lead, text, actions) if t))
        return True

    def rewrite(self, report_id: int, arg: str) -> None:
        """Read the section's new text (lines up to 完成) and store it."""
        view = self._view("/rewrite", report_id, arg)
        if view is None:
            return
        number = view.number
        self.say(
            self.messages.text(
                view.key("section.rewrite_ask_console"), number=number, title=view.section.title
            )
        )
        lines: list[str] = []
        while (line := self.read()) is not None and line.strip() not in ("完成", "/done"):
            if line.strip() == "/cancel":
                self.say(self.messages.text("section.rewrite_cancelled"))
                return
            lines.append(line)
        try:
            self.drafts.replace(self.owner, report_id, number, "\n".join(lines), "hand")
        except SectionUnavailable as exc:
            self.say(self.messages.text(exc.key, **exc.params))
            return
        self.say(self.messages.text("section.rewritten", number=number, title=view.section.title))
        self.show(report_id, number)

    def restore(self, report_id: int, arg: str) -> None:
        """Back to the generated text."""
        number = self._number("/restore", arg)
        if number is None:
            return
        try:
            view = self.drafts.view(self.owner, report_id, number)
            restored = self.drafts.restore(self.owner, report_id, number)
        except SectionUnavailable as exc:
            self.say(self.messages.text(exc.key, **exc.params))
            return
        key = "section.restored" if restored else "section.not_changed"
        self.say(self.messages.text(key, number=number, title=view.section.title))

    def polish(self, report_id: int, arg: str) -> None:
        """Ask the model for a polished text and store it only if the user takes it (the first
        time, after saying where the text goes)."""
        if not arg.isdecimal():
            self._number("/polish", arg)
            return
        if self.llm is None:
            self.say(self.messages.text("section.polish_off"))
            return
        view = self._view("/polish", report_id, arg)
        if view is None:
            return
        number = view.number
        title = view.section.title
        store = self.drafts.reports.store
        if not store.polish_told(self.owner):
            notice = self.messages.text(
                "section.polish_notice", number=number, title=title, host=self.llm.host
            )
            self.say(f"{notice}\n{self.messages.text('section.console_notice_ask')}")
            if (self.read() or "").strip() not in ("确认", "确认发送"):
                self.say(self.messages.text("section.console_cancelled"))
                return
            store.set_polish_told(self.owner)
        for attempt in (1, 2):
            if self._polish_once(report_id, number, title, last=attempt == 2):
                break

    def _polish_once(self, report_id: int, number: int, title: str, *, last: bool) -> bool:
        """One request; True when it ended (taken, dropped or failed), False to offer a retry."""
        from bot.service.polish import polish_section, rejection_message

        assert self.llm is not None
        given = self.drafts.polish_input(self.owner, report_id, number)
        self.say(self.messages.text("section.console_working", number=number, title=title))
        polished = asyncio.run(
            polish_section(self.llm, given.heading, given.answers, given.current, given.names)
        )
        if polished.text is None:
            if polished.error is not None:
                self.say(self.messages.text("section.polish_failed", reason=polished.error))
                return True
            reason = rejection_message(polished)
            self.say(self.messages.text("section.polish_rejected", reason=reason))
            if last:
                return True
            self.say(self.messages.text("section.console_retry_ask"))
            return (self.read() or "").strip() not in ("重试", "/polish")
        offer = self.messages.text("section.polish_offer", number=number, title=title)
        current = self.messages.text("section.polish_current")
        self.say(f"{offer}\n{polished.text}\n\n{current}\n{given.current}")
        self.say(self.messages.text("section.console_adopt_ask"))
        if (self.read() or "").strip() == "采用":
            self.drafts.replace(self.owner, report_id, number, polished.text, "polish")
            self.say(self.messages.text("section.polish_adopted", number=number, title=title))
        else:
            self.say(self.messages.text("section.polish_dropped", number=number, title=title))
        return True

    def _regenerate(self) -> bool:
        """Whether the user chose to regenerate; asked again until the reply is one of the two
        (the end of input keeps the user's text)."""
        while (reply := self.read()) is not None:
            reply = reply.strip()
            if reply in ("重新生成", "按新回答重新生成", "2"):
                return True
            if reply in ("保留", "保留我的文字", "1"):
                return False
            self.say(self.messages.text("section.console.choose_again"))
        return False

    def after_step(self, before: Report, operation: str, step: Step) -> None:
        """Ask about sections whose replaced text the step's answers no longer match, then show
        the text of a section just completed."""
        completed, touched = self.drafts.after_step(before, operation, step)
        for number in touched:
            view = self.drafts.view(self.owner, before.id, number)
            origin = self.messages.text(f"section.origin_{view.origin or 'hand'}")
            asked = self.messages.text(
                "section.answer_changed", number=number, title=view.section.title, origin=origin
            )
            self.say(f"{asked}\n{self.messages.text('section.console.choose_ask')}")
            if self._regenerate():
                self.drafts.restore(self.owner, before.id, number)
                self.say(self.messages.text("section.restored", number=number, title=view.section.title))
            else:
                self.say(self.messages.text("section.kept_own", number=number, title=view.section.title))
        if completed is not None:
            self.show(before.id, completed, done=True)
