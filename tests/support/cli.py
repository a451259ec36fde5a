"""The command line run as a process, and what it left in its database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.interview.definition import Value
from storage import Store
from tests.support.paths import REPO


def run_cli(
    env: dict[str, str],
    *args: str,
    stdin: str = "",
    prefix: list[str] | None = None,
    entry: tuple[str, ...] = ("-m", "bot"),
) -> subprocess.CompletedProcess[str]:
    """``reportbot ARGS`` as a process (``prefix``: a command to run it under; ``entry``: how the
    interpreter starts it), its output as text."""
    return subprocess.run(
        [*(prefix or []), sys.executable, *entry, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def stored(env: dict[str, str], owner: str) -> list[tuple[int, str, str, dict[str, Value]]]:
    """An owner's reports in the database ``env`` points at: (id, type, status, answers)."""
    store = Store.open(env["REPORTBOT_DB"])
    try:
        return [(r.id, r.type, r.status, r.answers) for r in store.list_reports(owner, status=None)]
    finally:
        store.close()


def write_answers(tmp_path: Path, data: object) -> Path:
    """An answers file for ``reportbot render``/``lint``, holding ``data`` as JSON."""
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path
