"""Figures as officials give them: exact counts, approximations kept as typed, and 不详.

An integer answer is stored as an ``int`` when it is exact, and as a short string when it is not:
``30余``, ``近200``, ``约95``, ``200多``, ``200以上``, ``超过200``, ``2.6万`` — the number with its
approximation words and without its unit — or ``不详`` for a figure the official does not have yet.
The unit goes back in its place when the figure is printed: ``30余次``, ``近200人次``, ``200人次以上``.
"""

from __future__ import annotations

import re

UNKNOWN = "不详"
# Words an official sends for a fact they do not have yet; each prints as a 【待填写】 mark.
UNKNOWN_WORDS = frozenset({"不详", "不清楚", "待定", "待补充", "暂缺", "未知", "待统计", "待核实", "不确定"})

# Stored form: prefix words, the number (Arabic, maybe with a decimal and 万/亿), 余/多 (printed
# before the unit) and 以上/左右/以下 (printed after it).
# A counting word the official typed that differs from the question's (人次 for 次) is kept too.
UNITS = "人次|场次|校次|次|篇|人|个|场|期|条|项|名|家|份|批|轮|天|小时|所|户|幅|块|节|册|起|件|万户"
FIGURE_RE = re.compile(
    r"^(?P<pre>将近|超过|不到|不足|大约|近|约|逾|达)?"
    r"(?P<num>\d+(?:\.\d+)?)(?P<big>万|亿)?"
    rf"(?P<inner>余|多)?(?P<unit>{UNITS})?(?P<outer>以上|左右|以下)?$"
)


def is_figure(value: object) -> bool:
    """Whether ``value`` is a valid stored figure (an int, an approximation, or 不详)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and (value == UNKNOWN or FIGURE_RE.match(value) is not None)


def magnitude(value: int | str) -> float:
    """The figure's number (0 for 不详): ``近200`` → 200, ``2.6万`` → 26000."""
    if isinstance(value, int):
        return float(value)
    match = FIGURE_RE.match(value)
    if not match:
        return 0.0
    number = float(match["num"])
    return number * {"万": 10_000, "亿": 100_000_000}.get(match["big"] or "", 1)


def stored_figure(prefix: str, number: str, big: str, inner: str, outer: str, unit: str = "") -> int | str:
    """The stored form of a parsed figure.

    A plain int when nothing qualifies it; ``unit`` only when it differs from the question's.
    """
    if not (prefix or big or inner or outer or unit) and number.isdecimal():
        return int(number)
    return f"{prefix}{number}{big}{inner}{unit}{outer}"


def print_figure(value: int | str, unit: str) -> str:
    """The figure with its unit where Chinese puts it: ``30余次``, ``近200人次``, ``200人次以上``."""
    if isinstance(value, int):
        return f"{value}{unit}"
    match = FIGURE_RE.match(value)
    if not match:
        return value
    head = f"{match['pre'] or ''}{match['num']}{match['big'] or ''}{match['inner'] or ''}"
    return f"{head}{match['unit'] or unit}{match['outer'] or ''}"
