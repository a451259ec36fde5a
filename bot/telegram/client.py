"""The Bot API calls reportbot makes on every answer, without building Message objects.

python-telegram-bot turns every API answer into a ``Message`` (with its keyboard, chat and
sender objects), the largest cost of handling an answer (BENCHMARKS.md, "Updates"). The
handlers need nothing of a sent message but its id, so these calls post the same requests
through the same machinery (the rate limiter, the request class and its error mapping) and read
only that.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput, TimePeriod
from telegram.ext import ExtBot

log = logging.getLogger("reportbot.telegram")

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


# How long the next getUpdates waits for the updates fetched before to be handled, so that it
# confirms them to Telegram. Handling ends once the step and its reply are on disk; past this
# wait, updates still in flight stay unconfirmed and the newer ones are fetched.
CONFIRM_WAIT = 1.0


class Intake:
    """Fetched updates not yet handled: the offset of the next getUpdates must not pass them.

    Telegram forgets every update below the offset asked for. python-telegram-bot asks for the
    one after the last fetched, before the fetched ones are handled, so a crash in between lost
    them. Here the offset stops at the oldest update still in flight; updates Telegram then
    delivers again while still in flight (or already handled) are not handed out twice.
    """

    def __init__(self) -> None:
        self._open: set[int] = set()
        self._highest: int | None = None  # the newest update id fetched by this process
        self._idle: asyncio.Event | None = None
        self._waiting: dict[int, asyncio.Future[None]] = {}  # webhook requests awaiting handling

    def _event(self) -> asyncio.Event:
        if self._idle is None:
            self._idle = asyncio.Event()
            self._idle.set()
        return self._idle

    async def offset(self, requested: int | None, wait: float = CONFIRM_WAIT) -> int | None:
        """The offset to ask for: past every fetched update that is handled, no further."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event().wait(), wait)
        if self._open:
            return min(self._open)
        if self._highest is None:
            return requested
        return max(requested or 0, self._highest + 1)

    def fetched(self, update_ids: Sequence[int]) -> list[int]:
        """Note fetched ids; returns those new to this process (the others are not handed out)."""
        new = [u for u in update_ids if self._highest is None or u > self._highest]
        if new:
            self._highest = max(new)
        return new

    def opened(self, update_id: int) -> None:
        """An update handed out for handling."""
        self._open.add(update_id)
        self._event().clear()

    def handled(self, update_id: int) -> None:
        """An update's step and reply are on disk (or it needed none): it may be confirmed."""
        self._open.discard(update_id)
        waiter = self._waiting.pop(update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if not self._open:
            self._event().set()

    async def until_handled(self, update_id: int) -> None:
        """Return once ``update_id`` (handed out) is handled."""
        if update_id not in self._open:
            return
        waiter = self._waiting.setdefault(update_id, asyncio.get_running_loop().create_future())
        await asyncio.shield(waiter)


class HandledQueue(asyncio.Queue[object]):
    """The update queue for a webhook: a request is answered (and the update so confirmed to
    Telegram) only once its update is handled, so a crash before that loses nothing: Telegram
    sends it again. (Telegram makes up to 40 webhook requests at once, so updates still run
    concurrently.)"""

    def __init__(self, intake: Intake) -> None:
        super().__init__()
        self.intake = intake

    async def put(self, item: object) -> None:
        """Queue the update and wait until it is handled."""
        if not isinstance(item, Update):
            await super().put(item)
            return
        self.intake.opened(item.update_id)
        await super().put(item)
        await self.intake.until_handled(item.update_id)


class RareLog:
    """One log line per kind of event per interval, with how many were left out."""

    def __init__(self, interval: float = 60.0) -> None:
        self.interval = interval
        self._last: dict[str, tuple[float, int]] = {}

    def warning(self, kind: str, message: str, *args: Any) -> None:
        """Log ``message`` unless ``kind`` was logged within the interval."""
        now = time.monotonic()
        last, left_out = self._last.get(kind, (-self.interval, 0))
        if now - last < self.interval:
            self._last[kind] = (last, left_out + 1)
            return
        self._last[kind] = (now, 0)
        suffix = f" ({left_out} more like it not logged)" if left_out else ""
        log.warning(message + suffix, *args)


class BotApiClient(ExtBot[Any]):
    """An ExtBot with cheap calls for sending and editing plain texts with inline keyboards.

    ``on_disk`` is awaited before every request: while writes are batched, it holds a reply back
    until what the handling task wrote is on disk. At most ``sending`` requests are made at once
    (long polling for updates aside): httpx's connection pool checks every open connection each
    time a request starts or ends, so its cost grows with the number of requests at once
    (BENCHMARKS.md, "End to end"). The cheap calls go straight to ``_do_post`` (rate limiter,
    request class): they carry no defaults or None values for ``_post`` to fill in.
    """

    def __init__(
        self,
        *args: Any,
        on_disk: Callable[[], Awaitable[None]] | None = None,
        sending: int = SENDING_AT_ONCE,
        intake: Intake | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._on_disk = on_disk
            self._sending = asyncio.Semaphore(sending)
            self.intake = intake or Intake()
            self._rare = RareLog()

    async def on_disk(self) -> None:
        """Return once what the current task wrote is on disk (sqlite3.Error if it was lost)."""
        if self._on_disk is not None:
            await self._on_disk()

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: TimePeriod | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        """New updates, confirming to Telegram only those handled; one it cannot read is skipped.

        (python-telegram-bot reads the whole batch at once: one update it cannot read made the
        batch fail, fetched again forever.)
        """
        data: JSONDict = {
            "timeout": timeout,
            "offset": await self.intake.offset(offset),
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        # The read timeout covers the long poll, as python-telegram-bot's own get_updates does.
        base = read_timeout if not isinstance(read_timeout, DefaultValue) else self._request[0].read_timeout
        wait = timeout.total_seconds() if isinstance(timeout, dt.timedelta) else float(timeout or 0)
        result = await self._post(
            "getUpdates",
            data,
            read_timeout=(base or 0) + wait,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        raw = [u for u in result if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        if len(raw) != len(result):
            self._rare.warning("unnumbered", "getUpdates returned entries without an update id; skipped")
        new = set(self.intake.fetched([u["update_id"] for u in raw]))
        updates = []
        for body in raw:
            if body["update_id"] not in new:
                continue  # delivered again while still in flight, or handled and not yet confirmed
            try:
                update = Update.de_json(body, self)
            except Exception as exc:  # whatever python-telegram-bot cannot read
                self._rare.warning(
                    "unreadable",
                    "update %s could not be read (%s); skipped",
                    body["update_id"],
                    type(exc).__name__,
                )
                continue
            self.intake.opened(update.update_id)
            updates.append(update)
        return tuple(updates)

    async def _do_post(self, endpoint: str, data: dict[str, Any], **kwargs: Any) -> Any:
        await self.on_disk()
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
