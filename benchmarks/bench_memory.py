"""Memory: resident size of the bot process (1) once users have each completed a whole report and
been sent its DOCX, and (2) once 10,000 users each have an active draft and have talked to it
(so python-telegram-bot holds their chat data and the processor their locks).

Run: .venv/bin/python -m benchmarks.bench_memory [--users 200] [--drafts 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from bot.cli.settings import DEFAULT_TEMPLATES
from bot.service.reports import Templates
from bot.telegram.keys import encode
from storage import Store
from tests.support.bot_process import TOKEN, BotProcess
from tests.support.emulator import Emulator
from tests.support.emulator_calls import SentMessage
from tests.support.load import TYPE_ID, script_for
from tests.support.stats import spread

FIRST_USER = 200_001
SETTLE = 2.0  # seconds after the last reply before RSS is read: the bot has nothing left to do


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


def start_bot(workdir: Path, previews: bool) -> tuple[Emulator, BotProcess]:
    """The emulator, started, and the bot pointed at it (rate limiter off; not started yet)."""
    emulator = Emulator(TOKEN).start()
    bot = BotProcess(emulator, workdir)
    bot.env["TELEGRAM_RATE_LIMITER"] = "off"
    bot.env["REPORTBOT_PAGE_PREVIEW"] = "on" if previews else "off"
    return emulator, bot


def measure_drafts(drafts: int, workdir: Path) -> tuple[float, float, float]:
    """RSS at start, after every user answered once, and the seconds that took."""
    emulator, bot = start_bot(workdir, previews=False)
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


def play_report(
    emulator: Emulator, user_id: int, lines: list[str], errors: list[str], previews: bool
) -> None:
    """One user: a new report, every answer, then wait for the DOCX (and the PDF after it)."""
    try:
        new = encode("new", list(Templates.load(DEFAULT_TEMPLATES).types).index(TYPE_ID) + 1)
        seen = len(emulator.messages_to(user_id))
        emulator.user_presses(user_id, SentMessage(user_id, 0), new)
        emulator.wait_for_message(user_id, lambda m: "【第" in m.text, seen, 300)
        for n, line in enumerate(lines):
            seen = len(emulator.messages_to(user_id))
            emulator.user_sends(user_id, line)
            last = n == len(lines) - 1
            emulator.wait_for_message(
                user_id,
                (lambda m: m.document is not None) if last else (lambda m: "【第" in m.text),
                seen,
                300,
            )
        if previews:  # the PDF is the reply's last message, after the pictures
            emulator.wait_for_message(
                user_id, lambda m: m.document is not None and m.document[0].endswith(".pdf"), seen, 300
            )
    except Exception as exc:  # counted and reported
        errors.append(f"user {user_id}: {exc!r}")


def measure_reports(users: int, workdir: Path, previews: bool) -> tuple[float, float, float]:
    """RSS at start, once every user's report was sent, and the seconds that took."""
    templates = Templates.load(DEFAULT_TEMPLATES)
    emulator, bot = start_bot(workdir, previews)
    bot.start()
    try:
        assert bot.proc is not None
        before = rss_mb(bot.proc.pid)
        errors: list[str] = []
        ids = range(FIRST_USER, FIRST_USER + users)
        threads = [
            threading.Thread(
                target=play_report, args=(emulator, uid, script_for(uid, templates), errors, previews)
            )
            for uid in ids
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
        if errors:
            raise SystemExit(f"{len(errors)} users failed, e.g. {errors[0]}\n{bot.log_tail()}")
        time.sleep(SETTLE)
        return before, rss_mb(bot.proc.pid), seconds
    finally:
        bot.stop()
        emulator.stop()


def main() -> None:
    """Print the figures: median (min–max) over ``--runs`` runs."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200, help="users who each complete a report (0: skip)")
    parser.add_argument("--drafts", type=int, default=10_000, help="users with an active draft (0: skip)")
    parser.add_argument("--previews", action="store_true", help="page pictures and PDF on (LibreOffice)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if args.users:
        runs = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(measure_reports(args.users, Path(tmp), args.previews))
        before, after, seconds = ([run[n] for run in runs] for n in range(3))
        pictures = "on" if args.previews else "off"
        print(
            "| users who completed a report | page pictures | runs | RSS at start MB "
            "| RSS after all reports were sent MB | seconds |"
        )
        print("| ---: | --- | ---: | ---: | ---: | ---: |")
        print(
            f"| {args.users:,} | {pictures} | {args.runs} "
            f"| {spread(before)} | {spread(after)} | {spread(seconds)} |"
        )
    if args.users and args.drafts:
        print()
    if args.drafts:
        runs = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(measure_drafts(args.drafts, Path(tmp)))
        before, after, seconds = ([run[n] for run in runs] for n in range(3))
        print("| active drafts | runs | RSS at start MB | RSS after each user answered MB | seconds |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        print(f"| {args.drafts:,} | {args.runs} | {spread(before)} | {spread(after)} | {spread(seconds)} |")


if __name__ == "__main__":
    main()
