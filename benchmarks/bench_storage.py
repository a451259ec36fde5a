"""Storage at scale: a database of many reports; time to list drafts, load a draft, save an answer.

Run: .venv/bin/python -m benchmarks.bench_storage [--reports 10000 100000] [--answers 50] [--ops 200]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict

from storage import Store

REPORTS_PER_USER = 10


class Measured(TypedDict):
    """One database size: median and worst milliseconds of each operation, and the file's size."""

    reports: int
    fill_s: float
    list: tuple[float, float]
    load: tuple[float, float]
    save: tuple[float, float]
    bytes_per_report: float
    size_mb: float


def fill(store: Store, reports: int, answers: int) -> None:
    """``reports`` reports of ``answers`` answers each, ten per user, in one transaction."""
    users = max(1, reports // REPORTS_PER_USER)
    now = "2023-10-08T00:00:00+00:00"
    value = json.dumps("某市交通运输局党组高度重视意识形态工作，定期分析研判。", ensure_ascii=False)
    with store.db.atomic():
        store.db.conn.executemany(
            "INSERT INTO users (id, profile, created, updated) VALUES (?, '{}', ?, ?)",
            ((f"tg:{u}", now, now) for u in range(users)),
        )
        store.db.conn.executemany(
            "INSERT INTO reports (id, owner, type, status, cursor, created, updated) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    r + 1,
                    f"tg:{r % users}",
                    "unit_periodic",
                    "draft" if r % 3 else "complete",
                    '{"question": "q1"}',
                    now,
                    f"2023-10-08T00:{r % 60:02d}:00+00:00",
                )
                for r in range(reports)
            ),
        )
        store.db.conn.executemany(
            "INSERT INTO answers (report_id, question_id, value, updated) VALUES (?, ?, ?, ?)",
            ((r + 1, f"q{a}", value, now) for r in range(reports) for a in range(answers)),
        )


def timed(op: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and worst milliseconds of ``op()``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        op()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def measure(reports: int, answers: int, ops: int, workdir: Path) -> Measured:
    """Fill a fresh database and time the three operations."""
    path = workdir / f"scale-{reports}.db"
    store = Store.open(path)
    started = time.perf_counter()
    fill(store, reports, answers)
    fill_seconds = time.perf_counter() - started
    rng = random.Random(1)
    users = max(1, reports // REPORTS_PER_USER)

    def list_drafts() -> None:
        store.list_reports(f"tg:{rng.randrange(users)}")

    def load_draft() -> None:
        rid = rng.randrange(1, reports + 1)
        store.load_report(f"tg:{(rid - 1) % users}", rid)

    def save_answer() -> None:
        rid = rng.randrange(1, reports + 1)
        store.save_step(f"tg:{(rid - 1) % users}", rid, {"q1": "新的回答"}, {"question": "q2"})

    list_ms, load_ms, save_ms = timed(list_drafts, ops), timed(load_draft, ops), timed(save_answer, ops)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    size = path.stat().st_size
    return Measured(
        reports=reports,
        fill_s=fill_seconds,
        list=list_ms,
        load=load_ms,
        save=save_ms,
        bytes_per_report=size / reports,
        size_mb=size / 1e6,
    )


def main() -> None:
    """Print a Markdown table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--answers", type=int, default=50)
    parser.add_argument("--ops", type=int, default=200)
    args = parser.parse_args()
    print(
        "| reports | answers | list drafts ms (median / worst) | load draft ms | save answer ms | "
        "DB MB | bytes per report |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for reports in args.reports:
            r = measure(reports, args.answers, args.ops, Path(tmp))
            cells = " | ".join(f"{m:.2f} / {w:.2f}" for m, w in (r["list"], r["load"], r["save"]))
            print(
                f"| {reports:,} | {reports * args.answers:,} | {cells} | {r['size_mb']:.0f} | "
                f"{r['bytes_per_report']:.0f} |"
            )


if __name__ == "__main__":
    main()
