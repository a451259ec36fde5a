"""End to end: the real bot process (`reportbot run`) against the local Bot API emulator."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from bot.interview.definition import Kind
from bot.service.reports import Reports, Templates
from bot.telegram.keys import encode
from storage import Store
from tests.support.bot_process import TOKEN, BotProcess, User, question
from tests.support.cli import run_cli
from tests.support.emulator import Emulator
from tests.support.emulator_calls import SentMessage, document, either, has_button, press_answered, says
from tests.support.interviews import TODAY, TYPE_IDS
from tests.support.paths import REPO
from tests.support.telegram_play import choice_label

NEXT = either(question, document)  # what answering a question ends with: the next one, or the DOCX
EDITED = says("已修改")  # a changed answer is confirmed (then the review or the question follows)


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


def reader(bot: BotProcess, templates: Templates) -> Reports:
    return Reports(Store.open(bot.db), templates, lambda: TODAY)


def answer_current(user: User, reports: Reports, report_id: int) -> list[SentMessage]:
    step = reports.current(f"tg:{user.id}", report_id)
    assert step.prompt is not None
    q = step.prompt.question
    if q.kind in (Kind.SINGLE_CHOICE, Kind.PERIOD):
        return user.press(choice_label(step.prompt), NEXT)
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
    emulator: Emulator, bot: BotProcess, templates: Templates, type_id: str
) -> None:
    user = User(emulator, bot, 5001)
    name = templates.types[type_id].name
    assert "报告助手" in "".join(m.text for m in user.send("/start", has_button(name)))
    user.press(name, question)
    reports = reader(bot, templates)
    [draft] = reports.store.list_reports("tg:5001")
    sent: list[SentMessage] = []
    for _ in range(200):
        if reports.current("tg:5001", draft.id).prompt is None:
            break
        sent = answer_current(user, reports, draft.id)
    documents = [m for m in emulator.messages_to(user.id) if m.document]
    assert documents, [m.text for m in sent]
    assert documents[-1].document is not None
    filename, content = documents[-1].document
    assert filename.endswith(".docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
    report = reports.load("tg:5001", draft.id)
    assert report.status == "complete"
    for q in templates.interview(type_id).applicable_questions(report.answers):
        if q.kind is Kind.INTEGER:
            assert f"7{q.unit}" in text
        if q.kind is Kind.LIST:
            assert f"另一条{q.label}" in text
    assert {c["command"] for c in emulator.commands} >= {"start", "drafts", "export"}
    reports.store.close()


def test_restart_resumes_at_the_right_question(
    emulator: Emulator, bot: BotProcess, templates: Templates
) -> None:
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
    reports = reader(bot, templates)
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


def test_back_skip_section_review_change(emulator: Emulator, bot: BotProcess, templates: Templates) -> None:
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
    reports = reader(bot, templates)
    [report] = reports.store.list_reports("tg:5003")
    assert report.answers["leader_name"] == "李四" and report.answers["leader_title"] == "副检察长"
    assert report.answers["duties"] is None
    reports.store.close()


def test_two_users_interleaving_and_a_forged_callback(
    emulator: Emulator, bot: BotProcess, templates: Templates
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
    reports = reader(bot, templates)
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
    result = run_cli(env, "run")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Error: TELEGRAM_BOT_TOKEN is malformed: expected digits, a colon and the secret, as @BotFather "
        "gives it (e.g. 123456789:AA...)"
    ]
    assert "Traceback" not in result.stderr and "not-a-token" not in result.stderr


def test_backup_while_the_bot_runs_and_restore(
    emulator: Emulator, bot: BotProcess, templates: Templates, tmp_path: Path
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
        reports = reader(restored, templates)
        [report] = reports.store.list_reports("tg:5006")
        assert report.answers == {"meeting_name": "学习会", "speaker_name": "张三"}
        reports.store.close()
    finally:
        restored.stop()
