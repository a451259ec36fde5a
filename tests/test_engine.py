"""The interview engine's operations on the small test definition."""

from __future__ import annotations

import ast
import datetime as dt
import functools
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.interview.definition import ReportType
from bot.interview.engine import Cursor, Interview, State
from bot.interview.messages import Messages
from bot.interview.suggestions import profile_updates, suggest
from bot.service.reports import OPERATIONS, Reports, Templates
from storage import Store
from tests.support.interviews import TODAY, Driver


def answer_basics(d: Driver) -> None:
    for text in ("某市交通局", "2023", "3"):
        assert not d.say(text).rejected


def test_start_asks_first_question_with_progress(driver: Driver) -> None:
    prompt = driver.last.prompt
    assert prompt is not None and prompt.question.id == "unit_name"
    p = prompt.progress
    assert (p.section_number, p.section_count, p.question_number, p.question_count) == (1, 3, 1, 3)


def test_answers_are_parsed_and_cursor_moves_on(driver: Driver) -> None:
    step = driver.say("  某市交通局  ")
    assert step.changes == {"unit_name": "某市交通局"}
    assert driver.at == "year"
    driver.say("二〇二三年")
    driver.say("三季度")
    assert driver.answers == {"unit_name": "某市交通局", "year": 2023, "period": "第三季度"}
    prompt = driver.last.prompt
    assert prompt is not None and prompt.progress.section_number == 2


def test_rejected_answer_changes_nothing_and_says_what_to_send(driver: Driver) -> None:
    answer_basics(driver)
    step = driver.say("很多")
    assert step.rejected and step.changes == {}
    assert driver.at == "meetings"
    assert "请发送一个数，例如 3" in step.notice and "不详" in step.notice
    assert driver.say("-2").notice.startswith("这里需要填写次数或数量，不能是负数")
    assert driver.say("101").notice == "数字不能大于 100，请核对后重新发送。"
    assert "meetings" not in driver.answers


def test_empty_message_is_not_an_answer(driver: Driver) -> None:
    step = driver.say("   \n ")
    assert step.rejected and "没有收到内容" in step.notice and driver.answers == {}


def test_too_long_text_states_limit(driver: Driver) -> None:
    step = driver.say("很" * 21)
    assert step.rejected and "最多 20 个字" in step.notice and "21 个字" in step.notice


def test_single_choice_by_button_number(driver: Driver) -> None:
    answer_basics(driver)
    driver.say("3")
    step = driver.do("choose", 2)
    assert step.changes == {"has_extra": "否"}
    assert driver.at == "activities"  # the condition on 'extra' fails, so it is not asked


def test_condition_asks_dependent_question(driver: Driver) -> None:
    answer_basics(driver)
    driver.say("3")
    driver.say("是")
    assert driver.at == "extra"


def test_list_collects_items_until_finished(driver: Driver) -> None:
    answer_basics(driver)
    driver.say("3")
    driver.say("否")
    step = driver.say("1. 主题党日\n2. 志愿服务")
    assert step.changes == {"activities": ["主题党日", "志愿服务"]}
    assert driver.at == "activities"
    assert driver.say("志愿服务").rejected  # duplicate
    driver.say("宣讲活动")
    assert driver.say("第四条").notice.startswith("这一项最多 3 条")
    driver.say("完成")
    assert driver.at == "note"
    assert driver.answers["activities"] == ["主题党日", "志愿服务", "宣讲活动"]


def test_required_list_cannot_finish_empty(driver: Driver) -> None:
    answer_basics(driver)
    driver.say("3")
    driver.say("否")
    step = driver.do("finish")
    assert step.rejected and "至少需要 1 条" in step.notice


def test_multi_choice_toggles_and_takes_own_phrases(driver: Driver) -> None:
    driver.cursor = Cursor("problems")
    driver.do("choose", 1)
    driver.say("3")
    assert driver.answers["problems"] == ["认识不够", "宣传不足"]
    driver.do("choose", 1)  # toggled off again
    driver.say("我们自己的问题表述")
    assert driver.answers["problems"] == ["宣传不足", "我们自己的问题表述"]
    prompt = driver.last.prompt
    assert prompt is not None
    assert [(c.number, c.label, c.selected) for c in prompt.choices] == [
        (1, "认识不够", False),
        (2, "方法不多", False),
        (3, "宣传不足", True),
        (4, "我们自己的问题表述", True),
    ]
    driver.say("4")  # the user's own phrase can be removed like any other
    driver.do("finish")
    assert driver.answers["problems"] == ["宣传不足"]
    assert driver.at == "report_date"


