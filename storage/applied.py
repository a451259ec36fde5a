"""Applied updates and the replies owed for them.

A front end may be handed the same update more than once (a chat service delivers again what it
was not told was received). Each update a step applies is recorded in the step's own transaction,
so it is applied once; the replies the front end owes for it are recorded in that same
transaction, and noted as delivered once they went out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from storage.connection import Connection
from storage.model import AlreadyApplied, ReplyAfterStep
from storage.recent import RecentUsers
from storage.write_batch import WriteBatch

# One encoder for every value: json.dumps with options builds a new one per call.
dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_INSERT_APPLIED = (
    "INSERT INTO processed_updates (update_id, processed, chat_id, owed) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(update_id) DO NOTHING"
)


class AppliedUpdates:
    """The store's record of applied updates and owed replies (part of :class:`storage.Store`)."""

    db: Connection
    _now: Callable[[], str]
    batch: WriteBatch
    recent: RecentUsers

    def __init__(self) -> None:
        # Update ids recorded with a step in this process, with the batch they went into (0 for
        # none), until record_applied: their owed replies must join that batch.
        self._recorded: dict[int, int] = {}

    def _insert_applied(
        self, update_id: int | None, now: str, chat_id: int | None = None, owed: str | None = None
    ) -> None:
        """Within a step: record the update as applied (AlreadyApplied if it was before); None
        (a step no update asked for: the console, the command line) records nothing."""
        if update_id is None:
            return
        cur = self.db.execute(_INSERT_APPLIED, [update_id, now, chat_id, owed])
        if cur.rowcount != 1:
            raise AlreadyApplied(update_id)

    def _recorded_now(self, update_id: int | None) -> None:
        """After a step that recorded ``update_id``: its writes stand."""
        if update_id is not None:
            self._recorded[update_id] = self.batch.number
            self.recent.stored_update(update_id)

    def applied(self, update_id: int) -> bool:
        """Whether this update was applied already."""
        if self.recent.limit:
            # Update ids only grow: one above every id stored cannot have been applied.
            if self.recent.newest_update is None:
                row = self.db.execute("SELECT max(update_id) FROM processed_updates").fetchone()
                self.recent.newest_update = int(row[0] or 0)
            if update_id > self.recent.newest_update:
                return False
        row = self.db.execute("SELECT 1 FROM processed_updates WHERE update_id = ?", [update_id]).fetchone()
        return row is not None

    def record_applied(self, update_id: int) -> None:
        """Record an update as applied (for updates whose step recorded nothing)."""
        if self._recorded.pop(update_id, None) is not None:
            return  # recorded with its step already
        self.batch.execute(_INSERT_APPLIED, [update_id, self._now(), None, None])
        self.recent.stored_update(update_id)

    def owe(self, update_id: int, chat_id: int, owed: Any) -> None:
        """Record what the front end owes the chat for this update, in the transaction of its step.

        An update whose step recorded it gets the reply on that record, which must still be in
        the open batch (otherwise :class:`ReplyAfterStep`); one that stored nothing is recorded
        now, with the reply (AlreadyApplied if it was applied before). Without batching (the
        console, scripts) the two are separate transactions.
        """
        payload = dumps(owed)
        batch = self._recorded.get(update_id)
        if batch is None:
            cur = self.batch.execute(_INSERT_APPLIED, [update_id, self._now(), chat_id, payload])
            if cur.rowcount != 1:
                raise AlreadyApplied(update_id)
            self._recorded_now(update_id)
            return
        if self.batch.active and batch != self.batch.number:
            raise ReplyAfterStep(update_id)
        self.batch.execute(
            "UPDATE processed_updates SET chat_id = ?, owed = ? WHERE update_id = ?",
            [chat_id, payload, update_id],
        )

    def delivered(self, update_id: int) -> None:
        """The replies owed for this update were delivered.

        While batching this is committed with the next batch, or by ``batch.commit_soon()``,
        not with a commit of its own: a crash before that sends those replies again at start-up,
        twice rather than never.
        """
        self.batch.write_soon("UPDATE processed_updates SET owed = NULL WHERE update_id = ?", [update_id])

    def owed(self, update_id: int) -> tuple[int, Any] | None:
        """The chat and the replies still owed for this update, if any."""
        row = self.db.execute(
            "SELECT chat_id, owed FROM processed_updates WHERE update_id = ?", [update_id]
        ).fetchone()
        if row is None or row[1] is None:
            return None
        return int(row[0]), json.loads(row[1])

    def all_owed(self, chat_id: int | None = None) -> list[tuple[int, int, Any]]:
        """Every update with replies still owed (to one chat): update id, chat, replies, oldest first."""
        rows = self.db.execute(
            "SELECT update_id, chat_id, owed FROM processed_updates WHERE owed IS NOT NULL "
            "AND (? IS NULL OR chat_id = ?) ORDER BY update_id",
            [chat_id, chat_id],
        ).fetchall()
        return [(int(u), int(c), json.loads(o)) for u, c, o in rows]
