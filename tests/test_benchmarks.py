"""The benchmark scripts still run (with tiny sizes); their timings are never asserted."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

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
    out = bench("benchmarks.bench_render", "--runs", "1")
    for type_id in TYPE_IDS:
        assert f"| {type_id} |" in out


def test_update_benchmark_runs() -> None:
    out = bench("benchmarks.bench_updates", "--users", "2", "--runs", "1", "--min-updates", "40")
    assert "| 2 | reportbot |" in out and "| 2 | stock |" in out
    assert "reportbot ÷ stock" in out


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


def test_pages_benchmark_runs() -> None:
    out = bench(
        "benchmarks.bench_pages", "--runs", "1", "--cold-runs", "1", "--users", "2", "--types", "study_speech"
    )
    assert "| study_speech |" in out


def test_make_bench_rewrites_the_measured_blocks(tmp_path: Path) -> None:
    target = tmp_path / "BENCHMARKS.md"
    shutil.copy(REPO / "BENCHMARKS.md", target)
    bench("benchmarks.run_all", "--quick", "--file", str(target), "--only", "render", "storage")
    text = target.read_text(encoding="utf-8")
    assert "| 20 | 60 |" in text and "runs per type" not in text
    assert text.count("Measured ") >= 2 and "<!-- /bench:render -->" in text
