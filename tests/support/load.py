"""Many users at once through complete interviews against the emulator, and what went wrong."""

from __future__ import annotations

import io
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import docx

from bot.cli.settings import DEFAULT_TEMPLATES
from bot.service.reports import Templates
from bot.telegram.keys import encode
from storage import Store
from tests.support.bot_process import TOKEN, BotProcess
from tests.support.emulator import Emulator
from tests.support.emulator_calls import SentMessage
from tests.support.interviews import Driver, full_script
from tests.support.stats import percentile_ms

TYPE_ID = "study_speech"


@dataclass
class LoadResult:
    """What a load run saw."""

    users: int
    updates: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    last: list[float] = field(default_factory=list)  # each user's last reply (reportbot: the DOCX)

    @property
    def throughput(self) -> float:
        """Updates per second over the whole run."""
        return self.updates / self.seconds

    def percentile(self, p: float) -> float:
        """Reply latency percentile in milliseconds."""
        return percentile_ms(self.latencies, p)


def _asks(message: SentMessage) -> bool:
    return "【第" in message.text


def _has_document(message: SentMessage) -> bool:
    return message.document is not None


def _any(message: SentMessage) -> bool:
    return True


def _user(
    emulator: Emulator,
    user_id: int,
    lines: list[str],
    result: LoadResult,
    lock: threading.Lock,
    echo: bool,
) -> None:
    # reportbot's reply to an answer ends with the next question (the last: the DOCX); the echo
    # bot's is its one message.
    first, middle, last_reply = (_any, _any, _any) if echo else (_asks, _asks, _has_document)
    try:
        start = SentMessage(user_id, 0)
        new = encode("new", list(Templates.load(DEFAULT_TEMPLATES).types).index(TYPE_ID) + 1)
        seen = len(emulator.messages_to(user_id))
        emulator.user_presses(user_id, start, new)
        emulator.wait_for_message(user_id, first, seen)
        for n, line in enumerate(lines):
            last = n == len(lines) - 1
            seen = len(emulator.messages_to(user_id))
            sent = time.monotonic()
            emulator.user_sends(user_id, line)
            emulator.wait_for_message(user_id, last_reply if last else middle, seen, 300)
            with lock:
                result.latencies.append(time.monotonic() - sent)
                if last:
                    result.last.append(result.latencies[-1])
    except Exception as exc:  # collected and reported
        with lock:
            result.errors.append(f"user {user_id}: {exc!r}")


def script_for(user_id: int, templates: Templates) -> list[str]:
    """A complete interview whose first answer carries the user id, to find their own DOCX."""
    lines = full_script(templates.interview(TYPE_ID))
    lines[0] = f"第{user_id}号学习会"
    return lines


def run_load(
    users: int,
    workdir: Path,
    *,
    echo: bool = False,
    rate_limiter: bool = False,
    env: dict[str, str] | None = None,
) -> tuple[LoadResult, BotProcess, Emulator]:
    """Play ``users`` users at once; returns the result with the (stopped) bot and emulator.

    ``echo``: against benchmarks/echo_bot.py instead of reportbot, the same players and load.
    ``rate_limiter``: reportbot keeps Telegram's flood limits (the deployment's setting).
    ``env``: more environment for the bot process.
    """
    templates = Templates.load(DEFAULT_TEMPLATES)
    emulator = Emulator(TOKEN).start()
    bot = BotProcess(emulator, workdir)
    if echo:
        bot.command = [sys.executable, "-m", "benchmarks.echo_bot"]
    # The emulator has no flood limits to respect; off unless the limiter itself is measured.
    bot.env["TELEGRAM_RATE_LIMITER"] = "on" if rate_limiter else "off"
    bot.env.update(env or {})
    bot.start()
    scripts = {uid: script_for(uid, templates) for uid in range(100_001, 100_001 + users)}
    result = LoadResult(users, sum(len(s) + 1 for s in scripts.values()), 0.0)
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_user, args=(emulator, uid, lines, result, lock, echo))
        for uid, lines in scripts.items()
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    result.seconds = time.monotonic() - started
    bot.stop()
    emulator.stop()
    return result, bot, emulator


def verify(result: LoadResult, bot: BotProcess, emulator: Emulator, templates: Templates) -> list[str]:
    """Problems: errors, lost or doubled answers, missing or foreign documents."""
    problems = list(result.errors)
    if "ERROR" in bot.log.read_text(encoding="utf-8", errors="replace"):
        problems.append("the bot logged an error")
    store = Store.open(bot.db)
    try:
        for uid in range(100_001, 100_001 + result.users):
            expected = Driver(templates.interview(TYPE_ID))
            for line in script_for(uid, templates):
                expected.say(line)
            reports = store.list_reports(f"tg:{uid}", status=None)
            if len(reports) != 1 or reports[0].answers != expected.answers or reports[0].status != "complete":
                problems.append(f"user {uid}: stored answers differ from what was sent")
            documents = [m.document for m in emulator.messages_to(uid) if m.document]
            if len(documents) != 1:
                problems.append(f"user {uid}: {len(documents)} documents")
                continue
            text = "\n".join(p.text for p in docx.Document(io.BytesIO(documents[0][1])).paragraphs)
            if f"第{uid}号学习会" not in text:
                problems.append(f"user {uid}: the document is not theirs")
    finally:
        store.close()
    return problems


def verify_echo(result: LoadResult, bot: BotProcess, emulator: Emulator, templates: Templates) -> list[str]:
    """Problems of an echo run: errors, and users whose messages did not come back once, in order."""
    problems = list(result.errors)
    if "ERROR" in bot.log.read_text(encoding="utf-8", errors="replace"):
        problems.append("the echo bot logged an error")
    for uid in range(100_001, 100_001 + result.users):
        echoed = [m.text for m in emulator.messages_to(uid)][1:]  # after the press's reply
        if echoed != script_for(uid, templates):
            problems.append(f"user {uid}: the echoes differ from what was sent")
    return problems
