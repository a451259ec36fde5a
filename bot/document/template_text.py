"""What text printed by a report template is made of: the marks that keep answers apart from
template text, the values the template sees (``Missing``, ``Figure``, ``Stock``, ``Composed``),
and the typography applied to answers (``clean_text``, ``tidy``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.document import phrasing
from bot.document.model import xml_safe
from bot.interview.figures import magnitude, print_figure

ESC = "\x1b"  # starts text printed by an expression: such text is never a directive
END = "\x03"  # ends text printed by an expression: punctuation is tidied only at these seams
BREAK = "\x01"  # a line break inside an answer: a new paragraph of the same role
MARK = "\x02"  # encloses a placeholder
PLACEHOLDER = "【待填写：{label}】"
_KEPT_MARK = "\ue000"  # a private-use character standing in for MARK while text is cleaned

_END_PUNCT = phrasing.TRAILING
_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_PUNCT_RE = re.compile(rf"(?<=[{_CJK}])[,;:?!]|[,;:?!](?=[{_CJK}])|\((?=[{_CJK}])|(?<=[{_CJK}])\)")
# Punctuation where an expression's output ends and the template goes on: "……。" + "。".
_JUNCTION_RE = re.compile(r"[，、；：。]+\x03(?!\x1b)[，、；：。]+")


class Composed(str):
    """Text made by the template helpers: already cleaned, may hold placeholder markers."""

    __slots__ = ()


@dataclass(frozen=True)
class Missing:
    """A fact without an answer: a required one not given yet, or one answered 不详.

    It prints and iterates as one placeholder, followed by the counting word a figure is in.
    """

    label: str
    unit: str = ""
    optional: bool = False  # an optional fact answered 不详: it may as well be left out

    def __str__(self) -> str:
        return MARK + PLACEHOLDER.format(label=self.label) + MARK + self.unit

    def __iter__(self) -> Iterator[Missing]:
        return iter([self])


class Stock(str):
    """A phrase-bank statement the user ticked (not words they typed themselves)."""

    __slots__ = ()


class Figure(str):
    """A count as the official gave it, printed with its unit (``30余次``); true when above zero."""

    __slots__ = ("value",)
    value: int | str

    def __new__(cls, value: int | str, unit: str) -> Figure:
        figure = super().__new__(cls, print_figure(value, unit))
        figure.value = value
        return figure

    def __bool__(self) -> bool:
        return magnitude(self.value) > 0


# -- typography ----------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """An answer ready for print: storable characters, full-width punctuation beside Chinese.

    Placeholder marks survive: a template may build text around a missing fact and print it.
    """
    text = xml_safe(str(text).replace(MARK, _KEPT_MARK)).replace(_KEPT_MARK, MARK)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    text = _HALF_PUNCT_RE.sub(lambda m: _HALF_TO_FULL[m.group()], text)
    return text.replace("\n", BREAK)


def strip_end(text: str) -> str:
    """Text without its trailing punctuation, so the template decides how the sentence ends."""
    return text.rstrip(_END_PUNCT)


def _collapse(match: re.Match[str]) -> str:
    run = match.group().replace(END, "")
    for strongest in "。；：，":
        if strongest in run:
            return strongest
    return run[0]


def tidy(text: str) -> str:
    """Punctuation doubled where an answer meets the template made single (``。。`` → ``。``).

    ``；。`` becomes ``。`` likewise; punctuation inside an answer stays as typed.
    """
    return _JUNCTION_RE.sub(_collapse, text).replace(END, "").replace(ESC, "")


cn_number = phrasing.cn_number
