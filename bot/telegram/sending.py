"""A handler's reply: recorded with its step, then sent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.document.model import file_name
from bot.document.render import Renderer
from bot.interview.engine import Step
from bot.service.reports import Reports
from bot.telegram.context import BotState, bot_of, state_of
from bot.telegram.outbox import Docx, Item, clear, document, message
from bot.telegram.views import Reply, step_replies, with_findings


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, items: list[Item]) -> None:
    """Record ``items`` as owed for this update, with the step it just took, then send them.

    A handler calls this once, after its writes and before awaiting anything: then the step and
    its reply share one transaction (the store refuses a reply recorded after its step's
    commit). The previous question's buttons are left in place: removing them would double the
    API calls per answer (Telegram's limit is per call), and a press on one is refused as stale.
    """
    chat = update.effective_chat
    assert chat is not None
    state = state_of(context)
    state.reports.store.owe(update.update_id, chat.id, items)
    await state.reports.store.on_disk()
    bot_of(context).intake.handled(update.update_id)  # on disk with its reply: it may be confirmed
    # The pages, converted for seconds, follow once the update's slot is given back
    # (PerUserProcessor.do_process_update).
    await state.outbox.deliver(update.update_id, chat.id, items, slow_later=True)


def messages_of(replies: list[Reply]) -> list[Item]:
    """Replies as owed messages."""
    return [message(r.text, r.keyboard) for r in replies]


def step_items(state: BotState, report_id: int, step: Step, lead: str = "") -> list[Item]:
    """What a step has to say; when the report is finished, the DOCX too."""
    position = step.prompt.position if step.prompt is not None else None
    items = messages_of(step_replies(step, report_id, position, state.messages, lead))
    if step.finished:  # the DOCX's caption says the report is finished
        items = [clear(), *items, *document(report_id, draft=False)]
    return items


async def say(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **params: Any) -> None:
    """Send one catalogue message."""
    await send(update, context, [message(state_of(context).messages.text(key, **params))])


# DOCX files are written one at a time off the event loop: writing holds the interpreter most
# of the time, and several written at once would leave the answers a small share of it (BENCHMARKS.md,
# "Page preview").
_WRITER = ThreadPoolExecutor(1, thread_name_prefix="reportbot-docx")


def docx_maker(reports: Reports, renderer: Renderer) -> Callable[[int, int, bool], Awaitable[Docx]]:
    """Composes a chat's report for the outbox (the owner of a private chat is its user)."""

    async def make(chat_id: int, report_id: int, draft: bool) -> Docx:
        owner = f"tg:{chat_id}"
        doc = reports.document(owner, report_id, renderer.composer)
        data = await asyncio.get_running_loop().run_in_executor(_WRITER, renderer.writer.to_bytes, doc)
        name = file_name(doc.title + ("（草稿）" if draft else ""))
        key = "telegram.preview_caption" if draft else "telegram.finished"
        caption = reports.templates.messages.text(key)
        return Docx(data, name, *with_findings(caption, reports.findings(owner, report_id, doc)))

    return make
