"""The facts a Chinese report text states: figures, dates, periods, titles and person names.

Pure text analysis for the fact lock (``fact_lock.py`` states the rules). Each fact has a
normalised ``key`` (so ``三次`` and ``3次``, ``2.6万人次`` and ``26000人次`` compare equal) and the
``text`` it was written as (shown to the user).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from bot.interview.numerals import chinese_to_int, to_halfwidth

# Fixed expressions that contain numerals but state no figure (slogans, titles of offices, set
# phrases). Kept small and explicit; 一是/二是 (no counting word follows) and ordinals (第一,
# 第3次: a 第 in front) are never figures by rule, so they need no entry here.
FIXED_WORDS: tuple[str, ...] = (
    "一把手",
    "第一议题",
    "第一责任人",
    "一岗双责",
    "两个维护",
    "两个确立",
    "两个结合",
    "两个大局",
    "两个责任",
    "两个一百年",
    "两个毫不动摇",
    "四个意识",
    "四个自信",
    "四个全面",
    "五位一体",
    "三会一课",
    "两学一做",
    "三重一大",
    "三严三实",
    "三个务必",
    "三个代表",
    "一个中心",
    "两个基本点",
    "一票否决",
    "一次性",
    "十四五",
    "十五五",
    "十九大",
    "二十大",
    "一带一路",
    "千家万户",
)
# 一 before these counting words is an article (一项重要工作, 一批骨干), not a count;
# 一起 (together), 一部分, 一家人, 一张蓝图 likewise.
ARTICLE_UNITS = frozenset("个项批支种道条份套起张块家部处本堂")
# Counting words, longest first so 人次 wins over 人.
UNITS = (
    "人次|篇次|场次|校次|户次|课时|学时|小时|个月|万户|"
    "次|篇|人|名|位|个|项|场|期|条|家|份|本|册|件|批|轮|天|户|所|处|台|套|部|支|类|种|起|张|幅|块|元|节|堂"
)
# Approximation words, grouped by meaning: 30余次, 30多次 and 超过30次 say the same.
APPROX = {
    "余": "more",
    "多": "more",
    "逾": "more",
    "超过": "more",
    "以上": "more",
    "不少于": "more",
    "至少": "more",
    "近": "nearly",
    "将近": "nearly",
    "接近": "nearly",
    "约": "about",
    "约为": "about",
    "约占": "about",
    "大约": "about",
    "左右": "about",
    "不到": "less",
    "不足": "less",
    "以下": "less",
}
_PRE = "不少于|将近|接近|超过|大约|不到|不足|至少|约为|约占|近|约|逾"
_CN = "零〇○一二两三四五六七八九十百千万亿"
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"

_TITLE_RES = (
    re.compile(r"《([^《》\n]{1,60})》"),
    re.compile(r"“([^“”\n]{1,40})”"),
    re.compile(r"\"([^\"\n]{1,40})\""),
    re.compile(r"「([^「」\n]{1,40})」"),
)
_MARK_RE = re.compile(r"【[^【】\n]{0,80}】")
_PERIOD_RE = re.compile(r"(?P<front>前)?第?(?P<q>[一二三四1-4])季度|(?P<half>上半年|下半年)")
_CN_DAY = f"[{_CN}]{{1,3}}"
_DATE_RES = (
    re.compile(r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m0>\d{1,2})\s*[-—–~～至到]\s*(?P<m>\d{1,2})\s*月(?!份?\d)"),
    re.compile(
        r"(?:(?P<y>\d{4}|[〇○零一二三四五六七八九]{4})\s*年度?\s*)?"
        rf"(?P<m>\d{{1,2}}|{_CN_DAY})\s*月(?:份)?\s*(?:(?P<d>\d{{1,2}}|{_CN_DAY})\s*[日号])?"
    ),
    re.compile(r"(?P<y>\d{4}|[〇○零一二三四五六七八九]{4})\s*年"),
)
_PERCENT_RE = re.compile(rf"(?P<pre>{_PRE})?百分之(?P<num>{_NUM}|[{_CN}点]+)(?P<outer>以上|左右|以下)?")
_FIGURE_RE = re.compile(
    rf"(?P<pre>{_PRE})?(?P<num>{_NUM})\s*(?P<big>万|亿)?(?P<inner>余|多)?\s*"
    rf"(?P<unit>%|‰|{UNITS})?(?P<outer>以上|左右|以下)?"
)
_CN_FIGURE_RE = re.compile(
    rf"(?P<pre>{_PRE})?(?P<num>[{_CN}]+)(?P<inner>余|多)?(?P<unit>{UNITS})(?P<outer>以上|左右|以下)?"
)
# A numeral right after these belongs to a word: 第三 (ordinal), 统一, 唯一, 之一, 星期一.
_NOT_AFTER = frozenset("第统唯之期周初逐专")
# Person references: a surname, up to two more characters, then a title (王明同志, 李书记).
# 余, 于 and 万 are left out: 30余名同志, 对于, 万名干部 would read as names.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧肖田董潘袁蔡蒋杜叶程魏"
    "苏吕丁沈姜范傅钟卢汪戴崔陆廖姚方金邱夏谭韦贾邹石熊孟秦阎薛侯雷白龙段郝孔邵史毛常万顾赖武康贺"
    "严尹钱施牛洪龚汤陶黎温莫易樊乔文安殷颜庞祁倪欧柳甘鲁葛"
)
TITLES = (
    "同志|书记|副书记|局长|副局长|主任|副主任|部长|县长|市长|区长|镇长|乡长|处长|科长|主席|组长|"
    "校长|院长|所长|厅长|总经理|董事长|委员"
)
_NAME_RE = re.compile(rf"(?P<name>[{SURNAMES}][\u4e00-\u9fff]{{0,2}}?)(?:{TITLES})")
# Characters no given name in a report would hold: the words around titles (党组书记, 副局长).
# Place and body endings too (安监局长, 文化局长, 高新区书记): a name loses less than a title gains.
_NOT_IN_NAME = frozenset(
    "党组委局部处科室副主总支记长任和与及的了为由在等各全会办院校所中务是向对多排面监化区县市镇乡村业装"
)


@dataclass(frozen=True)
class Fact:
    """One fact: its kind, its normalised key, and the text it was written as."""

    kind: str  # figure | date | period | title | quote | mark
    key: tuple[str, ...]
    text: str


@dataclass
class Facts:
    """The facts of one text; ``inner`` holds those inside titles (known, never required)."""

    items: list[Fact] = field(default_factory=list)
    inner: list[Fact] = field(default_factory=list)

    def of(self, kind: str) -> list[Fact]:
        """The facts of one kind."""
        return [f for f in self.items if f.kind == kind]


def number(text: str) -> Decimal | None:
    """An Arabic or Chinese numeral's value (``1,200``, ``2.6``, ``十二``, ``两万``), or None."""
    text = text.replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    if "点" in text:
        whole, _, frac = text.partition("点")
        head = chinese_to_int(whole)
        tail = "".join(str(chinese_to_int(ch)) for ch in frac if chinese_to_int(ch) is not None)
        return None if head is None or len(tail) != len(frac) else Decimal(f"{head}.{tail}")
    value = chinese_to_int(text)
    return None if value is None else Decimal(value)


