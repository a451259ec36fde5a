"""A database folder that cannot be written or created stops every command with one line."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Store
from tests.support.cli import run_cli

TOKEN = "123456789:AAHtestTOKENtestTOKENtestTOKENtest12"
COMMANDS = [["run"], ["chat"], ["drafts"], ["backup", "BACKUP"]]
IDS = ["run", "chat", "drafts", "backup"]
# Root writes into a read-only folder; without these capabilities it is refused like anyone.
NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def reportbot(
    args: list[str], db: Path, tmp_path: Path, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """A command against the database ``db`` (the bot's Bot API is never reached)."""
    env = {
        **os.environ,
        "REPORTBOT_DB": str(db),
        "REPORTBOT_OUTPUT": str(tmp_path / "out"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
        "TELEGRAM_RATE_LIMITER": "off",
    }
    args = [str(tmp_path / "copy.db") if arg == "BACKUP" else arg for arg in args]
    return run_cli(env, *args, prefix=prefix)


def assert_one_line(result: subprocess.CompletedProcess[str], db: Path, *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(db) in lines[0]
    assert "REPORTBOT_DB" in lines[0]
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize("args", COMMANDS, ids=IDS)
def test_a_file_in_place_of_the_folder(args: list[str], tmp_path: Path) -> None:
    # Fails for root too: no permission lets a regular file hold a database.
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    for db in (blocker / "reportbot.db", blocker / "deeper" / "reportbot.db"):
        result = reportbot(args, db, tmp_path)
        assert_one_line(result, db, "is a file, not a folder")
    assert blocker.read_text() == "not a folder"


@pytest.fixture
def without_override() -> list[str]:
    """How to run a command so that a folder's permissions bind it, or skip."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: folder permissions do not bind root")
    probe = subprocess.run([*NO_OVERRIDE, "true"], capture_output=True, check=False, timeout=30)
    if probe.returncode != 0:
        pytest.skip("running as root and cannot drop the capabilities that override permissions")
    return NO_OVERRIDE


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write into (made writable again for clean-up)."""
    folder = tmp_path / "data"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)


@pytest.mark.parametrize("args", COMMANDS, ids=IDS)
def test_a_read_only_folder_without_the_database(
    args: list[str], read_only: Path, without_override: list[str], tmp_path: Path
) -> None:
    read_only.chmod(0o555)
    for db in (read_only / "reportbot.db", read_only / "new" / "reportbot.db"):
        result = reportbot(args, db, tmp_path, without_override)
        assert_one_line(result, db, "permission denied")
    assert list(read_only.iterdir()) == []


@pytest.mark.parametrize("args", COMMANDS, ids=IDS)
def test_a_read_only_folder_with_the_database(
    args: list[str], read_only: Path, without_override: list[str], tmp_path: Path
) -> None:
    db = read_only / "reportbot.db"
    Store.open(db).close()
    before = sorted(read_only.iterdir())
    read_only.chmod(0o555)
    result = reportbot(args, db, tmp_path, without_override)
    # WAL mode creates -wal and -shm beside the file, so the folder must be writable as well.
    assert_one_line(result, db, "readonly")
    assert sorted(read_only.iterdir()) == before


def test_a_backup_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "backups"
    blocker.write_text("not a folder")
    db = tmp_path / "reportbot.db"
    Store.open(db).close()
    result = reportbot(["backup", str(blocker / "copy.db")], db, tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot write the backup at {blocker / 'copy.db'}: {blocker} is a file, not a folder"
    ]
