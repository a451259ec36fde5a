"""Turning what a user typed into a stored value, per question kind.

Parsers raise :class:`Rejected` carrying a message key and its parameters; the engine turns
that into the Chinese text from ``templates/messages.toml``. Nothing here formats prose.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.interview.definition import DETAIL_SEPARATOR, PERIODS, Kind, Question, Value
from bot.interview.figures import UNITS, UNKNOWN, UNKNOWN_WORDS, is_figure, magnitude, stored_figure
from bot.interview.numerals import CHINESE_NUMERAL_CHARS, chinese_to_int, to_halfwidth


class Rejected(Exception):
    """The input is not a valid answer; ``key`` names the message that says why."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


# Words that mean "none" when a count is asked for.
_ZERO_WORDS = frozenset({"无", "没有", "暂无", "零", "〇", "没", "未开展", "未召开", "尚无", "无此项"})
# Measure words and decorations around a count: 共3次, 3次, 20余篇, 约5场, 近200人次, 200人次以上.
_COUNT_RE = re.compile(
    r"^(?:共|共计|累计|合计|计|达到|达)?\s*(?P<pre>将近|超过|不到|不足|大约|近|约|逾)?\s*"
    r"(?P<num>[0-9]+(?:\.[0-9]+)?|[零〇○一二两三四五六七八九十百千万亿]+)\s*(?P<big>万|亿)?\s*"
    rf"(?P<inner>余|多)?\s*(?P<unit>{UNITS}|%|％)?"
    r"\s*(?P<outer>以上|左右|以下)?$"
)
_NEGATIVE_RE = re.compile(r"^(?:-|−|负)\s*[0-9零〇一二两三四五六七八九十百千万]")
_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?$"),
    re.compile(r"^(?P<y>\d{8})$"),
)
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2}
_RELATIVE_YEARS = {"今年": 0, "本年": 0, "本年度": 0, "去年": -1, "上一年": -1, "明年": 1}
_PERIOD_ALIASES = {
    **{p: p for p in PERIODS},
    **{f"{c}季度": PERIODS[i] for i, c in enumerate("一二三四")},
    **{f"第{n}季度": PERIODS[i] for i, n in enumerate("1234")},
    **{f"{n}季度": PERIODS[i] for i, n in enumerate("1234")},
    **{f"q{n}": PERIODS[i] for i, n in enumerate("1234")},
    "上半年度": "上半年",
    "前半年": "上半年",
    "1-6月": "上半年",
    "一至六月": "上半年",
    "下半年度": "下半年",
    "后半年": "下半年",
    "7-12月": "下半年",
    "七至十二月": "下半年",
    "全年度": "全年",
    "年度": "全年",
    "本年度": "全年",
    "一年": "全年",
    "年终": "全年",
    "全年工作": "全年",
    "年底": "全年",
}
_ITEM_PREFIX_RE = re.compile(
    r"^\s*(?:"
    r"[（(][一二三四五六七八九十\d]{1,3}[)）]"  # （一） (1)
    r"|[一二三四五六七八九十]{1,3}是[：:，,、]?"  # 一是
    r"|第[一二三四五六七八九十\d]{1,3}[，,、：:。.]"  # 第一，
    r"|[一二三四五六七八九十]{1,3}[、.．]"  # 一、
    r"|\d{1,3}(?:[、．]|\.(?!\d))"  # 1、 1.  (not 1.5)
    r"|[①-⑳]"
    r"|[-*•·●▪]\s"
    r")\s*"
)
_TOGGLE_RE = re.compile(r"^[\d\s,，、;；]+$")
# Lone surrogates cannot be stored; C0/C1 controls (category Cc) but tab and line end cannot be printed.
_DROPPED_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
FINISH_WORDS = frozenset({"完成", "完毕", "结束", "好了", "没有了", "就这些", "done", "ok"})


