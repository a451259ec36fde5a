"""The chat-state rules of the service: which report the chat continues, a press on an old
question's button, changing a profile field, cancelling, deleting; and the shown period."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.interview.engine import Cursor, Step
from bot.service.reports import Reports
from bot.telegram.buttons import PRESSES, REPORT_PRESSES
from bot.telegram.keys import OPS
from storage import ReportNotFound, Store

OWNER = "tg:7"


def stored(tmp_path: Path) -> Store:
    """The database as another process sees it (nothing kept in this store's memory)."""
    return Store.open(tmp_path / "test.db")


def test_deleting_the_report_the_chat_continues_leaves_it_continuing_none(
    reports: Reports, tmp_path: Path
) -> None:
    first, _ = reports.new(OWNER, "study_speech", activate=True)
    second, _ = reports.new(OWNER, "study_speech")
    reports.delete(OWNER, second)  # not the active one: the chat still continues the first
    assert reports.chats.active_report(OWNER) == first
    reports.delete(OWNER, first)
    assert reports.chats.active_report(OWNER) is None
    other = stored(tmp_path)
    try:
        assert other.active_report(OWNER) is None
        assert other.list_reports(OWNER) == []
    finally:
        other.close()


def test_resuming_and_jumping_make_a_report_the_one_continued(reports: Reports) -> None:
    first, _ = reports.new(OWNER, "study_speech", activate=True)
    second, step = reports.new(OWNER, "study_speech")
    assert reports.chats.active_report(OWNER) == first
    resumed = reports.resume(OWNER, second)
    assert reports.chats.active_report(OWNER) == second
    assert resumed.prompt is not None and step.prompt is not None
    assert resumed.prompt.question.id == step.prompt.question.id
    jumped = reports.continue_with(OWNER, first, "section", 2)
    assert reports.chats.active_report(OWNER) == first
    assert jumped.prompt is not None and jumped.prompt.progress.section_number == 2
    with pytest.raises(ReportNotFound):
        reports.resume("tg:8", first)  # anyone else's report
    assert reports.chats.active_report("tg:8") is None


def test_a_press_for_a_question_no_longer_asked_is_stale_and_changes_nothing(reports: Reports) -> None:
    report_id, first = reports.new(OWNER, "unit_periodic")
    assert first.prompt is not None
    position = first.prompt.position
    reports.act(OWNER, report_id, "answer", "甲局")
    before = reports.load(OWNER, report_id)
    assert reports.act_on_asked(OWNER, report_id, position, "skip") is None
    after = reports.load(OWNER, report_id)
    assert (after.answers, after.cursor) == (before.answers, before.cursor)
    assert reports.chats.active_report(OWNER) is None  # a stale press does not pick the report

    asked = reports.current(OWNER, report_id)
    assert asked.prompt is not None
    taken = reports.act_on_asked(OWNER, report_id, asked.prompt.position, "back")
    assert taken is not None
    was, step = taken
    assert was.cursor == asked.cursor
    assert step.prompt is not None and step.prompt.position == position
    assert reports.load(OWNER, report_id).cursor == step.cursor.to_dict()
    assert reports.chats.active_report(OWNER) == report_id


def test_a_profile_change_is_pending_until_its_value_is_typed_or_it_is_cancelled(
    reports: Reports, tmp_path: Path
) -> None:
    question = reports.profile_field("unit_name")
    assert question is not None
    assert reports.chats.profile_edit(OWNER) is None
    reports.chats.start_profile_edit(OWNER, question)
    assert reports.chats.profile_edit(OWNER) == question
    other = stored(tmp_path)
    try:
        assert other.editing(OWNER) == "unit_name"
    finally:
        other.close()
    assert reports.set_profile(OWNER, question, "  甲局 ") is None
    assert reports.profile(OWNER)["unit_name"] == "甲局"
    assert reports.chats.profile_edit(OWNER) is None  # the value ends the change

    reports.chats.start_profile_edit(OWNER, question)
    reports.chats.end_profile_edit(OWNER)
    assert reports.chats.profile_edit(OWNER) is None
    assert reports.profile(OWNER)["unit_name"] == "甲局"


def test_cancel_ends_a_profile_change_first_then_pauses_the_report(reports: Reports) -> None:
    assert reports.chats.cancel(OWNER) is None
    report_id, _ = reports.new(OWNER, "study_speech", activate=True)
    question = reports.profile_fields()[0]
    reports.chats.start_profile_edit(OWNER, question)
    assert reports.chats.cancel(OWNER) == "profile_edit"
    assert reports.chats.profile_edit(OWNER) is None
    assert reports.chats.active_report(OWNER) == report_id
    assert reports.chats.cancel(OWNER) == "report"
    assert reports.chats.active_report(OWNER) is None
    assert reports.chats.cancel(OWNER) is None
    assert reports.load(OWNER, report_id).id == report_id  # paused, not deleted


def test_a_report_without_a_period_is_listed_as_such(reports: Reports) -> None:
    report_id, _ = reports.new(OWNER, "unit_periodic")
    info = reports.about(OWNER, report_id, dt.UTC)
    assert info.period == reports.templates.messages.text("report.period_unknown") == "未填期间"


def test_only_a_step_that_ends_the_interview_is_finished(reports: Reports) -> None:
    report_id, first = reports.new(OWNER, "study_speech")
    assert first.prompt is not None and not first.finished  # a question is asked
    end, question = Cursor(None), first.prompt.question
    assert Step({}, end, None).finished
    assert not Step({}, end, None, rejected=True).finished
    assert not Step({}, end, None, missing=(question,)).finished
    review = reports.act(OWNER, report_id, "review").review
    assert review and not Step({}, end, None, review=review).finished


def test_every_button_op_has_one_handler() -> None:
    assert set(PRESSES) | set(REPORT_PRESSES) == set(OPS)
    assert not set(PRESSES) & set(REPORT_PRESSES)
