"""Load: 200 simulated users at once through complete interviews against the emulator.

Correctness only (no errors, nothing lost or doubled, everyone gets their own DOCX); the
throughput and latency it sees are written up in BENCHMARKS.md, never asserted.
"""

from __future__ import annotations

from pathlib import Path

from bot.service.reports import Templates
from tests.support.load import run_load, verify


def test_200_users_at_once(tmp_path: Path, templates: Templates) -> None:
    result, bot, emulator = run_load(200, tmp_path)
    problems = verify(result, bot, emulator, templates)
    assert problems == [], problems[:10]
    assert len(result.latencies) == result.updates - result.users  # every answer got its reply
    print(
        f"\n200 users: {result.throughput:.0f} updates/s, p50 {result.percentile(50):.0f} ms, "
        f"p99 {result.percentile(99):.0f} ms"
    )
