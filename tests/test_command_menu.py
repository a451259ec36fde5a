"""The command menu is set while polling starts, not before it; a refused menu is logged, not fatal."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from telegram.request import RequestData

from bot.service.reports import Templates
from bot.telegram.wiring import register_commands_later
from tests.support.fakes import RecordingRequest
from tests.support.telegram_app import make_bot


class RefusingMenu(RecordingRequest):
    """Answers every call as Telegram would, except setMyCommands, which it refuses."""

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        """Refuse the menu; answer the rest."""
        if url.endswith("/setMyCommands"):
            return 400, json.dumps({"ok": False, "error_code": 400, "description": "Bad Request"}).encode()
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_the_menu_is_set_in_the_background(tmp_path: Path, templates: Templates) -> None:
    bot = await make_bot(tmp_path, templates)
    try:
        await register_commands_later(bot.app)  # returns at once: polling may start
        await bot.app.bot_data["menu"]
        [call] = [c for c in bot.request.calls if c.method == "setMyCommands"]
        assert "start" in str(call.params["commands"])
    finally:
        await bot.close()


async def test_a_refused_menu_is_logged_and_the_bot_answers(
    tmp_path: Path, templates: Templates, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await make_bot(tmp_path, templates, RefusingMenu())
    try:
        with caplog.at_level(logging.ERROR, logger="reportbot.telegram"):
            await register_commands_later(bot.app)
            await bot.app.bot_data["menu"]  # does not raise
        assert "could not set the command menu" in caplog.text
        await bot.chat(7).send("/start")
        assert any(c.method == "sendMessage" for c in bot.request.calls)
    finally:
        await bot.close()
