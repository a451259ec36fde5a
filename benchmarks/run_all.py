"""`make bench`: run every benchmark and rewrite the measured blocks of BENCHMARKS.md.

Each block sits between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` and is replaced by
the machine, the date and the benchmark's own output; the prose around the blocks is kept.

Run: .venv/bin/python -m benchmarks.run_all [--only NAME ...] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_render import cpu_model

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"

# name -> (module, full arguments, quick arguments for a smoke run)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "render": (
        "benchmarks.bench_render",
        ["--runs", "100", "--process-runs", "10"],
        ["--runs", "2", "--process-runs", "1"],
    ),
    "start": ("benchmarks.bench_start", ["--runs", "10"], ["--runs", "1"]),
    "updates": (
        "benchmarks.bench_updates",
        ["--users", "1", "100", "1000", "--runs", "5"],
        ["--users", "1", "2", "--runs", "1", "--min-updates", "40"],
    ),
    "storage": (
        "benchmarks.bench_storage",
        ["--reports", "10000", "100000"],
        ["--reports", "20", "--answers", "3", "--ops", "3"],
    ),
    "pages": (
        "benchmarks.bench_pages",
        ["--runs", "10", "--cold-runs", "3"],
        ["--runs", "1", "--cold-runs", "1"],
    ),
    "preview-load": (
        "benchmarks.bench_preview_load",
        ["--runs", "5"],
        ["--runs", "1", "--seconds", "1", "--rate", "20", "--previews-per-second", "2", "--users", "5"],
    ),
    "memory": (
        "benchmarks.bench_memory",
        ["--users", "200", "--drafts", "10000", "--runs", "3"],
        ["--users", "2", "--drafts", "5"],
    ),
    "e2e100": (
        "benchmarks.load_telegram",
        ["--users", "100", "--runs", "3", "--echo", "--echo-at-once", "20"],
        ["--users", "2", "--echo", "--echo-at-once", "20"],
    ),
    "e2e-limiter": (
        "benchmarks.load_telegram",
        ["--users", "100", "--rate-limiter"],
        ["--users", "2", "--rate-limiter"],
    ),
    "load": ("benchmarks.load_telegram", ["--users", "200", "--runs", "3"], ["--users", "3"]),
}


def machine() -> str:
    """One line naming the machine and the software."""
    return f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def run(name: str, quick: bool) -> str:
    """One benchmark's output as a Markdown block."""
    module, full, small = BENCHES[name]
    result = subprocess.run(
        [sys.executable, "-m", module, *(small if quick else full)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    output = "\n".join(
        line
        for line in result.stdout.strip().splitlines()
        if not line.startswith(("machine:", "runs per type:"))
    )
    if not output.lstrip().startswith("|"):
        output = f"```\n{output.strip()}\n```"
    return f"Measured {time.strftime('%Y-%m-%d')} on {machine()}:\n\n{output.strip()}"


def rewrite(text: str, name: str, block: str) -> str:
    """``text`` with the block ``name`` replaced."""
    pattern = re.compile(rf"(<!-- bench:{name} -->\n).*?(\n<!-- /bench:{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"BENCHMARKS.md has no block for {name}")
    return pattern.sub(lambda m: m.group(1) + block + m.group(2), text)


def main() -> None:
    """Run the benchmarks and rewrite BENCHMARKS.md (or another file, for tests)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHES))
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the scripts run")
    parser.add_argument("--file", type=Path, default=BENCHMARKS_MD)
    args = parser.parse_args()
    for name in args.only or list(BENCHES):
        print(f"running {name}…", flush=True)
        block = run(name, args.quick)
        # Read again: the prose around the blocks may be edited by hand during a long run.
        text = rewrite(args.file.read_text(encoding="utf-8"), name, block)
        args.file.write_text(text, encoding="utf-8")  # after each, so a long run keeps what it has
    print(f"rewrote {args.file}")


if __name__ == "__main__":
    main()
