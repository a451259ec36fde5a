"""The Telegram front end on python-telegram-bot v22: thin handlers over the service layer.

Each handler parses the update, calls :class:`bot.service.Reports` (which runs the engine and
writes the step), records everything it will send for the update with that step
(:mod:`bot.tg_outbox`), and only then sends it. Updates of different users run concurrently; one
user's run strictly in order; an update delivered twice is applied once, and gets the reply it
is still owed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

from telegram import BotCommand, Update
from telegram.constants import ChatType
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseHandler,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.commits import GroupCommitter
from bot.config import Settings
from bot.definition import Kind
from bot.document import file_name
from bot.engine import Step
from bot.messages import Messages
from bot.render import Renderer
from bot.service import LimitReached, Reports
from bot.tg_api import SENDING_AT_ONCE, Button, HandledQueue, Intake, LeanBot
from bot.tg_keys import Key, decode, encode
from bot.tg_outbox import Docx, Item, Outbox, answer, clear, document, edit, message
from bot.tg_views import (
    Reply,
    delete_reply,
    drafts_reply,
    in_rows,
    review_replies,
    sections_reply,
    short,
    step_replies,
    types_reply,
)
from storage.store import DuplicateUpdate, ReportNotFound, Store

log = logging.getLogger("reportbot.telegram")
COMMANDS = (
    "start",
    "new",
    "drafts",
    "review",
    "back",
    "skip",
    "section",
    "preview",
    "export",
    "profile",
    "cancel",
    "help",
)
RECENT_REPORTS = 2000  # reports kept in memory: about those of the users writing now
# Allocations (less frees) between collections of the youngest generation while updates are
# handled; Python's default is 700 (BENCHMARKS.md, "Updates").
YOUNG_COLLECTION_THRESHOLD = 50_000
RETRY_AFTER_OUTAGE = (1.0, 30.0)  # seconds between rounds of sending owed replies: first, at most


@dataclass
class BotState:
    """What the handlers share: the service, the renderer, the outbox and the access settings."""

    settings: Settings
    reports: Reports
    renderer: Renderer
    outbox: Outbox
    refused: set[int] = field(default_factory=set)  # users told once they may not use the bot
    groups_told: set[int] = field(default_factory=set)  # group chats told once

    @property
    def messages(self) -> Messages:
        """The message catalogue."""
        return self.reports.catalog.messages


class PerUserProcessor(BaseUpdateProcessor):
    """Concurrent across users, in order per user, each update applied once, every reply sent.

    Updates in flight at the same time share commits (:class:`GroupCommitter`); each is on disk
    with its reply before anything is sent. The cap on updates in flight trades the commits they
    share against how long an answer waits for the others' work before its reply
    (BENCHMARKS.md, "Updates"): with 40, p99 stays under 7 ms at full load, and each sync to
    disk serves more answers than with 24 or 32. The Bot API requests those updates make are
    limited apart (:data:`bot.tg_api.SENDING_AT_ONCE`). Replies left owed by a crash or an
    outage are sent by a background task, in order and under the user's lock.
    """

    def __init__(self, store: Store, intake: Intake, max_concurrent_updates: int = 40) -> None:
        super().__init__(max_concurrent_updates)
        self.store = store
        self.intake = intake
        self.committer = GroupCommitter(store)
        self.outbox: Outbox | None = None  # set once the bot exists
        # A lock per user with updates in flight, and how many: dropped when the last is done,
        # so that every user who ever wrote does not keep one for the life of the process.
        self._locks: dict[int | None, tuple[asyncio.Lock, int]] = {}
        self._thresholds: tuple[int, int, int] | None = None  # the collector's, to give back
        self._delivery: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def _turn(self, key: int | None) -> AsyncIterator[None]:
        """Hold the user's lock (in a private chat the chat id is the user id)."""
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers under its user's lock, unless it was applied before."""
        user = update.effective_user if isinstance(update, Update) else None
        async with self._turn(user.id if user else None):
            await self._apply_once(update, coroutine)

    async def _apply_once(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        try:
            chat = update.effective_chat
            if self.outbox is not None and chat is not None and chat.id in self.outbox.behind:
                await self._send_owed(chat.id)  # what was owed before goes first
            if self.store.update_processed(update.update_id):
                if asyncio.iscoroutine(coroutine):
                    coroutine.close()
                await self._delivered_again(update.update_id)
                return
            await coroutine
            try:
                self.store.mark_processed(update.update_id)
                await self.committer.durable()
            except sqlite3.Error:
                log.exception("could not record update %s as applied", update.update_id)
        finally:
            self.intake.handled(update.update_id)

    async def _delivered_again(self, update_id: int) -> None:
        """Telegram delivered an applied update again: send what is still owed for it, if anything."""
        owed = self.store.owed(update_id)
        if owed is None or self.outbox is None:
            log.info("update %s was applied and answered before; skipped", update_id)
            return
        log.info("update %s was applied before; sending the reply still owed for it", update_id)
        await self.outbox.deliver(update_id, *owed)

    async def _send_owed(self, chat_id: int) -> bool:
        """Send the replies still owed to a chat whose turn the caller holds, oldest first; False
        when Telegram could not be reached."""
        for update_id, chat, items in self.store.all_owed(chat_id):
            if not await self._send_if_owed(update_id, chat, items):
                return False
        return True

    async def _send_if_owed(self, update_id: int, chat_id: int, items: list[Item]) -> bool:
        assert self.outbox is not None
        if self.store.owed(update_id) is None:
            return True  # sent meanwhile, by the user's own update
        return await self.outbox.deliver(update_id, chat_id, items)

    async def _keep_delivering(self) -> None:
        """Send what a previous process left owed, then whatever an outage leaves owed; and have
        the replies sent noted on disk within about a second when no step's commit took them."""
        assert self.outbox is not None
        outbox = self.outbox
        first, longest = RETRY_AFTER_OUTAGE
        pending, delay = True, first
        while True:
            if pending:
                outbox.failed.clear()  # failures of this round are what the delay is for
                try:
                    pending = not await self._send_owed_in_turns()
                except Exception:
                    log.exception("sending owed replies failed")
                delay = min(delay * 2, longest) if pending else first
            with contextlib.suppress(sqlite3.Error):
                self.store.write_delivered()
            if pending:
                await asyncio.sleep(delay)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(outbox.failed.wait(), first)
            pending = outbox.failed.is_set()

    async def _send_owed_in_turns(self) -> bool:
        """Send every reply still owed, each in its user's turn; False when Telegram failed."""
        assert self.outbox is not None
        for update_id, chat, items in self.store.all_owed():
            async with self._turn(chat):
                if not await self._send_if_owed(update_id, chat, items):
                    return False
        self.outbox.behind.intersection_update(chat for _, chat, _ in self.store.all_owed())
        return True

    async def initialize(self) -> None:
        """Start grouping commits (within the event loop that will handle the updates)."""
        self.committer.start()
        # While the bot runs it is the one writer of its users' reports.
        self.store.keep_recent(RECENT_REPORTS)
        # With many updates in flight their short-lived objects together pass the default
        # threshold every few updates, so the collector ran about 40 times per 1,000 updates
        # (against 2 for a bot handling one at a time), each time moving objects still in use to
        # older generations that cost more to collect later. Those objects are freed by
        # reference counting within milliseconds; the collector is only needed for cycles.
        self._thresholds = gc.get_threshold()
        young, *older = self._thresholds
        gc.set_threshold(max(young, YOUNG_COLLECTION_THRESHOLD), *older)
        if self.outbox is not None:
            self._delivery = asyncio.create_task(self._keep_delivering(), name="reportbot:owed replies")

    async def stop_delivering(self) -> None:
        """Stop sending owed replies (before the bot's connection closes)."""
        task, self._delivery = self._delivery, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def shutdown(self) -> None:
        """Commit what is open; later writes commit one by one again."""
        await self.stop_delivering()
        self.committer.stop()
        self.store.keep_recent(0)
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None


def _state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    state = context.bot_data["reportbot"]
    assert isinstance(state, BotState)
    return state


def owner_of(update: Update) -> str:
    """Telegram users live in their own id space in the database."""
    assert update.effective_user is not None
    return f"tg:{update.effective_user.id}"


# -- sending ---------------------------------------------------------------------------------


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, items: list[Item]) -> None:
    """Record ``items`` as owed for this update, with the step it just took, then send them.

    A handler calls this once, after its writes and before awaiting anything: then the step and
    its reply share one transaction (the store refuses a reply recorded after its step's
    commit). The previous question's buttons are left in place: removing them would double the
    API calls per answer (Telegram's limit is per call), and a press on one is refused as stale.
    """
    chat = update.effective_chat
    assert chat is not None
    state = _state(context)
    state.reports.store.owe(update.update_id, chat.id, items)
    bot = _bot(context)
    await bot.settle()
    bot.intake.handled(update.update_id)  # on disk with its reply: it may be confirmed
    await state.outbox.deliver(update.update_id, chat.id, items)


