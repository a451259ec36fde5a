"""The connection the store's statements run on: SQLite in autocommit mode, rows as dicts,
transactions and savepoints.

sqlite-utils creates and migrates the schema (storage/schema.py). The store's own statements
are SQL text, for which sqlite-utils' ``Database`` was a pass-through; importing it took about
40 ms of every start of the bot, more than all of the bot's own modules (BENCHMARKS.md,
"Start-up"). So the store runs them here, with the same transaction rules, and sqlite-utils is
imported only when a database is created or migrated.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

Parameters = Sequence[Any] | Mapping[str, Any]


class Connection:
    """A sqlite3 connection in autocommit mode: a statement outside :meth:`atomic` (or an
    explicit ``BEGIN``) is committed by itself."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        conn.isolation_level = None  # no implicit BEGIN: transactions are only the ones asked for
        self.conn = conn
        self._savepoints = itertools.count(1)

    def execute(self, sql: str, parameters: Parameters | None = None) -> sqlite3.Cursor:
        """Run one statement."""
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)

    def query(self, sql: str, parameters: Parameters | None = None) -> Iterator[dict[str, Any]]:
        """Run a statement now; its rows, as dicts by column name, as they are read."""
        cursor = self.execute(sql, parameters)
        columns = [column[0] for column in cursor.description or ()]
        return (dict(zip(columns, row, strict=True)) for row in cursor)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """All of the block's writes or none: a transaction, or a savepoint within the open one."""
        if self.conn.in_transaction:
            name = f"reportbot_{next(self._savepoints)}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                # An error may have ended the whole transaction, savepoint included.
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    self.conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            self.conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        self.conn.execute("BEGIN")
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise

    def rollback(self) -> None:
        """Undo the open transaction, if any."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()
