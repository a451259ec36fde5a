"""The Telegram front end on python-telegram-bot v22: thin handlers over the service layer.

Each handler parses the update, calls :class:`bot.service.Reports` (which runs the engine and
commits the step), then replies. Updates of different users run concurrently; one user's run
strictly in order, and an update delivered twice is applied once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

from telegram import BotCommand, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
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
from bot.tg_api import SENDING_AT_ONCE, Button, LeanBot
from bot.tg_keys import Key, decode, encode
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
PROFILE_EDIT = "profile_field"  # user_data key: the profile field being changed
KEYBOARD_MESSAGE = "keyboard_message"  # user_data key: the last message with question buttons
RECENT_REPORTS = 2000  # reports kept in memory: about those of the users writing now
# Allocations (less frees) between collections of the youngest generation while updates are
# handled; Python's default is 700 (BENCHMARKS.md, "Updates").
YOUNG_COLLECTION_THRESHOLD = 50_000


@dataclass
class BotState:
    """What the handlers share: the service, the renderer and the access settings."""

    settings: Settings
    reports: Reports
    renderer: Renderer
    refused: set[int] = field(default_factory=set)  # users told once they may not use the bot
    groups_told: set[int] = field(default_factory=set)  # group chats told once

    @property
    def messages(self) -> Messages:
        """The message catalogue."""
        return self.reports.catalog.messages


class PerUserProcessor(BaseUpdateProcessor):
    """Concurrent across users, in order per user, each update applied once.

    Updates in flight at the same time share commits (:class:`GroupCommitter`); each is on disk
    before its user's next update starts. The cap on updates in flight trades the commits they
    share against how long an answer waits for the others' work before its reply
    (BENCHMARKS.md, "Updates"): with 40, p99 stays under 7 ms at full load, and each sync to
    disk serves more answers than with 24 or 32. The Bot API requests those updates make are
    limited apart (:data:`bot.tg_api.SENDING_AT_ONCE`).
    """

    def __init__(self, store: Store, max_concurrent_updates: int = 40) -> None:
        super().__init__(max_concurrent_updates)
        self.store = store
        self.committer = GroupCommitter(store)
        # A lock per user with updates in flight, and how many: dropped when the last is done,
        # so that every user who ever wrote does not keep one for the life of the process.
        self._locks: dict[int | None, tuple[asyncio.Lock, int]] = {}
        self._thresholds: tuple[int, int, int] | None = None  # the collector's, to give back

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers under its user's lock, unless it was applied before."""
        user = update.effective_user if isinstance(update, Update) else None
        key = user.id if user else None
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await self._apply_once(update, coroutine)
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def _apply_once(self, update: object, coroutine: Awaitable[Any]) -> None:
        if isinstance(update, Update) and self.store.update_processed(update.update_id):
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            log.info("update %s was applied before; skipped", update.update_id)
            return
        await coroutine
        if isinstance(update, Update):
            try:
                self.store.mark_processed(update.update_id)
                await self.committer.durable()
            except sqlite3.Error:
                log.exception("could not record update %s as applied", update.update_id)

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

    async def shutdown(self) -> None:
        """Commit what is open; later writes commit one by one again."""
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


def _user_data(context: ContextTypes.DEFAULT_TYPE) -> dict[Any, Any]:
    data = context.user_data
    assert data is not None
    return data


# -- sending ---------------------------------------------------------------------------------


def _bot(context: ContextTypes.DEFAULT_TYPE) -> LeanBot:
    bot = context.bot
    assert isinstance(bot, LeanBot)
    return bot