def plain(value: Decimal) -> str:
    """A number's canonical text: 26000, 2.5 (no exponent, no trailing zeros)."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _approx(*words: str | None) -> str:
    return next((APPROX[w] for w in words if w), "")


def _mask(text: str, start: int, end: int) -> str:
    # Same length, so later positions still line up; "|" belongs to no pattern.
    return text[:start] + "|" * (end - start) + text[end:]


def _year(raw: str | None) -> str:
    if not raw:
        return ""
    value = number(raw) if raw.isdecimal() else chinese_to_int(raw)
    return str(int(value)) if value is not None else ""


def _day(raw: str | None) -> str:
    if not raw:
        return ""
    value = number(raw)
    return str(int(value)) if value is not None and value == int(value) else ""


def extract(text: str) -> Facts:
    """Every fact ``text`` states (see ``fact_lock`` for what counts as one)."""
    facts = Facts()
    original, text = text, to_halfwidth(text)  # one character for one: positions still match
    for mark in _MARK_RE.finditer(text):
        facts.items.append(Fact("mark", (mark[0],), original[mark.start() : mark.end()]))
        text = _mask(text, *mark.span())
    for pattern in _TITLE_RES:
        for match in pattern.finditer(text):
            shown = original[match.start() : match.end()]
            if match[0].startswith("《"):
                facts.items.append(Fact("title", (match[1].strip(),), shown))
            else:  # shown in the message's own quotes
                facts.items.append(Fact("quote", (match[1].strip(),), shown[1:-1].strip()))
            inner = extract(match[1])
            facts.inner.extend(inner.items + inner.inner)
            text = _mask(text, *match.span())
    for word in FIXED_WORDS:
        text = text.replace(word, "|" * len(word))
    text = _periods(text, facts)
    text = _dates(text, facts)
    _figures(text, facts)
    return facts


def _periods(text: str, facts: Facts) -> str:
    for match in _PERIOD_RE.finditer(text):
        if match["half"]:
            key = ("H", "1" if match["half"] == "上半年" else "2")
        else:
            quarter = match["q"] if match["q"].isdecimal() else str(chinese_to_int(match["q"]))
            key = ("front" if match["front"] else "Q", quarter)
        facts.items.append(Fact("period", key, match[0]))
        text = _mask(text, *match.span())
    return text


def _dates(text: str, facts: Facts) -> str:
    for pattern in _DATE_RES:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            year, month, day = _year(groups.get("y")), _day(groups.get("m")), _day(groups.get("d"))
            if (month and not 1 <= int(month) <= 12) or (day and not 1 <= int(day) <= 31):
                continue
            if (groups.get("m") and not month) or (groups.get("y") and not year):
                continue
            if match.start() and text[match.start() - 1] in _NOT_AFTER | {"个"}:
                continue
            if groups.get("m0"):
                first = _day(groups["m0"])
                facts.items.append(Fact("date", (year, first, ""), match[0]))
            facts.items.append(Fact("date", (year, month, day), match[0].strip()))
            text = _mask(text, *match.span())
    return text


def _figures(text: str, facts: Facts) -> None:
    for match in _PERCENT_RE.finditer(text):
        value = number(match["num"])
        if value is not None:
            key = (plain(value), "%", _approx(match["pre"], match["outer"]))
            facts.items.append(Fact("figure", key, match[0]))
            text = _mask(text, *match.span())
    for match in _FIGURE_RE.finditer(text):
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if (
            before in _NOT_AFTER
            or (before.isascii() and before.isalpha())
            or (after.isascii() and after.isalpha())
        ):
            continue
        bare = not (match["unit"] or match["big"] or match["pre"] or match["inner"] or match["outer"])
        if bare and after and after in "、.)）" and (not before or before in "\n(（，。；：:;, "):
            continue  # list numbering: 1、 1. (1)
        _add_figure(facts, match)
    for match in _CN_FIGURE_RE.finditer(text):
        before = text[match.start() - 1] if match.start() else ""
        plain_one = match["num"] == "一" and not (match["pre"] or match["inner"] or match["outer"])
        if before in _NOT_AFTER or (plain_one and match["unit"] in ARTICLE_UNITS):
            continue
        _add_figure(facts, match)


def _letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _add_figure(facts: Facts, match: re.Match[str]) -> None:
    groups = match.groupdict()
    value = number(match["num"])
    if value is None:
        return
    big = groups.get("big")
    if big:
        value *= 10_000 if big == "万" else 100_000_000
    key = (plain(value), match["unit"] or "", _approx(match["pre"], match["inner"], match["outer"]))
    facts.items.append(Fact("figure", key, match[0].strip()))


def person_names(text: str) -> list[str]:
    """Strings that look like a person right before a title: 王明同志 → 王明, 李书记 → 李."""
    found = []
    for match in _NAME_RE.finditer(to_halfwidth(text)):
        # 常务副局长, 许多同志, 文明办主任: the characters before the title are words, not a name.
        if not set(match["name"][1:]) & _NOT_IN_NAME:
            found.append(match["name"])
    return found


def split_names(values: Iterable[str]) -> list[str]:
    """The single names of name answers: ``张三、李四`` → 张三, 李四 (bracketed notes dropped)."""
    names: list[str] = []
    for value in values:
        value = re.sub(r"[（(][^）)]*[）)]", "", value)
        names.extend(part.strip() for part in re.split(r"[、，,；;/\s]+", value) if part.strip())
    return names
