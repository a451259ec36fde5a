"""Typed messages: an answer, a new profile value, or something that is not text."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.commands import active_report_of, apply_step, needs_report
from bot.telegram.context import owner_of, state_of
from bot.telegram.outbox import message
from bot.telegram.section_replies import rewritten_items
from bot.telegram.sending import say, send


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed answer (or a new profile value, after 修改 in /profile)."""
    message_ = update.effective_message
    assert message_ is not None and message_.text is not None
    state = state_of(context)
    owner = owner_of(update)
    rewriting = state.drafts.rewriting(owner)
    if rewriting is not None:  # after 改写: the message is the section's new text
        await send(update, context, rewritten_items(state, owner, rewriting, message_.text, update.update_id))
        return
    question = state.reports.chats.profile_edit(owner)
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
    await apply_step(update, context, report_id, "answer", message_.text)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice, files, locations: say what kind of answer is expected."""
    if update.effective_message is None:
        return
    expected = "telegram.expect_text" if active_report_of(update, context) else "telegram.expect_start"
    await say(update, context, "telegram.non_text", expected=state_of(context).messages.text(expected))
