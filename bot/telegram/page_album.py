"""Pictures of a report's pages and its PDF, sent beside the DOCX so the layout can be checked."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from telegram import InputMediaPhoto
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError

from bot.document.pages import ConversionFailed, PageMaker, Pages
from bot.interview.messages import Messages
from bot.telegram.client import BotApiClient

log = logging.getLogger("reportbot.outbox")


def pages_caption(pages: Pages, messages: Messages) -> str:
    """How many pages the pictures show, and a note when fonts were substituted."""
    shown, total = len(pages.pictures), pages.page_count
    caption = messages.text("pages.caption", shown=shown, total=total)
    if total > shown:
        caption = messages.text("pages.caption_more", shown=shown, total=total)
    if pages.substitute_fonts:
        caption += "\n" + messages.text("pages.substitute_fonts")
    return caption


def failure_text(error: ConversionFailed, messages: Messages) -> str:
    """Why the user gets the DOCX alone."""
    if error.reason == "missing":
        return messages.text("pages.missing")
    if error.reason == "timeout":
        return messages.text("pages.timeout")
    return messages.text("pages.failed")


@dataclass
class Preview:
    """One reply's page pictures and PDF as far as they went: converted (or why not), shown."""

    made: Pages | ConversionFailed | None = None
    shown: bool = False  # the pictures, or why there are none, were sent


async def send_pages(
    bot: BotApiClient,
    chat_id: int,
    maker: PageMaker,
    messages: Messages,
    docx: bytes,
    name: str,
    preview: Preview,
) -> None:
    """Convert ``docx``; send the pictures (an album) and the PDF, or why they are missing.

    ``preview`` keeps what was done, so that a retry after a dropped connection neither converts
    again nor sends the pictures twice.
    """
    if preview.made is None:
        with contextlib.suppress(TelegramError):  # only a hint: the upload hint of the DOCX has ended
            await bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
        try:
            preview.made = await maker.convert(docx, name)
        except ConversionFailed as exc:
            log.warning("chat %s: page preview not made (%s)", chat_id, exc)
            preview.made = exc
    pages = preview.made
    if isinstance(pages, ConversionFailed):
        if not preview.shown:
            await bot.send_text(chat_id, failure_text(pages, messages))
            preview.shown = True
        return
    try:
        if not preview.shown:
            await _send_pictures(bot, chat_id, pages, pages_caption(pages, messages))
            preview.shown = True
        await bot.send_document(chat_id, document=pages.pdf, filename=str(Path(name).with_suffix(".pdf")))
    except BadRequest as exc:  # a picture Telegram refuses: the DOCX has been sent all the same
        log.info("chat %s: page preview not sent: %s", chat_id, exc.message)


async def _send_pictures(bot: BotApiClient, chat_id: int, pages: Pages, caption: str) -> None:
    if len(pages.pictures) == 1:  # an album holds 2 to 10 items
        await bot.send_photo(chat_id, pages.pictures[0], caption=caption)
        return
    media = [
        InputMediaPhoto(picture, caption=caption if n == 0 else None, filename=f"page-{n + 1}.jpg")
        for n, picture in enumerate(pages.pictures)
    ]
    await bot.send_media_group(chat_id, media)
