"""Memory: resident size of the bot process once 10,000 users each have an active draft and
have talked to it (so python-telegram-bot holds their chat data and the processor their locks).

Run: .venv/bin/python -m benchmarks.bench_memory [--drafts 10000]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from storage import Store
from tests.support.bot_process import TOKEN, BotProcess
from tests.support.emulator import Emulator
from tests.support.stats import spread

FIRST_USER = 200_001


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def prepare(db: Path, drafts: int) -> None:
    """``drafts`` users, each with one active study_speech draft."""
    store = Store.open(db)
    now = "2023-10-08T00:00:00+00:00"
    with store.db.atomic():
        for n in range(drafts):
            owner = f"tg:{FIRST_USER + n}"
            store.db.execute(
                "INSERT INTO users (id, profile, created, updated) VALUES (?, '{}', ?, ?)", [owner, now, now]
            )
            cur = store.db.execute(
                "INSERT INTO reports (owner, type, status, cursor, created, updated) "
                "VALUES (?, 'study_speech', 'draft', '{\"question\": \"meeting_name\"}', ?, ?)",
                [owner, now, now],
            )
            store.db.execute("INSERT INTO chats (owner, active_report) VALUES (?, ?)", [owner, cur.lastrowid])
    store.close()


def measure(drafts: int, workdir: Path) -> tuple[float, float, float]:
    """RSS at start, after every user answered once, and the seconds that took."""
    emulator = Emulator(TOKEN).start()
    bot = BotProcess(emulator, workdir)
    bot.env["TELEGRAM_RATE_LIMITER"] = "off"
    prepare(bot.db, drafts)
    bot.start()
    try:
        assert bot.proc is not None
        before = rss_mb(bot.proc.pid)
        started = time.monotonic()
        for n in range(drafts):
            emulator.user_sends(FIRST_USER + n, f"第{n}次学习会")
        deadline = time.monotonic() + 1800
        while True:
            with sqlite3.connect(bot.db) as conn:
                answered = conn.execute("SELECT count(*) FROM answers").fetchone()[0]
            if answered >= drafts or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        seconds = time.monotonic() - started
        for n in range(drafts):  # measured once every user's reply went out
            emulator.wait_for_message(FIRST_USER + n, lambda m: True, 0, timeout=600)
        return before, rss_mb(bot.proc.pid), seconds
    finally:
        bot.stop()
        emulator.stop()


def main() -> None:
    """Print the figures: median (min–max) over ``--runs`` runs."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--drafts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(measure(args.drafts, Path(tmp)))
    before, after, seconds = ([run[n] for run in runs] for n in range(3))
    print("| active drafts | runs | RSS at start MB | RSS after each user answered MB | seconds |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    print(f"| {args.drafts:,} | {args.runs} | {spread(before)} | {spread(after)} | {spread(seconds)} |")


if __name__ == "__main__":
    main()
