"""``reportbot backup`` refuses to write over the live database or the files SQLite keeps beside it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage import Store
from tests.support.cli import run_cli as run
from tests.support.paths import REPO

USERS = 5


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Path]:
    """A database held open as the running bot holds it: committed rows still in its WAL."""
    db = tmp_path / "data" / "reportbot.db"
    store = Store.open(db)
    with store.db.conn:
        for n in range(USERS):
            store.db.execute(
                "INSERT INTO users (id, profile, created, updated) VALUES (?, '{}', 'now', 'now')",
                [f"user{n}"],
            )
    assert db.with_name(db.name + "-wal").stat().st_size > 0
    yield db
    store.close()


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its content (links read through)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def users(db: Path) -> int:
    """Rows in ``users`` as a fresh connection sees them (what a restarted bot would find)."""
    store = Store.open(db)
    try:
        return int(store.db.execute("SELECT count(*) FROM users").fetchone()[0])
    finally:
        store.close()


def same_path(db: Path) -> str:
    return str(db)


def wal(db: Path) -> str:
    return str(db) + "-wal"


def shm(db: Path) -> str:
    return str(db) + "-shm"


def journal(db: Path) -> str:
    return str(db) + "-journal"


def roundabout(db: Path) -> str:
    return str(db.parent / ".." / db.parent.name / "." / db.name)


def relative(db: Path) -> str:
    return os.path.relpath(db, REPO)  # the command runs in REPO


def symlink(db: Path) -> str:
    link = db.parent.parent / "link.db"
    link.symlink_to(db)
    return str(link)


def hard_link(db: Path) -> str:
    link = db.parent.parent / "hard.db"
    os.link(db, link)
    return str(link)


def folder_symlink(db: Path) -> str:
    link = db.parent.parent / "data-link"
    link.symlink_to(db.parent, target_is_directory=True)
    return str(link / (db.name + "-wal"))


CASES: list[Callable[[Path], str]] = [
    same_path,
    wal,
    shm,
    journal,
    roundabout,
    relative,
    symlink,
    hard_link,
    folder_symlink,
]


@pytest.mark.parametrize("destination", CASES, ids=[case.__name__ for case in CASES])
def test_a_backup_onto_the_live_database_is_refused_and_writes_nothing(
    live: Path, destination: Callable[[Path], str], cli_env: dict[str, str]
) -> None:
    cli_env["REPORTBOT_DB"] = str(live)
    dest = destination(live)
    before = files(live.parent.parent)
    result = run(cli_env, "backup", dest)
    assert result.returncode != 0
    assert "live database" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert files(live.parent.parent) == before
    assert users(live) == USERS


def test_a_symlinked_database_is_guarded_by_its_real_name(live: Path, cli_env: dict[str, str]) -> None:
    # SQLite names the WAL after the real file, so that is the name to protect.
    link = live.parent.parent / "link.db"
    link.symlink_to(live)
    cli_env["REPORTBOT_DB"] = str(link)
    result = run(cli_env, "backup", wal(live))
    assert result.returncode != 0
    assert "live database" in result.stderr
    assert users(live) == USERS


def test_a_backup_beside_the_database_is_made(live: Path, cli_env: dict[str, str]) -> None:
    cli_env["REPORTBOT_DB"] = str(live)
    copy = live.parent / "reportbot-copy.db"
    result = run(cli_env, "backup", str(copy))
    assert result.returncode == 0, result.stderr
    assert users(copy) == USERS
    assert users(live) == USERS
