"""Fault injection: the bot process is killed with SIGKILL while several users answer, at random
moments and between the commit of an answer and its reply; the emulator re-delivers every update
the bot had not confirmed, as Telegram does, also to the restarted bot.

Players behave like people: each sends one line, then waits for the reply to it, and never sends
it again. So nothing may be lost (every line sent is applied exactly once), and every applied line
must get its reply, if need be from a later bot process. The run prints what it saw; the long run
is ``pytest tests/test_fault_injection.py --kills 200`` (CI runs the default, 20).
"""

from __future__ import annotations

import functools
import io
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pytest

from bot.service.reports import Templates
from bot.telegram.keys import encode
from storage import Store
from tests.support.bot_process import TOKEN, BotProcess, User, question
from tests.support.emulator import Emulator
from tests.support.emulator_calls import Call, Dropped, Expect, SentMessage, document
from tests.support.interviews import TYPE_IDS, Driver, full_script

REPLY_LIMIT = 60.0  # an applied line must be answered within this long after the bot is up again
REPLY_METHODS = frozenset({"sendMessage", "editMessageText", "sendDocument"})
REPLY_KILL_CHANCE = 0.3  # once armed, the share of players' reply calls that kill the bot
ARMED_LIMIT = 5.0  # seconds an armed reply kill waits for a reply before it kills at random instead


@dataclass
class Line:
    """One thing a player sent: the press that starts a report, or a typed line."""

    text: str  # "new" for the press
    report: int  # the player's report it belongs to (index)
    update_id: int = 0
    outcome: str = "waiting"  # answered / stored, never answered / never applied
    stored_by: int | None = None  # the bot process found to have stored it (killed unanswered)
    reply_generation: int | None = None  # the bot process whose reply arrived

    @property
    def owed_after_restart(self) -> bool:
        """Answered by a later process than the one that stored the line and was killed."""
        return (
            self.stored_by is not None
            and self.reply_generation is not None
            and self.reply_generation > self.stored_by
        )


@dataclass
class Kill:
    """One SIGKILL: which process, and whether it was between a commit and its reply."""

    generation: int
    kind: str  # "random" or "between commit and reply"


class Run:
    """The bot, the emulator and the kills, shared by the players and the killer."""

    def __init__(self, emulator: Emulator, bot: BotProcess, templates: Templates) -> None:
        self.emulator, self.bot, self.templates = emulator, bot, templates
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.up_since: float | None = None  # when the running bot came up; None while it is down
        self.kills: list[Kill] = []

    def start_bot(self) -> None:
        """Start a new bot process and note when it was ready."""
        self.bot.start()
        with self.lock:
            self.up_since = time.monotonic()

    def bot_killed(self) -> None:
        """The bot process is dead: until it is up again, no reply is overdue."""
        with self.lock:
            self.up_since = None

    def overdue(self, since: float) -> bool:
        """Whether a reply awaited since ``since`` is late: REPLY_LIMIT after it was sent, or after
        the bot last came up, whichever is later."""
        with self.lock:
            up = self.up_since
        return up is not None and time.monotonic() > max(since, up) + REPLY_LIMIT


