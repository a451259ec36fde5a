"""Parsing and validation of each question kind."""

from __future__ import annotations

from typing import Any

import pytest

from bot.interview.definition import Kind, Question
from bot.interview.figures import print_figure
from bot.interview.parsing import (
    Rejected,
    check_value,
    clean,
    parse_date,
    parse_integer,
    parse_items,
    parse_scalar,
    parse_toggles,
    parse_year,
    strip_item_prefix,
)
from tests.support.interviews import TODAY


def q(kind: Kind, **kw: Any) -> Question:
    defaults: dict[str, Any] = {"max_length": 80}
    if kind is Kind.INTEGER:
        defaults |= {"min": 0, "max": 100_000}
    if kind is Kind.YEAR:
        defaults |= {"min": 1990, "max": 2100}
    return Question(id="x", kind=kind, label="测试", prompt="？", **(defaults | kw))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("３", 3),
        ("三", 3),
        ("十二", 12),
        ("两", 2),
        ("3次", 3),
        ("共3次", 3),
        ("无", 0),
        ("0", 0),
        ("没有", 0),
        ("二十", 20),
        ("一百零五", 105),
        (" 7 ", 7),
        ("１２次", 12),
        ("1,200", 1200),
    ],
)
def test_integer_accepts(text: str, expected: int) -> None:
    assert parse_integer(q(Kind.INTEGER), clean(text)) == expected


@pytest.mark.parametrize(
    ("text", "stored", "printed"),
    [
        ("20余篇", "20余", "20余人次"),
        ("30余次", "30余", "30余人次"),
        ("近200人次", "近200", "近200人次"),
        ("1000多", "1000多", "1000多人次"),
        ("约95%", "约95", "约95人次"),
        ("200人次以上", "200以上", "200人次以上"),
        ("超过二十", "超过20", "超过20人次"),
        ("三十余次", "30余", "30余人次"),
        ("2.6万人次", "2.6万", "2.6万人次"),
        ("共计50多篇", "50多", "50多人次"),
        ("不详", "不详", "不详"),
        ("待统计", "不详", "不详"),
    ],
)
def test_integer_keeps_approximations_as_typed(text: str, stored: str, printed: str) -> None:
    value = parse_integer(q(Kind.INTEGER), clean(text))
    assert value == stored
    assert print_figure(value, "人次") == printed
    assert check_value(q(Kind.INTEGER), value) is None


def test_percentages_may_have_decimals() -> None:
    assert parse_integer(q(Kind.INTEGER, unit="%", max=100), "95.5%") == "95.5"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("-3", "negative"),
        ("负三", "negative"),
        ("abc", "not_integer"),
        ("3.5", "not_integer"),
        ("3.5次", "not_integer"),
        ("近", "not_integer"),
        ("三四十", "not_integer"),
        ("很多次", "not_integer"),
        ("999999999999", "too_large"),
    ],
)
def test_integer_rejects(text: str, key: str) -> None:
    with pytest.raises(Rejected) as exc:
        parse_integer(q(Kind.INTEGER), text)
    assert exc.value.key == key


def test_integer_respects_question_limits() -> None:
    with pytest.raises(Rejected) as exc:
        parse_integer(q(Kind.INTEGER, max=100), "101")
    assert exc.value.key == "too_large" and exc.value.params == {"max": 100}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-10-08", "2023-10-08"),
        ("2023年10月8日", "2023-10-08"),
        ("2023/10/8", "2023-10-08"),
        ("今天", TODAY.isoformat()),
        ("昨天", "2023-10-07"),
        ("２０２３年１０月８日", "2023-10-08"),
        ("2023.1.5", "2023-01-05"),
        ("20231008", "2023-10-08"),
    ],
)
def test_date_accepts(text: str, expected: str) -> None:
    assert parse_date(clean(text), TODAY) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2023-02-30", "impossible_date"),
        ("2023年13月1日", "impossible_date"),
        ("下周", "not_date"),
        ("10月8日之前", "not_date"),
    ],
)
def test_date_rejects(text: str, key: str) -> None:
    with pytest.raises(Rejected) as exc:
        parse_date(text, TODAY)
    assert exc.value.key == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023", 2023),
        ("2023年", 2023),
        ("二〇二三年", 2023),
        ("今年", 2023),
        ("去年", 2022),
        ("２０２４", 2024),
    ],
)
def test_year_accepts(text: str, expected: int) -> None:
    assert parse_year(q(Kind.YEAR), text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "key"), [("23", "not_year"), ("1800", "year_range"), ("明后年", "not_year")]
)
def test_year_rejects(text: str, key: str) -> None:
    with pytest.raises(Rejected) as exc:
        parse_year(q(Kind.YEAR), text, TODAY)
    assert exc.value.key == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", "第三季度"),
        ("第三季度", "第三季度"),
        ("三季度", "第三季度"),
        ("Q3", "第三季度"),
        ("５", "上半年"),
        ("上半年", "上半年"),
        ("全年", "全年"),
        ("年度", "全年"),
        ("下半年", "下半年"),
    ],
)
def test_period_accepts_number_text_and_aliases(text: str, expected: str) -> None:
    assert parse_scalar(q(Kind.PERIOD), text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "key"), [("8", "choice_number"), ("春天", "not_option"), ("0", "choice_number")]
)
def test_period_rejects(text: str, key: str) -> None:
    with pytest.raises(Rejected) as exc:
        parse_scalar(q(Kind.PERIOD), text, TODAY)
    assert exc.value.key == key


