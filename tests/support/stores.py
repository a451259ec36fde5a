"""Stores in odd states, and a database read as another connection sees it."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from storage import Store

CURSOR = {"question": "b"}  # any cursor: these tests care about answers, not where a report stands


@contextlib.contextmanager
def unwritable(store: Store) -> Iterator[None]:
    """Every write through the store's connection fails meanwhile, as on a full or failing disk."""
    store.db.execute("PRAGMA query_only = ON")
    try:
        yield
    finally:
        store.db.execute("PRAGMA query_only = OFF")


def grouped(store: Store) -> list[int]:
    """Switch the store to group commits; the list gains an item each time it asks for a commit."""
    writes: list[int] = []
    store.group_commits(lambda: writes.append(1))
    return writes


def committed_answers(path: Path, owner: str) -> dict[str, str]:
    """An owner's answers as stored JSON, as another connection (or the disk after a crash) sees them."""
    with sqlite3.connect(path) as other:
        rows = other.execute(
            "SELECT a.question_id, a.value FROM answers a JOIN reports r ON r.id = a.report_id "
            "WHERE r.owner = ?",
            [owner],
        ).fetchall()
    return dict(rows)