async def _drop_old_keyboard(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remove the buttons of the last question sent, when the chat moves away from the report."""
    previous = _user_data(context).pop(KEYBOARD_MESSAGE, None)
    if previous:
        chat_id, message_id = previous
        # Already edited, too old or deleted: then there is nothing left to protect.
        with contextlib.suppress(TelegramError):
            await _bot(context).clear_keyboard(chat_id, message_id)


async def _with_retries(call: Callable[[], Awaitable[int]], attempts: int = 3) -> int:
    """A send that survives a dropped connection: the answer is already stored, the reply must go."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except (NetworkError, TimedOut):
            if attempt == attempts:
                raise
            log.warning("sending failed (attempt %s of %s); retrying", attempt, attempts)
            await asyncio.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, replies: list[Reply]) -> None:
    """Send replies in order; remember the message carrying question buttons.

    The previous question's buttons are left in place: removing them would double the API calls
    per answer (Telegram's limit is per call), and a press on one is refused as stale anyway.
    """
    chat = update.effective_chat
    assert chat is not None
    bot = _bot(context)
    for reply in replies:
        message_id = await _with_retries(
            functools.partial(bot.send_text, chat.id, reply.text, reply.keyboard)
        )
        if reply.keyboard is not None:
            _user_data(context)[KEYBOARD_MESSAGE] = (chat.id, message_id)


async def send_document(
    update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int, *, draft: bool
) -> None:
    """Compose and send the report as DOCX, with the upload action while it is written."""
    state = _state(context)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    document = state.reports.document(owner_of(update), report_id, state.renderer.composer)
    data = await asyncio.to_thread(state.renderer.writer.to_bytes, document)
    name = file_name(document.title + ("（草稿）" if draft else ""))
    caption = state.messages.text("telegram.preview_caption") if draft else None
    await context.bot.send_document(chat.id, document=data, filename=name, caption=caption)
    await send(update, context, [Reply(state.reports.findings(owner_of(update), report_id, document))])


async def show_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int, step: Step, lead: str = ""
) -> None:
    """Send what a step has to say; when the report is finished, send the DOCX."""
    state = _state(context)
    position = step.prompt.position if step.prompt is not None else None
    replies = step_replies(step, report_id, position, state.messages)
    if lead:
        replies = [Reply(lead), *replies]
    finished = step.prompt is None and not step.rejected and not step.review and step.complete
    if finished:
        await _drop_old_keyboard(context)
        replies.append(Reply(state.messages.text("telegram.finished")))
    await send(update, context, replies)
    if finished:
        await send_document(update, context, report_id, draft=False)


async def say(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **params: Any) -> None:
    """Send one catalogue message."""
    await send(update, context, [Reply(_state(context).messages.text(key, **params))])


# -- access ----------------------------------------------------------------------------------


Refusal = Literal["no_user", "not_allowed", "group", "edited"]  # why an update is not handled


def refusal(update: Update, allowed: frozenset[int]) -> Refusal | None:
    """Why the bot must not handle this update (None: it may)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        return "no_user"
    if allowed and user.id not in allowed:
        return "not_allowed"
    if chat is not None and chat.type != ChatType.PRIVATE:
        return "group"
    if update.edited_message is not None or update.edited_channel_post is not None:
        return "edited"  # the original message was already answered
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


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet, then offer drafts to resume and types to start."""
    state = _state(context)
    drafts = state.reports.drafts(owner_of(update), state.settings.zone())
    replies = [Reply(state.messages.text("telegram.welcome"))]
    if drafts:
        replies.append(drafts_reply(drafts, state.messages, deletable=False))
    replies.append(types_reply([t.name for t in state.reports.catalog.types.values()], state.messages))
    await send(update, context, replies)


async def cmd_new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Report types as buttons."""
    state = _state(context)
    await send(
        update, context, [types_reply([t.name for t in state.reports.catalog.types.values()], state.messages)]
    )


async def cmd_drafts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drafts to resume or delete."""
    state = _state(context)
    drafts = state.reports.drafts(owner_of(update), state.settings.zone())
    await send(update, context, [drafts_reply(drafts, state.messages, deletable=True)])


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The list of commands."""
    await say(update, context, "telegram.help")


async def cmd_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Leave profile editing, or pause the current report."""
    state = _state(context)
    if _user_data(context).pop(PROFILE_EDIT, None) is not None:
        await say(update, context, "telegram.profile_cancelled")
        return
    if _active(update, context) is None:
        await say(update, context, "telegram.nothing_to_cancel")
        return
    state.reports.store.set_active_report(owner_of(update), None)
    await _drop_old_keyboard(context)
    await say(update, context, "telegram.cancelled")


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
    await show_step(update, context, report_id, step)


