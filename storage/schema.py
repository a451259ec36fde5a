"""The database schema as a list of forward migrations; the version is kept in ``schema_version``.

The migrations use sqlite-utils, imported only when a database is created or migrated: a bot
restarting on a current database never needs it (storage/connection.py).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from storage.connection import Connection

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.db import Table


def _table(db: Database, name: str) -> Table:
    from sqlite_utils.db import Table

    table = db.table(name)
    assert isinstance(table, Table)
    return table


def _v1_initial(db: Database) -> None:
    """Users with their profile, reports with their cursor, one answer row per question."""
    _table(db, "users").create({"id": str, "profile": str, "created": str}, pk="id", not_null={"profile"})
    _table(db, "reports").create(
        {
            "id": int,
            "owner": str,
            "type": str,
            "status": str,
            "cursor": str,
            "created": str,
            "updated": str,
        },
        pk="id",
        foreign_keys=[("owner", "users", "id")],
        not_null={"owner", "type", "status", "cursor", "created", "updated"},
    )
    _table(db, "answers").create(
        {"report_id": int, "question_id": str, "value": str, "updated": str},
        pk=("report_id", "question_id"),
        foreign_keys=[("report_id", "reports", "id")],
        not_null={"value", "updated"},
    )


def _v2_owner_index(db: Database) -> None:
    """Listing a user's drafts newest first must not scan every report; users get ``updated``."""
    _table(db, "reports").create_index(["owner", "status", "updated"], index_name="idx_reports_owner_status")
    _table(db, "users").add_column("updated", str)
    db.execute("UPDATE users SET updated = created WHERE updated IS NULL")


def _v3_chat_state(db: Database) -> None:
    """Each user's active report, and the ids of updates already applied."""
    _table(db, "users").add_column("active_report", int)
    _table(db, "processed_updates").create({"update_id": int, "processed": str}, pk="update_id")


def _v4_owed_replies(db: Database) -> None:
    """What the front end still owes for an update (sent until it is delivered), and the profile
    field a user is changing in the chat: both must survive a restart."""
    updates = _table(db, "processed_updates")
    updates.add_column("chat_id", int)
    updates.add_column("owed", str)
    db.execute("CREATE INDEX idx_updates_owed ON processed_updates (update_id) WHERE owed IS NOT NULL")
    _table(db, "users").add_column("editing", str)


def _v5_chats(db: Database) -> None:
    """One record per chat (keyed by its owner): the active report, the profile field being
    changed and the message whose buttons are live, moved out of ``users``."""
    _table(db, "chats").create(
        {"owner": str, "active_report": int, "editing": str, "buttons_message": int}, pk="owner"
    )
    db.execute(
        "INSERT INTO chats (owner, active_report, editing) SELECT id, active_report, editing FROM users "
        "WHERE active_report IS NOT NULL OR editing IS NOT NULL"
    )
    db.execute("ALTER TABLE users DROP COLUMN active_report")
    db.execute("ALTER TABLE users DROP COLUMN editing")


def _v6_section_texts(db: Database) -> None:
    """A section's text rewritten by hand or polished, replacing its generated body; the section
    a chat is rewriting and whether it was told where polish sends the text."""
    _table(db, "section_texts").create(
        {"report_id": int, "section_id": str, "text": str, "origin": str, "updated": str},
        pk=("report_id", "section_id"),
        foreign_keys=[("report_id", "reports", "id")],
        not_null={"text", "origin", "updated"},
    )
    chats = _table(db, "chats")
    chats.add_column("rewriting", str)
    chats.add_column("polish_told", int)


MIGRATIONS: list[Callable[[Database], None]] = [
    _v1_initial,
    _v2_owner_index,
    _v3_chat_state,
    _v4_owed_replies,
    _v5_chats,
    _v6_section_texts,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _has_table(db: Connection, name: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name])
    return found.fetchone() is not None


def schema_version(db: Connection) -> int:
    """The version the database is at (0 for an empty file)."""
    if not _has_table(db, "schema_version"):
        return 0
    row = db.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(db: Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply every migration up to ``target``, each in its own transaction; return the version."""
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise RuntimeError(f"database schema version {current} is newer than this program ({SCHEMA_VERSION})")
    if current >= target:
        return current
    from sqlite_utils import Database

    tables = Database(db.conn, execute_plugins=False)  # no sqlite-utils plugins on the bot's connection
    for version in range(current + 1, target + 1):
        with db.atomic():
            MIGRATIONS[version - 1](tables)
            if not _has_table(db, "schema_version"):
                _table(tables, "schema_version").create({"version": int})
            db.execute("DELETE FROM schema_version")
            db.execute("INSERT INTO schema_version (version) VALUES (?)", [version])
    return target


class DatabaseUnavailable(Exception):
    """The database file cannot be created, opened or written; the message names the path and why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot use the database {path}: {reason}")
        self.path = path
        self.reason = reason


# SQLite's primary result codes that mean the file or its folder may not be written or created.
_NOT_WRITABLE = {sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN}


def describe_os_error(exc: OSError) -> str:
    """Why a file could not be created, in words that point at the fix."""
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return f"{exc.filename} is a file, not a folder"
    if isinstance(exc, PermissionError):
        return f"permission denied on {exc.filename} (read-only for this user?)"
    return f"{exc.strerror or exc} ({exc.filename})"


def connect(
    path: Path | str, *, migrate_to: int | None = SCHEMA_VERSION, synchronous: str = "FULL"
) -> Connection:
    """Open (creating if needed, readable by its owner only) and migrate the database at ``path``.

    ``synchronous="NORMAL"`` (for measurements only) commits without waiting for the disk: a crash
    of the program loses nothing, a power cut may lose the last commits.
    Raises :class:`DatabaseUnavailable` when the file or its folder cannot be created or written.
    """
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
    if str(path) != ":memory:":
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise DatabaseUnavailable(path, describe_os_error(exc)) from exc
    conn = sqlite3.connect(str(path), timeout=10, check_same_thread=False)
    try:
        db = Connection(conn)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 10000")
        if str(path) != ":memory:":
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = wal")
            # FULL: an acknowledged answer must survive a power cut, not only a crash.
            db.execute(f"PRAGMA synchronous = {synchronous}")
        if migrate_to is not None:
            migrate(db, migrate_to)
    except sqlite3.OperationalError as exc:
        conn.close()
        # WAL mode needs to create -wal and -shm beside the file, so the folder must be writable too.
        if exc.sqlite_errorcode & 0xFF in _NOT_WRITABLE:
            raise DatabaseUnavailable(
                Path(path), f"{exc} (the file and its folder must be writable by this user)"
            ) from exc
        raise
    except BaseException:
        conn.close()
        raise
    return db