def _bot(context: ContextTypes.DEFAULT_TYPE) -> LeanBot:
    bot = context.bot
    assert isinstance(bot, LeanBot)
    return bot


def messages_of(replies: list[Reply]) -> list[Item]:
    """Replies as owed messages."""
    return [message(r.text, r.keyboard) for r in replies]


def step_items(state: BotState, report_id: int, step: Step, lead: str = "") -> list[Item]:
    """What a step has to say; when the report is finished, the DOCX too."""
    position = step.prompt.position if step.prompt is not None else None
    items = messages_of(step_replies(step, report_id, position, state.messages))
    if lead:
        items.insert(0, message(lead))
    if step.prompt is None and not step.rejected and not step.review and step.complete:
        items = [clear(), *items, message(state.messages.text("telegram.finished"))]
        items.append(document(report_id, draft=False))
    return items


async def say(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **params: Any) -> None:
    """Send one catalogue message."""
    await send(update, context, [message(_state(context).messages.text(key, **params))])


def docx_maker(reports: Reports, renderer: Renderer) -> Callable[[int, int, bool], Awaitable[Docx]]:
    """Composes a chat's report for the outbox (the owner of a private chat is its user)."""

    async def make(chat_id: int, report_id: int, draft: bool) -> Docx:
        owner = f"tg:{chat_id}"
        doc = reports.document(owner, report_id, renderer.composer)
        data = await asyncio.to_thread(renderer.writer.to_bytes, doc)
        name = file_name(doc.title + ("（草稿）" if draft else ""))
        caption = reports.catalog.messages.text("telegram.preview_caption") if draft else None
        return Docx(data, name, caption, reports.findings(owner, report_id, doc))

    return make