@needs_report
async def cmd_review(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """All answers with a button per answer to change it."""
    state = _state(context)
    step = state.reports.act(owner_of(update), report_id, "review")
    await send(update, context, review_replies(step.review, report_id, state.messages))


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
    await send(update, context, [sections_reply(statuses, report_id, state.messages)])


@needs_report
async def cmd_preview(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """The draft DOCX with 【待填写】 marks."""
    await send_document(update, context, report_id, draft=True)


@needs_report
async def cmd_export(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """The finished DOCX (or what is still missing)."""
    state = _state(context)
    step = state.reports.current(owner_of(update), report_id)
    if step.missing:
        labels = "、".join(q.label for q in step.missing)
        await say(update, context, "telegram.export_incomplete", count=len(step.missing), labels=labels)
        return
    await send_document(update, context, report_id, draft=False)


def _profile_fields(state: BotState) -> list[tuple[str, str]]:
    """Profile question ids with their labels, in catalogue order, each once."""
    fields: dict[str, str] = {}
    for definition in state.reports.catalog.types.values():
        for q in definition.questions:
            if q.profile and q.kind in (Kind.SHORT_TEXT, Kind.LONG_TEXT):
                fields.setdefault(q.id, q.label)
    return list(fields.items())


async def cmd_profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The remembered unit and leader details, each with a button to change it."""
    state = _state(context)
    profile = state.reports.store.profile(owner_of(update))
    fields = _profile_fields(state)
    lines = [state.messages.text("telegram.profile_title")]
    buttons: list[Button] = []
    for number, (qid, label) in enumerate(fields, 1):
        value = profile.get(qid)
        lines.append(
            state.messages.text(
                "telegram.profile_line", number=number, label=label, value=value if value else "—"
            )
        )
        buttons.append(
            (state.messages.text("telegram.button.profile_field", number=number), encode("pf", number))
        )
    await send(update, context, [Reply("\n".join(lines), in_rows(buttons, 4))])


# -- messages --------------------------------------------------------------------------------


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed answer (or a new profile value)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    state = _state(context)
    pending = _user_data(context).pop(PROFILE_EDIT, None)
    if pending is not None:
        qid, label = pending
        text = message.text.strip()
        if not text:
            _user_data(context)[PROFILE_EDIT] = pending
            await say(update, context, "error.empty")
            return
        state.reports.store.update_profile(owner_of(update), {qid: text[:200]})
        await say(update, context, "telegram.profile_saved", label=label)
        return
    await _answer(update, context)


@needs_report
async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await _apply(update, context, report_id, "answer", message.text)


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
    if key is None:
        await query.answer(state.messages.text("telegram.invalid"))
        return
    try:
        await _press(update, context, key)
    except ReportNotFound:
        await query.answer(state.messages.text("telegram.stale"))
    except DuplicateUpdate:
        await query.answer()
    except LimitReached as exc:
        await query.answer()
        await say(update, context, exc.key, **exc.params)


async def _clear_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.callback_query.message if update.callback_query else None
    if message is not None:
        with contextlib.suppress(BadRequest):  # already without buttons
            await _bot(context).clear_keyboard(message.chat.id, message.message_id)


async def _edit_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    message = update.callback_query.message if update.callback_query else None
    if message is not None:
        await _bot(context).edit_text(message.chat.id, message.message_id, reply.text, reply.keyboard)


async def _press(update: Update, context: ContextTypes.DEFAULT_TYPE, key: Key) -> None:
    query = update.callback_query
    assert query is not None
    state = _state(context)
    owner = owner_of(update)
    reports = state.reports
    if key.op == "new":
        names = list(reports.catalog.types)
        if key.args[0] == 0:
            await query.answer()
            await cmd_new(update, context)
            return
        if not 1 <= key.args[0] <= len(names):
            await query.answer(state.messages.text("telegram.invalid"))
            return
        type_id = names[key.args[0] - 1]
        report_id, step = reports.new(owner, type_id, update_id=update.update_id, activate=True)
        await query.answer()
        await _clear_pressed(update, context)
        name = reports.catalog.types[type_id].name
        await show_step(
            update, context, report_id, step, lead=state.messages.text("telegram.started", name=name)
        )
        return
    if key.op == "pf":
        fields = _profile_fields(state)
        if not 1 <= key.args[0] <= len(fields):
            await query.answer(state.messages.text("telegram.invalid"))
            return
        qid, label = fields[key.args[0] - 1]
        _user_data(context)[PROFILE_EDIT] = (qid, label)
        await query.answer()
        await say(update, context, "telegram.profile_ask", label=label)
        return
    if key.op == "pfx":
        _user_data(context).pop(PROFILE_EDIT, None)
        await query.answer()
        return
    report_id = key.args[0]
    report = reports.load(owner, report_id)  # ReportNotFound for anyone else's report
    info = reports.describe(report, state.settings.zone())
    if key.op == "res":
        reports.store.set_active_report(owner, report_id)
        await query.answer()
        await _clear_pressed(update, context)
        lead = state.messages.text(
            "telegram.resumed",
            name=info.type_name,
            period=info.period or state.messages.text("console.period_unknown"),
        )
        await show_step(update, context, report_id, reports.current(owner, report_id), lead=lead)
        return
    if key.op in ("del", "delok", "delno"):
        await query.answer()
        if key.op == "del":
            reply = delete_reply(info, state.messages)
            await _edit_pressed(update, context, reply)
        elif key.op == "delok":
            reports.delete(owner, report_id)
            if reports.store.active_report(owner) == report_id:
                reports.store.set_active_report(owner, None)
            await _edit_pressed(update, context, Reply(state.messages.text("telegram.deleted")))
        else:
            await _edit_pressed(update, context, Reply(state.messages.text("telegram.kept")))
        return
    if key.op in ("sec", "ed"):
        reports.store.set_active_report(owner, report_id)
        operation, arg = ("section", key.args[1]) if key.op == "sec" else ("edit", str(key.args[1]))
        step = reports.act(owner, report_id, operation, arg, update_id=update.update_id)
        await query.answer()
        await show_step(update, context, report_id, step)
        return
    # A question's button: it must be for the question being asked now.
    current = reports.current(owner, report_id)
    position = current.prompt.position if current.prompt is not None else None
    if position != key.args[1]:
        await query.answer(state.messages.text("telegram.stale"))
        await _clear_pressed(update, context)
        return
    reports.store.set_active_report(owner, report_id)
    args = (key.args[2],) if key.op == "ch" else ()
    step = reports.act(owner, report_id, QUESTION_OPS[key.op], *args, update_id=update.update_id)
    await query.answer(short(step.notice, 190) if step.rejected else None)
    toggled = (
        key.op == "ch"
        and not step.rejected
        and step.prompt is not None
        and step.prompt.question.kind is Kind.MULTI_CHOICE
        and step.cursor == current.cursor
    )
    if toggled:
        # A toggle redraws the same message, so the ✓ marks move in place.
        [reply] = step_replies(Step({}, step.cursor, step.prompt), report_id, position, state.messages)
        await _edit_pressed(update, context, reply)
        return
    if step.rejected:
        return
    await _clear_pressed(update, context)
    await show_step(update, context, report_id, step)


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
    settings: Settings, reports: Reports, renderer: Renderer, *, request: Any = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The configured Application (``request`` lets tests record calls instead of sending)."""
    rate_limiter = None
    if settings.rate_limiter and request is None:
        # Telegram's flood limits: queue and retry instead of dropping a reply.
        rate_limiter = AIORateLimiter(max_retries=5)
    processor = PerUserProcessor(reports.store)
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
    )
    builder = ApplicationBuilder().bot(bot).concurrent_updates(processor).post_init(register_commands)
    application = builder.build()
    application.bot_data["reportbot"] = BotState(settings, reports, renderer)
    add_handlers(application)
    return application


def run(settings: Settings, reports: Reports, renderer: Renderer) -> None:
    """Serve until stopped: long polling, or a webhook when WEBHOOK_URL is set.

    Raises SettingsError for a webhook without a secret, and InvalidToken (its text without the
    token) when the Bot API rejects the token.
    """
    from telegram.error import InvalidToken

    settings.check_webhook()  # before anything listens
    application = build_application(settings, reports, renderer)
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
