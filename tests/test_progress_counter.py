"""The question counter: the shown position never goes back, a section's total appears only once
no follow-up can still be added, and a follow-up that is added is announced."""

from __future__ import annotations

import pytest

from bot.interview.definition import Kind
from bot.interview.engine import Interview, Prompt
from bot.interview.messages import Messages
from bot.interview.presenter import format_prompt
from bot.service.reports import Templates
from tests.support.fakes import texts
from tests.support.interviews import TYPE_IDS, Driver, sample_input
from tests.support.telegram_app import Bot


def header(prompt: Prompt, messages: Messages) -> str:
    return format_prompt(prompt, messages).split("\n")[0]


def play(interview: Interview, option: int) -> list[Prompt]:
    """Answer every question in order, picking option ``option`` (1: first, -1: last) of each
    single choice; the prompts shown for each question, first time only."""
    drv = Driver(interview)
    shown: list[Prompt] = []
    while drv.at is not None:
        prompt = drv.last.prompt
        assert prompt is not None
        if not shown or shown[-1].question.id != prompt.question.id:
            shown.append(prompt)
        q = prompt.question
        inputs = sample_input(q.kind, q.example)
        if q.kind is Kind.SINGLE_CHOICE:
            inputs = [str(len(q.options) if option == -1 else option)]
        for line in inputs:
            assert not drv.say(line).rejected, (q.id, line)
    return shown


@pytest.mark.parametrize("option", [1, -1])
@pytest.mark.parametrize("type_id", TYPE_IDS)
def test_the_counter_never_goes_back_and_announces_what_is_added(
    templates: Templates, messages: Messages, type_id: str, option: int
) -> None:
    shown = play(templates.interview(type_id), option)
    previous: Prompt | None = None
    totals_seen = 0
    for prompt in shown:
        p = prompt.progress
        text = header(prompt, messages)
        if p.settled:
            assert f"第{p.question_number}/{p.question_count}题" in text
            totals_seen += 1
        else:
            assert f"第{p.question_number}题" in text and "/" not in text.split("部分")[1], text
        if previous is None or previous.progress.section_number != p.section_number:
            assert p.question_number == 1, text
            assert p.added == 0, text
        else:
            before = previous.progress
            assert p.question_number == before.question_number + 1, text
            grown = p.question_count - before.question_count
            assert grown >= 0, text  # going forward, no question is taken away
            assert p.added == grown, text
            if before.settled:
                assert p.settled and grown == 0, text  # a total once shown stays
            if grown == 1:
                assert text.endswith(f"题（追加一题）】{prompt.section.title}"), text
            elif grown > 1:
                assert f"题（追加{grown}题）】" in text, text
            else:
                assert "追加" not in text
        previous = prompt
    assert totals_seen  # most sections have no follow-ups: their totals are shown from the start


def test_a_follow_up_is_announced_and_the_total_shown_once_settled(
    interview: Interview, messages: Messages
) -> None:
    drv = Driver(interview)
    for text in ("某市交通局", "2023", "3"):
        drv.say(text)
    assert drv.last.prompt is not None
    assert header(drv.last.prompt, messages) == "【第2/3部分 · 第1题】工作情况"
    drv.say("3")
    assert drv.last.prompt is not None
    assert header(drv.last.prompt, messages) == "【第2/3部分 · 第2题】工作情况"  # 有补充吗？
    drv.say("是")
    assert drv.last.prompt is not None
    assert header(drv.last.prompt, messages) == "【第2/3部分 · 第3/5题（追加一题）】工作情况"
    drv.say("没有补充。")
    assert drv.last.prompt is not None
    assert header(drv.last.prompt, messages) == "【第2/3部分 · 第4/5题】工作情况"
    # Back at the question that decides: no total again; answering 否 adds nothing.
    drv.do("back")
    drv.do("back")
    assert drv.last.prompt is not None
    assert header(drv.last.prompt, messages) == "【第2/3部分 · 第2题】工作情况"
    drv.say("否")
    assert drv.last.prompt is not None
    assert header(drv.last.prompt, messages) == "【第2/3部分 · 第3/4题】工作情况"


async def test_in_telegram_a_section_with_follow_ups_counts_without_surprises(bot: Bot) -> None:
    chat = bot.chat(31)
    await chat.send("/new")
    await chat.press("单位意识形态")
    await chat.send("/section")
    calls = await chat.press("5. 精神文明建设")
    assert "【第5/8部分 · 第1题】精神文明建设" in texts(calls)
    calls = await chat.press("✓ 是")  # the default, marked on its button
    assert "【第5/8部分 · 第2/4题（追加3题）】精神文明建设" in texts(calls)
    await chat.press("1.")
    calls = await chat.press("完成")
    assert "【第5/8部分 · 第3/4题】精神文明建设" in texts(calls)
