"""Receiving updates: confirmed to Telegram only once handled, an unreadable one skipped (and
confirmed) with one log line, and only the kinds of update the bot means to handle are handled."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from telegram import Update

from bot.cli.settings import Settings
from bot.document.render import Renderer
from bot.service.reports import Reports, Templates
from bot.telegram.client import Intake
from bot.telegram.wiring import build_application
from storage import Store
from tests.support.fakes import TOKEN, Chat, RecordingRequest, UpdateQueue, texts
from tests.support.interviews import TODAY
from tests.support.paths import TEMPLATES
from tests.support.telegram_app import make_bot


async def wait_until(found: object, timeout: float = 20) -> None:
    """Wait (up to ``timeout`` seconds) until the callable ``found`` returns true."""
    assert callable(found)
    deadline = time.monotonic() + timeout
    while not found():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_the_offset_never_passes_an_update_still_in_flight() -> None:
    intake = Intake()
    assert intake.fetched([5, 6, 7]) == [5, 6, 7]
    for update_id in (5, 6, 7):
        intake.opened(update_id)
    intake.handled(6)
    intake.handled(7)
    assert await intake.offset(8, wait=0.01) == 5  # 5 is still being handled: not confirmed
    assert intake.fetched([5, 6, 7, 8]) == [8]  # delivered again: not handed out twice
    intake.opened(8)
    intake.handled(5)
    intake.handled(8)
    assert await intake.offset(8, wait=0.01) == 9
    assert await intake.offset(None, wait=0.01) == 9


async def test_an_unreadable_update_is_skipped_and_confirmed_and_the_others_answered(
    tmp_path: Path, templates: Templates, caplog: pytest.LogCaptureFixture
) -> None:
    request = UpdateQueue()
    b = await make_bot(tmp_path, templates, request=request)
    chat = b.chat(501)
    unreadable = [{"update_id": n, "message": {"message_id": 1, "date": 0, "chat": 3}} for n in (900, 901)]
    with pytest.raises(Exception):  # noqa: B017 - whatever python-telegram-bot raises
        Update.de_json(unreadable[0], b.app.bot)
    good = chat.message_update("/help").to_dict()
    good["update_id"] = 902
    request.pending = [*unreadable, good]
    await b.app.start()
    assert b.app.updater is not None
    try:
        with caplog.at_level(logging.WARNING):
            await b.app.updater.start_polling(poll_interval=0, timeout=0)
            await wait_until(lambda: "/new 新建报告" in texts(request.calls))  # the help text was sent
            await wait_until(lambda: max(request.offsets) == 903)  # all three confirmed
            await b.app.updater.stop()
        unreadable_lines = [r for r in caplog.records if "could not be read" in r.getMessage()]
        assert len(unreadable_lines) == 1  # one line, not one per poll
        assert "900" in unreadable_lines[0].getMessage()
    finally:
        if b.app.updater.running:
            await b.app.updater.stop()
        await b.app.stop()
        await b.close()


async def test_a_button_whose_data_is_not_a_string_is_refused_politely(
    tmp_path: Path, templates: Templates
) -> None:
    b = await make_bot(tmp_path, templates)
    try:
        chat = b.chat(502)
        update = chat.button_update("x").to_dict()
        update["callback_query"]["data"] = 12345
        await chat.deliver(Update.de_json(update, b.app.bot))
        calls = chat.new_calls()
        [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
        assert answer.params.get("text") == "无法识别这个按钮。"
    finally:
        await b.close()


@pytest.mark.parametrize(
    "kind",
    ["edited_message", "edited_business_message", "business_message", "channel_post", "edited_channel_post"],
)
async def test_only_new_messages_and_presses_are_handled(
    tmp_path: Path, templates: Templates, kind: str
) -> None:
    b = await make_bot(tmp_path, templates)
    try:
        chat = b.chat(503)
        await chat.send("/new")
        await chat.press("单位意识形态")
        chat.new_calls()
        message = chat.message_update("乙局").to_dict()["message"]
        if "business" in kind:
            message["business_connection_id"] = "bc1"
        if "channel" in kind:
            message["chat"] = {"id": -100503, "type": "channel", "title": "频道"}
            message.pop("from")
        update = chat.raw_update({kind: message})
        await chat.deliver(update)
        assert chat.new_calls() == []  # not answered
        [report] = b.reports.store.list_reports("tg:503")
        assert report.answers == {}  # and not taken as an answer
        assert b.reports.store.applied(update.update_id)  # handled: not applied later
    finally:
        await b.close()


async def test_a_webhook_request_is_answered_only_once_its_update_is_handled(
    tmp_path: Path, templates: Templates
) -> None:
    settings = Settings.load({"TELEGRAM_BOT_TOKEN": TOKEN}, dotenv=tmp_path / "none")
    reports = Reports(Store.open(tmp_path / "tg.db"), templates, lambda: TODAY)
    request = RecordingRequest()
    app = build_application(settings, reports, Renderer.create(TEMPLATES), request=request, webhook=True)
    await app.initialize()
    await app.start()
    try:
        chat = Chat(app, request, 504)
        update = chat.message_update("/new")
        # What python-telegram-bot's webhook handler does before it answers Telegram's request:
        await app.update_queue.put(update)
        assert reports.store.applied(update.update_id)  # handled, with its reply
        assert any(c.method == "sendMessage" for c in request.calls)
    finally:
        await app.stop()
        await app.shutdown()
        reports.store.close()
