"""The Bot API calls reportbot makes on every answer, without building Message objects.

python-telegram-bot turns every API answer into a ``Message`` (with its keyboard, chat and
sender objects); for a question with buttons that costs more than the rest of handling an
answer together (BENCHMARKS.md, "Updates"). The handlers need nothing of a sent message but its
id, so these calls post the same requests through the same machinery (the rate limiter, the
request class and its error mapping) and read only that.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import ExtBot

Button = tuple[str, str]  # label, callback data
Keyboard = tuple[tuple[Button, ...], ...]

# Bot API requests at once: 16 that each take a fifth of a second still make 80 a second, more
# than Telegram's limit of 30 messages a second lets a bot send (BENCHMARKS.md, "End to end").
SENDING_AT_ONCE = 16

# One encoder for every keyboard: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def markup_json(keyboard: Keyboard) -> str:
    """The ``reply_markup`` parameter for an inline keyboard."""
    rows = [[{"text": label, "callback_data": data} for label, data in row] for row in keyboard]
    return _encode({"inline_keyboard": rows})


class LeanBot(ExtBot[Any]):
    """An ExtBot with cheap calls for sending and editing plain texts with inline keyboards.

    ``settled`` is awaited before every request: with grouped commits, it holds a reply back
    until what the handling task wrote is on disk. At most ``sending`` requests are made at once
    (long polling for updates aside): httpx's connection pool checks every open connection each
    time a request starts or ends, so its cost grows with the number of requests at once
    (BENCHMARKS.md, "End to end"). The cheap calls go straight to ``_do_post`` (rate limiter,
    request class): they carry no defaults or None values for ``_post`` to fill in.
    """

    def __init__(
        self,
        *args: Any,
        settled: Callable[[], Awaitable[None]] | None = None,
        sending: int = SENDING_AT_ONCE,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._settled = settled
            self._sending = asyncio.Semaphore(sending)

    async def _do_post(self, endpoint: str, data: dict[str, Any], **kwargs: Any) -> Any:
        if self._settled is not None:
            await self._settled()
        if endpoint == "getUpdates":  # waits for updates up to the polling timeout
            return await super()._do_post(endpoint, data, **kwargs)
        async with self._sending:
            return await super()._do_post(endpoint, data, **kwargs)

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None = None) -> int:
        """Send a text message; returns its message id."""
        data: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if keyboard:
            data["reply_markup"] = markup_json(keyboard)
        result = await self._do_post("sendMessage", data)
        return int(result["message_id"])

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None = None
    ) -> None:
        """Replace a message's text (and keyboard: none given removes it)."""
        data: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id, "text": text}
        if keyboard:
            data["reply_markup"] = markup_json(keyboard)
        await self._do_post("editMessageText", data)

    async def clear_keyboard(self, chat_id: int, message_id: int) -> None:
        """Remove a message's inline keyboard."""
        await self._do_post("editMessageReplyMarkup", {"chat_id": chat_id, "message_id": message_id})
