"""Fault injection: the bot process is killed with SIGKILL at random moments while several users
answer; after every restart nothing acknowledged is lost, nothing is applied twice, every user
goes on at the next open question, and the database passes its integrity check."""

from __future__ import annotations

import io
import os
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pytest

from bot.service import Catalog
from bot.tg_keys import encode
from storage.store import Store
from tests.conftest import TYPE_IDS, Driver, full_script
from tests.emulator import Dropped, Emulator, SentMessage, document
from tests.test_e2e_telegram import TOKEN, BotProcess, User, question


@dataclass
class Player:
    """A user who answers report after report, each line only after the previous one was applied."""

    user_id: int
    emulator: Emulator
    bot: BotProcess
    catalog: Catalog
    stop: threading.Event
    kills: list[float]
    scripts: list[tuple[str, list[str]]] = field(default_factory=list)  # per report: type, lines applied
    inflight: str | None = None
    resent: int = 0
    error: BaseException | None = None

    def _deliver(self, send: Callable[[], int]) -> None:
        """Send until applied. Like a real user, send again only when the message was lost: the
        bot confirmed it to Telegram, then died without applying it (claims are transactional, so
        'not applied' after that death is final)."""
        deadline = time.monotonic() + 180
        update_id = send()
        while time.monotonic() < deadline:
            try:
                if self.bot.processed(update_id):
                    return
            except sqlite3.Error:
                pass  # the database is being recovered after a kill
            confirmed = self.emulator.confirmed.get(update_id)
            lost = confirmed is not None and any(k > confirmed for k in list(self.kills))
            if lost and not self.bot.processed(update_id):
                self.resent += 1
                update_id = send()
            time.sleep(0.01)
        raise TimeoutError(f"update {update_id} of user {self.user_id} never applied")

    def run(self) -> None:
        try:
            names = list(self.catalog.types)
            for round_ in range(1000):
                if self.stop.is_set():
                    return
                type_id = TYPE_IDS[(self.user_id + round_) % len(TYPE_IDS)]
                start = SentMessage(self.user_id, 0)
                data = encode("new", names.index(type_id) + 1)
                self.inflight = "new"
                self._deliver(lambda s=start, d=data: self.emulator.user_presses(self.user_id, s, d))
                self.scripts.append((type_id, []))
                self.inflight = None
                for line in full_script(self.catalog.interview(type_id)):
                    self.inflight = line
                    self._deliver(lambda line=line: self.emulator.user_sends(self.user_id, line))
                    self.scripts[-1][1].append(line)
                    self.inflight = None
        except BaseException as exc:  # reported by the main thread
            self.error = exc


def expected(catalog: Catalog, type_id: str, lines: list[str]) -> Driver:
    driver = Driver(catalog.interview(type_id))
    for line in lines:
        driver.say(line)
    return driver


def check_state(bot: BotProcess, catalog: Catalog, players: list[Player]) -> None:
    """Integrity, and every user's reports exactly as their applied lines say."""
    store = Store.open(bot.db)
    try:
        assert store.integrity() == "ok"
        for player in players:
            reports = sorted(store.list_reports(f"tg:{player.user_id}", status=None), key=lambda r: r.id)
            inflight = player.inflight  # read before the scripts: the player appends, then clears it
            scripts = [(t, list(lines)) for t, lines in player.scripts]
            # The line in flight may be applied already, its reply not seen yet.
            assert len(reports) in (len(scripts), len(scripts) + 1)
            if len(reports) > len(scripts):
                assert inflight == "new"
            for n, (report, (type_id, lines)) in enumerate(zip(reports, scripts, strict=False)):
                candidates = [lines]
                if inflight not in (None, "new") and n == len(scripts) - 1:
                    candidates.append([*lines, inflight])
                drivers = [expected(catalog, type_id, c) for c in candidates]
                assert report.type == type_id
                assert any(
                    report.answers == d.answers and report.cursor.get("question") == d.at for d in drivers
                ), (player.user_id, type_id, len(lines))
    finally:
        store.close()


def test_sigkill_at_random_moments_loses_and_repeats_nothing(
    tmp_path: Path, catalog: Catalog, pytestconfig: pytest.Config
) -> None:
    kills_wanted: int = pytestconfig.getoption("--kills")
    rng = random.Random(20231008)
    emulator = Emulator(TOKEN).start()
    bot = BotProcess(emulator, tmp_path)
    bot.start()
    stop = threading.Event()
    kill_times: list[float] = []
    players = [Player(uid, emulator, bot, catalog, stop, kill_times) for uid in (6001, 6002, 6003)]
    threads = [threading.Thread(target=p.run, daemon=True) for p in players]
    try:
        for thread in threads:
            thread.start()
        kills = 0
        while kills < kills_wanted:
            time.sleep(rng.uniform(0.05, 0.6))
            assert bot.proc is not None
            os.kill(bot.proc.pid, signal.SIGKILL)
            bot.proc.wait()
            kill_times.append(time.monotonic())
            kills += 1
            # Users are blocked on their unapplied update while the bot is down: check now.
            time.sleep(0.05)
            check_state(bot, catalog, players)
            bot.start()
            for player in players:
                assert player.error is None, player.error
        stop.set()
        for thread in threads:
            thread.join(180)
        for player in players:
            assert player.error is None, player.error
            assert player.scripts and player.scripts[0][1]
        check_state(bot, catalog, players)
        applied = sum(len(lines) for p in players for _, lines in p.scripts)
        print(f"kills={kills} lines applied={applied} resent after loss={sum(p.resent for p in players)}")
        # Every finished report reached its user as a DOCX that opens; nothing half-written was sent.
        for message in emulator.sent:
            if message.document:
                docx.Document(io.BytesIO(message.document[1]))
    finally:
        stop.set()
        bot.stop()
        emulator.stop()
    assert TOKEN not in bot.log.read_text(encoding="utf-8", errors="replace")


def test_killed_while_writing_the_docx_then_asking_again_works(tmp_path: Path, catalog: Catalog) -> None:
    emulator = Emulator(TOKEN).start()
    bot = BotProcess(emulator, tmp_path)
    bot.start()
    killed = threading.Event()

    def kill_on_upload(method: str, params: dict[str, object]) -> None:
        if method == "sendChatAction" and not killed.is_set() and bot.proc is not None:
            killed.set()
            os.kill(bot.proc.pid, signal.SIGKILL)  # the DOCX is being written right now
            raise Dropped

    try:
        user = User(emulator, bot, 6100)
        names = list(catalog.types)
        lines = full_script(catalog.interview("study_speech"))
        start = SentMessage(user.id, 0)
        user.press_data(start, encode("new", names.index("study_speech") + 1), question)
        for line in lines[:-1]:
            user.send(line, question)
        emulator.on_call = kill_on_upload
        emulator.user_sends(user.id, lines[-1])
        assert killed.wait(30), "the bot never started writing the DOCX"
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
