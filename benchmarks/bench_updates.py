"""Update throughput and latency: complete interviews replayed through Application.process_update.

Side by side in one run:
- reportbot: the real Application (per-user ordering, de-duplication, every answer committed
  with synchronous=FULL before its reply; users in flight share commits);
- reportbot, sync NORMAL: the same with commits that do not wait for the disk, to show what
  the wait costs (not how the bot runs);
- stock: the same interview written the usual python-telegram-bot way, a ConversationHandler with
  PicklePersistence (default flush interval), answers kept in user_data, each reply sent with
  reply_text: the same texts and buttons reportbot sends, worked out beforehand;
- stock, bare prompts: the same with each question's bare prompt and no buttons.
All use a request class that answers every Bot API call instantly.

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

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

from bot.cli.settings import DEFAULT_TEMPLATES, Settings
from bot.document.render import Renderer
from bot.interview.engine import State
from bot.service.reports import Reports, Templates
from bot.telegram.client import Keyboard
from bot.telegram.keys import encode
from bot.telegram.views import step_replies
from bot.telegram.wiring import build_application
from storage import Store
from tests.support.fakes import RecordingRequest
from tests.support.interviews import TODAY, full_script
from tests.support.stats import percentile_ms, spread

TYPE_ID = "study_speech"
NO_DISK_WAIT = "reportbot, sync NORMAL"  # the same, committing without waiting for the disk
STOCK = "stock"  # sending the same messages as reportbot
STOCK_BARE = "stock, bare prompts"  # each question's prompt alone, without buttons
TOKEN = "123456789:AAEbenchBENCHbenchBENCHbenchBENCH_12"


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

    The time per update runs from when the update processor starts on it to its last reply. The
    processor works on at most its number of slots at once (the stock one on one); the
    wait for a free slot is queueing before the work starts and is left out, for both approaches.
    """
    latencies: list[float] = []
    processor = app.update_processor
    # reportbot's handlers take a slot once the user's turn has come; the stock processor's cap
    # is python-telegram-bot's own.
    slots = asyncio.Semaphore(getattr(processor, "slots", processor.max_concurrent_updates))
    for update in warmup:
        await processor.process_update(update, app.process_update(update))

    async def user(updates: list[Update]) -> None:
        for update in updates:
            _arrives(update)
            async with slots:
                start = time.perf_counter()
                await processor.process_update(update, app.process_update(update))
                latencies.append(time.perf_counter() - start)

    # The prepared updates are the harness's, not the bot's: keep them out of garbage collection,
    # or a full collection scans them all and shows up as a pause in whichever update runs.
    gc.collect()
    gc.freeze()
    try:
        side = asyncio.ensure_future(alongside()) if alongside else None
        started = time.perf_counter()
        await asyncio.gather(*(user(u) for u in scripts.values()))
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
    templates = Templates.load(DEFAULT_TEMPLATES)
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "REPORTBOT_PAGE_PREVIEW": "on" if pages else "off"}
    settings = Settings.load(env, dotenv=workdir / "none")
    store = Store.open(workdir / "bench.db", synchronous=synchronous)
    reports = Reports(store, templates, lambda: TODAY)
    app = build_application(
        settings, reports, Renderer.create(DEFAULT_TEMPLATES), request=RecordingRequest(record=False)
    )
    await app.initialize()
    lines = full_script(templates.interview(TYPE_ID))[:-1]  # the last answer would build a DOCX
    new = encode("new", list(templates.types).index(TYPE_ID) + 1)

    def interview(uid: int) -> list[Update]:
        return [_press(app.bot, uid, new), *(_message(app.bot, uid, x) for x in lines)]

    async def previewer(uid: int) -> None:
        for update in (_press(app.bot, uid, new), _message(app.bot, uid, "/preview")):
            _arrives(update)
            await app.update_processor.process_update(update, app.process_update(update))

    async def previews_asked() -> None:
        await asyncio.gather(*(previewer(900_000 + n) for n in range(previews)))

    # With previews, the warm-up makes one too: the first report composed after start compiles
    # the templates, a cost of that first preview, not of every one.
    warmup = [*interview(0), _message(app.bot, 0, "/preview")] if previews else interview(0)
    try:
        return await _drive(
            app, warmup, _lanes(users, interviews, interview), previews_asked if previews else None
        )
    finally:
        await app.shutdown()
        reports.store.close()


Shown = list[tuple[str, InlineKeyboardMarkup | None]]


