"""Updates in flight: concurrent across users, in order per user, each applied once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.client import Intake
from bot.telegram.outbox import Item, Outbox
from storage import Store

log = logging.getLogger("reportbot.telegram")


RECENT_USERS = 2000  # users kept in memory by the store: more than are writing at any moment
UPDATES_IN_FLIGHT = 20  # handlers running at once, across users (BENCHMARKS.md, "Updates")
WAITING_UNCAPPED = 2**31 - 1  # updates waiting for their user's turn hold only a task each
RETRY_AFTER_OUTAGE = (1.0, 30.0)  # seconds between rounds of sending owed replies: first, at most


class PerUserProcessor(BaseUpdateProcessor):
    """Concurrent across users, in order per user, each update applied once, every reply sent.

    Updates handled at the same time share commits (:class:`storage.WriteBatch`); each is on
    disk with its reply before anything is sent. The cap on handlers running at once (the
    slots) trades the commits they share against how long an answer waits for the others' work
    before its reply (chosen in BENCHMARKS.md, "Updates"). The Bot API requests those updates
    make are limited apart (:data:`bot.telegram.client.SENDING_AT_ONCE`). Replies left owed by
    a crash or an outage are sent by a background task, in order and under the user's lock.
    """

    def __init__(self, store: Store, intake: Intake, slots: int = UPDATES_IN_FLIGHT) -> None:
        # python-telegram-bot's own cap would count updates still waiting for their user's turn;
        # the cap that matters is on handlers running (``slots``), taken once the turn has come.
        super().__init__(WAITING_UNCAPPED)
        self.slots = slots
        self._free_slots = asyncio.Semaphore(slots)
        self.store = store
        self.intake = intake
        self.outbox: Outbox | None = None  # set once the bot exists
        # A lock per user with updates in flight, and how many: dropped when the last is done,
        # so that every user who ever wrote does not keep one for the life of the process.
        self._locks: dict[int | None, tuple[asyncio.Lock, int]] = {}
        self._delivery: asyncio.Task[None] | None = None

    @property
    def users_in_flight(self) -> int:
        """How many users have updates in flight (each holds a lock until their last is done)."""
        return len(self._locks)

    @contextlib.asynccontextmanager
    async def _turn(self, key: int | None) -> AsyncIterator[None]:
        """Hold the user's lock (in a private chat the chat id is the user id)."""
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers in its user's turn, unless it was applied before.

        An update waits for its user's turn before it takes a slot, so a user whose reply is slow
        (or who sends a burst meanwhile) holds back no one else. What the reply leaves for after
        the slot (pictures of the pages, converted for seconds) is sent once the slot is given
        back, still in the user's turn, so their replies keep their order.
        """
        user = update.effective_user if isinstance(update, Update) else None
        async with self._turn(user.id if user else None):
            try:
                async with self._free_slots:
                    await self._apply_once(update, coroutine)
            finally:
                if self.outbox is not None and isinstance(update, Update):
                    await self.outbox.deliver_rest(update.update_id)

    async def _apply_once(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        try:
            chat = update.effective_chat
            if self.outbox is not None and chat is not None and chat.id in self.outbox.behind:
                await self._send_owed(chat.id)  # what was owed before goes first
            if self.store.applied(update.update_id):
                if asyncio.iscoroutine(coroutine):
                    coroutine.close()
                await self._delivered_again(update.update_id)
                return
            await coroutine
            try:
                self.store.record_applied(update.update_id)
                await self.store.on_disk()
            except sqlite3.Error:
                log.exception("could not record update %s as applied", update.update_id)
        finally:
            self.intake.handled(update.update_id)

    async def _delivered_again(self, update_id: int) -> None:
        """Telegram delivered an applied update again: send what is still owed for it, if anything."""
        owed = self.store.owed(update_id)
        if owed is None or self.outbox is None:
            log.info("update %s was applied and answered before; skipped", update_id)
            return
        log.info("update %s was applied before; sending the reply still owed for it", update_id)
        await self.outbox.deliver(update_id, *owed)

    async def _send_owed(self, chat_id: int) -> bool:
        """Send the replies still owed to a chat whose turn the caller holds, oldest first; False
        when Telegram could not be reached."""
        for update_id, chat, items in self.store.all_owed(chat_id):
            if not await self._send_if_owed(update_id, chat, items):
                return False
        return True

    async def _send_if_owed(self, update_id: int, chat_id: int, items: list[Item]) -> bool:
        assert self.outbox is not None
        if self.store.owed(update_id) is None:
            return True  # sent meanwhile, by the user's own update
        return await self.outbox.deliver(update_id, chat_id, items)

    async def _keep_delivering(self) -> None:
        """Send what a previous process left owed, then whatever an outage leaves owed; and have
        the replies sent noted on disk within about a second when no step's commit took them."""
        assert self.outbox is not None
        outbox = self.outbox
        first, longest = RETRY_AFTER_OUTAGE
        pending, delay = True, first
        while True:
            if pending:
                outbox.failed.clear()  # failures of this round are what the delay is for
                try:
                    pending = not await self._send_owed_in_turns()
                except Exception:
                    log.exception("sending owed replies failed")
                delay = min(delay * 2, longest) if pending else first
            with contextlib.suppress(sqlite3.Error):
                self.store.batch.commit_soon()
            if pending:
                await asyncio.sleep(delay)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(outbox.failed.wait(), first)
            pending = outbox.failed.is_set()

    async def _send_owed_in_turns(self) -> bool:
        """Send every reply still owed, each in its user's turn; False when Telegram failed."""
        assert self.outbox is not None
        for update_id, chat, items in self.store.all_owed():
            async with self._turn(chat):
                if not await self._send_if_owed(update_id, chat, items):
                    return False
        self.outbox.behind.intersection_update(chat for _, chat, _ in self.store.all_owed())
        return True

    async def initialize(self) -> None:
        """Start serving (within the event loop that will handle the updates): while the bot runs
        it is the one writer of its users' data."""
        self.store.serve(RECENT_USERS)
        if self.outbox is not None:
            self._delivery = asyncio.create_task(self._keep_delivering(), name="reportbot:owed replies")

    async def stop_delivering(self) -> None:
        """Stop sending owed replies (before the bot's connection closes)."""
        task, self._delivery = self._delivery, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def shutdown(self) -> None:
        """Commit what is open (later writes commit one by one again); remove temporary files."""
        await self.stop_delivering()
        self.store.stop_serving()
        if self.outbox is not None:
            await self.outbox.close()
