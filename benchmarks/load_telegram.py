"""Load: many simulated users at once through complete interviews, against the local emulator.

Run: .venv/bin/python -m benchmarks.load_telegram [--users 200] [--runs 3] [--echo] [--rate-limiter]
Prints throughput and reply latency; the users are played by tests/support/load.py, which
tests/test_load.py runs with correctness checks. ``--echo``: each round also runs a trivial echo
bot (benchmarks/echo_bot.py) under the same emulator and load, the two alternating which goes
first, and prints reportbot's figures as ratios to the echo bot's per round. ``--rate-limiter``:
reportbot keeps Telegram's flood limits on, as deployed (otherwise off: the emulator has none).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.cli.settings import DEFAULT_TEMPLATES
from bot.service.reports import Templates
from tests.support.load import LoadResult, run_load, verify, verify_echo
from tests.support.stats import percentile_ms, spread


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(
    users: int, templates: Templates, *, echo: bool, rate_limiter: bool, env: dict[str, str]
) -> tuple[LoadResult, float, list[str]]:
    """One run: its result, the bot process's CPU ms per update, and the problems found."""
    with tempfile.TemporaryDirectory() as tmp:
        before = _children_cpu()  # the bot process is waited for when stopped, so it counts here
        result, bot, emulator = run_load(users, Path(tmp), echo=echo, rate_limiter=rate_limiter, env=env)
        cpu = (_children_cpu() - before) * 1000 / result.updates
        found = (verify_echo if echo else verify)(result, bot, emulator, templates)
        if found:
            print(bot.log.read_text()[-3000:])
    return result, cpu, found


def row(first: str, results: Sequence[LoadResult], cpu: Sequence[float], problems: int) -> str:
    """A table row: median (min–max) of each figure over the runs."""
    return (
        f"| {first}{len(results)} | {results[0].updates:,} "
        f"| {spread([r.throughput for r in results])} "
        f"| {spread([r.percentile(50) for r in results])} "
        f"| {spread([r.percentile(99) for r in results])} "
        f"| {spread([max(r.latencies) * 1000 for r in results])} "
        f"| {spread([percentile_ms(r.last, 50) for r in results])} | {spread(cpu, 1)} | {problems} |"
    )


def ratio_row(name: str, ratios: Sequence[float]) -> str:
    """min / median / max of per-round ratios."""
    return f"| {name} | {min(ratios):.2f} | {statistics.median(ratios):.2f} | {max(ratios):.2f} |"


def main() -> None:
    """Run ``--runs`` rounds and print the figures: median (min–max) over the runs."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--echo", action="store_true", help="pair each run with the echo bot's")
    parser.add_argument(
        "--echo-at-once", type=int, default=0, help="echo bot: updates and connections at once (0: stock)"
    )
    parser.add_argument("--rate-limiter", action="store_true", help="reportbot with flood limits on")
    args = parser.parse_args()
    templates = Templates.load(DEFAULT_TEMPLATES)
    runs: dict[bool, list[tuple[LoadResult, float, list[str]]]] = {False: [], True: []}
    for n in range(args.runs):
        # Alternate which bot goes first, so drift on the machine falls on both alike.
        order = [False, True] if n % 2 == 0 else [True, False]
        for echo in order if args.echo else [False]:
            env = {"ECHO_AT_ONCE": str(args.echo_at_once)} if echo else {}
            runs[echo].append(
                one_run(args.users, templates, echo=echo, rate_limiter=args.rate_limiter, env=env)
            )
    head = "| users | runs | updates a run | updates/s | reply p50 ms | reply p99 ms | reply max ms "
    head += "| last reply p50 ms | bot CPU ms per update | problems |"
    rule = "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    problems = [p for run in runs[False] + runs[True] for p in run[2]]

    def table_row(prefix: str, echo: bool) -> str:
        done = runs[echo]
        return row(prefix, [r for r, _, _ in done], [c for _, c, _ in done], sum(len(f) for _, _, f in done))

    if not args.echo:
        label = "rate limiter on" if args.rate_limiter else ""
        print(head if not label else "| bot " + head)
        print(rule if not label else "| --- " + rule)
        print(table_row(f"{label} | {args.users} | " if label else f"{args.users} | ", False))
    else:
        print("| bot " + head)
        print("| --- " + rule)
        print(table_row(f"reportbot | {args.users} | ", False))
        kind = f"{args.echo_at_once} at once" if args.echo_at_once else "stock"
        print(table_row(f"echo bot ({kind}) | {args.users} | ", True))
        pairs = list(zip((r for r, _, _ in runs[False]), (r for r, _, _ in runs[True]), strict=True))
        figures: list[tuple[str, Callable[[LoadResult, LoadResult], float]]] = [
            ("updates/s: reportbot ÷ echo", lambda rb, ec: rb.throughput / ec.throughput),
            ("p50: echo ÷ reportbot", lambda rb, ec: ec.percentile(50) / rb.percentile(50)),
            ("p99: echo ÷ reportbot", lambda rb, ec: ec.percentile(99) / rb.percentile(99)),
        ]
        print()
        print("| reportbot as a fraction of the echo bot (per round; 1 = as fast) | min | median | max |")
        print("| --- | ---: | ---: | ---: |")
        for name, ratio in figures:
            print(ratio_row(name, [ratio(rb, ec) for rb, ec in pairs]))
    for problem in problems[:20]:
        print("  " + problem)


if __name__ == "__main__":
    main()
