"""Per-user limits, and storage that refuses to write (read-only, full): clear words, no loss."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.service.reports import LimitReached, Limits, Reports, Templates
from storage import Store
from tests.support.cli import run_cli as run
from tests.support.cli import stored
from tests.support.fakes import texts
from tests.support.interviews import TODAY
from tests.support.telegram_app import Bot, make_bot


def test_draft_limit(store: Store, templates: Templates) -> None:
    reports = Reports(store, templates, lambda: TODAY, Limits(max_drafts=2))
    reports.new("u", "study_speech")
    reports.new("u", "study_speech")
    with pytest.raises(LimitReached) as exc:
        reports.new("u", "study_speech")
    assert exc.value.key == "limit.drafts" and exc.value.params == {"max": 2}
    assert templates.messages.text(exc.value.key, **exc.value.params).startswith("您已有 2 份未完成的报告")
    reports.new("other", "study_speech")  # the limit is per user


def test_report_size_limit_keeps_earlier_answers(store: Store, templates: Templates) -> None:
    reports = Reports(store, templates, lambda: TODAY, Limits(max_report_chars=200))
    rid, _ = reports.new("u", "study_speech")
    reports.act("u", rid, "answer", "会议" * 40)
    with pytest.raises(LimitReached) as exc:
        reports.act("u", rid, "answer", "张" * 20)
        reports.act("u", rid, "answer", "职务" * 40)
        reports.act("u", rid, "answer", "今天")
        reports.act("u", rid, "answer", "主题" * 30)
    assert exc.value.key == "limit.report_size"
    answers = store.load_report("u", rid).answers
    assert answers["meeting_name"] == "会议" * 40 and "theme" not in answers


def test_console_reports_limits(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "REPORTBOT_MAX_DRAFTS": "1"}
    run(env, "chat", "--user", "lim", stdin="study_speech\n会议\n")
    result = run(env, "chat", "--user", "lim", stdin="study_speech\n/quit\n")
    assert "您已有 1 份未完成的报告，达到上限" in result.stdout
    assert len(stored(env, "console:lim")) == 1


def test_bad_limit_setting_is_one_line(cli_env: dict[str, str]) -> None:
    result = run({**cli_env, "REPORTBOT_MAX_DRAFTS": "many"}, "types")
    assert result.returncode != 0 and "REPORTBOT_MAX_DRAFTS must be a positive whole number" in result.stderr


@pytest.mark.parametrize(
    "pragma", ["PRAGMA query_only = ON", "PRAGMA max_page_count = {pages}"], ids=["read-only", "disk-full"]
)
async def test_unwritable_database_tells_user_and_keeps_running(
    tmp_path: Path, templates: Templates, caplog: pytest.LogCaptureFixture, pragma: str
) -> None:
    bot: Bot = await make_bot(tmp_path, templates)
    try:
        chat = bot.chat(21)
        await chat.send("/new")
        await chat.press("理论学习中心组")
        await chat.send("学习会")
        await chat.send("/section")
        await chat.press("3. 主要观点")
        await chat.send("要牢牢掌握理论建构权")
        db = bot.reports.store.db
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(pragma.format(pages=pages))
        with caplog.at_level(logging.ERROR):
            calls = await chat.send("长" * 1900)  # needs new pages when the file is full
        assert "服务器存储出错，这条消息没有保存。您之前的回答都已安全保存" in texts(calls)
        assert "error while handling update" in caplog.text
        db.execute("PRAGMA query_only = OFF")
        db.execute("PRAGMA max_page_count = 1073741823")
        [report] = bot.reports.store.list_reports("tg:21")
        # Nothing acknowledged was lost, nothing half-stored.
        assert report.answers == {"meeting_name": "学习会", "point1_title": "要牢牢掌握理论建构权"}
        calls = await chat.send("阐述")  # the bot kept running
        assert "第一点的做法或例子" in texts(calls) or "例子" in texts(calls)
    finally:
        await bot.close()