def clean(text: str) -> str:
    """Input as stored: line ends unified, unencodable and control characters dropped, trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _DROPPED_RE.sub("", text).strip()


def _check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise Rejected("too_long", limit=limit, length=len(text))


def parse_text(question: Question, text: str) -> str:
    """Short or long text: anything non-empty within the length limit."""
    if not text:
        raise Rejected("empty")
    if question.kind is Kind.SHORT_TEXT and "\n" in text:
        text = re.sub(r"\s*\n\s*", " ", text)
    _check_length(text, question.max_length)
    return text


def parse_integer(question: Question, text: str) -> int | str:
    """A count as typed: an int, or the approximation the official gave.

    ``3``, ``３``, ``三``, ``3次``, ``无`` → an int; ``30余次``, ``近200人次``, ``约95%``,
    ``200人次以上`` → the approximation kept (see bot.interview.figures); ``不详`` kept as is.
    """
    compact = to_halfwidth(text).replace(" ", "").replace(",", "").lower()
    if compact in _ZERO_WORDS:
        return _in_range(question, 0)
    if compact in UNKNOWN_WORDS:
        return UNKNOWN
    if _NEGATIVE_RE.match(compact):
        raise Rejected("negative")
    match = _COUNT_RE.match(compact)
    if not match:
        raise Rejected("not_integer")
    num, big = match["num"], match["big"] or ""
    if "." in num and not big and question.unit not in ("%", "％"):
        raise Rejected("not_integer")  # 3.5次 is no count; 2.6万人次 and 95.5% are
    if not num[0].isdecimal():
        # A Chinese numeral: 三十, 两千; a trailing 万 read by the numeral belongs to it.
        parsed = chinese_to_int(num + big)
        if parsed is None:
            raise Rejected("not_integer")
        num, big = str(parsed), ""
    typed = match["unit"] or ""
    # A finer counting word of the same kind is kept (40余人次 where the question counts 次 or 人);
    # any other counting word typed is the question's own, said differently.
    asked = question.unit
    unit = typed if asked and typed != asked and (asked in typed or typed in asked) else ""
    value = stored_figure(match["pre"] or "", num, big, match["inner"] or "", match["outer"] or "", unit)
    if isinstance(value, int):
        return _in_range(question, value)
    _in_range(question, magnitude(value))
    return value


def _in_range(question: Question, value: int | float) -> int:
    if question.min is not None and value < question.min:
        raise Rejected("too_small", min=question.min)
    if question.max is not None and value > question.max:
        raise Rejected("too_large", max=question.max)
    return int(value)


def parse_year(question: Question, text: str, today: dt.date) -> int:
    """A year: ``2023``, ``2023年``, ``二〇二三年``, ``今年``, ``去年``."""
    compact = to_halfwidth(text).replace(" ", "")
    if compact in _RELATIVE_YEARS:
        return _in_range(question, today.year + _RELATIVE_YEARS[compact])
    compact = compact.removesuffix("年度").removesuffix("年")
    if re.fullmatch(r"\d{4}", compact):
        year = int(compact)
    elif len(compact) == 4 and all(ch in CHINESE_NUMERAL_CHARS for ch in compact):
        year = chinese_to_int(compact) or 0
    else:
        raise Rejected("not_year")
    if question.min is not None and question.max is not None and not question.min <= year <= question.max:
        raise Rejected("year_range", min=question.min, max=question.max)
    return year


def parse_date(text: str, today: dt.date) -> str:
    """A date as ``YYYY-MM-DD``: ``2023-10-08``, ``2023年10月8日``, ``今天``."""
    compact = to_halfwidth(text).replace(" ", "")
    if compact in _RELATIVE_DAYS:
        return (today + dt.timedelta(days=_RELATIVE_DAYS[compact])).isoformat()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(compact)
        if not match:
            continue
        if "m" in match.groupdict():
            y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
        else:
            raw = match["y"]
            y, m, d = int(raw[:4]), int(raw[4:6]), int(raw[6:])
        try:
            return dt.date(y, m, d).isoformat()
        except ValueError:
            raise Rejected("impossible_date", text=compact) from None
    raise Rejected("not_date")


def _pick_option(options: tuple[str, ...], text: str, aliases: dict[str, str] | None = None) -> str:
    compact = to_halfwidth(text).replace(" ", "").lower()
    if compact.isdecimal():
        n = int(compact)
        if 1 <= n <= len(options):
            return options[n - 1]
        raise Rejected("choice_number", count=len(options))
    for option in options:
        if compact == option.lower().replace(" ", ""):
            return option
    if aliases and compact in aliases:
        return aliases[compact]
    partial = [o for o in options if compact and compact in o.lower().replace(" ", "")]
    if len(partial) == 1:
        return partial[0]
    raise Rejected("not_option", options="、".join(options), count=len(options))


def parse_choice(question: Question, text: str) -> str:
    """A single choice or a period: the option's number or its text.

    Where the question takes other answers, the text typed is taken too.
    """
    aliases = _PERIOD_ALIASES if question.kind is Kind.PERIOD else None
    try:
        return _pick_option(question.choices, text, aliases)
    except Rejected:
        if not question.other or to_halfwidth(text).strip().isdecimal():
            raise
    text = text.strip().replace("\n", "")
    _check_length(text, question.max_length or 20)
    return text


_DETAIL_RE = re.compile(r"^\s*[（(]?(?P<n>\d{1,2})[)）]?\s*(?:[：:、.．，,]|\s)\s*(?P<detail>\S.*)$", re.S)


def parse_detail(question: Question, text: str, numbers: tuple[int, ...]) -> tuple[int, str]:
    """The item number and the detail a message gives (``2 年初成立了……`` → 2, the detail).

    ``2：……`` works as well; with only one item in ``numbers`` the number may be left out.
    """
    shown = "、".join(str(n) for n in numbers)
    match = _DETAIL_RE.match(to_halfwidth(text[:4]) + text[4:])
    if match:
        number, detail = int(match["n"]), match["detail"]
        if number not in numbers:
            raise Rejected("detail_number", numbers=shown, first=numbers[0])
    elif len(numbers) == 1:
        number, detail = numbers[0], text
    else:
        raise Rejected("detail_number", numbers=shown, first=numbers[0])
    detail = re.sub(r"\s*\n\s*", "", detail).strip()
    if not detail:
        raise Rejected("empty")
    _check_length(detail, question.max_length)
    return number, detail


def strip_item_prefix(line: str) -> str:
    """A list item without the numbering the user may have typed (``1.``, ``一是``, ``（二）``)."""
    return _ITEM_PREFIX_RE.sub("", line, count=1).strip()


def parse_items(question: Question, text: str) -> list[str]:
    """Items for a list or the user's own phrases for a multi choice: one per line."""
    items = [strip_item_prefix(line) for line in text.split("\n")]
    items = [item for item in items if item]
    if not items:
        raise Rejected("empty")
    for item in items:
        _check_length(item, question.max_length)
    return items


