"""The write batch: the steps taken in one turn of the event loop share one transaction and one
commit, and each task can wait until its own writes are on disk.

A commit with ``synchronous=FULL`` waits for the disk; steps taken while other work is in flight
share that wait. Each step is still all or nothing on its own (a savepoint in the shared
transaction); the batch commits itself once the tasks already waiting to run have had their
turn, and a failed commit fails every step in it. Without a running event loop (scripts, tests)
the batch stays open until :meth:`WriteBatch.commit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from storage.connection import Connection

log = logging.getLogger("reportbot.storage")

# The batch the current task last wrote into (each update is handled in a task of its own).
_written: ContextVar[int | None] = ContextVar("reportbot_written_batch", default=None)
_KEEP_FAILURES = 64  # failed batches remembered, for tasks that ask about theirs late


class WriteBatch:
    """The open transaction shared by the steps of one turn of the event loop."""

    def __init__(self, db: Connection, on_failure: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self.on_failure = on_failure  # called when a batch is lost: what was read from it is stale
        self.active = False  # while False, each step is a transaction of its own
        self.steps = 0  # steps in the open batch
        self.number = 0  # the open batch's number, 0 while none is open
        self._batches = 0
        self._in_transaction = False  # the open batch has begun its SQLite transaction
        self._lost = False  # SQLite gave the open batch's transaction up
        self._future: asyncio.Future[None] | None = None  # the scheduled commit
        self._failures: dict[int, BaseException] = {}

    def start(self) -> None:
        """Let the steps of each turn of the event loop share one commit from now on."""
        self.active = True

    def stop(self) -> None:
        """Commit what is open, then go back to one transaction per step."""
        try:
            self.commit()
        finally:
            self.active = False

    @property
    def uncommitted(self) -> bool:
        """Whether writes are waiting in the open batch for its commit."""
        return self._in_transaction

    @contextlib.contextmanager
    def step(self) -> Iterator[None]:
        """One step's writes, all or nothing: a transaction of its own, or a savepoint in the batch."""
        if not self.active:
            with self.db.atomic():
                yield
            return
        self._begin()
        self.steps += 1
        self._schedule()
        _written.set(self.number)
        try:
            with self.db.atomic():  # within the batch's transaction: a savepoint
                yield
        finally:
            self._check()

    def execute(self, sql: str, params: list[Any]) -> sqlite3.Cursor:
        """A step of one statement (atomic by itself, so it needs no savepoint)."""
        if not self.active:
            with self.db.atomic():
                return self.db.execute(sql, params)
        self._begin()
        self.steps += 1
        self._schedule()
        _written.set(self.number)
        try:
            return self.db.execute(sql, params)
        finally:
            self._check()

    def write_soon(self, sql: str, params: list[Any]) -> None:
        """Run a statement that needs no commit of its own: it is committed with the next batch, or
        by :meth:`commit_soon`."""
        if not self.active:
            with self.db.atomic():
                self.db.execute(sql, params)
            return
        self._begin()
        try:
            self.db.execute(sql, params)
        finally:
            self._check()

    def commit_soon(self) -> None:
        """Have what :meth:`write_soon` wrote committed at the end of this turn of the event loop."""
        if self.active and self._in_transaction:
            self._schedule()

    def commit(self) -> None:
        """Commit the open batch now (sqlite3.Error if it could not be: then none of it is stored)."""
        future, self._future = self._future, None
        number, self.number, self.steps = self.number, 0, 0
        if not self._in_transaction:
            if future is not None and not future.done():
                future.set_result(None)
            return
        self._in_transaction = False
        try:
            if self._lost:
                raise sqlite3.OperationalError("the transaction was abandoned by SQLite; nothing was stored")
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._lost = False
            self.db.rollback()
            self.on_failure()
            failure = sqlite3.OperationalError(f"could not commit: {exc}")
            self._failed(number, failure, future)
            raise failure from exc
        if future is not None and not future.done():
            future.set_result(None)

    async def on_disk(self) -> None:
        """Return once this task's writes are on disk; sqlite3.OperationalError if they were lost."""
        number = _written.get()
        if number is None:
            return
        _written.set(None)
        if number == self.number and self._future is not None:
            try:
                await asyncio.shield(self._future)
            except sqlite3.Error as exc:
                raise sqlite3.OperationalError(f"not stored: {exc}") from exc
        elif number in self._failures:
            failure = self._failures[number]
            raise sqlite3.OperationalError(f"not stored: {failure}") from failure

    def _begin(self) -> None:
        if not self._in_transaction:
            self._batches += 1
            self.number = self._batches
            self.db.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
        elif not self.db.conn.in_transaction:
            # SQLite gave the batch up since its last write: it must still fail as one.
            self._lost = True
            self.db.execute("BEGIN IMMEDIATE")

    def _check(self) -> None:
        if not self.db.conn.in_transaction:
            # SQLite gave up the whole transaction (a full disk, an I/O error): the other steps
            # of the batch went with it, so its commit must fail too.
            self._lost = True

    def _schedule(self) -> None:
        if self._future is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop: committed by an explicit commit()
        self._future = loop.create_future()
        # After the tasks already waiting to run, which may write into the same batch.
        loop.call_soon(self._commit_scheduled)

    def _commit_scheduled(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # logged, and raised to the tasks waiting for it
            self.commit()

    def _failed(self, number: int, exc: BaseException, future: asyncio.Future[None] | None) -> None:
        log.error("could not commit write batch %s; its steps were not stored", number, exc_info=exc)
        self._failures[number] = exc
        for old in sorted(self._failures)[:-_KEEP_FAILURES]:
            del self._failures[old]
        if future is not None and not future.done():
            future.set_exception(exc)
            future.exception()  # retrieved here: a batch nobody waits for is logged above
