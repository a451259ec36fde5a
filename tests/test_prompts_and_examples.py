"""Each example is a complete answer that reads well in the report, and an answer typed with
what the prompt says the bot adds itself (在…上, 书名号, 活动) is not doubled."""

from __future__ import annotations

import pytest

from bot.document.compose import Composer
from bot.interview.definition import Value
from bot.service.reports import Templates
from tests.support.interviews import TYPE_IDS, complete_answers
from tests.support.paths import TEMPLATES

DOUBLED = ("在在", "上上的", "《《", "》》", "活动等活动", "等活动等", "要求要求", "。。", "，。", "；。")


def composed(templates: Templates, type_id: str, **changes: Value) -> str:
    answers = {**complete_answers(templates.interview(type_id)), **changes}
    return Composer(TEMPLATES).compose(templates.types[type_id], answers).text


@pytest.mark.parametrize("type_id", TYPE_IDS)
def test_a_report_written_from_the_examples_reads_cleanly(templates: Templates, type_id: str) -> None:
    text = composed(templates, type_id)
    assert not [d for d in DOUBLED if d in text]
    assert "【待填写" not in text


def test_the_meeting_typed_with_zai_and_shang_is_not_doubled(templates: Templates) -> None:
    meeting = templates.types["study_speech"].question("meeting_name")
    assert "“在”“上”不用输入" in meeting.prompt
    text = composed(templates, "study_speech", meeting_name="在党组理论学习中心组学习会议上")
    assert text.startswith("在党组理论学习中心组学习会议上的交流发言")


@pytest.mark.parametrize("typed", ["《关于开展专项督查的通知》", "关于开展专项督查的通知"])
def test_a_notice_title_with_or_without_book_marks(templates: Templates, typed: str) -> None:
    assert "可带可不带" in templates.types["self_inspection"].question("notice_title").prompt
    assert "可带可不带" in templates.types["unit_periodic"].question("basis").prompt
    text = composed(templates, "self_inspection", notice_title=typed)
    assert "区委宣传部《关于开展专项督查的通知》" in text
    text = composed(templates, "unit_periodic", basis=f"县委宣传部{typed}")
    assert "按照县委宣传部《关于开展专项督查的通知》要求，" in text


def test_activities_typed_with_huodong_are_not_doubled(templates: Templates) -> None:
    question = templates.types["self_inspection"].question("activity_names")
    assert not question.example.endswith("活动")
    text = composed(templates, "self_inspection", activity_names=["主题党日活动", "宪法宣传周活动"])
    assert "组织党员参加了主题党日活动、宪法宣传周活动等。" in text
    text = composed(templates, "self_inspection", activity_names=["春季献血", "植树"])
    assert "组织党员参加了春季献血、植树等活动。" in text
