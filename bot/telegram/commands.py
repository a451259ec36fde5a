"""The slash commands."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.client import Button
from bot.telegram.context import BotState, owner_of, state_of
from bot.telegram.keys import encode
from bot.telegram.outbox import clear, document, message
from bot.telegram.section_replies import after_step_items, followed_by, sections_list_items
from bot.telegram.sending import messages_of, say, send, step_items
from bot.telegram.views import Reply, drafts_reply, in_rows, review_replies, sections_reply, types_reply
from storage import AlreadyApplied


def active_report_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The report the user's chat continues, if any."""
    return state_of(context).reports.chats.active_report(owner_of(update))


def types_offer(state: BotState) -> Reply:
    """The report types as buttons."""
    return types_reply([t.name for t in state.reports.templates.types.values()], state.messages)


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet, then offer drafts to resume and types to start."""
    state = state_of(context)
    drafts = state.reports.drafts(owner_of(update), state.settings.zone())
    replies = [Reply(state.messages.text("telegram.welcome"))]
    if drafts:
        replies.append(drafts_reply(drafts, state.messages, deletable=False))
    replies.append(types_offer(state))
    await send(update, context, messages_of(replies))


async def cmd_new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Report types as buttons."""
    await send(update, context, messages_of([types_offer(state_of(context))]))


async def cmd_drafts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drafts to resume or delete."""
    state = state_of(context)
    drafts = state.reports.drafts(owner_of(update), state.settings.zone())
    await send(update, context, messages_of([drafts_reply(drafts, state.messages, deletable=True)]))


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The list of commands."""
    await say(update, context, "telegram.help")


async def cmd_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Leave profile editing, or pause the current report."""
    state = state_of(context)
    cancelled = state.reports.chats.cancel(owner_of(update))
    if cancelled == "profile_edit":
        await say(update, context, "telegram.profile_cancelled")
    elif cancelled == "rewrite":
        await say(update, context, "section.rewrite_cancelled")
    elif cancelled is None:
        await say(update, context, "telegram.nothing_to_cancel")
    else:
        await send(update, context, [clear(), message(state.messages.text("telegram.cancelled"))])


ReportHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, int], Coroutine[Any, Any, None]]


def needs_report(
    handler: ReportHandler,
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    """Run ``handler`` on the user's active report; without one, say how to start or resume."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        report_id = active_report_of(update, context)
        if report_id is None:
            await say(update, context, "telegram.no_active")
            return
        await handler(update, context, report_id)

    return wrapper


async def apply_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int, operation: str, *args: Any
) -> None:
    """Run ``operation`` on the report and send what the step has to say."""
    state = state_of(context)
    owner = owner_of(update)
    before = state.reports.load(owner, report_id)
    try:
        step = state.reports.act(owner, report_id, operation, *args, update_id=update.update_id)
    except AlreadyApplied:
        return
    followups = after_step_items(state, owner, before, operation, step)
    await send(update, context, followed_by(followups, step_items(state, report_id, step)))


@needs_report
async def cmd_review(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """All answers with a button per answer to change it."""
    state = state_of(context)
    step = state.reports.act(owner_of(update), report_id, "review")
    listed = sections_list_items(state, owner_of(update), report_id)
    await send(
        update, context, [*messages_of(review_replies(step.review, report_id, state.messages)), *listed]
    )


@needs_report
async def cmd_back(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """The previous question."""
    await apply_step(update, context, report_id, "back")


@needs_report
async def cmd_skip(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """Skip an optional question."""
    await apply_step(update, context, report_id, "skip")


@needs_report
async def cmd_ok(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """Accept: take the offered answer, or keep the current one."""
    await apply_step(update, context, report_id, "accept")


@needs_report
async def cmd_section(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """Sections as buttons."""
    state = state_of(context)
    statuses = state.reports.sections(owner_of(update), report_id)
    await send(update, context, messages_of([sections_reply(statuses, report_id, state.messages)]))


@needs_report
async def cmd_preview(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """The draft DOCX with 【待填写】 marks."""
    await send(update, context, document(report_id, draft=True))


@needs_report
async def cmd_export(update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: int) -> None:
    """The finished DOCX (or what is still missing)."""
    state = state_of(context)
    step = state.reports.current(owner_of(update), report_id)
    if step.missing:
        labels = "、".join(q.label for q in step.missing)
        await say(update, context, "telegram.export_incomplete", count=len(step.missing), labels=labels)
        return
    await send(update, context, document(report_id, draft=False))


async def cmd_profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The remembered unit and leader details, each with a button to change it."""
    state = state_of(context)
    profile = state.reports.profile(owner_of(update))
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