def interview_messages(templates: Templates, lines: list[str], *, same_as_reportbot: bool) -> list[Shown]:
    """What the stock bot sends at the start and after each answer.

    ``same_as_reportbot``: the very texts and buttons reportbot shows at that point (its progress
    header, prompt, example and 上一题 button), worked out once beforehand, so that both send the
    same interview; otherwise just each question's bare prompt, without buttons.
    """
    interview = templates.interview(TYPE_ID)
    if not same_as_reportbot:
        prompts = [q.prompt for q in interview.definition.questions]
        return [[(prompts[n], None)] for n in range(len(lines) + 1)]
    answers: dict[str, Any] = {}
    step = interview.start({}, {})
    shown: list[Shown] = []
    for line in [None, *lines]:
        if line is not None:
            step = interview.answer(State(answers, step.cursor, {}), line, TODAY)
            answers = {**answers, **step.changes}
        position = step.prompt.position if step.prompt is not None else None
        replies = step_replies(step, 1, position, templates.messages)
        shown.append([(r.text, _markup(r.keyboard)) for r in replies])
    return shown


def _markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if keyboard is None:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in keyboard]
    )


def stock_application(shown: list[Shown], path: Path) -> Application[Any, Any, Any, Any, Any, Any]:
    """The interview the stock way: a state per question, answers in user_data, replies by reply_text."""
    last = len(shown) - 1

    def asker(n: int) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, int]]:
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
            assert update.effective_message is not None and context.user_data is not None
            if n > 0:
                context.user_data[n] = update.effective_message.text
            for text, markup in shown[n]:
                await update.effective_message.reply_text(text, reply_markup=markup)
            return ConversationHandler.END if n == last else n

        return handle

    conversation = ConversationHandler(
        entry_points=[CommandHandler("new", asker(0))],
        states={n: [MessageHandler(filters.TEXT & ~filters.COMMAND, asker(n + 1))] for n in range(last)},
        fallbacks=[],
        name="interview",
        persistent=True,
    )
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(RecordingRequest(record=False))
        .get_updates_request(RecordingRequest(record=False))
        .persistence(PicklePersistence(path))
        .build()
    )
    app.add_handler(conversation)
    return app


async def run_stock(
    users: int, workdir: Path, interviews: int = 1, *, same_as_reportbot: bool = True
) -> Result:
    """The interview through the stock ConversationHandler + PicklePersistence."""
    templates = Templates.load(DEFAULT_TEMPLATES)
    lines = full_script(templates.interview(TYPE_ID))[:-1]
    shown = interview_messages(templates, lines, same_as_reportbot=same_as_reportbot)
    app = stock_application(shown, workdir / "stock.pickle")
    await app.initialize()

    def interview(uid: int) -> list[Update]:
        return [_message(app.bot, uid, "/new"), *(_message(app.bot, uid, x) for x in lines)]

    try:
        return await _drive(app, interview(0), _lanes(users, interviews, interview))
    finally:
        await app.shutdown()


def measure(users: int, runs: int, min_updates: int) -> dict[str, list[Result]]:
    """Both approaches, alternating, ``runs`` times each."""
    runners: dict[str, Callable[[int, Path, int], Coroutine[Any, Any, Result]]] = {
        "reportbot": run_reportbot,
        NO_DISK_WAIT: functools.partial(run_reportbot, synchronous="NORMAL"),
        STOCK: run_stock,
        STOCK_BARE: functools.partial(run_stock, same_as_reportbot=False),
    }
    results: dict[str, list[Result]] = {name: [] for name in runners}
    interviews = interviews_per_user(users, min_updates)
    for _ in range(runs):
        for name, runner in runners.items():
            with tempfile.TemporaryDirectory() as tmp:
                results[name].append(asyncio.run(runner(users, Path(tmp), interviews)))
    return results


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
    args = parser.parse_args()
    if args.previews:
        compare_previews(args.users, args.runs, args.min_updates, args.previews)
        return
    print("| users | approach | updates/s (median, min–max) | p50 ms | p99 ms |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for users in args.users:
        results = measure(users, args.runs, args.min_updates)
        for name, runs in results.items():
            rates = [r.per_second for r in runs]
            p50 = statistics.median(r.pct(50) for r in runs)
            p99 = statistics.median(r.pct(99) for r in runs)
            print(f"| {users} | {name} | {spread(rates)} | {p50:.2f} | {p99:.2f} |")
        ours = statistics.median(r.per_second for r in results["reportbot"])
        for name in (STOCK, STOCK_BARE):
            ratio = ours / statistics.median(r.per_second for r in results[name])
            print(f"| {users} | reportbot ÷ {name} | {ratio:.2f}× | | |")


if __name__ == "__main__":
    main()
