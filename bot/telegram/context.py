"""What every handler reaches: the shared state, whose update it is, the bot."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import (
    ContextTypes,
)

from bot.cli.settings import Settings
from bot.document.render import Renderer
from bot.interview.messages import Messages
from bot.service.reports import Reports
from bot.telegram.client import BotApiClient
from bot.telegram.outbox import Outbox

log = logging.getLogger("reportbot.telegram")


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
        return self.reports.templates.messages


def state_of(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    """The handlers' shared state."""
    state = context.bot_data["reportbot"]
    assert isinstance(state, BotState)
    return state


def owner_of(update: Update) -> str:
    """Telegram users live in their own id space in the database."""
    assert update.effective_user is not None
    return f"tg:{update.effective_user.id}"


def bot_of(context: ContextTypes.DEFAULT_TYPE) -> BotApiClient:
    """The bot's Bot API connection."""
    bot = context.bot
    assert isinstance(bot, BotApiClient)
    return bot
