"""Each ``reportbot`` command imports only what it uses: Telegram, httpx and SQLite only for the
commands that talk to Telegram or the database (the cost is in BENCHMARKS.md, "Start-up")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.service.reports import Templates
from tests.support.cli import run_cli, write_answers
from tests.support.interviews import complete_answers
from tests.support.paths import REPO

HEAVY = ("telegram", "httpx", "sqlite_utils", "storage", "asyncio")

# Runs one command in a fresh interpreter, then prints which of the heavy packages it imported.
PROBE = """
import json, sys
from bot.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:  # lint exits 1 on findings
    pass
finally:
    loaded = {name.partition(".")[0] for name in sys.modules}
    print(json.dumps(sorted(loaded & set(json.loads(HEAVY)))), file=sys.stderr)
"""


def imported(env: dict[str, str], *args: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of the ``heavy`` packages a fresh ``reportbot ARGS`` process had imported by its end."""
    result = run_cli(env, *args, entry=("-c", PROBE.replace("HEAVY", repr(json.dumps(heavy)))))
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return loaded


def test_render_imports_neither_telegram_nor_the_database(
    templates: Templates, cli_env: dict[str, str], tmp_path: Path
) -> None:
    answers = complete_answers(templates.interview("study_speech"))
    path = write_answers(tmp_path, {"type": "study_speech", "answers": answers})
    out = tmp_path / "speech.docx"
    assert imported(cli_env, "render", str(path), "-o", str(out)) == []
    assert out.stat().st_size > 0  # and it did render


def test_render_from_a_warm_cache_does_not_import_python_docx(
    templates: Templates, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # The set-up document is kept in the cache; a report is then written as plain XML.
    answers = complete_answers(templates.interview("unit_periodic"))
    path = write_answers(tmp_path, {"type": "unit_periodic", "answers": answers})
    first, second = tmp_path / "first.docx", tmp_path / "second.docx"
    assert "docx" in imported(cli_env, "render", str(path), "-o", str(first), heavy=("docx", "lxml"))
    assert imported(cli_env, "render", str(path), "-o", str(second), heavy=("docx", "lxml")) == []
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("args", [["types"], ["schema", "study_speech"], ["templates", "check"]])
def test_commands_on_definitions_import_neither_telegram_nor_the_database(
    cli_env: dict[str, str], args: list[str]
) -> None:
    assert imported(cli_env, *args) == []


def test_lint_imports_neither_telegram_nor_the_database(
    templates: Templates, cli_env: dict[str, str], tmp_path: Path
) -> None:
    answers = complete_answers(templates.interview("unit_periodic"))
    path = write_answers(tmp_path, {"type": "unit_periodic", "answers": answers})
    assert imported(cli_env, "lint", str(path)) == []


def test_drafts_opens_the_database_but_does_not_import_telegram(cli_env: dict[str, str]) -> None:
    assert "telegram" not in imported(cli_env, "drafts")


def test_the_bot_starts_without_jinja2_or_python_docx() -> None:
    # Both are first needed for a DOCX, at the end of an interview, not for the first answers.
    probe = (
        "import sys, bot.cli.main, bot.telegram.wiring, bot.service.reports, storage;"
        "print(sorted({m.partition('.')[0] for m in sys.modules} & {'jinja2', 'docx', 'lxml', 'telegram'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60, check=True
    )
    assert result.stdout.split() == ["['telegram']"]


def test_a_current_database_opens_without_sqlite_utils(tmp_path: Path) -> None:
    # sqlite-utils creates and migrates the schema; the store's statements do not need it.
    probe = (
        "import sys; from storage import Store; Store.open(sys.argv[1]).close();"
        "print('sqlite_utils' in sys.modules)"
    )

    def opens(path: Path) -> str:
        result = subprocess.run(
            [sys.executable, "-c", probe, str(path)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
            check=True,
        )
        return result.stdout.strip()

    path = tmp_path / "bot.db"
    assert opens(path) == "True"  # created: the migrations ran
    assert opens(path) == "False"
