"""Update throughput and latency: complete interviews replayed through Application.process_update.

Side by side, in rounds that alternate the contenders (each round starts with the next one):
- reportbot: the real Application (per-user ordering, de-duplication, every answer committed
  with synchronous=FULL before its reply; users in flight share commits);
- stock + sqlite3 commit: the same interview the usual python-telegram-bot way (a
  ConversationHandler, the same texts and buttons as reportbot), each answer committed to SQLite
  (WAL, synchronous=FULL) before its reply;
- stock + pickle written: the same with PicklePersistence written before each reply;
- stock, nothing written: the same keeping everything in memory; not the same job, a ceiling.
See ``benchmarks.stock_bots``. All use a request class that answers every Bot API call instantly.
reportbot's rate is divided by each peer's within each round.

Run: .venv/bin/python -m benchmarks.bench_updates [--users 1 100 1000] [--runs 3] [--min-updates 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import itertools
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from benchmarks.stock_bots import MEMORY, PICKLE, SQLITE, TOKEN, interview_messages, stock_application
from bot.cli.settings import DEFAULT_TEMPLATES, Settings
from bot.document.render import Renderer
from bot.service.reports import Reports, Templates
from bot.telegram.keys import encode
from bot.telegram.wiring import build_application
from storage import Store
from tests.support.fakes import RecordingRequest
from tests.support.interviews import TODAY, full_script
from tests.support.stats import percentile_ms, spread

TYPE_ID = "study_speech"
REPORTBOT = "reportbot"


_update_ids = itertools.count(1)


def _message(bot: Any, user_id: int, text: str) -> Update:
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": 0,
        "text": text,
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "u"},
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return Update.de_json({"update_id": next(_update_ids), "message": message}, bot)


def _press(bot: Any, user_id: int, data: str) -> Update:
    return Update.de_json(
        {
            "update_id": next(_update_ids),
            "callback_query": {
                "id": str(next(_update_ids)),
                "from": {"id": user_id, "is_bot": False, "first_name": "u"},
                "chat_instance": "c",
                "data": data,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": user_id, "type": "private"},
                    "text": "x",
                },
            },
        },
        bot,
    )


def _arrives(update: Update) -> None:
    """Number the update as it is sent: Telegram's update ids grow in the order updates reach it.

    Updates are built beforehand (building one is not the bot's work), user after user, so their
    first numbers do not follow the order in which the users' turns interleave.
    """
    with update._unfrozen():  # python-telegram-bot's own way to change a built object
        update.update_id = next(_update_ids)


@dataclass
class Result:
    """One run's figures."""

    updates: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        """Updates per second."""
        return self.updates / self.seconds

    def pct(self, p: float) -> float:
        """Latency percentile in milliseconds."""
        return percentile_ms(self.latencies, p)


async def _drive(
    app: Application[Any, Any, Any, Any, Any, Any],
    warmup: list[Update],
    scripts: dict[int, list[Update]],
    alongside: Callable[[], Awaitable[Any]] | None = None,
) -> Result:
    """Every user sends their next message as soon as the reply to the last one is out.

    ``warmup`` goes first, untimed (first calls fill caches and compile patterns). ``alongside``
    starts with the timed users and is awaited after them, untimed.

    The time per update runs from when the user sends it (the moment the last reply was out, or
    the start) to its last reply, so it includes every wait on the way: for the event loop, for
    the user's turn and for a free slot in the update processor (reportbot's 20, the stock bot's
    one at a time). In this closed loop that is about users ÷ updates per second for anyone.
    """
    latencies: list[float] = []
    processor = app.update_processor
    for update in warmup:
        await processor.process_update(update, app.process_update(update))

    async def user(updates: list[Update], sent: float) -> None:
        for update in updates:
            _arrives(update)
            await processor.process_update(update, app.process_update(update))
            replied = time.perf_counter()
            latencies.append(replied - sent)
            sent = replied
            # The next message reaches the bot behind those the others sent meanwhile. Without this
            # a bot that never waits (the stock ones here: replies are answered at once) would run
            # one user's whole interview while the others' messages wait unseen by its processor.
            await asyncio.sleep(0)

    # The prepared updates are the harness's, not the bot's: keep them out of garbage collection,
    # or a full collection scans them all and shows up as a pause in whichever update runs.
    gc.collect()
    gc.freeze()
    try:
        side = asyncio.ensure_future(alongside()) if alongside else None
        started = time.perf_counter()
        await asyncio.gather(*(user(u, started) for u in scripts.values()))
        elapsed = time.perf_counter() - started
        if side is not None:
            await side
    finally:
        gc.unfreeze()
    return Result(sum(len(u) for u in scripts.values()), elapsed, latencies)


def interviews_per_user(users: int, min_updates: int) -> int:
    """How many interviews run one after another per concurrent user, for ``min_updates`` a run.

    Each of those is a different user starting their first report, as when users take turns.
    """
    per_interview = len(full_script(Templates.load(DEFAULT_TEMPLATES).interview(TYPE_ID)))
    return max(1, -(-min_updates // (users * per_interview)))


def _lanes(users: int, interviews: int, interview: Callable[[int], list[Update]]) -> dict[int, list[Update]]:
    """``users`` at a time, each lane's users one after another, every user with their own id."""
    return {
        lane: [u for turn in range(interviews) for u in interview(1 + lane + turn * users)]
        for lane in range(users)
    }


@dataclass
class ReportbotUnderTest:
    """reportbot's own Application over a fresh database, with a request that answers at once."""

    app: Application[Any, Any, Any, Any, Any, Any]
    reports: Reports
    lines: list[str]  # the interview's answers, without the last (it would build a DOCX)
    new: str  # the button that starts a report of the type

    @classmethod
    async def start(cls, workdir: Path, pages: bool, synchronous: str = "FULL") -> ReportbotUnderTest:
        """Build and initialize it, page pictures on or off."""
        templates = Templates.load(DEFAULT_TEMPLATES)
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "REPORTBOT_PAGE_PREVIEW": "on" if pages else "off"}
        settings = Settings.load(env, dotenv=workdir / "none")
        reports = Reports(Store.open(workdir / "bench.db", synchronous=synchronous), templates, lambda: TODAY)
        app = build_application(
            settings, reports, Renderer.create(DEFAULT_TEMPLATES), request=RecordingRequest(record=False)
        )
        await app.initialize()
        lines = full_script(templates.interview(TYPE_ID))[:-1]
        return cls(app, reports, lines, encode("new", list(templates.types).index(TYPE_ID) + 1))

    def interview(self, uid: int) -> list[Update]:
        """A new user's updates: start a report and answer every question but the last."""
        return [_press(self.app.bot, uid, self.new), *(_message(self.app.bot, uid, x) for x in self.lines)]

    async def send(self, update: Update) -> None:
        """Hand the update to the bot as Telegram's next one and wait until it is handled."""
        _arrives(update)
        await self.app.update_processor.process_update(update, self.app.process_update(update))

    async def previewer(self, uid: int) -> None:
        """A new user starts a report and asks for its draft at once."""
        for update in (_press(self.app.bot, uid, self.new), _message(self.app.bot, uid, "/preview")):
            await self.send(update)

    async def stop(self) -> None:
        """Shut the Application down and close the database."""
        await self.app.shutdown()
        self.reports.store.close()


async def run_reportbot(
    users: int,
    workdir: Path,
    interviews: int = 1,
    synchronous: str = "FULL",
    previews: int = 0,
    pages: bool = True,
) -> Result:
    """The interview through reportbot's own Application (``NORMAL``: commits not waiting for the disk).

    With ``previews``, as many other users each start a report and ask for its draft at the same
    moment, so LibreOffice turns their DOCX into a PDF and page pictures (at most two at once)
    while the timed users answer.
    """
    bot = await ReportbotUnderTest.start(workdir, pages, synchronous)
    app, interview, previewer = bot.app, bot.interview, bot.previewer

    async def previews_asked() -> None:
        await asyncio.gather(*(previewer(900_000 + n) for n in range(previews)))

    # With previews, the warm-up makes two: the first report composed after start compiles the
    # templates, and each of the two conversion slots starts its LibreOffice, costs of the first
    # previews after start (or after 10 minutes without one), not of every one.
    warmup = (
        [*interview(0), *(_message(app.bot, 0, "/preview") for _ in range(2))] if previews else interview(0)
    )
    try:
        return await _drive(
            app, warmup, _lanes(users, interviews, interview), previews_asked if previews else None
        )
    finally:
        await bot.stop()


async def run_stock(users: int, workdir: Path, interviews: int = 1, *, kind: str = SQLITE) -> Result:
    """The interview through a stock ConversationHandler of ``kind`` (see ``benchmarks.stock_bots``)."""
    templates = Templates.load(DEFAULT_TEMPLATES)
    lines = full_script(templates.interview(TYPE_ID))[:-1]
    app, close = stock_application(interview_messages(templates, TYPE_ID, lines), kind, workdir)
    await app.initialize()

    def interview(uid: int) -> list[Update]:
        return [_message(app.bot, uid, "/new"), *(_message(app.bot, uid, x) for x in lines)]

    try:
        return await _drive(app, interview(0), _lanes(users, interviews, interview))
    finally:
        await app.shutdown()
        close()


def measure(users: int, runs: int, min_updates: int, pickle_users: int) -> dict[str, list[Result]]:
    """Every contender once per round, ``runs`` rounds, each round starting with the next one.

    The pickle peer only up to ``pickle_users`` users: it writes the whole file for every answer,
    so its time grows with the square of the users (about two minutes a round at 1,000).
    """
    runners: dict[str, Callable[[int, Path, int], Coroutine[Any, Any, Result]]] = {
        REPORTBOT: run_reportbot,
        SQLITE: functools.partial(run_stock, kind=SQLITE),
        PICKLE: functools.partial(run_stock, kind=PICKLE),
        MEMORY: functools.partial(run_stock, kind=MEMORY),
    }
    names = [name for name in runners if name != PICKLE or users <= pickle_users]
    results: dict[str, list[Result]] = {name: [] for name in names}
    interviews = interviews_per_user(users, min_updates)
    for n in range(runs):
        for name in names[n % len(names) :] + names[: n % len(names)]:
            with tempfile.TemporaryDirectory() as tmp:
                results[name].append(asyncio.run(runners[name](users, Path(tmp), interviews)))
    return results


def ratios(ours: list[Result], theirs: list[Result]) -> str:
    """reportbot's rate over a peer's, round by round: ``min / median / max``."""
    per_round = sorted(a.per_second / b.per_second for a, b in zip(ours, theirs, strict=True))
    return " / ".join(f"{r:.2f}×" for r in (per_round[0], statistics.median(per_round), per_round[-1]))


def compare_previews(levels: list[int], runs: int, min_updates: int, previews: int) -> None:
    """Answers' times alone, with previews asked but not converted, and with their conversions
    running; the three alternate within each round, and the ratios are taken per round."""
    print(
        f"| users | round | p99 ms alone | p99 ms, {previews} previews without pictures | "
        f"p99 ms, {previews} previews converting | converting / without | "
        "updates/s alone / without / converting |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for users in levels:
        interviews = interviews_per_user(users, min_updates)
        for n in range(1, runs + 1):
            row = []
            for count, pages in ((0, False), (previews, False), (previews, True)):
                with tempfile.TemporaryDirectory() as tmp:
                    row.append(
                        asyncio.run(run_reportbot(users, Path(tmp), interviews, previews=count, pages=pages))
                    )
            alone, without, converting = row
            print(
                f"| {users} | {n} | {alone.pct(99):.2f} | {without.pct(99):.2f} | {converting.pct(99):.2f} | "
                f"{converting.pct(99) / without.pct(99):.2f}× | "
                f"{alone.per_second:,.0f} / {without.per_second:,.0f} / {converting.per_second:,.0f} |"
            )


def main() -> None:
    """Print a Markdown table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--min-updates", type=int, default=3000, help="users repeat the interview until a run has this many"
    )
    parser.add_argument(
        "--previews",
        type=int,
        default=0,
        help="instead: reportbot alone, with this many previews asked meanwhile, and with them converting",
    )
    parser.add_argument(
        "--pickle-users", type=int, default=100, help="run the pickle peer only up to this many users"
    )
    args = parser.parse_args()
    if args.previews:
        compare_previews(args.users, args.runs, args.min_updates, args.previews)
        return
    print(
        "| users | contender | updates/s (median, min–max) | p50 ms | p99 ms "
        "| reportbot ÷ it, per round (min / median / max) |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for users in args.users:
        results = measure(users, args.runs, args.min_updates, args.pickle_users)
        for name, runs in results.items():
            rates = [r.per_second for r in runs]
            p50 = statistics.median(r.pct(50) for r in runs)
            p99 = statistics.median(r.pct(99) for r in runs)
            ratio = "" if name == REPORTBOT else ratios(results[REPORTBOT], runs)
            print(f"| {users} | {name} | {spread(rates)} | {p50:.2f} | {p99:.2f} | {ratio} |")


if __name__ == "__main__":
    main()
