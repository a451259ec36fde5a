"""Load: many simulated users at once through complete interviews, against the local emulator.

Run: .venv/bin/python -m benchmarks.load_telegram [--users 200] [--runs 3]
Prints throughput and reply latency; the users are played by tests/support/load.py, which
tests/test_load.py runs with correctness checks.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bot.cli.settings import DEFAULT_TEMPLATES
from bot.service.reports import Templates
from tests.support.load import LoadResult, run_load, verify
from tests.support.stats import spread


def main() -> None:
    """Run ``--runs`` times and print the figures: median (min–max) over the runs."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    templates = Templates.load(DEFAULT_TEMPLATES)
    results: list[LoadResult] = []
    problems: list[str] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            result, bot, emulator = run_load(args.users, Path(tmp))
            found = verify(result, bot, emulator, templates)
            if found:
                print(bot.log.read_text()[-3000:])
        results.append(result)
        problems += found
    print(
        "| users | runs | updates a run | updates/s | reply p50 ms | reply p99 ms | reply max ms | problems |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {args.users} | {args.runs} | {results[0].updates:,} "
        f"| {spread([r.throughput for r in results])} "
        f"| {spread([r.percentile(50) for r in results])} "
        f"| {spread([r.percentile(99) for r in results])} "
        f"| {spread([max(r.latencies) * 1000 for r in results])} | {len(problems)} |"
    )
    for problem in problems[:20]:
        print("  " + problem)


if __name__ == "__main__":
    main()
