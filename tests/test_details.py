"""Details for chosen items, single choices that take another answer, and 不详 figures."""

from __future__ import annotations

import tomllib

import pytest

from bot.document.compose import template_context
from bot.document.template_helpers import figures, measures
from bot.document.template_text import Figure, Missing
from bot.interview.definition import Value
from bot.interview.definition_file import DefinitionError, parse_definition
from bot.interview.engine import Interview
from bot.interview.messages import Messages
from bot.interview.presenter import format_prompt, format_value
from tests.support.interviews import Driver

DETAILS_TOML = """
id = "details_test"
name = "测试"
description = ""

[[sections]]
id = "work"
title = "工作"

[[sections.questions]]
id = "org_kind"
kind = "single_choice"
label = "党组织类型"
prompt = "哪一种？"
options = ["党组", "党委"]
other = true

[[sections.questions]]
id = "meetings"
kind = "integer"
label = "会议次数"
prompt = "几次？"
example = "3"
unit = "次"

[[sections.questions]]
id = "measures"
kind = "multi_choice"
label = "做法"
prompt = "做了什么？"
phrase_bank = ["强化组织领导：成立领导小组，明确分工", "完善工作制度：修订实施细则"]

[[sections.questions]]
id = "measures_details"
kind = "details"
of = "measures"
label = "做法的具体情况"
prompt = "补充具体情况。"
example = "1 年初成立了领导小组"
optional = true
when = { question = "measures", answered = true }
"""


@pytest.fixture
def drv(messages: Messages) -> Driver:
    return Driver(Interview(parse_definition(tomllib.loads(DETAILS_TOML), "t"), messages))


def test_a_single_choice_with_other_takes_a_typed_kind(drv: Driver) -> None:
    assert drv.say("党工委").changes == {"org_kind": "党工委"}
    assert drv.at == "meetings"


def test_a_number_beyond_the_options_is_still_refused(drv: Driver) -> None:
    step = drv.say("5")
    assert step.rejected and "1 到 2" in step.notice


def test_unknown_count_is_kept_and_printed_as_a_mark(drv: Driver, messages: Messages) -> None:
    drv.say("党委")
    assert drv.say("不详").changes == {"meetings": "不详"}
    assert format_value(drv.interview.definition.question("meetings"), "不详", messages) == "不详"


def test_details_attach_to_chosen_items_by_number(drv: Driver, messages: Messages) -> None:
    for text in ("党委", "30余次", "1 2", "完成"):
        assert not drv.say(text).rejected
    assert drv.answers["meetings"] == "30余"
    assert drv.at == "measures_details"
    prompt, chosen = drv.last.prompt, drv.answers["measures"]
    assert prompt is not None and isinstance(chosen, list)
    assert [c.label for c in prompt.choices] == chosen
    shown = format_prompt(prompt, messages)
    assert "  1. 强化组织领导：成立领导小组，明确分工" in shown and "编号 具体情况" in shown
    step = drv.say("2：3月修订了《意识形态工作责任制实施细则》")
    assert not step.rejected and "第 2 条" in step.notice
    drv.say("1 年初成立了以党委书记为组长的领导小组")
    drv.say("1、年初调整了领导小组成员")  # a second detail for the same item replaces the first
    assert drv.answers["measures_details"] == [
        "强化组织领导：成立领导小组，明确分工\n年初调整了领导小组成员",
        "完善工作制度：修订实施细则\n3月修订了《意识形态工作责任制实施细则》",
    ]
    assert drv.last.prompt is not None
    assert "已补充：年初调整了领导小组成员" in format_prompt(drv.last.prompt, messages)
    assert not drv.say("完成").rejected and drv.at is None


def test_details_need_the_items_number(drv: Driver) -> None:
    for text in ("党委", "3", "1 2", "完成"):
        drv.say(text)
    step = drv.say("年初成立了领导小组")
    assert step.rejected and "编号（1、2）" in step.notice
    assert drv.say("3 年初成立").rejected


def test_details_keep_the_numbers_the_phrase_bank_showed(drv: Driver, messages: Messages) -> None:
    for text in ("党委", "3", "2", "我们自己的做法：每月一次", "完成"):
        drv.say(text)
    prompt = drv.last.prompt
    assert prompt is not None and [(c.number, c.label[:6]) for c in prompt.choices] == [
        (2, "完善工作制度"),
        (3, "我们自己的做"),
    ]
    assert "编号（2、3）" in drv.say("1 年初成立").notice
    drv.say("3 3月起执行")
    assert drv.answers["measures_details"] == ["我们自己的做法：每月一次\n3月起执行"]


def test_details_can_be_skipped_with_one_tap(drv: Driver) -> None:
    for text in ("党委", "3", "1", "完成"):
        drv.say(text)
    assert drv.do("skip").changes == {"measures_details": None}


def test_a_details_question_must_name_an_earlier_list() -> None:
    broken = DETAILS_TOML.replace('of = "measures"', 'of = "org_kind"')
    with pytest.raises(DefinitionError, match="'of'"):
        parse_definition(tomllib.loads(broken), "t")


def test_details_and_approximations_reach_the_prose(drv: Driver) -> None:
    definition = drv.interview.definition
    answers: dict[str, Value] = {
        "org_kind": "党工委",
        "meetings": "近200",
        "measures": ["强化组织领导：成立领导小组，明确分工", "完善工作制度：修订实施细则"],
        "measures_details": ["完善工作制度：修订实施细则\n3月修订了实施细则"],
    }
    context = template_context(definition, answers)
    assert str(context["meetings"]) == "近200次" and context["meetings"]
    text = measures(context["measures"], context["measures_details"])
    assert text == (
        # A ticked statement with a detail: its heading, then what was actually done.
        "一是强化组织领导。成立领导小组，明确分工。二是完善工作制度。3月修订了实施细则。"
    )


def test_an_item_answered_unknown_is_a_mark(drv: Driver) -> None:
    context = template_context(
        drv.interview.definition, {"org_kind": "党委", "meetings": 2, "measures": ["不详"]}
    )
    assert measures(context["measures"]) == "\x02【待填写：做法】\x02。"


def test_an_optional_count_answered_unknown_alone_is_left_out() -> None:
    optional = Missing("谈心谈话次数", "次", optional=True)
    assert figures([("谈心谈话", optional)], before="全年，共开展") == ""
    required = Missing("专项检查次数", "次")
    assert (
        figures([("专项检查", required)], before="共开展")
        == "共开展专项检查\x02【待填写：专项检查次数】\x02次。"
    )
    with_others = figures(
        [("中心组学习", Figure(6, "次")), ("警示教育", Missing("警示教育次数", "次", True))]
    )
    assert with_others == "中心组学习6次、警示教育\x02【待填写：警示教育次数】\x02次。"