# -- access ----------------------------------------------------------------------------------


Refusal = Literal["no_user", "not_allowed", "group", "not_handled"]  # why an update is not handled


def refusal(update: Update, allowed: frozenset[int]) -> Refusal | None:
    """Why the bot must not handle this update (None: it may).

    The bot handles new messages and button presses; every other kind of update (an edit of
    any kind, a business or channel message, a reaction…) is left alone: an edited message
    was answered already, the rest is not said to the bot.
    """
    if update.message is None and update.callback_query is None:
        return "not_handled"
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        return "no_user"
    if allowed and user.id not in allowed:
        return "not_allowed"
    if chat is not None and chat.type != ChatType.PRIVATE:
        return "group"
    return None


class Guard(BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]):
    """Matches only updates the bot must refuse, so that the others cost it nothing.

    (A handler that runs for every update costs python-telegram-bot a context and a callback
    each time: about a tenth of handling an answer, BENCHMARKS.md.)
    """

    def __init__(self, allowed: frozenset[int]) -> None:
        super().__init__(guard)
        self.allowed = allowed

    def check_update(self, update: object) -> bool:
        """Whether ``update`` is one to refuse."""
        return isinstance(update, Update) and refusal(update, self.allowed) is not None


async def guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop updates from users not allowed and from group chats, answering each only once."""
    state = _state(context)
    reason = refusal(update, state.settings.allowed_user_ids)
    user, chat = update.effective_user, update.effective_chat
    if reason == "not_allowed" and user is not None:
        log.info("refused user %s", user.id)
        if update.callback_query:
            await update.callback_query.answer(state.messages.text("telegram.not_allowed"))
        elif user.id not in state.refused and chat is not None:
            state.refused.add(user.id)
            await context.bot.send_message(chat.id, state.messages.text("telegram.not_allowed"))
    elif reason == "group" and chat is not None:
        if update.callback_query:
            await update.callback_query.answer(state.messages.text("telegram.group_only"))
        elif chat.id not in state.groups_told:
            state.groups_told.add(chat.id)
            await context.bot.send_message(chat.id, state.messages.text("telegram.group_only"))
    if reason is not None:
        raise ApplicationHandlerStop


# -- commands --------------------------------------------------------------------------------


def _active(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    # The store returns only a report that still exists and belongs to this user.
    return _state(context).reports.store.active_report(owner_of(update))


def _types_reply(state: BotState) -> Reply:
    return types_reply([t.name for t in state.reports.catalog.types.values()], state.messages)


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet, then offer drafts to resume and types to start."""
    state = _state(context)
    drafts = state.reports.drafts(owner_of(update), state.settings.zone())
    replies = [Reply(state.messages.text("telegram.welcome"))]
    if drafts:
        replies.append(drafts_reply(drafts, state.messages, deletable=False))
    replies.append(_types_reply(state))
    await send(update, context, messages_of(replies))


