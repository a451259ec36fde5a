"""A sentence of the user's own typed into a phrase bank is acknowledged as a chosen item, in the
phrase bank's words (已选 N 条), not a list's (已记下)."""

from __future__ import annotations

from bot.interview.definition import Kind
from tests.support.fakes import texts
from tests.support.interviews import Driver
from tests.support.telegram_app import Bot
from tests.support.telegram_play import answer_current


def test_own_sentence_in_the_engine(driver: Driver) -> None:
    for text in ("某市交通局", "2023", "3", "3", "否", "开展主题党日", "完成", "无"):
        assert not driver.say(text).rejected, text
    assert driver.at == "problems"
    step = driver.say("2")
    assert step.notice == "已选 1 条。继续勾选或发送您自己的表述，选好后发送“完成”。"
    step = driver.say("学习教育的针对性还不够强")
    assert step.notice == "已加入您的表述 1 条。已选 2 条。继续勾选或发送您自己的表述，选好后发送“完成”。"
    assert driver.answers["problems"] == ["方法不多", "学习教育的针对性还不够强"]


async def test_own_sentence_in_telegram(bot: Bot) -> None:
    chat = bot.chat(71)
    await chat.send("/new")
    await chat.press("领导干部个人")
    owner = "tg:71"
    [draft] = bot.reports.store.list_reports(owner)
    bank = ""
    for _ in range(30):
        prompt = bot.reports.current(owner, draft.id).prompt
        assert prompt is not None
        if prompt.question.kind is Kind.MULTI_CHOICE:
            bank = prompt.question.id
            break
        await answer_current(bot, chat, owner, draft.id)
    calls = await chat.send("带头讲党课：结合分管工作为分管部门讲专题党课1次")
    said = texts(calls)
    assert said.startswith("已加入您的表述 1 条。已选 1 条。继续勾选或发送您自己的表述"), said
    assert "已记下" not in said
    calls = await chat.send("带头撰写调研报告\n带头开展谈心谈话")
    assert texts(calls).startswith("已加入您的表述 2 条。已选 3 条。")
    answers = bot.reports.load(owner, draft.id).answers
    assert answers[bank] == [
        "带头讲党课：结合分管工作为分管部门讲专题党课1次",
        "带头撰写调研报告",
        "带头开展谈心谈话",
    ]
