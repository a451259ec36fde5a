"""Interviews played without a front end: a fixed 'today', a small definition, complete scripts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from bot.interview.definition import Kind, Value
from bot.interview.engine import Cursor, Interview, State, Step

TODAY = dt.date(2023, 10, 8)
TYPE_IDS = (
    "unit_periodic",
    "leader_personal",
    "party_group_inspection",
    "self_inspection",
    "study_speech",
)

# A small definition that exercises every kind, a condition and a profile field.
MINI_TOML = """
id = "mini"
name = "测试报告"
description = ""

[[sections]]
id = "basic"
title = "基本信息"

[[sections.questions]]
id = "unit_name"
kind = "short_text"
label = "单位名称"
prompt = "单位名称？"
example = "某局"
profile = true
max_length = 20

[[sections.questions]]
id = "year"
kind = "year"
label = "年度"
prompt = "哪一年？"
example = "2023"

[[sections.questions]]
id = "period"
kind = "period"
label = "期间"
prompt = "哪个期间？"

[[sections]]
id = "work"
title = "工作情况"

[[sections.questions]]
id = "meetings"
kind = "integer"
label = "会议次数"
prompt = "开了几次会？"
example = "3"
unit = "次"
max = 100

[[sections.questions]]
id = "has_extra"
kind = "single_choice"
label = "是否有补充"
prompt = "有补充吗？"
options = ["是", "否"]

[[sections.questions]]
id = "extra"
kind = "long_text"
label = "补充说明"
prompt = "请补充。"
example = "无"
when = { question = "has_extra", equals = "是" }

[[sections.questions]]
id = "activities"
kind = "list"
label = "活动"
prompt = "开展了哪些活动？"
example = "开展主题党日"
max_items = 3

[[sections.questions]]
id = "note"
kind = "short_text"
label = "备注"
prompt = "备注？"
example = "无"
optional = true

[[sections]]
id = "end"
title = "结尾"

[[sections.questions]]
id = "problems"
kind = "multi_choice"
label = "存在问题"
prompt = "有哪些问题？"
phrase_bank = ["认识不够", "方法不多", "宣传不足"]

[[sections.questions]]
id = "report_date"
kind = "date"
label = "日期"
prompt = "日期？"
example = "今天"
"""


class Driver:
    """Applies engine steps to an in-memory state, as a front end with storage would."""

    def __init__(self, interview: Interview, suggestions: Mapping[str, Value] | None = None) -> None:
        self.interview = interview
        self.answers: dict[str, Value] = {}
        first = interview.start({}, {})
        self.cursor: Cursor = first.cursor
        self.suggestions: Mapping[str, Value] = suggestions or {}
        self.last: Step = first

    @property
    def state(self) -> State:
        """The report as the engine sees it now."""
        return State(dict(self.answers), self.cursor, self.suggestions)

    def apply(self, step: Step) -> Step:
        """Store a step's changes and move to its cursor."""
        self.answers.update(step.changes)
        self.cursor = step.cursor
        self.last = step
        return step

    def do(self, operation: str, *args: object) -> Step:
        """Call the interview's ``operation`` on the current state and apply the step."""
        method: Callable[..., Step] = getattr(self.interview, operation)
        if operation == "answer":
            return self.apply(method(self.state, *args, TODAY))
        return self.apply(method(self.state, *args))

    def say(self, text: str) -> Step:
        """Answer the current question with a typed line."""
        return self.do("answer", text)

    @property
    def at(self) -> str | None:
        """The question being asked (None once nothing is left)."""
        return self.cursor.question


def sample_input(kind: Kind, example: str) -> list[str]:
    """Lines a user could send to answer a question of ``kind`` fully."""
    return {
        Kind.SHORT_TEXT: [example or "示例"],
        Kind.LONG_TEXT: [example or "示例内容。"],
        Kind.INTEGER: ["3"],
        Kind.SINGLE_CHOICE: ["1"],
        Kind.MULTI_CHOICE: ["1 2", "完成"],
        Kind.LIST: [example or "示例", "完成"],
        Kind.DATE: ["2023年10月8日"],
        Kind.YEAR: ["2023"],
        Kind.PERIOD: ["3"],
        Kind.DETAILS: ["1 示例补充的具体情况", "完成"],
    }[kind]


def _play(interview: Interview) -> tuple[Driver, list[str]]:
    """Answer every question in order: the driver at the end and the lines sent."""
    drv = Driver(interview)
    lines: list[str] = []
    number = 2
    while drv.at is not None:
        question = interview.definition.question(drv.at)
        inputs = sample_input(question.kind, question.example)
        if question.kind is Kind.INTEGER:
            inputs, number = [str(number)], number + 1  # distinct figures, to find them in the text
        for line in inputs:
            lines.append(line)
            step = drv.say(line)
            assert not step.rejected, (question.id, line, step.notice)
    return drv, lines


def full_script(interview: Interview) -> list[str]:
    """The lines that answer every question of a report type in order, found by running it."""
    return _play(interview)[1]


def complete_answers(interview: Interview) -> dict[str, Value]:
    """A complete answer set for a report type, as the interview stores it."""
    return dict(_play(interview)[0].answers)
