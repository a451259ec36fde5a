"""Other users' reply times while page previews convert, at a steady offered load (open loop).

``bench_updates --previews`` sends every user's next message the moment the last reply is out,
so the bot is always saturated and its p99 is the length of its queue: any CPU the machine
spends elsewhere shows there as lost throughput. Users of a chat bot do not wait on each other
that way; they send when they have typed. Here users send at random moments (a Poisson stream,
``--rate`` updates a second in all), and a reply's time runs from the moment its message was due,
so a late start behind a slow reply counts too. Meanwhile other users ask for previews at a
steady ``--previews-per-second``, through the whole timed run.

Three contenders alternate within each round, on the same schedule (the same seed): the users
alone; with the previews asked and page pictures off (the DOCX is composed, written and sent);
and with the pictures and the PDF converting as well. The ratio of their p99s is taken per round.

Run: .venv/bin/python -m benchmarks.bench_preview_load [--rate 200] [--previews-per-second 5]
     [--seconds 10] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from telegram import Update

from benchmarks.bench_updates import ReportbotUnderTest
from tests.support.stats import percentile_ms

USERS = 100
PREVIEW_IDS = 900_000


@dataclass
class Run:
    """One contender's timed run."""

    latencies: list[float]
    previews_done: int  # previews whose pictures (or DOCX) were out before the timed users were done
    late_start_s: float  # how far the last message started behind its schedule

    def p(self, q: float) -> float:
        """Latency percentile in milliseconds."""
        return percentile_ms(self.latencies, q)


def schedule(users: int, rate: float, seconds: float, seed: int) -> dict[int, list[float]]:
    """When each user's messages are due: a Poisson stream of ``rate`` a second, shared out."""
    rng = random.Random(seed)
    due: dict[int, list[float]] = {uid: [] for uid in range(1, users + 1)}
    for uid in due:
        t = rng.expovariate(rate / users)
        while t < seconds:
            due[uid].append(t)
            t += rng.expovariate(rate / users)
    return due


async def timed_run(
    bot: ReportbotUnderTest, due: dict[int, list[float]], previews_per_second: float, seconds: float
) -> Run:
    """Every user sends at their due times (or when their last reply is out, if that is later)."""
    latencies: list[float] = []
    # Each user goes through interviews one after another, new ids, as many as their messages need.
    scripts: dict[int, list[Update]] = {}
    for uid, times in due.items():
        updates: list[Update] = []
        turn = 0
        while len(updates) < len(times):
            updates += bot.interview(uid + turn * len(due))
            turn += 1
        scripts[uid] = updates[: len(times)]
    late = 0.0

    async def user(uid: int, started: float) -> None:
        nonlocal late
        for at, update in zip(due[uid], scripts[uid], strict=True):
            wait = started + at - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                late = max(late, -wait)
            await bot.send(update)
            latencies.append(time.perf_counter() - started - at)

    async def previews(started: float) -> list[asyncio.Task[None]]:
        asked: list[asyncio.Task[None]] = []
        for n in range(int(seconds * previews_per_second)):
            wait = started + n / previews_per_second - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            asked.append(asyncio.create_task(bot.previewer(PREVIEW_IDS + n)))
        return asked

    gc.collect()
    gc.freeze()  # the prepared updates are the harness's: keep full collections from scanning them
    try:
        started = time.perf_counter()
        asking = asyncio.ensure_future(previews(started)) if previews_per_second else None
        await asyncio.gather(*(user(uid, started) for uid in due))
        asked = await asking if asking else []
        done = sum(task.done() for task in asked)
        await asyncio.gather(*asked)
    finally:
        gc.unfreeze()
    return Run(latencies, done, late)


async def contender(
    workdir: Path, due: dict[int, list[float]], previews_per_second: float, pages: bool, seconds: float
) -> Run:
    """One timed run on a fresh bot, after a warm-up: one interview and, with previews, two of them
    (the first report composed compiles the templates; each conversion slot starts its LibreOffice)."""
    bot = await ReportbotUnderTest.start(workdir, pages)
    try:
        for update in bot.interview(0):
            await bot.send(update)
        if previews_per_second:
            await asyncio.gather(bot.previewer(PREVIEW_IDS - 1), bot.previewer(PREVIEW_IDS - 2))
        return await timed_run(bot, due, previews_per_second, seconds)
    finally:
        await bot.stop()


def main() -> None:
    """Print a Markdown table, a row per round, then the settings and the medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200, help="timed users' updates a second, in all")
    parser.add_argument("--previews-per-second", type=float, default=5)
    parser.add_argument("--seconds", type=float, default=10, help="length of the timed run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--users", type=int, default=USERS)
    args = parser.parse_args()
    print(
        "| round | p50 / p99 ms alone | p50 / p99 ms, previews without pictures | "
        "p50 / p99 ms, previews converting | p99 converting ÷ without | p99 converting ÷ alone | "
        "previews done in the run (without / converting) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    per_without: list[float] = []
    per_alone: list[float] = []
    for n in range(1, args.runs + 1):
        due = schedule(args.users, args.rate, args.seconds, seed=n)
        runs = []
        for previews, pages in (
            (0.0, False),
            (args.previews_per_second, False),
            (args.previews_per_second, True),
        ):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(asyncio.run(contender(Path(tmp), due, previews, pages, args.seconds)))
        alone, without, converting = runs
        per_without.append(converting.p(99) / without.p(99))
        per_alone.append(converting.p(99) / alone.p(99))
        print(
            f"| {n} | {alone.p(50):.2f} / {alone.p(99):.2f} | {without.p(50):.2f} / {without.p(99):.2f} | "
            f"{converting.p(50):.2f} / {converting.p(99):.2f} | "
            f"{per_without[-1]:.2f}× | {per_alone[-1]:.2f}× | "
            f"{without.previews_done} / {converting.previews_done} |"
        )
    print()
    print(
        f"{args.users} users, {args.rate:g} updates/s in all; "
        f"{args.previews_per_second:g} previews/s; {args.seconds:g} s a run."
    )
    for name, ratios in (("converting ÷ without", per_without), ("converting ÷ alone", per_alone)):
        ordered = sorted(ratios)
        print(
            f"p99 {name}, per round: median {statistics.median(ordered):.2f}× "
            f"(min {ordered[0]:.2f}×, max {ordered[-1]:.2f}×)."
        )


if __name__ == "__main__":
    main()
