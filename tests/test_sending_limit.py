"""The bot makes at most SENDING_AT_ONCE Bot API requests at once, however many updates are in flight."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.service.reports import Templates
from bot.telegram.client import SENDING_AT_ONCE
from tests.support.fakes import RecordingRequest, texts
from tests.support.telegram_app import make_bot


class SlowRequest(RecordingRequest):
    """Answers only once let through, counting the requests waiting at the same time."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.now = 0
        self.most = 0

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await self.gate.wait()
            return await super().do_request(*args, **kwargs)
        finally:
            self.now -= 1


async def test_requests_at_once_are_limited_and_every_reply_still_goes(
    tmp_path: Path, templates: Templates
) -> None:
    request = SlowRequest()
    request.gate.set()
    bot = await make_bot(tmp_path, templates, request)
    try:
        request.gate.clear()
        chats = [bot.chat(uid) for uid in range(100, 100 + 2 * SENDING_AT_ONCE)]
        sending = asyncio.gather(*(chat.send("/help") for chat in chats))
        for _ in range(1000):  # let the updates run up to their requests
            await asyncio.sleep(0)
            if request.now >= SENDING_AT_ONCE:
                break
        for _ in range(100):  # and give any beyond the limit the chance to start one
            await asyncio.sleep(0)
        assert request.most == SENDING_AT_ONCE
        request.gate.set()
        await sending
        helped = {str(c.params["chat_id"]) for c in request.calls if "/new" in texts([c])}
        assert helped == {str(uid) for uid in range(100, 100 + 2 * SENDING_AT_ONCE)}
        assert request.most == SENDING_AT_ONCE
    finally:
        await bot.close()
