"""Pressed inline buttons."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    ContextTypes,
)

from bot.interview.definition import Kind
from bot.interview.engine import Step
from bot.service.reports import LimitReached
from bot.telegram.commands import types_offer
from bot.telegram.context import BotState, owner_of, state_of
from bot.telegram.keys import Key, decode
from bot.telegram.outbox import Item, answer, clear, edit, message
from bot.telegram.sending import messages_of, send, step_items
from bot.telegram.views import (
    delete_reply,
    short,
    step_replies,
)
from storage import AlreadyApplied, ReportNotFound

log = logging.getLogger("reportbot.telegram")


QUESTION_OPS = {"ch": "choose", "fin": "finish", "ok": "accept", "sk": "skip", "bk": "back"}


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A pressed inline button: validated, checked against its owner and the current question."""
    query = update.callback_query
    assert query is not None
    state = state_of(context)
    key = decode(query.data)
    try:
        items = _press(update, state, key) if key is not None else None
    except ReportNotFound:
        items = [answer(query.id, state.messages.text("telegram.stale"))]
    except AlreadyApplied:
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
        names = list(reports.templates.types)
        if key.args[0] == 0:
            return [done, *messages_of([types_offer(state)])]
        if not 1 <= key.args[0] <= len(names):
            return None
        type_id = names[key.args[0] - 1]
        report_id, step = reports.new(owner, type_id, update_id=update.update_id, activate=True)
        name = reports.templates.types[type_id].name
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
            period=info.period,
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
