"""The replies that open and close a report: few messages, nothing said twice.

Telegram lets a bot send about 30 messages a second, so a line that can ride on a message the
bot sends anyway does: the "已新建" line on the first question, the finished notice and the
lint's findings on the DOCX's caption, the "sending a file" status only while a file is slow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.telegram import outbox as outbox_module
from bot.telegram.outbox import Docx
from bot.telegram.views import MAX_CAPTION, utf16_length, with_findings
from tests.support.fakes import Call, texts
from tests.support.interviews import full_script
from tests.support.preview import until
from tests.support.telegram_app import Bot

TYPE_ID = "study_speech"


async def play_to_the_end(bot: Bot, user_id: int) -> list[Call]:
    """Choose the type and answer every question; the calls made in reply to the last answer."""
    chat = bot.chat(user_id)
    await chat.send("/new")
    await chat.press(bot.reports.templates.types[TYPE_ID].name)
    calls: list[Call] = []
    for line in full_script(bot.reports.templates.interview(TYPE_ID)):
        calls = await chat.send(line)
    return calls


async def test_the_started_line_rides_on_the_first_question(bot: Bot) -> None:
    chat = bot.chat(81)
    await chat.send("/new")
    name = bot.reports.templates.types[TYPE_ID].name
    calls = await chat.press(name)
    sent = [c for c in calls if c.method == "sendMessage"]
    assert len(sent) == 1
    assert texts(sent).startswith(f"已新建：{name}。\n\n【第1/")


async def test_a_finished_report_is_one_file_captioned_with_what_to_check(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_module, "HINT_AFTER", 60.0)  # a file that comes at once
    calls = await play_to_the_end(bot, 82)
    [document] = [c for c in calls if c.method == "sendDocument"]
    caption = str(document.params["caption"])
    assert caption.startswith("全部问题已回答，报告已完成。\n\n排版前请留意以下 1 处：\n1. 正文只有")
    assert calls[-1] is document  # nothing after it: the findings are not sent again
    assert "全部问题已回答" not in texts([c for c in calls if c.method == "sendMessage"])
    assert not [c for c in calls if c.method == "sendChatAction"]


async def test_a_slow_file_shows_the_sending_status_first(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_module, "HINT_AFTER", 0.0)
    outbox = bot.app.bot_data["reportbot"].outbox
    make: Callable[[int, int, bool], Awaitable[Docx]] = outbox.docx

    async def slow(chat_id: int, report_id: int, draft: bool) -> Docx:
        # Still being made when the status goes out.
        await until(lambda: any(c.method == "sendChatAction" for c in bot.request.calls))
        return await make(chat_id, report_id, draft)

    outbox.docx = slow
    calls = await play_to_the_end(bot, 83)
    methods = [c.method for c in calls]
    assert methods.index("sendChatAction") < methods.index("sendDocument")
    assert calls[methods.index("sendChatAction")].params["action"] == "upload_document"


async def test_findings_too_long_for_the_caption_follow_the_file(bot: Bot) -> None:
    outbox = bot.app.bot_data["reportbot"].outbox
    make: Callable[[int, int, bool], Awaitable[Docx]] = outbox.docx
    lines = [f"{n}. “某某……”这一段有 400 字。" for n in range(1, 81)]
    findings = "排版前请留意以下 80 处：\n" + "\n".join(lines)

    async def many(chat_id: int, report_id: int, draft: bool) -> Docx:
        made = await make(chat_id, report_id, draft)
        finished = bot.reports.templates.messages.text("telegram.finished")
        return Docx(made.data, made.name, *with_findings(finished, findings))

    outbox.docx = many
    calls = await asyncio.wait_for(play_to_the_end(bot, 84), 60)
    [document] = [c for c in calls if c.method == "sendDocument"]
    assert document.params["caption"] == "全部问题已回答，报告已完成。"
    assert calls[-1].method == "sendMessage" and texts(calls[-1:]) == findings


def test_with_findings_counts_as_telegram_counts() -> None:
    assert with_findings("草稿。", "无") == ("草稿。\n\n无", "")
    assert with_findings("", "无") == ("无", "")
    assert with_findings("草稿。", "") == ("草稿。", "")
    room = MAX_CAPTION - utf16_length("草稿。\n\n")
    assert with_findings("草稿。", "字" * room)[1] == ""
    # A character outside the BMP counts twice: one more no longer fits.
    assert with_findings("草稿。", "𠀀" + "字" * (room - 1)) == ("草稿。", "𠀀" + "字" * (room - 1))
