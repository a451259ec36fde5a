"""A small repository API over sqlite-utils: users and profiles, reports, answers.

Every method that touches a report takes its owner and filters by it, so one user can never
read or change another user's report, whatever id they send.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from storage.schema import connect

DRAFT = "draft"
COMPLETE = "complete"
STATUSES = (DRAFT, COMPLETE)

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time in UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class ReportNotFound(LookupError):
    """No report with that id belongs to that owner."""


class AlreadyApplied(Exception):
    """This Telegram update was applied before (Telegram re-delivers unconfirmed updates)."""


@dataclass(frozen=True)
class Report:
    """A stored report with its answers."""

    id: int
    owner: str
    type: str
    status: str
    cursor: dict[str, Any]
    created: str
    updated: str
    answers: dict[str, Any] = field(default_factory=dict)


_UPSERT_ANSWER = (
    "INSERT INTO answers (report_id, question_id, value, updated) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(report_id, question_id) DO UPDATE SET value = excluded.value, updated = excluded.updated"
)
_UPDATE_PROFILE = "UPDATE users SET profile = ?, updated = ? WHERE id = ?"
_INSERT_UPDATE = (
    "INSERT INTO processed_updates (update_id, processed, chat_id, owed) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(update_id) DO NOTHING"
)
_OWE = "UPDATE processed_updates SET chat_id = ?, owed = ? WHERE update_id = ?"
_DELIVERED = "UPDATE processed_updates SET owed = NULL WHERE update_id = ?"


class ReplyAfterStep(RuntimeError):
    """A reply was recorded after its update's step was committed: a crash between the two would
    leave the answer stored and nothing owed for it (the handler awaited in between)."""


# One encoder for every value: json.dumps with options builds a new one per call.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass
class _Rows:
    """Rows of a group's steps that wait for its commit, written with one statement per table."""

    reports: list[tuple[str, str, str, int]] = field(default_factory=list)  # cursor, status, updated, id
    answers: list[tuple[int, str, str, str]] = field(default_factory=list)  # report, question, value, when
    profiles: list[tuple[str, str, str]] = field(default_factory=list)  # profile, updated, user id
    # update id -> processed, chat id, what is owed for it (JSON or None)
    updates: dict[int, tuple[str, int | None, str | None]] = field(default_factory=dict)
    delivered: list[tuple[int]] = field(default_factory=list)  # update ids whose replies went out

    def __bool__(self) -> bool:
        return bool(self.reports or self.answers or self.profiles or self.updates or self.delivered)

    def write(self, conn: sqlite3.Connection) -> None:
        """Write them, in the order they were taken, into the connection's open transaction."""
        conn.executemany("UPDATE reports SET cursor = ?, status = ?, updated = ? WHERE id = ?", self.reports)
        conn.executemany(_UPSERT_ANSWER, self.answers)
        conn.executemany(_UPDATE_PROFILE, self.profiles)
        conn.executemany(_INSERT_UPDATE, [(u, *rest) for u, rest in self.updates.items()])
        conn.executemany(_DELIVERED, self.delivered)