def test_back_keeps_later_answers_and_forward_resumes(driver: Driver) -> None:
    answer_basics(driver)
    driver.say("5")
    assert driver.at == "has_extra"
    driver.do("back")
    driver.do("back")
    assert driver.at == "period"
    prompt = driver.last.prompt
    assert prompt is not None and prompt.current == "第三季度"
    assert driver.answers["meetings"] == 5
    step = driver.say("上半年")
    assert step.changes == {"period": "上半年"}  # only that answer is overwritten
    assert driver.answers["meetings"] == 5
    assert driver.at == "has_extra"  # straight back to where the user was


def test_back_at_first_question(driver: Driver) -> None:
    step = driver.do("back")
    assert step.rejected and step.notice == "已经是第一个问题了。"


def test_skip_only_optional(driver: Driver) -> None:
    step = driver.do("skip")
    assert step.rejected and "“单位名称”是必填项" in step.notice and "/section" in step.notice
    answer_basics(driver)
    driver.say("3")
    driver.say("否")
    driver.say("活动")
    driver.say("完成")
    assert driver.at == "note"
    step = driver.do("skip")
    assert step.changes == {"note": None}
    assert driver.at == "problems"


def test_accept_takes_suggestion_and_keeps_current(interview: Interview) -> None:
    d = Driver(interview, suggestions={"unit_name": "某市交通局"})
    prompt = d.last.prompt
    assert prompt is None or prompt.suggestion is None  # start() has no suggestions passed
    d.do("current")
    prompt = d.last.prompt
    assert prompt is not None and prompt.suggestion == "某市交通局"
    step = d.do("accept")
    assert step.changes == {"unit_name": "某市交通局"} and d.at == "year"
    assert d.do("accept").rejected  # no offer for the year here
    d.do("back")
    step = d.do("accept")
    assert step.changes == {} and d.at == "year"


def test_goto_section_and_sections_listing(driver: Driver) -> None:
    answer_basics(driver)
    step = driver.do("goto_section", 3)
    assert driver.at == "problems" and step.prompt is not None
    statuses = driver.interview.sections(driver.answers)
    assert [(s.number, s.section.id, s.answered, s.total) for s in statuses] == [
        (1, "basic", 3, 3),
        (2, "work", 0, 4),
        (3, "end", 0, 2),
    ]
    assert driver.do("goto_section", 9).rejected
    # Answering in a later section, then continuing, returns to the first open question.
    driver.do("choose", 1)
    driver.do("finish")
    driver.say("今天")
    assert driver.at == "meetings"


def test_review_lists_answers_and_edit_returns_to_review(driver: Driver) -> None:
    answer_basics(driver)
    step = driver.do("review")
    assert step.review
    items = [item for section in step.review for item in section.items]
    assert [i.number for i in items] == list(range(1, len(items) + 1))
    assert items[0].value == "某市交通局" and not items[0].missing
    assert items[3].question.id == "meetings" and items[3].missing
    assert driver.at == "meetings"

    driver.do("edit", "1")
    assert driver.cursor == Cursor("unit_name", review=True)
    step = driver.say("某市交通运输局")
    assert step.changes == {"unit_name": "某市交通运输局"}
    assert step.review and step.notice == "已修改。"
    assert driver.at == "meetings" and not driver.cursor.review
    assert driver.do("edit", "99").rejected


def test_completeness_and_finish(driver: Driver) -> None:
    assert [q.id for q in driver.interview.missing({})] == [
        "unit_name",
        "year",
        "period",
        "meetings",
        "has_extra",
        "activities",
        "problems",
        "report_date",
    ]
    answer_basics(driver)
    driver.say("无")
    driver.say("否")
    driver.say("活动")
    driver.say("完成")
    driver.do("skip")
    driver.say("1")
    driver.say("完成")
    step = driver.say("2023年10月8日")
    assert step.complete and step.prompt is None and driver.at is None
    assert driver.answers["meetings"] == 0
    assert driver.say("再说一句").notice.startswith("这份报告的问题都已回答完毕")
    driver.do("back")
    assert driver.at == "report_date"


def test_changing_a_condition_hides_answers_without_deleting(driver: Driver) -> None:
    answer_basics(driver)
    driver.say("3")
    driver.say("是")
    driver.say("补充的内容")
    driver.do("edit", "has_extra")
    driver.say("否")
    assert driver.answers["extra"] == "补充的内容"  # kept, in case the user switches back
    assert "extra" not in driver.interview.applicable_answers(driver.answers)


