"""Start-up benchmark: from starting `reportbot run` to its first reply, beside a trivial bot.

A message is queued at the Bot API emulator (tests/support/emulator.py) before each process
starts; the time runs from starting the process to the emulator receiving the reply. Each round
starts reportbot and a trivial python-telegram-bot echo bot (benchmarks/echo_bot.py) in turn,
which goes first alternating, and keeps the round's ratio. The database is made in a warm-up
start, so the rounds open an existing one, as a restart does.

Run: .venv/bin/python -m benchmarks.bench_start [--runs N]
"""

from __future__ import annotations

import argparse
import itertools
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_render import ROOT, Rounds, process_env
from tests.support.bot_process import TOKEN
from tests.support.emulator import Emulator

COMMANDS = {
    "reportbot": [sys.executable, "-m", "bot", "run"],
    "echo": [sys.executable, "-m", "benchmarks.echo_bot"],
}


def first_reply_ms(emulator: Emulator, command: list[str], env: dict[str, str], user_id: int) -> float:
    """Milliseconds from starting ``command`` to its first message to a user who wrote before."""
    # Confirm what an earlier process left unconfirmed: each start then has one message to answer.
    emulator.call("getUpdates", {"offset": 2**31 - 1, "timeout": 0}, {})
    emulator.user_sends(user_id, "/start")
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        emulator.wait_for_message(user_id, lambda message: True, 0, timeout=60)
        return (time.perf_counter() - start) * 1000
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure(runs: int) -> Rounds:
    """Paired rounds: reportbot's time to the first reply, and the echo bot's."""
    emulator = Emulator(TOKEN).start()
    users = itertools.count(200_001)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **process_env(Path(tmp)),
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": emulator.base_url,
                "TELEGRAM_BASE_FILE_URL": emulator.base_file_url,
                "REPORTBOT_DB": str(Path(tmp) / "bot.db"),
                "REPORTBOT_OUTPUT": str(Path(tmp) / "out"),
                "ALLOWED_USER_IDS": "",
                "REPORTBOT_PAGE_PREVIEW": "off",
                "REPORTBOT_CACHE": str(Path(tmp) / "cache"),  # filled by the warm-up start
            }

            def start(name: str) -> float:
                return first_reply_ms(emulator, COMMANDS[name], env, next(users))

            start("reportbot"), start("echo")  # warm-up: the database and the cache made, files read once
            rounds = Rounds()
            for n in range(runs):
                if n % 2:
                    echo, ours = start("echo"), start("reportbot")
                else:
                    ours, echo = start("reportbot"), start("echo")
                rounds.add(ours, echo)
            return rounds
    finally:
        emulator.stop()


def main() -> None:
    """Print a Markdown table of the result."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(
        f"| start to first reply, {args.runs} paired rounds | reportbot median / worst ms "
        "| echo bot median / worst ms | reportbot ÷ echo bot per round, min / median / max |"
    )
    print("| --- | ---: | ---: | ---: |")
    print(measure(args.runs).row("`reportbot run` / echo bot"))


if __name__ == "__main__":
    main()