@dataclass
class Player:
    """A user who answers report after report: one line, then the reply to it, then the next."""

    user_id: int
    run: Run
    lines: list[Line] = field(default_factory=list)
    types: list[str] = field(default_factory=list)  # per report
    lock: threading.Lock = field(default_factory=threading.Lock)
    error: BaseException | None = None

    def snapshot(self) -> tuple[list[str], list[Line]]:
        """The report types and the lines sent so far, as one consistent view."""
        with self.lock:
            return list(self.types), list(self.lines)

    def describe(self, line: Line) -> str:
        """Where a line stands in the player's script, for failure messages."""
        types, lines = self.snapshot()
        report = f"report {line.report + 1} ({types[line.report]})"
        if line.text == "new":
            return f"the press that starts {report}"
        own = [x for x in lines if x.report == line.report and x.text != "new"]
        number = next(n for n, x in enumerate(own, 1) if x is line)
        return f"{report}, line {number} {line.text!r}"

    def _send(self, line: Line, push: Callable[[], int], expect: Expect) -> bool:
        """Send once and wait for the reply; False when the player cannot go on (never applied)."""
        emulator = self.run.emulator
        with self.lock:
            after = emulator.last_seq(self.user_id)
            line.update_id = push()
            self.lines.append(line)
        sent = time.monotonic()
        while True:
            call = emulator.wait_for_call(self.user_id, after, expect, 1.0)
            if call is not None:
                line.reply_generation = call.generation
                line.outcome = "answered"
                return True
            if self.run.overdue(sent):
                stored = self.run.bot.processed(line.update_id)
                line.outcome = "stored, never answered" if stored else "never applied"
                # A person would see no reply; the player only notes it (it never resends).
                # A stored line lets the interview go on; a line never applied blocks it.
                return stored

    def play(self) -> None:
        """Start reports and answer them until told to stop."""
        try:
            names = list(self.run.templates.types)
            seen: set[tuple[str, str]] = set()
            for round_ in range(1000):
                if self.run.stop.is_set():
                    return
                type_id = TYPE_IDS[(self.user_id + round_) % len(TYPE_IDS)]
                with self.lock:
                    self.types.append(type_id)
                report = len(self.types) - 1
                # Replies of this report and the one before already taken: an owed reply sent again
                # by a restarted bot is no reply to a later line. (Consecutive reports are of other
                # types, so their questions never look alike.)
                earlier, seen = seen, set()
                press = functools.partial(
                    self.run.emulator.user_presses,
                    self.user_id,
                    SentMessage(self.user_id, 0),
                    encode("new", names.index(type_id) + 1),
                )
                if not self._send(Line("new", report), press, self._fresh_question(seen, earlier)):
                    return
                script = full_script(self.run.templates.interview(type_id))
                for n, text in enumerate(script):
                    if self.run.stop.is_set():
                        return
                    expect = document if n == len(script) - 1 else self._fresh_question(seen, earlier)
                    send = functools.partial(self.run.emulator.user_sends, self.user_id, text)
                    if not self._send(Line(text, report), send, expect):
                        return
        except BaseException as exc:  # reported by the main thread
            self.error = exc

    @staticmethod
    def _fresh_question(seen: set[tuple[str, str]], earlier: set[tuple[str, str]]) -> Expect:
        """The next question, not a second copy of a reply already had: a reply noted as sent only
        after the process died is sent again by the next one, after the player went on."""

        def expect(call: Call) -> bool:
            if not question(call) or call.message is None:
                return False
            key = (call.text, repr(call.message.keyboard))
            if key in seen or key in earlier:
                return False
            seen.add(key)
            return True

        return expect


def replay(templates: Templates, type_id: str, lines: list[str]) -> Driver | None:
    """The state the lines lead to (None when they cannot be played)."""
    driver = Driver(templates.interview(type_id))
    for line in lines:
        if driver.say(line).rejected:
            return None
    return driver


def explain(templates: Templates, type_id: str, lines: list[str], answers: object, at: object) -> str:
    """Which line was lost or applied twice, when that explains the stored state."""

    def same(candidate: list[str]) -> bool:
        driver = replay(templates, type_id, candidate)
        return driver is not None and driver.answers == answers and driver.at == at

    for n, text in enumerate(lines):
        if same(lines[:n] + lines[n + 1 :]):
            return f"line {n + 1} {text!r} was lost"
        if same([*lines[: n + 1], text, *lines[n + 1 :]]):
            return f"line {n + 1} {text!r} was applied twice"
    return "the stored answers differ from the lines sent (not one line lost or doubled)"


def applied_prefix(run: Run, lines: list[Line]) -> tuple[list[Line], list[str]]:
    """The lines the bot has applied (a user's updates apply in order, so a prefix), and any line
    applied after one that was not."""
    applied = [run.bot.processed(line.update_id) for line in lines]
    cut = applied.index(False) if False in applied else len(lines)
    problems = [
        f"{lines[n].text!r} (update {lines[n].update_id}) applied before an earlier line"
        for n in range(cut, len(lines))
        if applied[n]
    ]
    return lines[:cut], problems


def wait_until_applied(run: Run, players: list[Player], limit: float = REPLY_LIMIT) -> None:
    """Give the bot up to ``limit`` seconds to apply every line sent (the last ones may still be
    in Telegram's queue when the players stop, taken for answered by a copy of an earlier reply)."""
    deadline = time.monotonic() + limit
    for player in players:
        _, lines = player.snapshot()
        while lines and not run.bot.processed(lines[-1].update_id) and time.monotonic() < deadline:
            time.sleep(0.05)


