"""A trivial echo bot: the baseline reportbot is compared with under the same emulator and load,
and at start-up (benchmarks/bench_start.py).

Run (as tests/support/load.py does): TELEGRAM_BOT_TOKEN=… TELEGRAM_BASE_URL=… python -m benchmarks.echo_bot
A stock python-telegram-bot Application: long polling, updates handled concurrently, default
connection pools, no rate limiter; ECHO_AT_ONCE=N instead handles N updates at once over N
connections, as reportbot bounds its own (the httpx pool costs more the more requests run at
once). It answers a message with its text and a button press with the button's data, so the
players of tests/support/load.py can drive it as they drive reportbot.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the message's text."""
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button press and send its data as a message."""
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.answer()
        await context.bot.send_message(query.message.chat.id, query.data or "")


async def ready(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # The harness waits for this call. Like reportbot, the bot makes it while polling starts,
    # not before: a trivial bot makes no such call on the way to its first reply.
    menu = application.bot.set_my_commands([BotCommand("start", "echo")])
    application.bot_data["menu"] = asyncio.get_running_loop().create_task(menu)


def main() -> None:
    """Poll until interrupted."""
    builder = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ.get("TELEGRAM_BASE_URL", "https://api.telegram.org/bot"))
        .concurrent_updates(True)
        .post_init(ready)
    )
    at_once = int(os.environ.get("ECHO_AT_ONCE") or 0)
    if at_once:
        builder = builder.concurrent_updates(at_once).connection_pool_size(at_once)
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
