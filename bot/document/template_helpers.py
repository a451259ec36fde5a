"""The functions a report template calls (``sentence``, ``tally``, ``measures``…): each builds a
phrase of formal prose from answers and never prints an answer unmarked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.document import joins, phrasing
from bot.document.template_text import (
    BREAK,
    END,
    ESC,
    Composed,
    Figure,
    Missing,
    Stock,
    clean_text,
    cn_number,
    strip_end,
)


def _piece(value: Any) -> str:
    """One value as text inside a helper's output."""
    if isinstance(value, Missing):
        return str(value)
    return strip_end(value if isinstance(value, Composed) else clean_text(value))


def _pieces(values: Any) -> list[str]:
    if values is None:
        return []
    if isinstance(values, Missing):
        return [str(values)]
    if isinstance(values, str):
        values = [values]
    return [p for p in (_piece(v) for v in values) if p]


def sentence(text: Any) -> Composed:
    """``text`` ending in exactly one ``。`` (or the ``！``/``？``/``。”`` it already ends with)."""
    if isinstance(text, Missing):
        return Composed(str(text) + "。")
    cleaned = text if isinstance(text, Composed) else clean_text(text)
    return Composed(phrasing.as_sentence(cleaned) if cleaned else "")


def join_cn(values: Any, last: str = "、") -> Composed:
    """``A、B、C`` (or ``A、B和C`` with ``last="和"``)."""
    return Composed(joins.join_items(_pieces(values), last))


def split_heading(item: Any) -> tuple[Composed, Composed]:
    """``提高政治站位：把学习……`` → (``提高政治站位``, ``把学习……。``); no colon → (item, '')."""
    if isinstance(item, Missing):
        return Composed(str(item)), Composed("")
    text = _piece(item)
    head, sep, body = text.replace(":", "：").partition("：")
    if not sep or not body.strip():
        return Composed(strip_end(head)), Composed("")
    return Composed(strip_end(head)), sentence(Composed(body.strip()))


def tally(pairs: Iterable[tuple[Any, ...]], sep: str = "，") -> Composed:
    """Figures as clauses: ``党组专题会议3次，领导小组会议2次``.

    Zero or skipped figures are dropped, and optional ones answered 不详 too when no other figure
    is there to carry the mark. Each pair is (label, figure) or (label, figure, text after it).
    """
    kept = [
        (label, value, after)
        for label, value, *after in pairs
        if isinstance(value, Missing) or (isinstance(value, Figure) and value)
    ]
    if all(isinstance(value, Missing) and value.optional for _, value, _ in kept):
        return Composed("")
    return Composed(sep.join(f"{_piece(label)}{value}{''.join(after)}" for label, value, after in kept))


def figures(pairs: Iterable[tuple[Any, ...]], before: str = "", after: str = "") -> Composed:
    """One sentence of figures (``前三季度，共召开党组专题会议1次、领导小组会议3次。``).

    Nothing is printed when no figure is above zero.
    """
    counted = tally(pairs, "、")
    return Composed(phrasing.as_sentence(f"{before}{counted}{after}") if counted else "")


def _measure_list(values: Any, details: Any) -> list[phrasing.Measure]:
    found = details if isinstance(details, dict) else {}
    out = []
    for raw in _raw_items(values):
        if isinstance(raw, Missing):
            out.append(phrasing.Measure(str(raw)))
            continue
        measure = phrasing.split_measure(clean_text(raw).replace(BREAK, "；"))
        if isinstance(raw, Stock) and measure.body:
            measure = phrasing.Measure(measure.heading, measure.body, stock=True)
        if raw in found:
            # What the unit actually did replaces the stock description of such a measure (a
            # detail that only says who leads, by when or why keeps it); the user's own words
            # stay, with the detail after them.
            detail = clean_text(found[raw])
            replaced = bool(measure.body) and phrasing.says_what_was_done(detail)
            if replaced and not isinstance(raw, Stock):
                # The user's own words go only when the detail says them again, more fully.
                replaced = phrasing.restates(detail, measure.body)
            measure = phrasing.with_detail(phrasing.Measure(measure.heading) if replaced else measure, detail)
        out.append(measure)
    return out


