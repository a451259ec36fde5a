"""Changing a remembered profile field in the chat: the pending change survives a restart, is
tied to its update, and the value takes the same cleaning and checks as every typed answer."""

from __future__ import annotations

from pathlib import Path

from bot.interview.parsing import check_value
from bot.service.reports import Templates
from tests.support.fakes import Chat, texts
from tests.support.telegram_app import Bot, make_bot


async def report_under_way(b: Bot, user: int) -> Chat:
    """A chat with a unit report whose first answer is given."""
    chat = b.chat(user)
    await chat.send("/new")
    await chat.press("单位意识形态")
    await chat.send("甲局")
    return chat


async def test_a_pending_change_survives_a_restart_and_is_not_taken_as_an_answer(
    tmp_path: Path, templates: Templates
) -> None:
    b = await make_bot(tmp_path, templates)
    chat = await report_under_way(b, 401)
    [report] = b.reports.store.list_reports("tg:401")
    await chat.send("/profile")
    calls = await chat.press("修改 1")
    assert "请发送新的" in texts(calls)
    await b.close()  # the bot restarts between the press and the value
    again = await make_bot(tmp_path, templates)
    try:
        calls = await again.chat(401).send("乙局新名称")
        assert "已更新" in texts(calls)
        assert again.reports.store.profile("tg:401")["unit_name"] == "乙局新名称"
        after = again.reports.load("tg:401", report.id)
        assert after.answers == report.answers and after.cursor == report.cursor  # not an answer
    finally:
        await again.close()


async def test_a_profile_update_delivered_twice_is_applied_once(tmp_path: Path, templates: Templates) -> None:
    b = await make_bot(tmp_path, templates)
    try:
        chat = await report_under_way(b, 402)
        [report] = b.reports.store.list_reports("tg:402")
        await chat.send("/profile")
        await chat.press("修改 1")
        update = chat.message_update("乙局新名称")
        await chat.deliver(update)
        await chat.deliver(update)  # Telegram re-delivers after a crash
        assert b.reports.store.profile("tg:402")["unit_name"] == "乙局新名称"
        after = b.reports.load("tg:402", report.id)
        assert after.answers == report.answers and after.cursor == report.cursor
        assert b.reports.store.editing("tg:402") is None
    finally:
        await b.close()


async def test_profile_values_take_the_answers_cleaning_and_checks(
    tmp_path: Path, templates: Templates
) -> None:
    b = await make_bot(tmp_path, templates)
    try:
        chat = b.chat(403)
        await chat.send("/profile")
        await chat.press("修改 1")
        calls = await chat.send("\ud800")  # a lone surrogate: nothing storable is left
        assert "没有收到内容" in texts(calls) and "请发送新的" in texts(calls)
        assert b.reports.store.profile("tg:403") == {}
        calls = await chat.send("乙\x00局\x1b")  # NUL and ESC are dropped, as from any answer
        assert "已更新" in texts(calls)
        assert b.reports.store.profile("tg:403") == {"unit_name": "乙局"}
        await chat.send("/profile")
        await chat.press("修改 1")
        calls = await chat.send("局" * 500)  # the question's own length limit, not a silent cut
        assert "内容过长" in texts(calls) and "您发送了 500 个字" in texts(calls)
        assert b.reports.store.profile("tg:403") == {"unit_name": "乙局"}
        # A value stored before this check is not offered again with its control characters.
        question = next(q for q in b.reports.profile_fields() if q.id == "unit_name")
        assert check_value(question, "乙\x1b局") is not None
    finally:
        await b.close()
