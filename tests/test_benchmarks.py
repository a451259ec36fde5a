"""The benchmark scripts still run (with tiny sizes); their timings are never asserted."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO, TYPE_IDS


def test_render_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_render", "--runs", "1"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for type_id in TYPE_IDS:
        assert f"| {type_id} |" in result.stdout
