"""The interview written the usual python-telegram-bot way, for bench_updates to compare with.

A ``ConversationHandler`` with a state per question, answers in ``user_data``, each reply sent
with ``reply_text``; what differs between the peers is where an answer goes before its reply:

- ``SQLITE``: a row in SQLite, committed (WAL, ``synchronous=FULL`` like reportbot) before the
  reply, with the conversation's next state in the same transaction;
- ``PICKLE``: ``PicklePersistence`` written before the reply, by the application's own
  ``update_persistence()`` and ``flush()`` (``on_flush=True``, so the file is written once);
- ``MEMORY``: nowhere; everything stays in memory. Not the same job: a ceiling.

All run one update at a time (python-telegram-bot's default, no ``concurrent_updates``): the
SQLite and pickle calls block the event loop, so handling updates concurrently would only
interleave them, and a ``ConversationHandler`` is not meant to see one user's updates at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Coroutine
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

from bot.interview.engine import State
from bot.service.reports import Templates
from bot.telegram.client import Keyboard
from bot.telegram.views import step_replies
from tests.support.fakes import RecordingRequest
from tests.support.interviews import TODAY

SQLITE = "stock + sqlite3 commit"
PICKLE = "stock + pickle written"
MEMORY = "stock, nothing written (ceiling)"
TOKEN = "123456789:AAEbenchBENCHbenchBENCHbenchBENCH_12"

Shown = list[tuple[str, InlineKeyboardMarkup | None]]
App = Application[Any, Any, Any, Any, Any, Any]
# (update, context, question answered, the conversation's next state, the answer)
Keep = Callable[[Update, ContextTypes.DEFAULT_TYPE, int, int, str], Coroutine[Any, Any, None]]


def interview_messages(templates: Templates, type_id: str, lines: list[str]) -> list[Shown]:
    """What the stock bot sends at the start and after each answer: the very texts and buttons
    reportbot shows at that point (progress header, prompt, example, 上一题), worked out beforehand."""
    interview = templates.interview(type_id)
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


def stock_application(shown: list[Shown], kind: str, workdir: Path) -> tuple[App, Callable[[], None]]:
    """The stock bot of ``kind`` (``SQLITE``, ``PICKLE`` or ``MEMORY``) and what closes its files."""
    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(RecordingRequest(record=False))
        .get_updates_request(RecordingRequest(record=False))
    )
    close: Callable[[], None] = lambda: None  # noqa: E731
    keep: Keep | None = None
    if kind == SQLITE:
        keep, close = _sqlite_keeper(workdir / "stock.db")
    elif kind == PICKLE:
        builder = builder.persistence(PicklePersistence(workdir / "stock.pickle", on_flush=True))
        keep = _pickle_keeper
    elif kind != MEMORY:
        raise ValueError(kind)
    app = builder.build()
    app.add_handler(_conversation(shown, keep, persistent=kind == PICKLE))
    return app, close


def _conversation(shown: list[Shown], keep: Keep | None, *, persistent: bool) -> ConversationHandler[Any]:
    last = len(shown) - 1

    def asker(n: int) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, int]]:
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
            assert update.effective_message is not None and context.user_data is not None
            following = ConversationHandler.END if n == last else n
            if n > 0:
                text = update.effective_message.text or ""
                context.user_data[n] = text
                if keep is not None:
                    await keep(update, context, n, following, text)
            for text, markup in shown[n]:
                await update.effective_message.reply_text(text, reply_markup=markup)
            return following

        return handle

    return ConversationHandler(
        entry_points=[CommandHandler("new", asker(0))],
        states={n: [MessageHandler(filters.TEXT & ~filters.COMMAND, asker(n + 1))] for n in range(last)},
        fallbacks=[],
        name="interview",
        persistent=persistent,
    )


def _sqlite_keeper(path: Path) -> tuple[Keep, Callable[[], None]]:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")  # reportbot's default: committed means on the disk
    db.execute(
        "CREATE TABLE answers (user_id INTEGER, question INTEGER, text TEXT, PRIMARY KEY (user_id, question))"
    )
    db.execute("CREATE TABLE conversations (user_id INTEGER PRIMARY KEY, state INTEGER)")
    db.commit()

    async def keep(
        update: Update, _: ContextTypes.DEFAULT_TYPE, question: int, state: int, text: str
    ) -> None:
        assert update.effective_user is not None
        uid = update.effective_user.id
        db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", (uid, question, text))
        db.execute("INSERT OR REPLACE INTO conversations VALUES (?, ?)", (uid, state))
        db.commit()

    return keep, db.close


async def _pickle_keeper(update: Update, context: ContextTypes.DEFAULT_TYPE, *_: object) -> None:
    """The answer in ``user_data`` on disk before the reply.

    python-telegram-bot marks a user's data for writing only after the handler returns, and the
    conversation's new state is set then too: this update's state goes with the next write.
    """
    assert update.effective_user is not None and context.application.persistence is not None
    context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await context.application.update_persistence()
    await context.application.persistence.flush()
