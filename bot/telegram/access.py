"""Who may use the bot: allowed users, private chats, the kinds of update it answers."""

from __future__ import annotations

import logging
from typing import Literal

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, ContextTypes

from bot.telegram.context import state_of

log = logging.getLogger("reportbot.telegram")


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
    each time, BENCHMARKS.md, "Updates".)
    """

    def __init__(self, allowed: frozenset[int]) -> None:
        super().__init__(guard)
        self.allowed = allowed

    def check_update(self, update: object) -> bool:
        """Whether ``update`` is one to refuse."""
        return isinstance(update, Update) and refusal(update, self.allowed) is not None


async def guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop updates from users not allowed and from group chats, answering each only once."""
    state = state_of(context)
    reason = refusal(update, state.settings.allowed_user_ids)
    user, chat = update.effective_user, update.effective_chat
    if reason == "not_allowed" and user is not None:
        log.info("refused user %s", user.id)
        if update.callback_query:
            await update.callback_query.answer(state.messages.text("telegram.not_allowed"))
        elif chat is not None and state.refused.first_time(user.id):
            await context.bot.send_message(chat.id, state.messages.text("telegram.not_allowed"))
    elif reason == "group" and chat is not None:
        if update.callback_query:
            await update.callback_query.answer(state.messages.text("telegram.group_only"))
        elif state.groups_told.first_time(chat.id):
            await context.bot.send_message(chat.id, state.messages.text("telegram.group_only"))
    if reason is not None:
        raise ApplicationHandlerStop
