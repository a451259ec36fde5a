"""The update processor: one user's updates applied in order, each once."""

from __future__ import annotations

import asyncio

from bot.service.reports import Templates
from bot.telegram.processing import PerUserProcessor
from tests.support.fakes import texts
from tests.support.interviews import full_script
from tests.support.telegram_app import Bot


async def test_one_users_updates_in_flight_together_apply_in_order(bot: Bot, templates: Templates) -> None:
    lines = full_script(templates.interview("study_speech"))[:4]
    one_by_one, together = bot.chat(30), bot.chat(31)
    for chat in (one_by_one, together):
        await chat.send("/new")
        await chat.press("理论学习中心组")
    one_by_one.new_calls()  # from here on, only its own replies
    expected_replies = [call for line in lines for call in await one_by_one.send(line)]
    updates = [together.message_update(line) for line in lines]
    together.new_calls()
    # All at once, as when Telegram hands over a batch; one of them twice, as on redelivery.
    await asyncio.gather(*(together.deliver(u) for u in [*updates, updates[1]]))
    [expected] = bot.reports.store.list_reports("tg:30")
    [report] = bot.reports.store.list_reports("tg:31")
    assert len(expected.answers) == 4 and report.answers == expected.answers
    assert report.cursor == expected.cursor
    assert texts(together.new_calls()) == texts(expected_replies)  # the same replies, in order
    processor = bot.app.update_processor
    assert isinstance(processor, PerUserProcessor)
    assert processor.users_in_flight == 0  # no lock is kept for a user with nothing in flight


async def test_no_lock_is_kept_per_user_once_their_updates_are_done(bot: Bot) -> None:
    chats = [bot.chat(uid) for uid in range(40, 60)]
    replies = await asyncio.gather(*(chat.send("/help") for chat in chats))
    assert all("/new" in texts(calls) for calls in replies)
    processor = bot.app.update_processor
    assert isinstance(processor, PerUserProcessor)
    assert processor.users_in_flight == 0
