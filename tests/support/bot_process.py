"""`reportbot run` as a process against the Bot API emulator, and users who wait for its replies."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.support.emulator import Emulator
from tests.support.emulator_calls import Call, Expect, SentMessage
from tests.support.paths import REPO

TOKEN = "987654321:AAHtestTOKENtestTOKENtestTOKENtest12"
REPLY_LIMIT = 30.0  # seconds a reply may take on a loaded machine before the test says it is missing
# templates/messages.toml prompt.header and prompt.header_open (no total while follow-ups may come)
QUESTION_HEADER = re.compile(r"【第\d+/\d+部分 · 第\d+(/\d+)?题[^】]*】")


def question(call: Call) -> bool:
    """A new message that asks a question: the last message of the reply to an answer."""
    return call.method == "sendMessage" and QUESTION_HEADER.search(call.text) is not None


class BotProcess:
    """`reportbot run` in a subprocess, pointed at the emulator."""

    def __init__(self, emulator: Emulator, tmp_path: Path) -> None:
        self.emulator = emulator
        self.db = tmp_path / "bot.db"
        self.log = tmp_path / "bot.log"
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": emulator.base_url,
            "TELEGRAM_BASE_FILE_URL": emulator.base_file_url,
            "REPORTBOT_DB": str(self.db),
            "REPORTBOT_OUTPUT": str(tmp_path / "out"),
            "ALLOWED_USER_IDS": "",
            # Page pictures cost a LibreOffice run per report: only the tests of them turn it on.
            "REPORTBOT_PAGE_PREVIEW": "off",
            "REPORTBOT_CACHE": str(tmp_path / "cache"),
        }
        self.command = [sys.executable, "-m", "bot", "run"]  # the benchmarks' echo bot replaces it
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process and wait until it has set up its commands (it then polls)."""
        self.emulator.next_generation()
        before = sum(1 for method, _ in self.emulator.calls if method == "setMyCommands")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.emulator.wait_until(
            lambda: sum(1 for method, _ in self.emulator.calls if method == "setMyCommands") > before, 30
        )

    def stop(self) -> None:
        """Stop the process as Ctrl-C would (killing it if it does not end within 15 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def processed(self, update_id: int) -> bool:
        """Whether the update is recorded as applied in the database."""
        with sqlite3.connect(self.db) as conn:
            try:
                return (
                    conn.execute(
                        "SELECT 1 FROM processed_updates WHERE update_id = ?", [update_id]
                    ).fetchone()
                    is not None
                )
            except sqlite3.OperationalError:
                return False

    def alive(self) -> bool:
        """Whether the process runs."""
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the bot's log, for failure messages."""
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]


class User:
    """A test user in the emulator: sends one thing, then waits for the bot's reply to it.

    A reply is the bot's calls about the user's chat after the update was sent; the test says
    which call ends it (``expect``): the next question, the DOCX, the button it will press next.
    """

    def __init__(self, emulator: Emulator, bot: BotProcess, user_id: int) -> None:
        self.emulator, self.bot, self.id = emulator, bot, user_id

    def send(self, text: str, expect: Expect) -> list[SentMessage]:
        """Send a message; the messages of the reply, once ``expect`` met one of its calls."""
        after = self.emulator.last_seq(self.id)
        update_id = self.emulator.user_sends(self.id, text)
        return self._reply(update_id, f"message {text!r}", after, expect)

    def press(self, label: str, expect: Expect) -> list[SentMessage]:
        """Press the newest button whose label starts with ``label``; the messages of the reply."""
        for message in reversed(self.emulator.messages_to(self.id)):
            for button in message.buttons():
                if button["text"].strip().startswith(label):
                    return self.press_data(message, button["callback_data"], expect)
        last = self.emulator.messages_to(self.id)[-3:]
        raise AssertionError(
            f"user {self.id}: no button {label!r} in {[(m.text[:60], m.buttons()) for m in last]}"
        )

    def press_data(self, message: SentMessage, data: str, expect: Expect) -> list[SentMessage]:
        """Press a button with this callback data on ``message``; the messages of the reply."""
        after = self.emulator.last_seq(self.id)
        update_id = self.emulator.user_presses(self.id, message, data)
        return self._reply(update_id, f"press {data!r}", after, expect)

    def _reply(self, update_id: int, what: str, after: int, expect: Expect) -> list[SentMessage]:
        deadline = time.monotonic() + REPLY_LIMIT
        while (remaining := deadline - time.monotonic()) > 0:
            # Woken by every call about the chat; the slice only notices a bot that died.
            if self.emulator.wait_for_call(self.id, after, expect, min(remaining, 1.0)) is not None:
                break
            assert self.bot.alive(), f"the bot died:\n{self.bot.log_tail()}"
        else:
            seen = [(c.method, c.text[:80]) for c in self.emulator.calls_to(self.id, after)]
            raise AssertionError(
                f"user {self.id}, update {update_id} ({what}): the expected reply did not arrive "
                f"within {REPLY_LIMIT:.0f} s; stored: {self.bot.processed(update_id)}; "
                f"calls about the chat since: {seen}\n{self.bot.log_tail()}"
            )
        # Each message the reply sent or edited, once, as it is now (a deleted one as it was).
        live = {m.message_id: m for m in self.emulator.messages_to(self.id)}
        touched: dict[int, SentMessage] = {}
        for call in self.emulator.calls_to(self.id, after):
            if call.message is not None and call.message.message_id not in touched:
                touched[call.message.message_id] = live.get(call.message.message_id, call.message)
        return list(touched.values())

    def last_text(self) -> str:
        """The text of the newest message to the user."""
        return self.emulator.messages_to(self.id)[-1].text
