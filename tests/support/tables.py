"""The database's tables as sqlite-utils sees them, to look at what the store wrote."""

from __future__ import annotations

from sqlite_utils import Database

from storage import Store


def tables(store: Store) -> Database:
    """The store's database through sqlite-utils (the store itself runs plain SQL)."""
    return Database(store.db.conn, execute_plugins=False)
