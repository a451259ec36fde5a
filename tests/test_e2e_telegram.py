"""End to end: the real bot process (`reportbot run`) against the local Bot API emulator."""

from __future__ import annotations

import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from bot.interview.definition import Kind
from bot.service.reports import Catalog, Reports
from bot.telegram.keys import encode
from storage import Store
from tests.conftest import REPO, TODAY, TYPE_IDS
from tests.emulator import (
    Call,
    Emulator,
    Expect,
    SentMessage,
    document,
    either,
    has_button,
    press_answered,
    says,
)

TOKEN = "987654321:AAHtestTOKENtestTOKENtestTOKENtest12"
REPLY_LIMIT = 30.0  # seconds a reply may take on a loaded machine before the test says it is missing
QUESTION_HEADER = re.compile(r"【第\d+/\d+部分 · 第\d+/\d+题】")  # templates/messages.toml prompt.header


def question(call: Call) -> bool:
    """A new message that asks a question: the last message of the reply to an answer."""
    return call.method == "sendMessage" and QUESTION_HEADER.search(call.text) is not None


NEXT = either(question, document)  # what answering a question ends with: the next one, or the DOCX
EDITED = says("已修改")  # a changed answer is confirmed (then the review or the question follows)


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
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process and wait until it has set up its commands (it then polls)."""
        self.emulator.next_generation()
        before = sum(1 for method, _ in self.emulator.calls if method == "setMyCommands")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.emulator.wait_until(
            lambda: sum(1 for method, _ in self.emulator.calls if method == "setMyCommands") > before, 30
        )

    def stop(self) -> None:
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


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator(TOKEN).start()
    yield emu
    emu.stop()


@pytest.fixture
def bot(emulator: Emulator, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(emulator, tmp_path)
    process.start()
    yield process
    process.stop()
    # The token reaches neither the log nor any file the bot wrote.
    secret = TOKEN.split(":")[1].encode()
    assert secret not in process.log.read_bytes()
    for path in process.db.parent.rglob("*"):
        if path.is_file() and path != process.log:
            assert secret not in path.read_bytes(), path


def reader(bot: BotProcess, catalog: Catalog) -> Reports:
    return Reports(Store.open(bot.db), catalog, lambda: TODAY)


def answer_current(user: User, reports: Reports, report_id: int) -> list[SentMessage]:
    step = reports.current(f"tg:{user.id}", report_id)
    assert step.prompt is not None
    q = step.prompt.question
    if q.kind in (Kind.SINGLE_CHOICE, Kind.PERIOD):
        return user.press("第三季度" if q.kind is Kind.PERIOD else q.options[0], NEXT)
    if q.kind is Kind.MULTI_CHOICE:
        user.press("1.", has_button("✓ 1."))  # the question redrawn with the tick
        return user.press("完成", NEXT)
    if q.kind is Kind.LIST:
        user.send(f"{q.example}\n另一条{q.label}", has_button("完成"))
        return user.press("完成", NEXT)
    if q.kind is Kind.DETAILS:
        user.send(f"1 补充{q.label}", has_button("完成"))
        return user.press("完成", NEXT)
    return user.send({Kind.INTEGER: "7", Kind.DATE: "今天", Kind.YEAR: "2023"}.get(q.kind, q.example), NEXT)


@pytest.mark.parametrize("type_id", TYPE_IDS)
def test_user_completes_a_report_and_receives_the_docx(
    emulator: Emulator, bot: BotProcess, catalog: Catalog, type_id: str
) -> None:
    user = User(emulator, bot, 5001)
    name = catalog.types[type_id].name
    assert "报告助手" in "".join(m.text for m in user.send("/start", has_button(name)))
    user.press(name, question)
    reports = reader(bot, catalog)
    [draft] = reports.store.list_reports("tg:5001")
    sent: list[SentMessage] = []
    for _ in range(200):
        if reports.current("tg:5001", draft.id).prompt is None:
            break
        sent = answer_current(user, reports, draft.id)
    documents = [m for m in emulator.messages_to(user.id) if m.document]
    assert documents, [m.text for m in sent]
    filename, content = documents[-1].document  # type: ignore[misc]
    assert filename.endswith(".docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
    report = reports.load("tg:5001", draft.id)
    assert report.status == "complete"
    for q in catalog.interview(type_id).applicable_questions(report.answers):
        if q.kind is Kind.INTEGER:
            assert f"7{q.unit}" in text
        if q.kind is Kind.LIST:
            assert f"另一条{q.label}" in text
    assert {c["command"] for c in emulator.commands} >= {"start", "drafts", "export"}
    reports.store.close()


def test_restart_resumes_at_the_right_question(emulator: Emulator, bot: BotProcess, catalog: Catalog) -> None:
    user = User(emulator, bot, 5002)
    user.send("/new", has_button("单位意识形态"))
    user.press("单位意识形态", question)
    for text in ("某市交通运输局", "我局"):
        user.send(text, question)
    user.press("党委", question)
    user.send("/skip", question)  # in whose name the report goes (optional)
    user.send("/skip", question)  # the staff noun (optional)
    user.send("2023", question)
    bot.stop()
    bot.start()
    user.send("/drafts", has_button("单位意识形态"))
    sent = user.press("单位意识形态", question)
    text = "\n".join(m.text for m in sent)
    assert "继续填写" in text and "报告的是哪个期间" in text
    reports = reader(bot, catalog)
    [report] = reports.store.list_reports("tg:5002")
    assert report.answers == {
        "unit_name": "某市交通运输局",
        "unit_self": "我局",
        "party_body": "党委",
        "issuer": None,  # skipped
        "staff_noun": None,
        "year": 2023,
    }
    user.press("第二季度", question)
    assert reports.load("tg:5002", report.id).answers["period"] == "第二季度"
    reports.store.close()


def test_back_skip_section_review_change(emulator: Emulator, bot: BotProcess, catalog: Catalog) -> None:
    user = User(emulator, bot, 5003)
    user.send("/new", has_button("领导干部个人"))
    user.press("领导干部个人", question)
    user.send("张三", question)
    user.send("副局长", question)
    assert "当前答案：副局长" in "\n".join(m.text for m in user.send("/back", question))
    user.send("副检察长", question)
    user.press("分管意识形态工作的领导（直接责任）", question)
    user.press("跳过", question)
    user.send("/section", has_button("2. 理论学习"))
    assert "理论" in "\n".join(m.text for m in user.press("2. 理论学习", question))
    user.send("/review", has_button("✎1"))
    user.press("✎1", question)
    assert "已修改" in "\n".join(m.text for m in user.send("李四", EDITED))
    reports = reader(bot, catalog)
    [report] = reports.store.list_reports("tg:5003")
    assert report.answers["leader_name"] == "李四" and report.answers["leader_title"] == "副检察长"
    assert report.answers["duties"] is None
    reports.store.close()


def test_two_users_interleaving_and_a_forged_callback(
    emulator: Emulator, bot: BotProcess, catalog: Catalog
) -> None:
    alice, bob = User(emulator, bot, 5004), User(emulator, bot, 5005)
    alice.send("/new", has_button("单位意识形态"))
    bob.send("/new", has_button("理论学习中心组"))
    alice.press("单位意识形态", question)
    bob.press("理论学习中心组", question)
    alice.send("甲局", question)
    bob.send("学习会", question)
    alice.send("我局", question)
    bob.send("张三", question)
    drafts = bob.send("/drafts", has_button("理论学习中心组"))
    bob_drafts = "\n".join(m.text + " ".join(b["text"] for b in m.buttons()) for m in drafts)
    assert "理论学习中心组" in bob_drafts and "单位意识形态" not in bob_drafts
    reports = reader(bot, catalog)
    [alice_report] = reports.store.list_reports("tg:5004")
    before = reports.load("tg:5004", alice_report.id)
    message = emulator.messages_to(bob.id)[-1]
    # Someone else's report is refused as a stale button: that refusal is the whole reply.
    bob.press_data(message, encode("ch", alice_report.id, 3, 1), press_answered("过期"))
    bob.press_data(message, encode("delok", alice_report.id), press_answered("过期"))
    after = reports.load("tg:5004", alice_report.id)
    assert after.answers == before.answers == {"unit_name": "甲局", "unit_self": "我局"}
    reports.store.close()


def test_malformed_token_stops_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "not-a-token", "REPORTBOT_DB": str(tmp_path / "x.db")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Error: TELEGRAM_BOT_TOKEN is malformed: expected digits, a colon and the secret, as @BotFather "
        "gives it (e.g. 123456789:AA...)"
    ]
    assert "Traceback" not in result.stderr and "not-a-token" not in result.stderr


def test_backup_while_the_bot_runs_and_restore(
    emulator: Emulator, bot: BotProcess, catalog: Catalog, tmp_path: Path
) -> None:
    user = User(emulator, bot, 5006)
    user.send("/new", has_button("理论学习中心组"))
    user.press("理论学习中心组", question)
    user.send("学习会", question)
    user.send("张三", question)
    copy = tmp_path / "backup" / "reportbot-backup.db"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "backup", str(copy)],
        cwd=REPO,
        env=bot.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    user.send("局长", question)  # the bot goes on while and after the copy is taken
    bot.stop()
    restored = BotProcess(emulator, tmp_path / "restored")
    (tmp_path / "restored").mkdir()
    restored.db.write_bytes(copy.read_bytes())
    restored.start()
    try:
        again = User(emulator, restored, 5006)
        again.send("/drafts", has_button("理论学习中心组"))
        sent = again.press("理论学习中心组", question)
        assert "发言人的职务是" in "\n".join(m.text for m in sent)  # as of the backup
        reports = reader(restored, catalog)
        [report] = reports.store.list_reports("tg:5006")
        assert report.answers == {"meeting_name": "学习会", "speaker_name": "张三"}
        reports.store.close()
    finally:
        restored.stop()