def state_problems(run: Run, players: list[Player]) -> list[str]:
    """Integrity, and every user's reports exactly as the lines the bot has applied say: each
    once, in order, none lost (``wait_until_applied`` first, for the final check)."""
    problems: list[str] = []
    store = Store.open(run.bot.db)
    try:
        if store.integrity() != "ok":
            problems.append(f"integrity check: {store.integrity()}")
        for player in players:
            types, lines = player.snapshot()
            done, disorder = applied_prefix(run, lines)
            problems += [f"user {player.user_id}: {p}" for p in disorder]
            reports = sorted(store.list_reports(f"tg:{player.user_id}", status=None), key=lambda r: r.id)
            started = sum(line.text == "new" for line in done)
            if len(reports) != started:
                problems.append(
                    f"user {player.user_id}: {len(reports)} reports stored, {started} 'new' presses "
                    f"applied (a press lost or applied twice)"
                )
                continue
            for report, (n, type_id) in zip(reports, enumerate(types), strict=False):
                sent = [line.text for line in done if line.report == n and line.text != "new"]
                at = report.cursor.get("question")
                if report.type != type_id:
                    problems.append(
                        f"user {player.user_id}: report {report.id} is {report.type}, not {type_id}"
                    )
                    continue
                d = replay(run.templates, type_id, sent)
                if d is None or d.answers != report.answers or d.at != at:
                    why = explain(run.templates, type_id, sent, report.answers, at)
                    problems.append(f"user {player.user_id}, report {report.id} ({type_id}): {why}")
    finally:
        store.close()
    return problems


def note_stored_unanswered(run: Run, players: list[Player], generation: int) -> None:
    """While the bot is down: a line stored but not answered yet owes its reply to a later process."""
    for player in players:
        _, lines = player.snapshot()
        last = lines[-1] if lines else None
        waiting = last is not None and last.outcome == "waiting" and last.stored_by is None
        if last is not None and waiting and run.bot.processed(last.update_id):
            last.stored_by = generation


