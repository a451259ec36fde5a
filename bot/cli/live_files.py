"""The live database's files, which a backup must never overwrite."""

from __future__ import annotations

import os
from pathlib import Path

# The files SQLite keeps beside a database: writing over any of them loses committed data.
LIVE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def live_file(dest: Path, db_path: Path) -> Path | None:
    """The live database file (or its WAL, shared-memory or journal file) ``dest`` would overwrite.

    Compared by resolved path (a symlink, ``..`` or a relative path lead to the same name) and,
    where both exist, by device and inode (a hard link is another name for the same file).
    """
    target = dest.resolve()
    # SQLite names the WAL after the database's real path when REPORTBOT_DB is a symlink.
    names = dict.fromkeys([db_path, db_path.resolve()])
    for live in [base.with_name(base.name + suffix) for base in names for suffix in LIVE_SUFFIXES]:
        if target == live.resolve():
            return live
        try:
            if os.path.samefile(dest, live):
                return live
        except OSError:
            continue  # one of them does not exist: then they are not the same file
    return None
