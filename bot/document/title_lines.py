"""Breaking a long 公文 title into balanced lines between words (GB/T 9704-2012 7.3.1).

Widths count in characters of the title's size, a half-width digit or Latin letter as half,
because that is how much of the line they take, plus the autospacing beside them.
"""

from __future__ import annotations

import itertools
import math
import re

TITLE_LINE_CHARS = 20  # 156 mm at 2号 (22 pt) holds 20.1 characters
_BREAK_AFTER = "的于和及与、，度暨】"  # not after 年: 2026年|度, 2026年|第三季度 split a period
_BREAK_BEFORE = ("意识形态", "关于", "工作", "落实", "专题", "【")  # 【…】: a draft's mark, whole
# Terms a line must never split; a reader takes them as one word.
KEEP_TOGETHER = (
    "网络意识形态",
    "意识形态",
    "工作责任制",
    "落实情况",
    "党组（党委）",
    "理论学习中心组",
    "专题研讨",
    "专题民主生活会",
)
# Runs kept whole when the title still splits evenly without breaking them (a preference).
PREFER_TOGETHER = ("意识形态工作责任制", "意识形态工作")
# The report period: 2023年第三季度, 2023年上半年, 2023年度, 2023年1—6月.
PERIOD_RE = re.compile(r"\d{4}年(?:第[一二三四1-4]季度|[上下]半年|度|全年|\d{1,2}[—\-至]\d{1,2}月)?")
MARK_RE = re.compile(r"【[^】]*】")  # a draft's 【待填写：…】
ORDINAL_RE = re.compile(r"第[一二三四五六七八九十\d]+[次期批]")


def width(text: str) -> float:
    """The width of ``text`` in full-width characters (half-width characters count half)."""
    return sum(0.5 if ord(ch) < 0x2000 else 1.0 for ch in text)


def line_width(text: str) -> float:
    """The printed width of a title line: ``width`` plus the space Word and LibreOffice put
    between Chinese characters and digits or Latin letters (autospacing, about a quarter each)."""
    halves = [ord(ch) < 0x2000 for ch in text]
    return width(text) + 0.25 * sum(a != b for a, b in itertools.pairwise(halves))


def protected_spans(title: str, terms: tuple[str, ...] = KEEP_TOGETHER) -> list[tuple[int, int]]:
    """The (start, end) of every listed term, period phrase and draft mark in ``title``."""
    spans = [(m.start(), m.end()) for m in (*PERIOD_RE.finditer(title), *MARK_RE.finditer(title))]
    for term in terms:
        spans += [(m.start(), m.start() + len(term)) for m in re.finditer(re.escape(term), title)]
    return spans


def _even_split(title: str, count: int, limit: float, allowed: list[int]) -> tuple[float, list[int]] | None:
    """The most even split of ``title`` into ``count`` lines no wider than ``limit`` at the
    ``allowed`` places (its cost and cuts), or None when there is none."""
    ideal = line_width(title) / count
    ends = [*allowed, len(title)]
    # cost[(end, lines)]: the most even split of title[:end] into that many lines, and its cuts.
    cost: dict[tuple[int, int], tuple[float, list[int]]] = {(0, 0): (0.0, [])}
    for lines in range(1, count + 1):
        for end in ends:
            options = [
                (prev_cost + (line_width(title[start:end]) - ideal) ** 2, [*cuts, end])
                for (start, used), (prev_cost, cuts) in cost.items()
                if used == lines - 1 and start < end and line_width(title[start:end]) <= limit
            ]
            if options:
                cost[(end, lines)] = min(options, key=lambda option: option[0])
    return cost.get((len(title), count))


def _allowed(title: str, terms: tuple[str, ...]) -> list[int]:
    places = {
        n for n in range(1, len(title)) if title[n - 1] in _BREAK_AFTER or title.startswith(_BREAK_BEFORE, n)
    }
    # A period phrase and an ordinal count (第四次) are words of their own: a line may start
    # before or end after them.
    for match in (*PERIOD_RE.finditer(title), *ORDINAL_RE.finditer(title)):
        places |= {match.start(), match.end()} - {0, len(title)}
    for start, end in protected_spans(title, terms):
        places -= set(range(start + 1, end))
    return sorted(places)


def split_title(title: str, limit: float = TITLE_LINE_CHARS) -> list[str]:
    """A long title in balanced lines no wider than ``limit``, broken between words.

    The fewest lines come first, then lines as even as the words allow (a 梯形 or 菱形 shape);
    the listed terms and the period phrase are never split.
    """
    if line_width(title) <= limit:
        return [title]
    fewest = math.ceil(line_width(title) / limit)
    preferred, required = _allowed(title, KEEP_TOGETHER + PREFER_TOGETHER), _allowed(title, KEEP_TOGETHER)
    for count in range(fewest, fewest + 3):
        for allowed in (preferred, required):
            found = _even_split(title, count, limit, allowed)
            if found is not None:
                bounds = [0, *found[1]]
                return [title[a:b] for a, b in itertools.pairwise(bounds)]
    # No split between words at all: cut at the width.
    lines, line = [], ""
    for ch in title:
        if line_width(line + ch) > limit:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line]
