"""What the bot owes a chat for an update, and sending it until Telegram accepts it.

A handler records everything it will send for an update (texts, edits, the DOCX) with the step
it took, in the same transaction (:meth:`storage.Store.owe`); only then is anything sent.
So an answer on disk always has its reply on disk too: a crash, or Telegram being unreachable
for longer than the retries of one call, leaves the reply owed, and it is sent at start-up,
after the outage, or when Telegram delivers the same update again. A reply may then arrive
twice (sent, then the process died before noting it), never not at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.document.pages import PageMaker
from bot.interview.messages import Messages
from bot.telegram.client import BotApiClient, Keyboard
from bot.telegram.page_album import Preview, send_pages
from storage import Store

log = logging.getLogger("reportbot.outbox")

Item = dict[str, Any]  # one Bot API call owed, as stored (JSON)

ATTEMPTS = 3  # per call, before the reply is left owed for later
HINT_AFTER = 0.5  # seconds making a DOCX takes before the chat shows "sending a file"


def chat_owner(chat_id: int) -> str:
    """The owner of a private chat in the store: its user."""
    return f"tg:{chat_id}"


def message(text: str, keyboard: Keyboard | None = None) -> Item:
    """Send a text, maybe with question buttons."""
    return {"text": text, "keyboard": keyboard}


def edit(message_id: int, text: str, keyboard: Keyboard | None = None) -> Item:
    """Replace the text (and buttons) of a message the user pressed a button on."""
    return {"edit": message_id, "text": text, "keyboard": keyboard}


def clear(message_id: int | None = None) -> Item:
    """Remove a message's buttons; None: those of the chat's last question."""
    return {"clear": message_id}


def answer(query_id: str, text: str | None = None) -> Item:
    """Answer a button press (stops the client's spinner; a text shows as a short notice)."""
    return {"answer": query_id, "text": text}


def document(report_id: int, draft: bool) -> list[Item]:
    """The report as DOCX (composed when it is sent, the lint's findings in its caption), pictures
    of its pages and its PDF (when they are on), then the findings that did not fit in the
    caption: three items, so that a reply resumed after a dropped connection does not send the
    DOCX again."""
    return [{kind: report_id, "draft": draft} for kind in ("document", "pages", "findings")]


@dataclass(frozen=True)
class Docx:
    """A composed report ready to send."""

    data: bytes
    name: str
    caption: str
    findings: str  # what the lint found that did not fit in the caption ("" when it did)


def malloc_trim() -> Callable[[], object] | None:
    """glibc's ``malloc_trim(0)``; None where the C library has none (musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


# Writing and sending a report (lxml trees, the DOCX, its PDF and pictures) frees several MB that
# glibc keeps: the bot stayed about 10 MB larger after a burst of reports (BENCHMARKS.md, "Memory
# with 10,000 active drafts"). Handing them back costs under a millisecond, done once no other
# report is being sent.
TRIM = malloc_trim()

# Composes a chat's report: (chat, report id, draft) -> the file and what the lint finds.
DocxMaker = Callable[[int, int, bool], Awaitable[Docx]]


class Outbox:
    """Sends owed replies in order, notes each update whose replies all went out."""

    def __init__(
        self,
        store: Store,
        bot: BotApiClient,
        docx: DocxMaker,
        apology: str,
        pages: tuple[PageMaker, Messages] | None = None,
    ) -> None:
        self.store = store
        self.pages = pages  # pictures and a PDF beside each DOCX; None: off
        self.bot = bot
        self.docx = docx
        self.apology = apology  # sent instead of an item that cannot be made (a DOCX that fails)
        self._sent: dict[int, int] = {}  # update id -> items already sent (after a failure)
        # update id -> its report as made for this reply: the pages and the findings items use
        # the DOCX the document item sent, and a retry of the pages item does not convert again.
        self._made: dict[int, tuple[Docx, Preview] | None] = {}
        self._rest: dict[int, tuple[int, list[Item]]] = {}  # update id -> what waits for deliver_rest
        self.behind: set[int] = set()  # chats whose replies could not be sent yet
        self.trim = TRIM  # called once the last report being sent went out
        self.failed = asyncio.Event()  # set when a reply is left owed: the retry loop wakes
        # Starts a polish request in the background (bot/telegram/polishing.py); None: no model.
        self.polish: Callable[[int, int, int, int], None] | None = None

    async def close(self) -> None:
        """Stop the page converter's LibreOffice and remove its folders (once no reply is being sent)."""
        if self.pages is not None:
            await self.pages[0].close()

    async def deliver(
        self, update_id: int, chat_id: int, items: list[Item], *, slow_later: bool = False
    ) -> bool:
        """Send what is owed for ``update_id``; False when Telegram could not be reached.

        With ``slow_later``, the items from the pages on (a conversion of seconds) are kept for
        :meth:`deliver_rest`, which the caller makes once it no longer holds others up.
        """
        try:
            for n in range(self._sent.get(update_id, 0), len(items)):
                if slow_later and "pages" in items[n] and self.pages is not None:
                    self._rest[update_id] = (chat_id, items)
                    return True
                await self._send(update_id, chat_id, items[n])
                self._sent[update_id] = n + 1
        except (NetworkError, RetryAfter) as exc:
            log.warning("reply to update %s not sent (%s); it stays owed", update_id, type(exc).__name__)
            self._made.pop(update_id, None)  # made again when retried: no files held through an outage
            self.behind.add(chat_id)
            self.failed.set()
            return False
        except Forbidden:
            log.info("chat %s blocked the bot; reply to update %s dropped", chat_id, update_id)
        self._sent.pop(update_id, None)
        self.store.delivered(update_id)
        if update_id in self._made:
            del self._made[update_id]
            if not self._made and not self._rest and self.trim is not None:
                self.trim()
        return True

    async def deliver_rest(self, update_id: int) -> bool:
        """Send what :meth:`deliver` kept for later for ``update_id`` (nothing: True)."""
        rest = self._rest.pop(update_id, None)
        if rest is None:
            return True
        return await self.deliver(update_id, *rest)

    async def _send(self, update_id: int, chat_id: int, item: Item) -> None:
        try:
            await _with_retries(lambda: self._call(update_id, chat_id, item))
        except BadRequest as exc:
            # Not something a retry mends (a message already without buttons, a press answered
            # too late, a chat that is gone): the rest of the reply still goes.
            log.info("chat %s: %s not done: %s", chat_id, next(iter(item)), exc.message)
        except (NetworkError, RetryAfter, Forbidden):
            raise
        except Exception:
            # A fault of the bot's own (composing a DOCX): sending it again would fail again and
            # hold back every reply after it. The user is told; the rest of the reply goes.
            log.exception("chat %s: could not make %s", chat_id, next(iter(item)))
            await _with_retries(lambda: self._call(update_id, chat_id, message(self.apology)))

    async def _made_for(self, update_id: int, chat_id: int, item: Item) -> tuple[Docx, Preview] | None:
        """The report this reply sends, made once per reply (again after a restart or an outage);
        None when it could not be made and the user was told so."""
        if update_id in self._made:
            return self._made[update_id]
        self._made[update_id] = None  # if making fails, the apology is sent once, not per item
        report_id = next(v for k, v in item.items() if k != "draft")
        made = self._made[update_id] = (await self.docx(chat_id, report_id, item["draft"]), Preview())
        return made

    async def _made_hinting(self, update_id: int, chat_id: int, item: Item) -> tuple[Docx, Preview] | None:
        """The report made for this reply, with Telegram's "sending a file" status shown when
        making it takes long enough to notice (a status for a file that comes at once is one
        more call under Telegram's limit, and only flickers)."""
        making = asyncio.ensure_future(self._made_for(update_id, chat_id, item))
        try:
            done, _ = await asyncio.wait({making}, timeout=HINT_AFTER)
            if not done:
                with contextlib.suppress(TelegramError):  # only a hint that a file is coming
                    await self.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
            return await making
        finally:
            making.cancel()  # nothing once made; stops the making if this reply was cancelled

    async def _call(self, update_id: int, chat_id: int, item: Item) -> None:
        bot = self.bot
        if "answer" in item:
            await bot.answer_callback_query(item["answer"], text=item["text"])
        elif "edit" in item:
            await bot.edit_text(chat_id, item["edit"], item["text"], item["keyboard"])
        elif "clear" in item:
            message_id = item["clear"]
            if message_id is None:
                owner = chat_owner(chat_id)
                message_id = self.store.chat(owner).buttons_message
                if message_id is not None:
                    self.store.set_buttons_message(owner, None)
            if message_id is not None:
                await bot.clear_keyboard(chat_id, message_id)
        elif "document" in item:
            if made := await self._made_hinting(update_id, chat_id, item):
                docx = made[0]
                await bot.send_document(chat_id, document=docx.data, filename=docx.name, caption=docx.caption)
        elif "pages" in item:
            if self.pages is not None and (made := await self._made_for(update_id, chat_id, item)):
                maker, texts = self.pages
                await send_pages(bot, chat_id, maker, texts, made[0].data, made[0].name, made[1])
        elif "findings" in item:  # those that did not fit in the DOCX's caption
            if (made := await self._made_for(update_id, chat_id, item)) and made[0].findings:
                await bot.send_text(chat_id, made[0].findings)
        elif "polish" in item:
            if self.polish is not None:  # its outcome is sent by the request when it comes
                self.polish(chat_id, item["polish"], item["section"], item["attempt"])
        elif "text" in item:
            message_id = await bot.send_text(chat_id, item["text"], item["keyboard"])
            if item["keyboard"]:
                self.store.set_buttons_message(chat_owner(chat_id), message_id)
        else:
            raise ValueError(f"unknown reply item {item!r}")


async def _with_retries(call: Callable[[], Awaitable[None]]) -> None:
    """A call that survives a dropped connection or a short outage (about 1.5 s)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            await call()
            return
        except BadRequest:
            raise
        except (NetworkError, RetryAfter):
            if attempt == ATTEMPTS:
                raise
            log.warning("sending failed (attempt %s of %s); retrying", attempt, ATTEMPTS)
            await asyncio.sleep(0.5 * attempt)