def test_cursor_on_question_that_no_longer_applies_moves_on(interview: Interview) -> None:
    state = State({"has_extra": "否"}, Cursor("extra"), {})
    step = interview.current(state)
    assert step.cursor.question == "unit_name"


def test_engine_is_pure(interview: Interview) -> None:
    state = State({}, Cursor("unit_name"), {})
    first = interview.answer(state, "某局", TODAY)
    second = interview.answer(state, "某局", TODAY)
    assert first == second and state.answers == {}


class _Running:
    """Counts the Interview methods running; the store and the clock may not be touched then."""

    def __init__(self) -> None:
        self.depth = 0
        self.states: list[State] = []

    def forbid(self, what: str) -> None:
        if self.depth:
            raise AssertionError(f"{what} used while the engine was running")

    def around(self, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def run(*args: Any, **kwargs: Any) -> Any:
            self.states += [a for a in args if isinstance(a, State)]
            self.depth += 1
            try:
                return method(*args, **kwargs)
            finally:
                self.depth -= 1

        return run


class _GuardedStore:
    """A store that fails when used while an Interview method runs."""

    def __init__(self, store: Store, running: _Running) -> None:
        self._store = store
        self._running = running

    def __getattr__(self, name: str) -> Any:
        self._running.forbid(f"store.{name}")
        return getattr(self._store, name)


def test_the_service_gathers_offers_before_the_engine_runs(
    store: Store, templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = _Running()
    for name, method in list(vars(Interview).items()):
        if callable(method) and not name.startswith("__"):
            monkeypatch.setattr(Interview, name, running.around(method))
    for name, method in list(OPERATIONS.items()):
        monkeypatch.setitem(OPERATIONS, name, running.around(method))

    def today() -> dt.date:
        running.forbid("the clock")
        return TODAY

    reports = Reports(_GuardedStore(store, running), templates, today)  # type: ignore[arg-type]
    store.update_profile("u1", {"speaker_name": "张三"})
    first, _ = reports.new("u1", "study_speech")
    reports.act("u1", first, "answer", "理论学习中心组学习会")
    report_id, step = reports.new("u1", "study_speech")
    assert step.prompt is not None and step.prompt.suggestion == "理论学习中心组学习会"  # carried over
    reports.act("u1", report_id, "accept")
    reports.act("u1", report_id, "accept")  # the profile's name
    assert reports.load("u1", report_id).answers == {
        "meeting_name": "理论学习中心组学习会",
        "speaker_name": "张三",
    }
    steps: list[tuple[str, tuple[object, ...]]] = [
        ("skip", ()),
        ("back", ()),
        ("review", ()),
        ("edit", ("4",)),
        ("accept", ()),
        ("section", (1,)),
    ]
    for operation, args in steps:
        assert not reports.act("u1", report_id, operation, *args).rejected
    assert reports.load("u1", report_id).answers["speech_date"] == TODAY.isoformat()
    reports.current("u1", report_id)
    # Every step got its offers as a plain dict, worked out before it ran.
    assert running.states and all(type(s.suggestions) is dict for s in running.states)


def test_the_engine_imports_only_the_standard_library_and_interview_modules() -> None:
    seen: set[str] = set()
    waiting = ["bot.interview.engine"]
    while waiting:
        name = waiting.pop()
        if name in seen:
            continue
        seen.add(name)
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None
        for node in ast.walk(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = [node.module]
            elif isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            else:
                continue
            for module in imported:
                if module.startswith("bot.interview."):
                    waiting.append(module)
                else:
                    assert module.split(".")[0] in sys.stdlib_module_names, f"{name} imports {module}"
    assert "bot.interview.parsing" in seen


def test_suggestions_and_profile_updates(mini: ReportType) -> None:
    offers = suggest(mini, {"unit_name": "某局"}, {"meetings": 4, "period": "全年", "year": 2020}, TODAY)
    assert offers["unit_name"] == "某局"
    assert offers["meetings"] == 4  # carried from the previous report
    assert "period" not in offers  # periods are not carried over
    assert offers["year"] == 2023 and offers["report_date"] == "2023-10-08"
    assert profile_updates(mini, {"unit_name": "新局", "meetings": 3}) == {"unit_name": "新局"}


def test_messages_fill_parameters(messages: Messages) -> None:
    assert messages.text("error.choice_number", count=4) == "请发送 1 到 4 之间的编号。"