class Store:
    """The reportbot database."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock
        # Update ids claimed with an answer in this process, so none is recorded a second time;
        # those claimed in the open group's transaction, which their owed replies must join.
        self._claimed: set[int] = set()
        self._claimed_open: set[int] = set()
        self._delivered: list[tuple[int]] = []  # update ids whose replies went out, until a commit
        self._on_grouped_write: Callable[[], None] | None = None  # set while commits are grouped
        # Recently used reports as this connection sees them (its own group's writes included),
        # kept only while this store is their one writer; a failed group empties it.
        self._recent: OrderedDict[int, Report] = OrderedDict()
        self._recent_limit = 0
        self._active: dict[str, int | None] = {}  # users' active reports, kept likewise
        self._profiles: dict[str, dict[str, Any]] = {}  # users' profiles, kept likewise
        self._editing: dict[str, str | None] = {}  # the profile field each user is changing, likewise
        # Answers carried over from a user's other reports: owner -> (type, report) -> answers.
        self._carried: dict[str, dict[tuple[str, int], dict[str, Any]]] = {}
        self._newest_update: int | None = None  # the highest update id stored, kept likewise
        self._group_open = False  # steps are waiting for commit_group
        self._in_transaction = False  # the open group has begun its SQLite transaction
        self._group_lost = False
        # The open group's rows that are not written yet: with the report known in memory there
        # is nothing to check in the database, so they wait for the commit (BENCHMARKS.md).
        self._waiting = _Rows()

    # -- transactions ----------------------------------------------------------------------

    def group_commits(self, on_write: Callable[[], None] | None) -> None:
        """From now on, let many steps share one commit (one sync to disk).

        Each step is still all or nothing on its own (its checks come before any of its writes,
        and its direct writes are a savepoint in the shared transaction); nothing is durable
        until :meth:`commit_group`. ``on_write`` is called as each step starts writing, so the
        caller can schedule the commit and note who waits for it. None ends grouping (commit
        the open group first).
        """
        self._on_grouped_write = on_write

    def keep_recent(self, limit: int) -> None:
        """Keep up to ``limit`` recently used reports in memory (0: none).

        Only for a process that is the one writer of those reports (the bot, for its users):
        a change made by another process would not be seen.
        """
        self._recent_limit = limit
        self._forget()

    def _forget(self) -> None:
        self._recent.clear()
        self._active.clear()
        self._profiles.clear()
        self._editing.clear()
        self._carried.clear()
        self._newest_update = None

    @property
    def uncommitted(self) -> bool:
        """Whether steps are waiting in an open group for :meth:`commit_group`."""
        return self._group_open

    def commit_group(self) -> None:
        """Commit the open group (raises sqlite3.Error if it could not be: then none of it is stored)."""
        if not self._group_open:
            return
        self._group_open = False
        self._claimed_open.clear()
        try:
            self._write_waiting()
            if self._group_lost:
                raise sqlite3.OperationalError("the transaction was abandoned by SQLite; nothing was stored")
            if self._in_transaction:
                self.db.execute("COMMIT")
        except BaseException:
            self._group_lost = False
            self._forget()
            self.db.rollback()
            raise
        finally:
            self._in_transaction = False

    def _join_group(self) -> None:
        """Count the current step into the open group."""
        assert self._on_grouped_write is not None
        self._group_open = True
        if self._delivered:
            self._waiting.delivered.extend(self._delivered)
            self._delivered = []
        self._on_grouped_write()

    def _begin(self) -> None:
        """Make sure the open group's transaction has begun (in grouped mode)."""
        if not self._in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
        elif not self.db.conn.in_transaction:
            # SQLite gave the group up since its last write: it must still fail as one.
            self._group_lost = True
            self.db.execute("BEGIN IMMEDIATE")

    def _write_waiting(self) -> None:
        """Write the open group's waiting rows into its transaction, before anything reads or writes."""
        if not self._waiting:
            return
        rows, self._waiting = self._waiting, _Rows()
        self._begin()
        try:
            rows.write(self.db.conn)
        except BaseException:
            self._group_lost = True  # some of those steps' rows may be missing: none may be stored
            raise

    def _execute(self, sql: str, params: list[Any] | None = None) -> sqlite3.Cursor:
        """Run one statement, after the open group's waiting rows (so it sees and follows them)."""
        self._write_waiting()
        return self.db.execute(sql, params or [])

    def _query(self, sql: str, params: list[Any]) -> Iterator[dict[str, Any]]:
        """Rows as dicts, after the open group's waiting rows."""
        self._write_waiting()
        return self.db.query(sql, params)

    def _can_wait(self, update_id: int | None) -> bool:
        """Whether a step's rows may wait for the commit: grouped, kept in memory, a new update."""
        if self._on_grouped_write is None or not self._recent_limit:
            return False
        return update_id is None or (self._newest_update is not None and update_id > self._newest_update)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One step's writes, all or nothing: its own transaction, or a savepoint in the open group."""
        if self._on_grouped_write is None:
            with self.db.atomic():
                yield
            return
        self._write_waiting()
        self._begin()
        self._join_group()
        conn = self.db.conn
        conn.execute("SAVEPOINT step")  # steps never nest, so one name will do
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK TO step")
                conn.execute("RELEASE step")
            raise
        else:
            conn.execute("RELEASE step")
        finally:
            if not conn.in_transaction:
                # SQLite gave up the whole transaction (a full disk, an I/O error): the other
                # steps of the group went with it, so their commit must fail too.
                self._group_lost = True

    @classmethod
    def open(cls, path: Path | str, clock: Clock = utc_now, *, synchronous: str = "FULL") -> Store:
        """Open (and create or migrate) the database file at ``path``."""
        return cls(connect(path, synchronous=synchronous), clock)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

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
        return "; ".join(str(row[0]) for row in self._execute("PRAGMA integrity_check").fetchall())

    def _now(self) -> str:
        return self.clock().isoformat()

    # -- users -----------------------------------------------------------------------------

    def _ensure_user(self, user_id: str, now: str) -> None:
        self._execute(
            "INSERT INTO users (id, profile, created, updated) VALUES (?, '{}', ?, ?) "
            "ON CONFLICT(id) DO NOTHING",
            [user_id, now, now],
        )

    def profile(self, user_id: str) -> dict[str, Any]:
        """The remembered profile fields of a user (empty for an unknown user)."""
        known = self._profiles.get(user_id)
        if known is not None:
            return dict(known)
        row = next(self._query("SELECT profile FROM users WHERE id = ?", [user_id]), None)
        if row is None:
            return {}
        profile = dict(json.loads(row["profile"]))
        self._remember_profile(user_id, profile)
        return dict(profile)

    def _keep(self, cache: dict[str, Any], user_id: str, value: Any) -> None:
        """Remember a per-user value while this store keeps reports in memory."""
        if self._recent_limit:
            if len(cache) >= 10 * self._recent_limit:
                cache.clear()  # a few bytes a user; dropped wholesale now and then
            cache[user_id] = value

    def _remember_profile(self, user_id: str, profile: dict[str, Any]) -> None:
        self._keep(self._profiles, user_id, profile)

    def update_profile(
        self, user_id: str, updates: Mapping[str, Any], *, update_id: int | None = None
    ) -> None:
        """Remember ``updates`` in the user's profile, ending a change of it in the chat.

        With ``update_id``, a second delivery of the same update raises AlreadyApplied and
        changes nothing.
        """
        now = self._now()
        with self._writing():
            if update_id is not None:
                self._claim(update_id, now)
            merged = self._merge_profile(user_id, updates, now)
            self._execute("UPDATE users SET editing = NULL WHERE id = ?", [user_id])
        self._remember_profile(user_id, merged)  # once the step's writes stand
        self._remember_editing(user_id, None)

    def editing(self, user_id: str) -> str | None:
        """The profile field the user is changing in the chat (their next message is its value)."""
        if user_id in self._editing:
            return self._editing[user_id]
        row = self._execute("SELECT editing FROM users WHERE id = ?", [user_id]).fetchone()
        field_id = str(row[0]) if row and row[0] is not None else None
        self._remember_editing(user_id, field_id)
        return field_id

    def _remember_editing(self, user_id: str, field_id: str | None) -> None:
        self._keep(self._editing, user_id, field_id)

    def set_editing(self, user_id: str, field_id: str | None) -> None:
        """Start (or, with None, end) changing a profile field in the chat."""
        now = self._now()
        with self._writing():
            self._ensure_user(user_id, now)
            self._execute("UPDATE users SET editing = ? WHERE id = ?", [field_id, user_id])
        self._remember_editing(user_id, field_id)

    def _merge_profile(self, user_id: str, updates: Mapping[str, Any], now: str) -> dict[str, Any]:
        self._ensure_user(user_id, now)
        merged = {**self.profile(user_id), **updates}
        self._execute(_UPDATE_PROFILE, [_dumps(merged), now, user_id])
        return merged

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
        with self._writing():
            if update_id is not None:
                self._claim(update_id, now)
            self._ensure_user(owner, now)
            cur = self._execute(
                "INSERT INTO reports (owner, type, status, cursor, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [owner, type_id, DRAFT, _dumps(dict(cursor)), now, now],
            )
            assert cur.lastrowid is not None
            if activate:
                self._execute("UPDATE users SET active_report = ? WHERE id = ?", [cur.lastrowid, owner])
        self._remember(Report(cur.lastrowid, owner, type_id, DRAFT, dict(cursor), now, now))
        if activate:
            self._remember_active(owner, cur.lastrowid)
        return cur.lastrowid

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
        known = self._recent.get(report_id)
        # A report kept in memory is known to exist and whose it is (otherwise the database
        # decides): then the step's checks are made here and its rows wait for the commit.
        if known is not None and known.owner == owner and self._can_wait(update_id):
            merged = {**self.profile(owner), **profile} if profile else None  # before joining
            self._join_group()
            status = status or known.status
            self._waiting.reports.append((_dumps(dict(cursor)), status, now, report_id))
            self._waiting.answers.extend((report_id, q, _dumps(v), now) for q, v in changes.items())
            if merged is not None:  # the owner's row exists: the report refers to it
                self._waiting.profiles.append((_dumps(merged), now, owner))
            if update_id is not None:
                self._claimed.add(update_id)
                self._claimed_open.add(update_id)
                self._waiting.updates[update_id] = (now, None, None)
                self._stored_update(update_id)
        else:
            with self._writing():
                # The write comes first so the transaction takes the write lock before it reads.
                cur = self._execute(
                    "UPDATE reports SET cursor = ?, status = COALESCE(?, status), updated = ? "
                    "WHERE id = ? AND owner = ?",
                    [_dumps(dict(cursor)), status, now, report_id, owner],
                )
                if cur.rowcount != 1:
                    raise ReportNotFound(report_id)
                for question_id, value in changes.items():
                    self._execute(_UPSERT_ANSWER, [report_id, question_id, _dumps(value), now])
                merged = self._merge_profile(owner, profile, now) if profile else None
                if update_id is not None:
                    self._claim(update_id, now)
        if merged is not None:
            self._remember_profile(owner, merged)  # once the step's writes stand
        self._changed(owner, report_id)
        if known is not None:  # and the step's owner's, or the database refused it above
            self._remember(
                Report(
                    known.id,
                    known.owner,
                    known.type,
                    status or known.status,
                    dict(cursor),
                    known.created,
                    now,
                    {**known.answers, **changes},
                )
            )

    def _claim(self, update_id: int, now: str, chat_id: int | None = None, owed: str | None = None) -> None:
        cur = self._execute(_INSERT_UPDATE, [update_id, now, chat_id, owed])
        if cur.rowcount != 1:
            raise AlreadyApplied(update_id)
        self._claimed.add(update_id)
        if self._on_grouped_write is not None:
            self._claimed_open.add(update_id)
        self._stored_update(update_id)

    def update_processed(self, update_id: int) -> bool:
        """Whether this update was applied already."""
        if self._recent_limit:
            # Telegram's update ids only grow: one above every id stored cannot have been applied.
            if self._newest_update is None:
                row = self._execute("SELECT max(update_id) FROM processed_updates").fetchone()
                self._newest_update = int(row[0] or 0)
            if update_id > self._newest_update:
                return False
        row = self._execute("SELECT 1 FROM processed_updates WHERE update_id = ?", [update_id]).fetchone()
        return row is not None

    def _stored_update(self, update_id: int) -> None:
        if self._newest_update is not None:
            self._newest_update = max(self._newest_update, update_id)

    def mark_processed(self, update_id: int) -> None:
        """Remember an update as applied (for updates that stored nothing else)."""
        if update_id in self._claimed:
            self._claimed.discard(update_id)  # recorded with its answer already
            return
        if self._can_wait(update_id):
            self._join_group()
            self._waiting.updates[update_id] = (self._now(), None, None)
            self._stored_update(update_id)
            return
        with self._writing():
            self._execute(_INSERT_UPDATE, [update_id, self._now(), None, None])
        self._stored_update(update_id)

    # -- replies owed ----------------------------------------------------------------------

    def owe(self, update_id: int, chat_id: int, owed: Any) -> None:
        """Record what the bot owes the chat for this update, in the transaction of its step.

        An update whose step claimed it gets the reply on its claim, which must still be in the
        open group (otherwise :class:`ReplyAfterStep`); one that stored nothing is claimed now,
        with the reply (AlreadyApplied if it was applied before). Without grouped commits (the
        console, scripts) the two are separate transactions.
        """
        payload = _dumps(owed)
        waiting = self._waiting.updates.get(update_id)
        if waiting is not None:
            self._waiting.updates[update_id] = (waiting[0], chat_id, payload)
        elif update_id in self._claimed_open or (
            update_id in self._claimed and self._on_grouped_write is None
        ):
            with self._writing():
                self._execute(_OWE, [chat_id, payload, update_id])
        elif update_id in self._claimed:
            raise ReplyAfterStep(update_id)
        elif self._can_wait(update_id):
            self._join_group()
            self._claimed.add(update_id)
            self._claimed_open.add(update_id)
            self._waiting.updates[update_id] = (self._now(), chat_id, payload)
            self._stored_update(update_id)
        else:
            with self._writing():
                self._claim(update_id, self._now(), chat_id, payload)

    def delivered(self, update_id: int) -> None:
        """The replies owed for this update were accepted by Telegram.

        With grouped commits this is noted with the next commit of any step, or by
        :meth:`write_delivered`, not a commit of its own (that doubled the waits for the disk per
        answer): a crash before it sends those replies again at start-up, twice rather than never.
        """
        if self._on_grouped_write is None:
            with self._writing():
                self._execute(_DELIVERED, [update_id])
        else:
            self._delivered.append((update_id,))

    def write_delivered(self) -> None:
        """Have the deliveries noted since the last commit written by a commit soon."""
        if self._delivered and self._on_grouped_write is not None:
            self._join_group()

    def owed(self, update_id: int) -> tuple[int, Any] | None:
        """The chat and the replies still owed for this update, if any."""
        row = self._execute(
            "SELECT chat_id, owed FROM processed_updates WHERE update_id = ?", [update_id]
        ).fetchone()
        if row is None or row[1] is None or (update_id,) in self._delivered:
            return None
        return int(row[0]), json.loads(row[1])

    def all_owed(self, chat_id: int | None = None) -> list[tuple[int, int, Any]]:
        """Every update with replies still owed (to one chat): update id, chat, replies, oldest first."""
        rows = self._execute(
            "SELECT update_id, chat_id, owed FROM processed_updates WHERE owed IS NOT NULL "
            "AND (? IS NULL OR chat_id = ?) ORDER BY update_id",
            [chat_id, chat_id],
        ).fetchall()
        sent = set(self._delivered)
        return [(int(u), int(c), json.loads(o)) for u, c, o in rows if (u,) not in sent]

    def active_report(self, user_id: str) -> int | None:
        """The report the user is working on in the chat, if it still exists."""
        if user_id in self._active:
            return self._active[user_id]
        row = self._execute(
            "SELECT r.id FROM users u JOIN reports r ON r.id = u.active_report AND r.owner = u.id "
            "WHERE u.id = ?",
            [user_id],
        ).fetchone()
        report_id = int(row[0]) if row else None
        self._remember_active(user_id, report_id)
        return report_id

    def _remember_active(self, user_id: str, report_id: int | None) -> None:
        self._keep(self._active, user_id, report_id)

    def set_active_report(self, user_id: str, report_id: int | None) -> None:
        """Make ``report_id`` (one of the user's) the one the chat continues."""
        now = self._now()
        with self._writing():
            self._ensure_user(user_id, now)
            self._execute("UPDATE users SET active_report = ? WHERE id = ?", [report_id, user_id])
        self._remember_active(user_id, report_id)

    def _answers(self, owner: str, report_id: int) -> dict[str, Any]:
        rows = self._query(
            "SELECT a.question_id, a.value FROM answers a JOIN reports r ON r.id = a.report_id "
            "WHERE a.report_id = ? AND r.owner = ?",
            [report_id, owner],
        )
        return {row["question_id"]: json.loads(row["value"]) for row in rows}

    def _report(self, row: Mapping[str, Any], answers: dict[str, Any]) -> Report:
        return Report(
            id=row["id"],
            owner=row["owner"],
            type=row["type"],
            status=row["status"],
            cursor=json.loads(row["cursor"]),
            created=row["created"],
            updated=row["updated"],
            answers=answers,
        )

    def load_report(self, owner: str, report_id: int) -> Report:
        """A report of ``owner`` with its answers (ReportNotFound otherwise)."""
        known = self._recent.get(report_id)
        if known is not None:
            if known.owner != owner:
                raise ReportNotFound(report_id)
            self._recent.move_to_end(report_id)
            return known
        row = next(
            self._query("SELECT * FROM reports WHERE id = ? AND owner = ?", [report_id, owner]),
            None,
        )
        if row is None:
            raise ReportNotFound(report_id)
        return self._remember(self._report(row, self._answers(owner, report_id)))

    def _remember(self, report: Report) -> Report:
        if self._recent_limit:
            self._recent[report.id] = report
            self._recent.move_to_end(report.id)
            if len(self._recent) > self._recent_limit:
                self._recent.popitem(last=False)
        return report

    def _rows(self, sql: str, params: list[Any]) -> Iterator[Report]:
        for row in list(self._query(sql, params)):
            yield self._report(row, self._answers(row["owner"], row["id"]))

    def list_reports(self, owner: str, status: str | None = DRAFT) -> list[Report]:
        """The owner's reports (drafts by default), most recently changed first."""
        if status is None:
            sql = "SELECT * FROM reports WHERE owner = ? ORDER BY updated DESC, id DESC"
            return list(self._rows(sql, [owner]))
        sql = "SELECT * FROM reports WHERE owner = ? AND status = ? ORDER BY updated DESC, id DESC"
        return list(self._rows(sql, [owner, status]))

    def previous_answer(self, owner: str, type_id: str, question_id: str, *, exclude: int) -> Any:
        """The owner's latest answer to this question in another report of the type (complete first)."""
        if self._recent_limit:
            # One query per report for all its questions, kept until another report changes.
            carried = self._carried.setdefault(owner, {})
            if (type_id, exclude) not in carried:
                if len(self._carried) > 10 * self._recent_limit:
                    self._carried = {owner: carried}
                carried[(type_id, exclude)] = self._previous_answers(owner, type_id, exclude)
            return carried[(type_id, exclude)].get(question_id)
        row = self._execute(
            "SELECT a.value FROM answers a JOIN reports r ON r.id = a.report_id "
            "WHERE r.owner = ? AND r.type = ? AND r.id != ? AND a.question_id = ? AND a.value != 'null' "
            "ORDER BY r.status = 'complete' DESC, r.updated DESC, r.id DESC LIMIT 1",
            [owner, type_id, exclude, question_id],
        ).fetchone()
        return json.loads(row[0]) if row else None

    def _previous_answers(self, owner: str, type_id: str, exclude: int) -> dict[str, Any]:
        rows = self._execute(
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

    def _changed(self, owner: str, report_id: int | None) -> None:
        """A report of ``owner`` changed: what was carried over from it into others is stale."""
        carried = self._carried.get(owner)
        if carried:
            for key in [key for key in carried if key[1] != report_id]:
                del carried[key]

    def count_reports(self, owner: str, status: str = DRAFT) -> int:
        """How many reports of this status the owner has."""
        row = self._execute(
            "SELECT count(*) FROM reports WHERE owner = ? AND status = ?", [owner, status]
        ).fetchone()
        return int(row[0])

    def latest_report(self, owner: str, type_id: str, *, exclude: int | None = None) -> Report | None:
        """The owner's most recent other report of this type, complete ones preferred."""
        sql = (
            "SELECT * FROM reports WHERE owner = ? AND type = ? AND id IS NOT ? "
            "ORDER BY status = 'complete' DESC, updated DESC, id DESC LIMIT 1"
        )
        return next(self._rows(sql, [owner, type_id, exclude]), None)

    def delete_report(self, owner: str, report_id: int) -> None:
        """Delete a report of ``owner`` and its answers."""
        self._recent.pop(report_id, None)
        self._active.pop(owner, None)
        self._changed(owner, None)
        with self._writing():
            self._execute(
                "DELETE FROM answers WHERE report_id IN (SELECT id FROM reports WHERE id = ? AND owner = ?)",
                [report_id, owner],
            )
            cur = self._execute("DELETE FROM reports WHERE id = ? AND owner = ?", [report_id, owner])
            if cur.rowcount != 1:
                raise ReportNotFound(report_id)
