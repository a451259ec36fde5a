"""The Application: handlers in order, error handling, start-up, polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import ssl
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any

import httpx
from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.cli.settings import Settings
from bot.document.pages import PageMaker
from bot.document.render import Renderer
from bot.service.reports import LimitReached, Reports
from bot.telegram import commands, section_presses
from bot.telegram.access import Guard
from bot.telegram.answers import on_other, on_text
from bot.telegram.buttons import on_button
from bot.telegram.client import SENDING_AT_ONCE, BotApiClient, HandledQueue, Intake
from bot.telegram.context import BotState, state_of
from bot.telegram.outbox import Outbox
from bot.telegram.processing import PerUserProcessor
from bot.telegram.sending import docx_maker
from bot.telegram.spread_request import POOL_SIZE, SpreadRequest

log = logging.getLogger("reportbot.telegram")


COMMANDS = (
    "start",
    "new",
    "drafts",
    "review",
    "back",
    "skip",
    "section",
    "preview",
    "export",
    "profile",
    "cancel",
    "help",
)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its update; tell the user what happened and that progress is saved."""
    error = context.error
    if isinstance(error, LimitReached):
        key, params = error.key, error.params
    else:
        log.error("error while handling update %s", update, exc_info=error)
        key, params = ("storage.failed" if isinstance(error, sqlite3.Error) else "telegram.error"), {}
    try:  # what the update wrote before failing must be on disk before anything is sent
        await state_of(context).reports.store.on_disk()
    except sqlite3.Error:
        key, params = "storage.failed", {}
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(
                update.effective_chat.id, state_of(context).messages.text(key, **params)
            )
        except TelegramError:
            log.exception("could not tell the user about the error")


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menu, with Chinese descriptions."""
    state = application.bot_data["reportbot"]
    await application.bot.set_my_commands(
        [BotCommand(name, state.messages.text(f"telegram.command.{name}")) for name in COMMANDS]
    )


async def register_commands_later(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Set the command menu while polling starts: the first reply does not wait for its round trip.

    A failure is logged, not fatal: the commands work without the menu.
    """

    async def register() -> None:
        try:
            await register_commands(application)
        except TelegramError:
            log.exception("could not set the command menu")

    # Kept in bot_data: the event loop holds tasks only weakly.
    application.bot_data["menu"] = asyncio.get_running_loop().create_task(register())


def add_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every handler (the access guard first, in its own group)."""
    state = application.bot_data["reportbot"]
    application.add_handler(Guard(state.settings.allowed_user_ids), group=-1)
    # Answers and button presses first: they are nearly all updates, and no command matches them.
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    section_presses.register()
    application.add_handler(CallbackQueryHandler(on_button))
    by_name = {
        "start": commands.cmd_start,
        "new": commands.cmd_new,
        "drafts": commands.cmd_drafts,
        "help": commands.cmd_help,
        "cancel": commands.cmd_cancel,
        "review": commands.cmd_review,
        "back": commands.cmd_back,
        "skip": commands.cmd_skip,
        "section": commands.cmd_section,
        "preview": commands.cmd_preview,
        "export": commands.cmd_export,
        "profile": commands.cmd_profile,
    }
    for name, callback in by_name.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CommandHandler("ok", commands.cmd_ok))
    application.add_handler(MessageHandler(filters.COMMAND, commands.cmd_help))
    application.add_handler(MessageHandler(~filters.TEXT, on_other))
    application.add_error_handler(on_error)


def _stopping(
    processor: PerUserProcessor,
) -> Callable[[Application[Any, Any, Any, Any, Any, Any]], Coroutine[Any, Any, None]]:
    """What runs once polling stops: owed replies and polish requests stop."""

    async def stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await processor.stop_delivering()
        polisher = application.bot_data["reportbot"].polisher
        if polisher is not None:
            await polisher.stop()

    return stop


def build_application(
    settings: Settings,
    reports: Reports,
    renderer: Renderer,
    *,
    request: Any = None,
    webhook: bool = False,
    tls: Future[ssl.SSLContext] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The configured Application (``request`` lets tests record calls instead of sending).

    With ``webhook``, each webhook request is answered once its update is handled.
    """
    rate_limiter = None
    if settings.rate_limiter and request is None:
        # Telegram's flood limits: queue and retry instead of dropping a reply.
        rate_limiter = AIORateLimiter(max_retries=5)
    intake = Intake()
    processor = PerUserProcessor(reports.store, intake)
    # One TLS context for both connections, made as httpx makes its default one: each client
    # would otherwise load the CA bundle again (about 25 ms of every start; BENCHMARKS.md).
    # (``tls``: one being made meanwhile, bot/telegram/tls.py.)
    context = {"verify": tls.result() if tls else httpx.create_ssl_context()} if request is None else {}
    bot = BotApiClient(
        settings.telegram_token,
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        # Updates run concurrently, so replies need more than one connection: one per request
        # the bot may make at once, in small pools (bot/telegram/spread_request.py).
        request=request
        or SpreadRequest(
            lambda: HTTPXRequest(connection_pool_size=POOL_SIZE, pool_timeout=30.0, httpx_kwargs=context),
            most=SENDING_AT_ONCE // POOL_SIZE,
        ),
        get_updates_request=request or HTTPXRequest(httpx_kwargs=context),
        rate_limiter=rate_limiter,
        on_disk=reports.store.on_disk,
        intake=intake,
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(processor)
        .post_init(register_commands_later)
        .post_stop(_stopping(processor))
    )
    if webhook:
        builder = builder.update_queue(HandledQueue(intake))
    application = builder.build()
    apology = reports.templates.messages.text("telegram.error")
    pages = (PageMaker(settings.pages), reports.templates.messages) if settings.pages.enabled else None
    outbox = Outbox(reports.store, bot, docx_maker(reports, renderer), apology, pages)
    state = BotState(settings, reports, renderer, outbox)
    if settings.llm is not None:
        from bot.telegram.polishing import Polisher

        state.polisher = Polisher(state.drafts, settings.llm, bot)
        outbox.polish = state.polisher.start
    processor.outbox = state.outbox
    application.bot_data["reportbot"] = state
    add_handlers(application)
    return application


def run(
    settings: Settings, reports: Reports, renderer: Renderer, tls: Future[ssl.SSLContext] | None = None
) -> None:
    """Serve until stopped: long polling, or a webhook when WEBHOOK_URL is set.

    Raises SettingsError for a webhook without a secret, and InvalidToken (its text without the
    token) when the Bot API rejects the token.
    """
    settings.check_webhook()  # before anything listens
    application = build_application(settings, reports, renderer, webhook=bool(settings.webhook_url), tls=tls)
    # The loop python-telegram-bot will run on (it takes the current one). Initializing the bot
    # here first (get_me) meets a rejected token before the library's start-up retry loop, which
    # would log a traceback whose last line quotes the token; the library skips the bot's
    # initialization later because it is done.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(application.bot.initialize())
    except InvalidToken as exc:
        loop.run_until_complete(application.bot.shutdown())
        loop.close()
        # The library's message quotes the token; the server's answer it wraps does not.
        raise InvalidToken(str(exc.__cause__ or "rejected")) from None
    except TelegramError:
        pass  # a network fault: the library's own start-up handles it as before
    if settings.webhook_url:
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
