"""Render benchmark: compose and write each report type's full report, median and worst.

Run: .venv/bin/python -m benchmarks.bench_render [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from bot.compose import Composer
from bot.config import DEFAULT_TEMPLATES
from bot.docx_writer import DocxWriter
from bot.service import Catalog
from tests.conftest import complete_answers


def measure(runs: int) -> dict[str, tuple[float, float]]:
    """Median and worst milliseconds per report type to compose and write the DOCX bytes."""
    catalog = Catalog.load(DEFAULT_TEMPLATES)
    composer, writer = Composer(DEFAULT_TEMPLATES), DocxWriter()
    results: dict[str, tuple[float, float]] = {}
    for type_id, definition in catalog.types.items():
        answers = complete_answers(catalog.interview(type_id))
        writer.to_bytes(composer.compose(definition, answers))  # warm-up: template compilation
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            writer.to_bytes(composer.compose(definition, answers))  # type: ignore[arg-type]
            times.append((time.perf_counter() - start) * 1000)
        results[type_id] = (statistics.median(times), max(times))
    return results


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main() -> None:
    """Print a Markdown table of the results."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    print(
        f"machine: {cpu_model()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print(f"runs per type: {args.runs}\n")
    print("| report type | median ms | worst ms |")
    print("| --- | ---: | ---: |")
    for type_id, (median, worst) in measure(args.runs).items():
        print(f"| {type_id} | {median:.1f} | {worst:.1f} |")


if __name__ == "__main__":
    main()
