"""Pressed inline buttons: each kind of press (its key's op) has its own small handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.interview.definition import Kind
from bot.interview.engine import Step
from bot.service.reports import DraftInfo, LimitReached, Reports
from bot.telegram.commands import types_offer
from bot.telegram.context import BotState, owner_of, state_of
from bot.telegram.keys import Key, decode
from bot.telegram.outbox import Item, answer, clear, edit, message
from bot.telegram.section_replies import after_step_items, followed_by
from bot.telegram.sending import messages_of, send, step_items
from bot.telegram.views import delete_reply, short, step_replies
from storage import AlreadyApplied, ReportNotFound

# A question button's op -> the engine operation it runs (``ok`` accepts: it takes the offered
# answer or keeps the current one).
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


@dataclass(frozen=True)
class Press:
    """One press, with what its handler needs."""

    state: BotState
    owner: str
    update_id: int
    query_id: str
    pressed: int | None  # the message the button is on (None when Telegram no longer says)
    key: Key

    @property
    def reports(self) -> Reports:
        """The service."""
        return self.state.reports

    @property
    def done(self) -> Item:
        """The press acknowledged, nothing said."""
        return answer(self.query_id)

    def text(self, key: str, **params: Any) -> str:
        """A catalogue message."""
        return self.state.messages.text(key, **params)


# What to send for a press (None: the press is not valid). Synchronous on purpose: the step a
# handler writes and the reply it returns are recorded together.
Handler = Callable[[Press], list[Item] | None]
ReportHandler = Callable[[Press, DraftInfo], list[Item] | None]


def _press(update: Update, state: BotState, key: Key) -> list[Item] | None:
    """Take the press: its handler, after checking that a report it names is the user's."""
    query = update.callback_query
    assert query is not None
    message_ = query.message
    press = Press(
        state,
        owner_of(update),
        update.update_id,
        query.id,
        message_.message_id if message_ is not None else None,
        key,
    )
    handler = PRESSES.get(key.op)
    if handler is not None:
        return handler(press)
    # ReportNotFound for anyone else's report.
    info = press.reports.about(press.owner, key.args[0], state.settings.zone())
    return REPORT_PRESSES[key.op](press, info)


def _new(p: Press) -> list[Item] | None:
    """Start a report of the n-th type (0: offer the types)."""
    names = list(p.reports.templates.types)
    number = p.key.args[0]
    if number == 0:
        return [p.done, *messages_of([types_offer(p.state)])]
    if not 1 <= number <= len(names):
        return None
    type_id = names[number - 1]
    report_id, step = p.reports.new(p.owner, type_id, update_id=p.update_id, activate=True)
    lead = p.text("telegram.started", name=p.reports.templates.types[type_id].name)
    return [p.done, clear(p.pressed), *step_items(p.state, report_id, step, lead)]


def _profile_field(p: Press) -> list[Item] | None:
    """Change the n-th profile field: the next typed message is its value."""
    fields = p.reports.profile_fields()
    if not 1 <= p.key.args[0] <= len(fields):
        return None
    question = fields[p.key.args[0] - 1]
    p.reports.chats.start_profile_edit(p.owner, question)
    return [p.done, message(p.text("telegram.profile_ask", label=question.label))]


def _profile_done(p: Press) -> list[Item]:
    """Stop changing the profile."""
    p.reports.chats.end_profile_edit(p.owner)
    return [p.done]


def _resume(p: Press, info: DraftInfo) -> list[Item]:
    """Continue a report where it stands."""
    step = p.reports.resume(p.owner, info.id)
    lead = p.text("telegram.resumed", name=info.type_name, period=info.period)
    return [p.done, clear(p.pressed), *step_items(p.state, info.id, step, lead)]


def _ask_delete(p: Press, info: DraftInfo) -> list[Item]:
    """Ask to confirm deleting a report, in the pressed message."""
    if p.pressed is None:
        return [p.done]
    reply = delete_reply(info, p.state.messages)
    return [p.done, edit(p.pressed, reply.text, reply.keyboard)]


def _delete(p: Press, info: DraftInfo) -> list[Item]:
    """Delete a report, confirmed."""
    if p.pressed is None:
        return [p.done]
    p.reports.delete(p.owner, info.id)
    return [p.done, edit(p.pressed, p.text("telegram.deleted"))]


def _keep(p: Press, info: DraftInfo) -> list[Item]:
    """Keep a report after all."""
    if p.pressed is None:
        return [p.done]
    return [p.done, edit(p.pressed, p.text("telegram.kept"))]


def _jump(p: Press, info: DraftInfo) -> list[Item]:
    """Go to a section (``sec``) or to a review item to change it (``ed``)."""
    operation, arg = ("section", p.key.args[1]) if p.key.op == "sec" else ("edit", str(p.key.args[1]))
    step = p.reports.continue_with(p.owner, info.id, operation, arg, update_id=p.update_id)
    return [p.done, *step_items(p.state, info.id, step)]


def _question(p: Press, info: DraftInfo) -> list[Item]:
    """A question's button: taken only if that question is the one asked now, else stale."""
    position = p.key.args[1]
    args = (p.key.args[2],) if p.key.op == "ch" else ()
    before = p.reports.load(p.owner, info.id)
    taken = p.reports.act_on_asked(
        p.owner, info.id, position, QUESTION_OPS[p.key.op], *args, update_id=p.update_id
    )
    if taken is None:
        return [answer(p.query_id, p.text("telegram.stale")), clear(p.pressed)]
    asked, step = taken
    if step.rejected:
        return [answer(p.query_id, short(step.notice, 190))]
    toggled = (
        p.key.op == "ch"
        and step.prompt is not None
        and step.prompt.question.kind is Kind.MULTI_CHOICE
        and step.cursor == asked.cursor
    )
    if toggled and p.pressed is not None:
        # A toggle redraws the same message, so the ✓ marks move in place.
        [reply] = step_replies(Step({}, step.cursor, step.prompt), info.id, position, p.state.messages)
        return [p.done, edit(p.pressed, reply.text, reply.keyboard)]
    followups = after_step_items(p.state, p.owner, before, QUESTION_OPS[p.key.op], step)
    return [p.done, clear(p.pressed), *followed_by(followups, step_items(p.state, info.id, step))]


PRESSES: dict[str, Handler] = {"new": _new, "pf": _profile_field, "pfx": _profile_done}
# Presses on one of the user's reports (the key's first number is the report).
REPORT_PRESSES: dict[str, ReportHandler] = {
    "res": _resume,
    "del": _ask_delete,
    "delok": _delete,
    "delno": _keep,
    "sec": _jump,
    "ed": _jump,
    **dict.fromkeys(QUESTION_OPS, _question),
}
