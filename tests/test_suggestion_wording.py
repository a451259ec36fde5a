"""Offered answers say where they come from: 建议 for a default, 沿用上次 only for what the user
answered before; a default that is one of the options marks that option's button."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from bot.interview.definition import Kind
from bot.interview.suggestions import offers
from bot.service.reports import Templates
from tests.support.fakes import Call, texts
from tests.support.interviews import TODAY, TYPE_IDS
from tests.support.telegram_app import Bot
from tests.support.telegram_play import answer_current


def buttons(calls: list[Call]) -> list[list[str]]:
    """The button labels of each keyboard sent, one list per keyboard."""
    found = []
    for call in calls:
        markup = call.params.get("reply_markup")
        if markup:
            markup = json.loads(markup) if isinstance(markup, str) else markup
            found.append([b["text"] for row in markup["inline_keyboard"] for b in row])
    return found


def test_only_the_users_own_answers_are_remembered_offers(templates: Templates) -> None:
    definition = templates.types["unit_periodic"]
    values, remembered = offers(definition, {}, {}, TODAY)
    assert values["year"] == 2023 and values["civilization_included"] == "是"
    assert not remembered  # a new user: defaults and today's year only
    values, remembered = offers(
        definition, {"unit_name": "某局"}, {"year": 2022, "party_meetings": 4}, dt.date(2024, 1, 5)
    )
    assert (values["unit_name"], values["year"], values["party_meetings"]) == ("某局", 2024, 4)
    assert {"unit_name", "party_meetings"} <= remembered
    # The year is never carried over: this year's is only suggested, as is a default.
    assert not {"year", "civilization_included"} & remembered


@pytest.mark.parametrize("type_id", TYPE_IDS)
async def test_a_new_user_is_offered_suggestions_and_never_told_of_earlier_answers(
    bot: Bot, type_id: str
) -> None:
    chat = bot.chat(61)
    await chat.send("/new")
    name = bot.reports.templates.types[type_id].name
    seen = await chat.press(name)
    owner = "tg:61"
    [draft] = bot.reports.store.list_reports(owner)
    for _ in range(200):
        if bot.reports.current(owner, draft.id).prompt is None:
            break
        seen += await answer_current(bot, chat, owner, draft.id)
    assert bot.reports.load(owner, draft.id).status == "complete"
    said = texts(seen) + "\n".join(label for kb in buttons(seen) for label in kb)
    assert "沿用" not in said
    for keyboard in buttons(seen):
        offered = [label.removeprefix("建议：") for label in keyboard if label.startswith("建议：")]
        # A default that is one of the options is marked on it, never a second button.
        assert not set(offered) & {label.removeprefix("✓ ") for label in keyboard}, keyboard
    definition = bot.reports.templates.types[type_id]
    if any(q.kind is Kind.YEAR for q in definition.questions):
        assert "建议：2023年（发送 /ok 采用）" in texts(seen)
        assert ["建议：2023年", "⬅ 上一题"] in buttons(seen)


async def test_a_default_among_the_options_marks_its_button(bot: Bot) -> None:
    chat = bot.chat(62)
    await chat.send("/new")
    await chat.press("单位意识形态")
    await chat.send("/section")
    calls = await chat.press("5. 精神文明建设")
    assert "建议：是（发送 /ok 采用）" in texts(calls)
    [keyboard] = buttons(calls)
    assert keyboard[:2] == ["✓ 是", "否"]
    assert not any(label.startswith(("建议", "沿用")) for label in keyboard)
    await chat.press("✓ 是")
    [report] = bot.reports.store.list_reports("tg:62")
    assert report.answers["civilization_included"] == "是"


async def test_what_the_user_answered_before_is_offered_as_such(bot: Bot) -> None:
    chat = bot.chat(63)
    await chat.send("/new")
    calls = await chat.press("理论学习中心组")
    assert "沿用" not in texts(calls)
    owner = "tg:63"
    [first] = bot.reports.store.list_reports(owner)
    for _ in range(200):
        if bot.reports.current(owner, first.id).prompt is None:
            break
        await answer_current(bot, chat, owner, first.id)
    meeting = bot.reports.load(owner, first.id).answers["meeting_name"]
    await chat.send("/new")
    calls = await chat.press("理论学习中心组")
    assert f"沿用上次：{meeting}（发送 /ok 沿用）" in texts(calls)
    labels: list[Any] = [label for kb in buttons(calls) for label in kb]
    assert any(label.startswith("沿用上次：") for label in labels)
    assert not any(label.startswith("建议") for label in labels)