def _raw_items(values: Any) -> list[Any]:
    if values is None:
        return []
    if isinstance(values, Missing | str):
        return [values]
    return [v for v in values if v is not None]


def measures(
    items: Any,
    details: Any = None,
    lead: Any = "",
    more: Any = None,
    facts: Iterable[tuple[str, Any, str]] = (),
    per_paragraph: int = phrasing.ITEMS_PER_PARAGRAPH,
) -> Composed:
    """Paragraphs of ``一是[heading]。[what was done]`` from chosen or typed items.

    Each item comes with the user's detail; ``more`` adds the section's further items; each of
    ``facts`` — (keyword, sentence, heading) — joins the first item whose heading holds the
    keyword, or becomes an item of its own under ``heading``. Nothing is printed when there is
    nothing to say.
    """
    found = _measure_list(items, details) + _measure_list(more, None)
    for keyword, sentence_text, heading in facts:
        text = str(sentence_text) if sentence_text else ""
        said = "".join(m.heading + m.body for m in found)
        if not text or phrasing.figures_already_said(text, said):
            continue  # the official's own detail already gives these figures
        if not phrasing.attach(found, keyword, text):
            found.append(phrasing.Measure(heading, text))
    lead_text = _piece(lead) if lead else ""
    if not found:
        return Composed("")
    paragraphs = phrasing.enumerate_measures(found, lead_text, per_paragraph)
    return Composed(BREAK.join(paragraphs))


def activities(values: Any, kind: str = "活动") -> Composed:
    """``A、B等活动``, never ``…活动等活动``."""
    return Composed(joins.named_activities(_pieces(values), kind))


def book(text: Any) -> Composed:
    """A document's title in one pair of 书名号."""
    if isinstance(text, Missing):
        return Composed(str(text))
    return Composed(joins.book_title(clean_text(text)) if text else "")


def notice(text: Any) -> Composed:
    """A notice cited as a report's basis, its title in 书名号 even when typed without them."""
    if isinstance(text, Missing):
        return Composed(str(text))
    return Composed(joins.notice_reference(clean_text(text)) if text else "")


def meeting(text: Any) -> Composed:
    """A meeting's name ready to sit in ``在…上``."""
    if isinstance(text, Missing):
        return Composed(str(text))
    return Composed(joins.meeting_name(clean_text(text)))


def scope(period: Any, cumulative: Any = None) -> Composed:
    """How a report's counts are scoped: ``第三季度``, or ``前三季度`` when they are cumulative."""
    if isinstance(period, Missing) or not period:
        return Composed(str(period or ""))
    return Composed(joins.scope_phrase(str(period), bool(cumulative) and "累计" in str(cumulative)))


def ordinal(n: int) -> Composed:
    """1 → 第一."""
    return Composed("第" + cn_number(n))


def period_phrase(year: Any, period: Any) -> Composed:
    """``2023年第三季度``, ``2023年上半年``, or ``2023年度`` for a whole year."""
    y = _piece(year)
    if isinstance(period, Missing):
        return Composed(f"{y}年{period}")
    if period == "全年":
        return Composed(f"{y}年度")
    return Composed(f"{y}年{_piece(period)}" if period else f"{y}年")


def finalize(value: Any) -> str:
    """What every ``{{ expression }}`` prints: answers cleaned and marked as data."""
    if value is None:
        return ""
    if isinstance(value, Composed | Missing):
        return ESC + str(value) + END
    if isinstance(value, list):
        return ESC + join_cn(value) + END
    return ESC + clean_text(value) + END


HELPERS = {
    "sentence": sentence,
    "join_cn": join_cn,
    "tally": tally,
    "ordinal": ordinal,
    "period_phrase": period_phrase,
    "strip_end": lambda t: Composed(_piece(t)),
    "split_heading": split_heading,
    "figures": figures,
    "measures": measures,
    "activities": activities,
    "book": book,
    "meeting": meeting,
    "notice": notice,
    "scope": scope,
}
