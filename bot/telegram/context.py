"""What every handler reaches: the shared state, whose update it is, the bot."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import ContextTypes

from bot.cli.settings import Settings
from bot.document.render import Renderer
from bot.interview.messages import Messages
from bot.service.reports import Reports
from bot.service.sections import SectionDrafts
from bot.telegram.client import BotApiClient
from bot.telegram.outbox import Outbox

if TYPE_CHECKING:
    from bot.telegram.polishing import Polisher


class ToldOnce:
    """Chats already told something, so it is said once; the oldest are forgotten past ``limit``
    (strangers are not stored, and one may hear it a second time rather than the set grow)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._told: OrderedDict[int, None] = OrderedDict()

    def first_time(self, chat_id: int) -> bool:
        """Whether this chat is to be told now (and remember that it was)."""
        if chat_id in self._told:
            return False
        self._told[chat_id] = None
        if len(self._told) > self.limit:
            self._told.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._told)


@dataclass
class BotState:
    """What the handlers share: the service, the renderer, the outbox and the access settings."""

    settings: Settings
    reports: Reports
    renderer: Renderer
    outbox: Outbox
    refused: ToldOnce = field(default_factory=lambda: ToldOnce())  # users told they may not use the bot
    groups_told: ToldOnce = field(default_factory=lambda: ToldOnce())  # group chats told to go private
    polisher: Polisher | None = None  # polishing sections with a model; None: no model configured

    @cached_property
    def drafts(self) -> SectionDrafts:
        """Sections' printed texts: shown, rewritten, polished, restored."""
        return SectionDrafts(self.reports, lambda: self.renderer.composer)

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