def test_sigkill_at_random_moments_and_between_commit_and_reply(
    tmp_path: Path, templates: Templates, pytestconfig: pytest.Config
) -> None:
    kills_wanted: int = pytestconfig.getoption("--kills")
    rng = random.Random(20231008)
    hook_rng = random.Random(8)
    emulator = Emulator(TOKEN).start()
    bot = BotProcess(emulator, tmp_path)
    run = Run(emulator, bot, templates)
    players = [Player(uid, run) for uid in (6001, 6002, 6003)]
    ids = {p.user_id for p in players}
    armed, hook_killed = threading.Event(), threading.Event()

    def kill_before_reply(method: str, params: dict[str, object]) -> None:
        """Kill the bot as it sends a player a reply: the answer is committed, the reply is lost."""
        if not armed.is_set() or method not in REPLY_METHODS or int(str(params.get("chat_id", 0))) not in ids:
            return
        if hook_rng.random() >= REPLY_KILL_CHANCE or bot.proc is None:
            return
        armed.clear()
        os.kill(bot.proc.pid, signal.SIGKILL)
        hook_killed.set()
        raise Dropped  # before the emulator records the message: it dies with the process

    emulator.on_call = kill_before_reply
    threads = [threading.Thread(target=p.play, daemon=True) for p in players]
    problems: list[str] = []
    try:
        run.start_bot()
        for thread in threads:
            thread.start()
        kinds = ["between commit and reply" if n % 2 else "random" for n in range(kills_wanted)]
        rng.shuffle(kinds)
        for kind in kinds:
            assert bot.proc is not None
            if kind == "between commit and reply":
                hook_killed.clear()
                armed.set()
                if not hook_killed.wait(ARMED_LIMIT):  # no player got a reply meanwhile
                    armed.clear()
            if not hook_killed.is_set() or kind == "random":
                kind = "random"
                time.sleep(rng.uniform(0.05, 0.6))  # not a wait for anything: the moment to kill at
                if bot.proc.poll() is None:
                    os.kill(bot.proc.pid, signal.SIGKILL)
            bot.proc.wait()
            run.bot_killed()
            run.kills.append(Kill(emulator.generation, kind))
            note_stored_unanswered(run, players, emulator.generation)
            for problem in state_problems(run, players):
                if all(not p.endswith(problem) for p in problems):  # each once, at its first kill
                    problems.append(f"after kill {len(run.kills)}: {problem}")
            run.start_bot()
        run.stop.set()
        for thread in threads:
            thread.join(REPLY_LIMIT + 60)
        for player in players:
            if player.error is not None:
                problems.append(f"user {player.user_id}: {player.error!r}")
            _, lines = player.snapshot()
            for line in lines:
                if line.outcome != "answered":
                    problems.append(
                        f"user {player.user_id}, {player.describe(line)} (update {line.update_id}, handed "
                        f"out {emulator.handed_out.get(line.update_id, 0)} times): {line.outcome} "
                        f"(no reply within {REPLY_LIMIT:.0f} s of the bot being up)"
                    )
        wait_until_applied(run, players)
        for player in players:
            _, lines = player.snapshot()
            problems += [
                f"user {player.user_id}, {player.describe(line)} (update {line.update_id}): never applied"
                for line in lines
                if not run.bot.processed(line.update_id)
            ]
        problems += [f"at the end: {p}" for p in state_problems(run, players)]
        # Every finished report reached its user as a DOCX that opens; nothing half-written was sent.
        for message in emulator.sent:
            if message.document:
                docx.Document(io.BytesIO(message.document[1]))
    finally:
        run.stop.set()
        emulator.on_call = None
        bot.stop()
        emulator.stop()
    lines = [line for p in players for line in p.snapshot()[1]]
    summary = (
        f"kills={len(run.kills)} (random {sum(k.kind == 'random' for k in run.kills)}, between commit and "
        f"reply {sum(k.kind != 'random' for k in run.kills)}) "
        f"acknowledged answers={sum(line.outcome == 'answered' for line in lines)} "
        f"re-delivered updates={len(emulator.redelivered())} "
        f"owed replies sent after restart={sum(line.owed_after_restart for line in lines)} "
        f"stored but never answered={sum(line.outcome == 'stored, never answered' for line in lines)} "
        f"never applied={sum(line.outcome == 'never applied' for line in lines)} "
        f"applied twice={sum('applied twice' in p for p in problems)}"
    )
    print(summary)
    assert not problems, summary + "\n" + "\n".join(problems[:40])
    assert all(p.lines for p in players), summary
    assert TOKEN not in bot.log.read_text(encoding="utf-8", errors="replace")


def test_killed_while_writing_the_docx_then_asking_again_works(tmp_path: Path, templates: Templates) -> None:
    emulator = Emulator(TOKEN).start()
    bot = BotProcess(emulator, tmp_path)
    bot.start()
    killed = threading.Event()

    def kill_on_upload(method: str, params: dict[str, object]) -> None:
        if method == "sendDocument" and not killed.is_set() and bot.proc is not None:
            killed.set()
            os.kill(bot.proc.pid, signal.SIGKILL)  # the DOCX is written and on its way
            raise Dropped

    try:
        user = User(emulator, bot, 6100)
        names = list(templates.types)
        lines = full_script(templates.interview("study_speech"))
        start = SentMessage(user.id, 0)
        user.press_data(start, encode("new", names.index("study_speech") + 1), question)
        for line in lines[:-1]:
            user.send(line, question)
        emulator.on_call = kill_on_upload
        emulator.user_sends(user.id, lines[-1])
        assert killed.wait(30), "the bot never sent the DOCX"
        assert bot.proc is not None
        bot.proc.wait()
        assert not any(m.document for m in emulator.messages_to(user.id))  # nothing half-sent
        emulator.on_call = None
        bot.start()
        # The reply to /export is a DOCX (a restarted bot may first send one it owed: either will do).
        [*_, reply] = [m.document for m in user.send("/export", document) if m.document]
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(reply[1])).paragraphs)
        assert "发言完毕" in text
        for message in emulator.messages_to(user.id):  # also any owed copy sent after the restart
            if message.document:
                docx.Document(io.BytesIO(message.document[1]))
    finally:
        bot.stop()
        emulator.stop()