def test_single_choice_by_number_text_or_unique_part() -> None:
    question = q(Kind.SINGLE_CHOICE, options=("党组", "党委", "党总支"))
    assert parse_scalar(question, "2", TODAY) == "党委"
    assert parse_scalar(question, "党总支", TODAY) == "党总支"
    assert parse_scalar(question, "总支", TODAY) == "党总支"
    with pytest.raises(Rejected) as exc:
        parse_scalar(question, "党", TODAY)  # matches all three: ambiguous
    assert exc.value.key == "not_option"
    assert "党组、党委、党总支" in exc.value.params["options"]


@pytest.mark.parametrize("kind", [Kind.SINGLE_CHOICE, Kind.INTEGER, Kind.YEAR, Kind.DATE])
@pytest.mark.parametrize("text", ["¹", "²", "3²", "①"])
def test_digit_like_characters_are_refused_not_crashed_on(kind: Kind, text: str) -> None:
    # str.isdigit() is true for superscripts and circled numbers, which int() cannot read.
    with pytest.raises(Rejected):
        parse_scalar(q(kind, options=("党组", "党委")), text, TODAY)


def test_text_trims_rejects_empty_and_states_limit() -> None:
    question = q(Kind.SHORT_TEXT, max_length=5)
    assert parse_scalar(question, clean("  某局 \n"), TODAY) == "某局"
    with pytest.raises(Rejected) as exc:
        parse_scalar(question, clean("   "), TODAY)
    assert exc.value.key == "empty"
    with pytest.raises(Rejected) as exc:
        parse_scalar(question, "一二三四五六", TODAY)
    assert exc.value.key == "too_long" and exc.value.params == {"limit": 5, "length": 6}


def test_short_text_joins_lines() -> None:
    assert parse_scalar(q(Kind.SHORT_TEXT), "局党组书记\n局长", TODAY) == "局党组书记 局长"


def test_clean_drops_controls_and_surrogates_but_keeps_newlines() -> None:
    assert clean("a\x00b\x07c\r\nd\ud800e\u200b") == "abc\nde\u200b"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("1. 开展学习", "开展学习"),
        ("一是加强领导", "加强领导"),
        ("（二）强化宣传", "强化宣传"),
        ("3、组织活动", "组织活动"),
        ("① 活动", "活动"),
        ("1.5万人次参加", "1.5万人次参加"),
        ("十九大精神宣讲", "十九大精神宣讲"),
        ("第一，要学习", "要学习"),
    ],
)
def test_item_numbering_is_stripped(line: str, expected: str) -> None:
    assert strip_item_prefix(line) == expected


def test_items_one_per_line_with_limit() -> None:
    question = q(Kind.LIST, max_length=10)
    assert parse_items(question, "1. 甲\n\n2. 乙\n") == ["甲", "乙"]
    with pytest.raises(Rejected) as exc:
        parse_items(question, "这是一条超过十个字的很长的内容")
    assert exc.value.key == "too_long"


def test_toggles() -> None:
    assert parse_toggles("1 3", 3) == [1, 3]
    assert parse_toggles("２、３", 3) == [2, 3]
    assert parse_toggles("我自己的表述", 3) is None
    with pytest.raises(Rejected) as exc:
        parse_toggles("4", 3)
    assert exc.value.key == "choice_number"


def test_a_counting_word_other_than_the_questions_is_kept() -> None:
    question = q(Kind.INTEGER, unit="次")
    assert parse_integer(question, "40余人次") == "40余人次"
    assert print_figure(parse_integer(question, "40余人次"), "次") == "40余人次"
    assert parse_integer(question, "40余次") == "40余" and parse_integer(question, "3次") == 3
    assert parse_integer(q(Kind.INTEGER, unit="%", max=100), "5次") == 5  # not a counting word of %
