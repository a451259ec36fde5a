"""Group commit: the steps of every user handled in one turn of the event loop share one commit.

A commit with ``synchronous=FULL`` waits for the disk (about 0.2 ms here), longer than the rest
of handling an answer. Steps taken while other users' updates are in flight join one open group
(the store writes their rows when it is committed), committed once at the end of the loop's
turn; each task waits for the commit of its own writes before it may send anything, so a reply
never gets ahead of the disk. A single user sees no difference: their one step is committed
before the reply.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from contextvars import ContextVar

from storage.store import Store

log = logging.getLogger("reportbot.commits")

# The group the current task last wrote into (each update is handled in its own task).
_written: ContextVar[int | None] = ContextVar("reportbot_written_group", default=None)
_KEEP_FAILURES = 64


class GroupCommitter:
    """Commits the store's open group once per loop turn; tasks await the commit of their writes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._groups = 0
        self._open = 0  # number of the open group, 0 when none is open
        self._future: asyncio.Future[None] | None = None
        self._failures: dict[int, BaseException] = {}  # recent groups whose commit failed

    def start(self) -> None:
        """Group the store's commits from now on (call within the running event loop)."""
        self.store.group_commits(self._wrote)

    def stop(self) -> None:
        """Commit what is open and go back to one commit per step."""
        if self._future is not None:
            self._flush()
        self.store.group_commits(None)

    def _wrote(self) -> None:
        if self._future is None:
            loop = asyncio.get_running_loop()
            self._groups += 1
            self._open = self._groups
            self._future = loop.create_future()
            # After the tasks already waiting to run, which may write into the same group.
            loop.call_soon(self._flush)
        _written.set(self._open)

    def _flush(self) -> None:
        number, future = self._open, self._future
        if future is None:
            return  # committed already (by stop())
        self._open, self._future = 0, None
        try:
            self.store.commit_group()
        except Exception as exc:
            log.error("could not commit group %s; its steps were not stored", number, exc_info=exc)
            self._failures[number] = exc
            for old in sorted(self._failures)[:-_KEEP_FAILURES]:
                del self._failures[old]
            future.set_exception(exc)
            future.exception()  # retrieved here: a group nobody waits for is logged above
        else:
            future.set_result(None)

    async def durable(self) -> None:
        """Return once this task's writes are on disk; raise sqlite3.Error if they were lost."""
        number = _written.get()
        if number is None:
            return
        _written.set(None)
        if number == self._open and self._future is not None:
            try:
                await asyncio.shield(self._future)
            except sqlite3.Error as exc:
                raise sqlite3.OperationalError(f"not stored: {exc}") from exc
        elif number in self._failures:
            failure = self._failures[number]
            raise sqlite3.OperationalError(f"not stored: {failure}") from failure
