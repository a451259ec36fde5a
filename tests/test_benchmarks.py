"""The benchmark scripts still run (with tiny sizes); their timings are never asserted."""

from __future__ import annotations

import asyncio
import pickle
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from benchmarks.bench_updates import run_stock
from benchmarks.stock_bots import MEMORY, PICKLE, SQLITE
from tests.support.interviews import TYPE_IDS
from tests.support.paths import REPO


def bench(module: str, *args: str) -> str:
    """Run a benchmark script; its output (it must succeed)."""
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_render_benchmark_runs() -> None:
    out = bench("benchmarks.bench_render", "--runs", "1", "--process-runs", "1")
    for type_id in TYPE_IDS:
        assert out.count(f"| {type_id} |") == 2  # in process, and as whole processes


def test_start_benchmark_runs() -> None:
    out = bench("benchmarks.bench_start", "--runs", "1")
    assert "| `reportbot run` / echo bot |" in out


def test_update_benchmark_runs() -> None:
    out = bench("benchmarks.bench_updates", "--users", "2", "--runs", "2", "--min-updates", "40")
    assert "| 2 | reportbot |" in out
    for peer in (SQLITE, PICKLE, MEMORY):
        row = next(line for line in out.splitlines() if line.startswith(f"| 2 | {peer} |"))
        assert row.rstrip(" |").endswith("×") and row.count("×") == 3  # min / median / max per round


def test_the_writing_stock_peers_keep_every_answer(tmp_path: Path) -> None:
    (tmp_path / "sqlite").mkdir()
    (tmp_path / "pickle").mkdir()
    done = asyncio.run(run_stock(2, tmp_path / "sqlite", kind=SQLITE))
    asyncio.run(run_stock(2, tmp_path / "pickle", kind=PICKLE))
    answers = done.updates // 2 - 1  # each user's /new and their answers
    with closing(sqlite3.connect(tmp_path / "sqlite" / "stock.db")) as db:
        per_user = db.execute("SELECT user_id, COUNT(*) FROM answers GROUP BY user_id").fetchall()
    # the warm-up user (0) and the two timed ones, every answer committed
    assert per_user == [(0, answers), (1, answers), (2, answers)]
    with (tmp_path / "pickle" / "stock.pickle").open("rb") as file:
        kept = pickle.load(file)
    assert {uid: len(data) for uid, data in kept["user_data"].items()} == {0: answers, 1: answers, 2: answers}


def test_storage_benchmark_runs() -> None:
    out = bench("benchmarks.bench_storage", "--reports", "20", "--answers", "3", "--ops", "3")
    assert "| 20 | 60 |" in out


def test_memory_benchmark_runs() -> None:
    out = bench("benchmarks.bench_memory", "--users", "2", "--drafts", "5", "--runs", "2")
    assert "| 2 | off | 2 |" in out and "| 5 | 2 |" in out


def test_load_benchmark_runs() -> None:
    out = bench("benchmarks.load_telegram", "--users", "2", "--runs", "2")
    row = next(line for line in out.splitlines() if line.startswith("| 2 | 2 |"))
    assert row.endswith("| 0 |")  # no problems


def test_load_benchmark_runs_beside_the_echo_bot_and_with_the_rate_limiter() -> None:
    out = bench("benchmarks.load_telegram", "--users", "2", "--echo", "--echo-at-once", "20")
    for first in ("| reportbot | 2 | 1 |", "| echo bot (20 at once) | 2 | 1 |"):
        assert next(line for line in out.splitlines() if line.startswith(first)).endswith("| 0 |")
    assert "| updates/s: reportbot ÷ echo |" in out
    out = bench("benchmarks.load_telegram", "--users", "2", "--rate-limiter")
    assert next(line for line in out.splitlines() if line.startswith("| rate limiter on | 2 | 1 |")).endswith(
        "| 0 |"
    )


def test_pages_benchmark_runs() -> None:
    out = bench(
        "benchmarks.bench_pages", "--runs", "1", "--cold-runs", "1", "--users", "2", "--types", "study_speech"
    )
    assert "| study_speech |" in out


def test_preview_load_benchmark_runs() -> None:
    out = bench(
        "benchmarks.bench_preview_load",
        *("--runs", "1", "--seconds", "1", "--rate", "20", "--previews-per-second", "2", "--users", "5"),
    )
    row = next(line for line in out.splitlines() if line.startswith("| 1 |"))
    cells = [cell.strip() for cell in row.strip(" |").split("|")]
    assert len(cells) == 7 and cells[4].endswith("×") and cells[5].endswith("×")  # per-round ratios
    assert "p99 converting ÷ without, per round: median" in out


def test_make_bench_rewrites_the_measured_blocks(tmp_path: Path) -> None:
    target = tmp_path / "BENCHMARKS.md"
    shutil.copy(REPO / "BENCHMARKS.md", target)
    bench("benchmarks.run_all", "--quick", "--file", str(target), "--only", "render", "storage")
    text = target.read_text(encoding="utf-8")
    assert "| 20 | 60 |" in text and "runs per type" not in text
    assert text.count("Measured ") >= 2 and "<!-- /bench:render -->" in text
