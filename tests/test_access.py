"""Refusals are said once per chat, and remembering that stays bounded."""

from __future__ import annotations

from bot.telegram.context import ToldOnce


def test_a_chat_is_told_once() -> None:
    told = ToldOnce()
    assert told.first_time(5)
    assert not told.first_time(5)
    assert told.first_time(6)


def test_the_oldest_chats_are_forgotten_past_the_limit() -> None:
    told = ToldOnce(limit=3)
    for chat in range(10):
        assert told.first_time(chat)
    assert len(told) == 3
    assert not told.first_time(9)  # recent ones are still remembered
    assert told.first_time(0)  # the oldest may hear it again