def parse_toggles(text: str, count: int) -> list[int] | None:
    """Option numbers 1..count to toggle (``1 3``, ``2、5``), or None when the text is not numbers."""
    compact = to_halfwidth(text)
    if not _TOGGLE_RE.match(compact):
        return None
    numbers = [int(n) for n in re.findall(r"\d+", compact)]
    if any(not 1 <= n <= count for n in numbers):
        raise Rejected("choice_number", count=count)
    return list(dict.fromkeys(numbers))


def parse_scalar(question: Question, text: str, today: dt.date) -> Value:
    """Parse one message for a question whose answer is a single value."""
    if not text:
        raise Rejected("empty")
    match question.kind:
        case Kind.SHORT_TEXT | Kind.LONG_TEXT:
            return parse_text(question, text)
        case Kind.INTEGER:
            return parse_integer(question, text)
        case Kind.YEAR:
            return parse_year(question, text, today)
        case Kind.DATE:
            return parse_date(text, today)
        case Kind.SINGLE_CHOICE | Kind.PERIOD:
            return parse_choice(question, text)
    raise AssertionError(f"{question.kind} is not a scalar kind")


def parse_typed(question: Question, text: str, today: dt.date) -> Value:
    """A single value the user typed (an answer, a profile field), cleaned, parsed and checked.

    Rejected says why the text is no valid value for its question.
    """
    return parse_scalar(question, clean(text), today)


def check_value(question: Question, value: object) -> str | None:
    """Why ``value`` is not a valid stored answer for ``question`` (None when it is)."""
    kind = question.kind
    if kind is Kind.DETAILS:
        if not isinstance(value, list) or not all(
            isinstance(v, str) and len(v.split(DETAIL_SEPARATOR)) == 2 and all(v.split(DETAIL_SEPARATOR))
            for v in value
        ):
            return "expected a list of 'item\\ndetail' strings"
        if any(len(v.split(DETAIL_SEPARATOR)[1]) > question.max_length for v in value):
            return f"a detail is longer than {question.max_length} characters"
        return None
    if kind in (Kind.LIST, Kind.MULTI_CHOICE):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return "expected a list of non-empty strings"
        if len(value) > question.max_items:
            return f"more than {question.max_items} items"
        if any(len(v) > question.max_length for v in value):
            return f"an item is longer than {question.max_length} characters"
        return None
    if kind is Kind.INTEGER and isinstance(value, str):
        if not is_figure(value):
            return "expected an integer or a figure such as 30余, 近200 or 不详"
        value = int(magnitude(value))
    if kind in (Kind.INTEGER, Kind.YEAR):
        if not isinstance(value, int) or isinstance(value, bool):
            return "expected an integer"
        if (question.min is not None and value < question.min) or (
            question.max is not None and value > question.max
        ):
            return f"outside {question.min}..{question.max}"
        return None
    if not isinstance(value, str) or not value:
        return "expected a non-empty string"
    if kind is Kind.DATE:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return "expected a date as YYYY-MM-DD"
        return None if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else "expected YYYY-MM-DD"
    if kind in (Kind.SINGLE_CHOICE, Kind.PERIOD):
        if value in question.choices or (question.other and len(value) <= (question.max_length or 20)):
            return None
        return f"not one of {', '.join(question.choices)}"
    if len(value) > question.max_length:
        return f"longer than {question.max_length} characters"
    if _DROPPED_RE.search(value):
        return "holds control characters or lone surrogates"
    return None
