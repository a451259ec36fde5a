"""Polish requests in the background: the model takes seconds to a minute, so the request runs
in a task of its own, outside the update that asked for it, holding neither that user's other
updates nor anyone else's; the outcome is sent when it comes.

The polished text waits here, in memory, for 采用 or 不用: nothing is stored until the user takes
it (a restart drops it and 采用 then says to polish again).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict

from telegram.error import TelegramError

from bot.service.llm_settings import LlmSettings
from bot.service.sections import SectionDrafts, SectionUnavailable
from bot.telegram.client import BotApiClient
from bot.telegram.section_views import offer_replies, rejected_reply
from bot.telegram.views import Reply
from storage import ReportNotFound

log = logging.getLogger("reportbot.polish")

KEEP_OFFERS = 1000  # polished texts waiting for 采用 or 不用, the oldest dropped past this


def owner_of_chat(chat_id: int) -> str:
    """The owner of a private chat in the store: its user."""
    return f"tg:{chat_id}"


class Polisher:
    """Runs polish requests and keeps their outcome until the user chooses."""

    def __init__(self, drafts: SectionDrafts, llm: LlmSettings, bot: BotApiClient) -> None:
        self.drafts = drafts
        self.llm = llm
        self.bot = bot
        self.offers: OrderedDict[tuple[str, int, int], str] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, chat_id: int, report_id: int, number: int, attempt: int) -> None:
        """Begin a request; its outcome is sent to the chat when the model answers."""
        task = asyncio.create_task(self._run(chat_id, report_id, number, attempt), name="reportbot:polish")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Return once no request is running (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Cancel the requests still running."""
        for task in list(self._tasks):
            task.cancel()
        await self.idle()

    def take(self, owner: str, report_id: int, number: int) -> str | None:
        """The polished text waiting for this section, removed (None when there is none)."""
        return self.offers.pop((owner, report_id, number), None)

    async def _run(self, chat_id: int, report_id: int, number: int, attempt: int) -> None:
        from bot.service.polish import polish_section, rejection_message

        owner = owner_of_chat(chat_id)
        messages = self.drafts.reports.templates.messages
        try:
            given = self.drafts.polish_input(owner, report_id, number)
            polished = await polish_section(
                self.llm,
                given.heading,
                given.answers,
                given.current,
                given.names,
            )
            view = self.drafts.view(owner, report_id, number)
        except (ReportNotFound, SectionUnavailable):
            return  # the report or its section went away meanwhile
        except Exception:
            log.exception("polish request failed")
            await self._send([Reply(messages.text("section.polish_crashed"))], chat_id)
            return
        if polished.text is not None:
            self.offers.pop((owner, report_id, number), None)
            self.offers[(owner, report_id, number)] = polished.text
            while len(self.offers) > KEEP_OFFERS:
                self.offers.popitem(last=False)
            replies = offer_replies(view, polished.text, messages)
        elif polished.error is not None:
            replies = [Reply(messages.text("section.polish_failed", reason=polished.error))]
        else:
            replies = [rejected_reply(view, rejection_message(polished), attempt, messages)]
        await self._send(replies, chat_id)

    async def _send(self, replies: list[Reply], chat_id: int) -> None:
        for reply in replies:
            for attempt in range(3):
                try:
                    await self.bot.send_text(chat_id, reply.text, reply.keyboard)
                    break
                except TelegramError as exc:
                    log.warning("polish outcome not sent (%s), attempt %s", type(exc).__name__, attempt + 1)
                    await asyncio.sleep(1.0 * (attempt + 1))
