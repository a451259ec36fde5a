"""The repository: users and their profiles, chat state, reports and answers, in SQL.

Every method that touches a report takes its owner and filters by it, so one user can never
read or change another user's report, whatever id they send. Each step's writes go through
:meth:`WriteBatch.step`, so a step is all or nothing whether or not it shares its commit.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from storage.applied import AppliedUpdates, dumps
from storage.chats import Chats, set_chat
from storage.connection import Connection
from storage.model import DRAFT, STATUSES, Clock, Report, ReportNotFound, utc_now
from storage.recent import RecentUsers
from storage.schema import connect
from storage.sections import SectionTexts
from storage.write_batch import WriteBatch

_UPSERT_ANSWER = (
    "INSERT INTO answers (report_id, question_id, value, updated) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(report_id, question_id) DO UPDATE SET value = excluded.value, updated = excluded.updated"
)


class Store(Chats, AppliedUpdates, SectionTexts):
    """The reportbot database."""

    def __init__(self, db: Connection, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock
        # Kept only while this store is its users' one writer; a failed batch empties it.
        self.recent = RecentUsers()
        self.batch = WriteBatch(db, on_failure=self.recent.clear)
        super().__init__()

    @classmethod
    def open(cls, path: Path | str, clock: Clock = utc_now, *, synchronous: str = "FULL") -> Store:
        """Open (and create or migrate) the database file at ``path``."""
        return cls(connect(path, synchronous=synchronous), clock)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    # -- serving ---------------------------------------------------------------------------

    def serve(self, keep_users: int) -> None:
        """Serve as the one writer of these users: steps share commits (:class:`WriteBatch`) and
        up to ``keep_users`` recently active users are kept in memory.

        Only for the one process writing to the database: a change made by another process would
        not be seen. Call it within the event loop that takes the steps.
        """
        self.batch.start()
        self.recent.keep(keep_users)

    def stop_serving(self) -> None:
        """Commit what is open; from now on each step commits alone and nothing is kept."""
        try:
            self.batch.stop()
        finally:
            self.recent.keep(0)

    def keep_recent(self, limit: int) -> None:
        """Keep up to ``limit`` recently active users in memory (0: none), without batching."""
        self.recent.keep(limit)

    async def on_disk(self) -> None:
        """Return once the current task's writes are on disk (sqlite3.Error if they were lost)."""
        await self.batch.on_disk()

    def backup(self, dest: Path) -> Path:
        """A consistent copy of the live database at ``dest`` (SQLite's online backup API).

        Other connections may keep writing meanwhile; the copy is written beside ``dest`` and
        renamed into place, so ``dest`` is never a half-written file.
        """
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".backup-", suffix=".db")
        os.close(fd)  # created with mode 0600, like the database itself
        try:
            target = sqlite3.connect(tmp)
            try:
                self.db.conn.backup(target)
            finally:
                target.close()
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return dest

    def integrity(self) -> str:
        """``ok``, or what SQLite's integrity check found."""
        return "; ".join(str(row[0]) for row in self.db.execute("PRAGMA integrity_check").fetchall())

    def _now(self) -> str:
        return self.clock().isoformat()

    # -- users and their chats -------------------------------------------------------------

    def _ensure_user(self, user_id: str, now: str) -> None:
        self.db.execute(
            "INSERT INTO users (id, profile, created, updated) VALUES (?, '{}', ?, ?) "
            "ON CONFLICT(id) DO NOTHING",
            [user_id, now, now],
        )

    def profile(self, user_id: str) -> dict[str, Any]:
        """The remembered profile fields of a user (empty for an unknown user)."""
        kept = self.recent.get(user_id)
        if kept is not None and kept.profile is not None:
            return dict(kept.profile)
        row = self.db.execute("SELECT profile FROM users WHERE id = ?", [user_id]).fetchone()
        if row is None:
            return {}
        profile = dict(json.loads(row[0]))
        self._keep_profile(user_id, profile)
        return dict(profile)

    def _keep_profile(self, user_id: str, profile: dict[str, Any]) -> None:
        kept = self.recent.of(user_id)
        if kept is not None:
            kept.profile = profile

    def _merge_profile(self, user_id: str, updates: Mapping[str, Any], now: str) -> dict[str, Any]:
        self._ensure_user(user_id, now)
        merged = {**self.profile(user_id), **updates}
        self.db.execute(
            "UPDATE users SET profile = ?, updated = ? WHERE id = ?", [dumps(merged), now, user_id]
        )
        return merged

    def update_profile(
        self, user_id: str, updates: Mapping[str, Any], *, update_id: int | None = None
    ) -> None:
        """Remember ``updates`` in the user's profile, ending a change of it in the chat.

        With ``update_id``, a second delivery of the same update raises AlreadyApplied and
        changes nothing.
        """
        now = self._now()
        with self.batch.step():
            self._insert_applied(update_id, now)
            merged = self._merge_profile(user_id, updates, now)
            self.db.execute("UPDATE chats SET editing = NULL WHERE owner = ?", [user_id])
        self._recorded_now(update_id)
        self._keep_profile(user_id, merged)  # once the step's writes stand
        self._keep_chat(user_id, editing=None)

    # -- reports ---------------------------------------------------------------------------

    def create_report(
        self,
        owner: str,
        type_id: str,
        cursor: Mapping[str, Any],
        *,
        update_id: int | None = None,
        activate: bool = False,
    ) -> int:
        """Start a draft of ``type_id`` for ``owner``; returns its id (AlreadyApplied if seen).

        With ``activate``, it becomes the owner's active report in the same transaction, so a
        crash can never leave a new report that later answers do not reach.
        """
        now = self._now()
        with self.batch.step():
            self._insert_applied(update_id, now)
            self._ensure_user(owner, now)
            cur = self.db.execute(
                "INSERT INTO reports (owner, type, status, cursor, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [owner, type_id, DRAFT, dumps(dict(cursor)), now, now],
            )
            report_id = cur.lastrowid
            assert report_id is not None
            if activate:
                self.db.execute(set_chat("active_report"), [owner, report_id])
        self._recorded_now(update_id)
        kept = self.recent.of(owner)
        if kept is not None:
            kept.keep_report(Report(report_id, owner, type_id, DRAFT, dict(cursor), now, now))
        if activate:
            self._keep_chat(owner, active_report=report_id)
        return report_id

    def save_step(
        self,
        owner: str,
        report_id: int,
        changes: Mapping[str, Any],
        cursor: Mapping[str, Any],
        *,
        status: str | None = None,
        profile: Mapping[str, Any] | None = None,
        update_id: int | None = None,
    ) -> None:
        """Store answers, cursor, status, profile fields and the update id in one transaction.

        With ``update_id``, a second delivery of the same update raises AlreadyApplied and
        changes nothing.
        """
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        now = self._now()
        with self.batch.step():
            # The write comes first so that a transaction of its own takes the write lock at once.
            cur = self.db.execute(
                "UPDATE reports SET cursor = ?, status = COALESCE(?, status), updated = ? "
                "WHERE id = ? AND owner = ?",
                [dumps(dict(cursor)), status, now, report_id, owner],
            )
            if cur.rowcount != 1:
                raise ReportNotFound(report_id)
            self.db.conn.executemany(
                _UPSERT_ANSWER, [(report_id, q, dumps(v), now) for q, v in changes.items()]
            )
            merged = self._merge_profile(owner, profile, now) if profile else None
            self._insert_applied(update_id, now)
        self._recorded_now(update_id)
        kept = self.recent.get(owner)
        if kept is None:
            return
        if merged is not None:
            kept.profile = merged  # once the step's writes stand
        self._carried_stale(owner, report_id)
        known = kept.reports.get(report_id)
        if known is not None:
            answers = {**known.answers, **changes}
            status = status or known.status
            kept.keep_report(
                Report(
                    known.id,
                    owner,
                    known.type,
                    status,
                    dict(cursor),
                    known.created,
                    now,
                    answers,
                    known.texts,
                )
            )

    def _answers(self, owner: str, report_id: int) -> dict[str, Any]:
        rows = self.db.execute(
            "SELECT a.question_id, a.value FROM answers a JOIN reports r ON r.id = a.report_id "
            "WHERE a.report_id = ? AND r.owner = ?",
            [report_id, owner],
        )
        return {question_id: json.loads(value) for question_id, value in rows}

    def _report(self, row: Mapping[str, Any]) -> Report:
        return Report(
            id=row["id"],
            owner=row["owner"],
            type=row["type"],
            status=row["status"],
            cursor=json.loads(row["cursor"]),
            created=row["created"],
            updated=row["updated"],
            answers=self._answers(row["owner"], row["id"]),
            texts=self._texts(row["id"]),
        )

    def load_report(self, owner: str, report_id: int) -> Report:
        """A report of ``owner`` with its answers (ReportNotFound otherwise)."""
        kept = self.recent.get(owner)
        known = kept.reports.get(report_id) if kept is not None else None
        if known is not None:
            return known
        row = next(
            self.db.query("SELECT * FROM reports WHERE id = ? AND owner = ?", [report_id, owner]), None
        )
        if row is None:
            raise ReportNotFound(report_id)
        report = self._report(row)
        kept = self.recent.of(owner)
        if kept is not None:
            kept.keep_report(report)
        return report

    def _reports(self, sql: str, params: list[Any]) -> list[Report]:
        return [self._report(row) for row in list(self.db.query(sql, params))]

    def list_reports(self, owner: str, status: str | None = DRAFT) -> list[Report]:
        """The owner's reports (drafts by default), most recently changed first."""
        if status is None:
            sql = "SELECT * FROM reports WHERE owner = ? ORDER BY updated DESC, id DESC"
            return self._reports(sql, [owner])
        sql = "SELECT * FROM reports WHERE owner = ? AND status = ? ORDER BY updated DESC, id DESC"
        return self._reports(sql, [owner, status])

    def previous_answers(self, owner: str, type_id: str, *, exclude: int) -> Mapping[str, Any]:
        """The owner's latest answer to each question in their other reports of the type
        (complete ones first); not to be changed by the caller."""
        kept = self.recent.of(owner)
        if kept is None:
            return self._previous_answers(owner, type_id, exclude)
        # One query per report for all its questions, kept until another report changes.
        carried = kept.carried.get((type_id, exclude))
        if carried is None:
            carried = self._previous_answers(owner, type_id, exclude)
            kept.keep_carried((type_id, exclude), carried)
        return carried

    def _previous_answers(self, owner: str, type_id: str, exclude: int) -> dict[str, Any]:
        rows = self.db.execute(
            "SELECT a.question_id, a.value FROM answers a JOIN reports r ON r.id = a.report_id "
            "WHERE r.owner = ? AND r.type = ? AND r.id != ? AND a.value != 'null' "
            "ORDER BY r.status = 'complete' DESC, r.updated DESC, r.id DESC",
            [owner, type_id, exclude],
        )
        found: dict[str, Any] = {}
        for question_id, value in rows:
            if question_id not in found:
                found[question_id] = json.loads(value)
        return found

    def _carried_stale(self, owner: str, report_id: int | None) -> None:
        """A report of ``owner`` changed: what was carried over from it into others is stale."""
        kept = self.recent.get(owner)
        if kept is not None:
            for key in [key for key in kept.carried if key[1] != report_id]:
                del kept.carried[key]

    def count_reports(self, owner: str, status: str = DRAFT) -> int:
        """How many reports of this status the owner has."""
        row = self.db.execute(
            "SELECT count(*) FROM reports WHERE owner = ? AND status = ?", [owner, status]
        ).fetchone()
        return int(row[0])

    def latest_report(self, owner: str, type_id: str, *, exclude: int | None = None) -> Report | None:
        """The owner's most recent other report of this type, complete ones preferred."""
        sql = (
            "SELECT * FROM reports WHERE owner = ? AND type = ? AND id IS NOT ? "
            "ORDER BY status = 'complete' DESC, updated DESC, id DESC LIMIT 1"
        )
        return next(iter(self._reports(sql, [owner, type_id, exclude])), None)

    def delete_report(self, owner: str, report_id: int) -> None:
        """Delete a report of ``owner`` and its answers."""
        kept = self.recent.get(owner)
        if kept is not None:
            kept.reports.pop(report_id, None)
            kept.chat = None  # its active report may be this one
        self._carried_stale(owner, None)
        with self.batch.step():
            self._delete_texts(report_id, owner)
            self.db.execute(
                "DELETE FROM answers WHERE report_id IN (SELECT id FROM reports WHERE id = ? AND owner = ?)",
                [report_id, owner],
            )
            cur = self.db.execute("DELETE FROM reports WHERE id = ? AND owner = ?", [report_id, owner])
            if cur.rowcount != 1:
                raise ReportNotFound(report_id)