async def cmd_new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Report types as buttons."""
    await send(update, context, messages_of([_types_reply(_state(context))]))


async def cmd_drafts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drafts to resume or delete."""
    state = _state(context)
    drafts = state.reports.drafts(owner_of(update), state.settings.zone())
    await send(update, context, messages_of([drafts_reply(drafts, state.messages, deletable=True)]))


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The list of commands."""
    await say(update, context, "telegram.help")


async def cmd_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Leave profile editing, or pause the current report."""
    state = _state(context)
    store, owner = state.reports.store, owner_of(update)
    if store.editing(owner) is not None:
        store.set_editing(owner, None)
        await say(update, context, "telegram.profile_cancelled")
        return
    if _active(update, context) is None:
        await say(update, context, "telegram.nothing_to_cancel")
        return
    store.set_active_report(owner, None)
    await send(update, context, [clear(), message(state.messages.text("telegram.cancelled"))])


ReportHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, int], Coroutine[Any, Any, None]]


def needs_report(
    handler: ReportHandler,
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    """Run ``handler`` on the user's active report; without one, say how to start or resume."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        report_id = _active(update, context)
        if report_id is None:
            await say(update, context, "telegram.no_active")
            return
        await handler(update, context, report_id)

    return wrapper


async def _apply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int, operation: str, *args: Any
) -> None:
    state = _state(context)
    try:
        step = state.reports.act(owner_of(update), report_id, operation, *args, update_id=update.update_id)
    except DuplicateUpdate:
        return
    await send(update, context, step_items(state, report_id, step))


@needs_report
async def cmd_review(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """All answers with a button per answer to change it."""
    state = _state(context)
    step = state.reports.act(owner_of(update), report_id, "review")
    await send(update, context, messages_of(review_replies(step.review, report_id, state.messages)))


@needs_report
async def cmd_back(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """The previous question."""
    await _apply(update, context, report_id, "back")


@needs_report
async def cmd_skip(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """Skip an optional question."""
    await _apply(update, context, report_id, "skip")


@needs_report
async def cmd_ok(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """Take the offered answer, or keep the current one."""
    await _apply(update, context, report_id, "accept")


@needs_report
async def cmd_section(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """Sections as buttons."""
    state = _state(context)
    statuses = state.reports.sections(owner_of(update), report_id)
    await send(update, context, messages_of([sections_reply(statuses, report_id, state.messages)]))


@needs_report
async def cmd_preview(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """The draft DOCX with 【待填写】 marks."""
    await send(update, context, [document(report_id, draft=True)])


@needs_report
async def cmd_export(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """The finished DOCX (or what is still missing)."""
    state = _state(context)
    step = state.reports.current(owner_of(update), report_id)
    if step.missing:
        labels = "、".join(q.label for q in step.missing)
        await say(update, context, "telegram.export_incomplete", count=len(step.missing), labels=labels)
        return
    await send(update, context, [document(report_id, draft=False)])


async def cmd_profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The remembered unit and leader details, each with a button to change it."""
    state = _state(context)
    profile = state.reports.store.profile(owner_of(update))
    lines = [state.messages.text("telegram.profile_title")]
    buttons: list[Button] = []
    for number, question in enumerate(state.reports.profile_fields(), 1):
        value = profile.get(question.id)
        lines.append(
            state.messages.text(
                "telegram.profile_line", number=number, label=question.label, value=value if value else "—"
            )
        )
        buttons.append(
            (state.messages.text("telegram.button.profile_field", number=number), encode("pf", number))
        )
    await send(update, context, messages_of([Reply("\n".join(lines), in_rows(buttons, 4))]))


# -- messages --------------------------------------------------------------------------------


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed answer (or a new profile value, after 修改 in /profile)."""
    message_ = update.effective_message
    assert message_ is not None and message_.text is not None
    state = _state(context)
    owner = owner_of(update)
    editing = state.reports.store.editing(owner)
    question = state.reports.profile_field(editing) if editing is not None else None
    if question is None:
        await _answer(update, context)
        return
    refused = state.reports.set_profile(owner, question, message_.text, update_id=update.update_id)
    if refused is not None:
        await send(
            update,
            context,
            [message(refused), message(state.messages.text("telegram.profile_ask", label=question.label))],
        )
        return
    await say(update, context, "telegram.profile_saved", label=question.label)


@needs_report
async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    message_ = update.effective_message
    assert message_ is not None and message_.text is not None
    await _apply(update, context, report_id, "answer", message_.text)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice, files, locations: say what kind of answer is expected."""
    if update.effective_message is None:
        return
    expected = "telegram.expect_text" if _active(update, context) else "telegram.expect_start"
    await say(update, context, "telegram.non_text", expected=_state(context).messages.text(expected))


# -- buttons ---------------------------------------------------------------------------------

QUESTION_OPS = {"ch": "choose", "fin": "finish", "ok": "accept", "sk": "skip", "bk": "back"}


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A pressed inline button: validated, checked against its owner and the current question."""
    query = update.callback_query
    assert query is not None
    state = _state(context)
    key = decode(query.data)
    try:
        items = _press(update, state, key) if key is not None else None
    except ReportNotFound:
        items = [answer(query.id, state.messages.text("telegram.stale"))]
    except DuplicateUpdate:
        return
    except LimitReached as exc:
        items = [answer(query.id), message(state.messages.text(exc.key, **exc.params))]
    if items is None:
        items = [answer(query.id, state.messages.text("telegram.invalid"))]
    await send(update, context, items)


def _pressed_message(update: Update) -> int | None:
    query = update.callback_query
    return query.message.message_id if query is not None and query.message is not None else None


def _press(update: Update, state: BotState, key: Key) -> list[Item] | None:
    """Take the press; what to send for it (None: the press is not valid).

    Synchronous on purpose: the step it writes and the reply returned are recorded together.
    """
    query = update.callback_query
    assert query is not None
    owner = owner_of(update)
    reports = state.reports
    pressed = _pressed_message(update)
    done = answer(query.id)
    if key.op == "new":
        names = list(reports.catalog.types)
        if key.args[0] == 0:
            return [done, *messages_of([_types_reply(state)])]
        if not 1 <= key.args[0] <= len(names):
            return None
        type_id = names[key.args[0] - 1]
        report_id, step = reports.new(owner, type_id, update_id=update.update_id, activate=True)
        name = reports.catalog.types[type_id].name
        lead = state.messages.text("telegram.started", name=name)
        return [done, clear(pressed), *step_items(state, report_id, step, lead)]
    if key.op == "pf":
        fields = reports.profile_fields()
        if not 1 <= key.args[0] <= len(fields):
            return None
        question = fields[key.args[0] - 1]
        reports.store.set_editing(owner, question.id)
        return [done, message(state.messages.text("telegram.profile_ask", label=question.label))]
    if key.op == "pfx":
        reports.store.set_editing(owner, None)
        return [done]
    report_id = key.args[0]
    report = reports.load(owner, report_id)  # ReportNotFound for anyone else's report
    info = reports.describe(report, state.settings.zone())
    if key.op == "res":
        reports.store.set_active_report(owner, report_id)
        lead = state.messages.text(
            "telegram.resumed",
            name=info.type_name,
            period=info.period or state.messages.text("console.period_unknown"),
        )
        return [done, clear(pressed), *step_items(state, report_id, reports.current(owner, report_id), lead)]
    if key.op in ("del", "delok", "delno"):
        if pressed is None:
            return [done]
        if key.op == "del":
            reply = delete_reply(info, state.messages)
            return [done, edit(pressed, reply.text, reply.keyboard)]
        if key.op == "delok":
            reports.delete(owner, report_id)
            if reports.store.active_report(owner) == report_id:
                reports.store.set_active_report(owner, None)
            return [done, edit(pressed, state.messages.text("telegram.deleted"))]
        return [done, edit(pressed, state.messages.text("telegram.kept"))]
    if key.op in ("sec", "ed"):
        reports.store.set_active_report(owner, report_id)
        operation, arg = ("section", key.args[1]) if key.op == "sec" else ("edit", str(key.args[1]))
        step = reports.act(owner, report_id, operation, arg, update_id=update.update_id)
        return [done, *step_items(state, report_id, step)]
    # A question's button: it must be for the question being asked now.
    current = reports.current(owner, report_id)
    position = current.prompt.position if current.prompt is not None else None
    if position != key.args[1]:
        return [answer(query.id, state.messages.text("telegram.stale")), clear(pressed)]
    reports.store.set_active_report(owner, report_id)
    args = (key.args[2],) if key.op == "ch" else ()
    step = reports.act(owner, report_id, QUESTION_OPS[key.op], *args, update_id=update.update_id)
    if step.rejected:
        return [answer(query.id, short(step.notice, 190))]
    toggled = (
        key.op == "ch"
        and step.prompt is not None
        and step.prompt.question.kind is Kind.MULTI_CHOICE
        and step.cursor == current.cursor
    )
    if toggled and pressed is not None:
        # A toggle redraws the same message, so the ✓ marks move in place.
        [reply] = step_replies(Step({}, step.cursor, step.prompt), report_id, position, state.messages)
        return [done, edit(pressed, reply.text, reply.keyboard)]
    return [done, clear(pressed), *step_items(state, report_id, step)]


# -- errors and set-up -----------------------------------------------------------------------


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its update; tell the user what happened and that progress is saved."""
    error = context.error
    if isinstance(error, LimitReached):
        key, params = error.key, error.params
    else:
        log.error("error while handling update %s", update, exc_info=error)
        key, params = ("storage.failed" if isinstance(error, sqlite3.Error) else "telegram.error"), {}
    processor = context.application.update_processor
    if isinstance(processor, PerUserProcessor):
        try:  # what the update wrote before failing must be settled before anything is sent
            await processor.committer.durable()
        except sqlite3.Error:
            key, params = "storage.failed", {}
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(
                update.effective_chat.id, _state(context).messages.text(key, **params)
            )
        except TelegramError:
            log.exception("could not tell the user about the error")


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menu, with Chinese descriptions."""
    state = application.bot_data["reportbot"]
    await application.bot.set_my_commands(
        [BotCommand(name, state.messages.text(f"telegram.command.{name}")) for name in COMMANDS]
    )


def add_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every handler (the access guard first, in its own group)."""
    state = application.bot_data["reportbot"]
    application.add_handler(Guard(state.settings.allowed_user_ids), group=-1)
    # Answers and button presses first: they are nearly all updates, and no command matches them.
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    commands = {
        "start": cmd_start,
        "new": cmd_new,
        "drafts": cmd_drafts,
        "help": cmd_help,
        "cancel": cmd_cancel,
        "review": cmd_review,
        "back": cmd_back,
        "skip": cmd_skip,
        "section": cmd_section,
        "preview": cmd_preview,
        "export": cmd_export,
        "profile": cmd_profile,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CommandHandler("ok", cmd_ok))
    application.add_handler(MessageHandler(filters.COMMAND, cmd_help))
    application.add_handler(MessageHandler(~filters.TEXT, on_other))
    application.add_error_handler(on_error)


def build_application(
    settings: Settings, reports: Reports, renderer: Renderer, *, request: Any = None, webhook: bool = False
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The configured Application (``request`` lets tests record calls instead of sending).

    With ``webhook``, each webhook request is answered once its update is handled.
    """
    rate_limiter = None
    if settings.rate_limiter and request is None:
        # Telegram's flood limits: queue and retry instead of dropping a reply.
        rate_limiter = AIORateLimiter(max_retries=5)
    intake = Intake()
    processor = PerUserProcessor(reports.store, intake)
    bot = LeanBot(
        settings.telegram_token,
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        # Updates run concurrently, so replies need more than one connection: one per request
        # the bot may make at once.
        request=request or HTTPXRequest(connection_pool_size=SENDING_AT_ONCE, pool_timeout=30.0),
        get_updates_request=request or HTTPXRequest(),
        rate_limiter=rate_limiter,
        settled=processor.committer.durable,
        intake=intake,
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(processor)
        .post_init(register_commands)
        .post_stop(lambda _: processor.stop_delivering())
    )
    if webhook:
        builder = builder.update_queue(HandledQueue(intake))
    application = builder.build()
    apology = reports.catalog.messages.text("telegram.error")
    state = BotState(
        settings, reports, renderer, Outbox(reports.store, bot, docx_maker(reports, renderer), apology)
    )
    processor.outbox = state.outbox
    application.bot_data["reportbot"] = state
    add_handlers(application)
    return application


def run(settings: Settings, reports: Reports, renderer: Renderer) -> None:
    """Serve until stopped: long polling, or a webhook when WEBHOOK_URL is set.

    Raises SettingsError for a webhook without a secret, and InvalidToken (its text without the
    token) when the Bot API rejects the token.
    """
    settings.check_webhook()  # before anything listens
    application = build_application(settings, reports, renderer, webhook=bool(settings.webhook_url))
    # The loop python-telegram-bot will run on (it takes the current one). Initializing the bot
    # here first (get_me) meets a rejected token before the library's start-up retry loop, which
    # would log a traceback whose last line quotes the token; the library skips the bot's
    # initialization later because it is done.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(application.bot.initialize())
    except InvalidToken as exc:
        loop.run_until_complete(application.bot.shutdown())
        loop.close()
        # The library's message quotes the token; the server's answer it wraps does not.
        raise InvalidToken(str(exc.__cause__ or "rejected")) from None
    except TelegramError:
        pass  # a network fault: the library's own start-up handles it as before
    if settings.webhook_url:
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
