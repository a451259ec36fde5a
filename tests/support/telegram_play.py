"""A whole interview played in the Telegram chat the way a person would, and the README's table
of how long each type's interview is (kept equal to what the play counts)."""

from __future__ import annotations

import re

from bot.interview.definition import Kind
from bot.interview.engine import Prompt
from tests.support.fakes import Call, Chat, texts
from tests.support.paths import REPO
from tests.support.telegram_app import Bot


def choice_label(prompt: Prompt) -> str:
    """The button a player presses for a single choice or a period: the first option (第三季度)."""
    q = prompt.question
    label = "第三季度" if q.kind is Kind.PERIOD else q.options[0]
    # A default among the options is marked on its button.
    return f"✓ {label}" if prompt.suggestion == label else label


async def answer_current(bot: Bot, chat: Chat, owner: str, report_id: int) -> list[Call]:
    """Answer the question being asked the way a user would: buttons where there are buttons.

    Every question is answered, optional ones too; single choices take the first option (是
    where 是/否 decides a follow-up), phrase banks two statements, lists two items, details one.
    """
    step = bot.reports.current(owner, report_id)
    assert step.prompt is not None
    q = step.prompt.question
    if q.kind in (Kind.SINGLE_CHOICE, Kind.PERIOD):
        return await chat.press(choice_label(step.prompt))
    if q.kind is Kind.MULTI_CHOICE:
        await chat.press("1.")
        await chat.press("2.")
        return await chat.press("完成")
    if q.kind is Kind.LIST:
        await chat.send(f"{q.example}\n第二条写{q.label}")
        return await chat.press("完成")
    if q.kind is Kind.DETAILS:
        calls = await chat.send(f"1 补充{q.label}")
        assert "已为第 1 条补充具体情况" in texts(calls)
        return await chat.press("完成")
    typed = {Kind.INTEGER: "5次", Kind.DATE: "2023年10月8日", Kind.YEAR: "2023"}.get(q.kind, q.example)
    return await chat.send(typed)


# A row of the README's table of types: | `type` | 名称 | questions | messages | presses |
_ROW = re.compile(
    r"^\| `(?P<type>\w+)` \| [^|]+ \| (?P<questions>\d+) \| (?P<messages>\d+) \| (?P<presses>\d+) \|$"
)


def readme_lengths() -> dict[str, tuple[int, int, int]]:
    """Per report type, the questions, messages and presses the README says its interview takes."""
    found = {}
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            found[match["type"]] = (int(match["questions"]), int(match["messages"]), int(match["presses"]))
    return found
