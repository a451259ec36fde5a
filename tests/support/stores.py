"""Stores in odd states, and a database read as another connection sees it."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from storage import Store

CURSOR = {"question": "b"}  # any cursor: these tests care about answers, not where a report stands


@contextlib.contextmanager
def commit_refused(store: Store) -> Iterator[None]:
    """SQLite refuses to commit the open batch meanwhile, as on a full or failing disk (here: a
    row it holds back until the commit, which the commit then finds it cannot keep)."""
    if store.db.conn.in_transaction:
        store.db.execute("PRAGMA defer_foreign_keys = ON")  # until the transaction ends
        store.db.execute(
            "INSERT INTO reports (owner, type, status, cursor, created, updated) "
            "VALUES ('nobody', '', '', '', '', '')"
        )
    yield


def batched(store: Store) -> None:
    """Let the store's steps share one commit (without an event loop: until batch.commit())."""
    store.batch.start()


def committed_answers(path: Path, owner: str) -> dict[str, str]:
    """An owner's answers as stored JSON, as another connection (or the disk after a crash) sees them."""
    with sqlite3.connect(path) as other:
        rows = other.execute(
            "SELECT a.question_id, a.value FROM answers a JOIN reports r ON r.id = a.report_id "
            "WHERE r.owner = ?",
            [owner],
        ).fetchall()
    return dict(rows)
