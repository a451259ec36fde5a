"""Joining items and citing names so that the result reads right whatever the user typed:
``A、B和C``, ``A、B等活动`` (never ``…活动等活动``), one pair of 书名号, a meeting's bare name,
and the words a count's scope is stated in.
"""

from __future__ import annotations

import re

from bot.document.phrasing import strip_end


def join_items(items: list[str], last: str = "、") -> str:
    """``A、B和C``, joined so that it still reads right whatever the items hold.

    Items that hold commas themselves are joined with ``；`` throughout, and an item that holds
    its own ``和`` is not joined with another (``A、B和C和D``).
    """
    items = [strip_end(i) for i in items if strip_end(i)]
    if len(items) <= 1:
        return "".join(items)
    if any(re.search(r"[，、；]", i) for i in items):
        return "；".join(items)
    if last == "和" and any("和" in i for i in items):
        last = "以及"
    return "、".join(items[:-1]) + last + items[-1]


_KIND_ENDINGS = (
    "活动",
    "行动",
    "比赛",
    "大赛",
    "赛课",
    "宣讲",
    "讲座",
    "展览",
    "座谈会",
    "演讲",
    "会",
    "赛",
    "节",
)


def named_activities(items: list[str], kind: str = "活动") -> str:
    """``A、B等活动``, never ``…活动等活动``.

    ``A、B活动等`` when the last item already ends with the kind; a single item that names its
    own kind (``演讲比赛``) gets nothing added.
    """
    names = [strip_end(i) for i in items if strip_end(i)]
    joined = join_items(names)
    if not joined:
        return ""
    if len(names) > 1:
        return joined + ("等" if names[-1].endswith(kind) else "等" + kind)
    return joined if names[-1].endswith((kind, *_KIND_ENDINGS)) else joined + kind


def book_title(text: str) -> str:
    """A document title in one pair of 书名号, whatever the user typed."""
    inner = strip_end(text.strip()).strip('《》<>〈〉"“”')
    return f"《{inner}》" if inner else ""


_NOTICE_RE = re.compile(
    r"^(?P<issuer>[^《》]*?)(?P<title>关于[^《》]+?(?:通知|意见|方案|办法|要点|安排|函))$"
)


def notice_reference(text: str) -> str:
    """A notice cited with its title in 书名号: ``县委宣传部《关于报送……的通知》``.

    Text that already has 书名号, or is no document title, stays as typed.
    """
    text = strip_end(text.strip())
    match = _NOTICE_RE.match(text) if "《" not in text else None
    return f"{match['issuer']}《{match['title']}》" if match else text


def meeting_name(text: str) -> str:
    """A meeting's name without the ``在…上`` the title adds around it."""
    name = strip_end(text.strip())
    name = re.sub(r"^在", "", name)
    return re.sub(r"(?:上的(?:交流)?发言|上)$", "", name)


def scope_phrase(period: str, cumulative: bool) -> str:
    """The words a count's scope is stated in: ``第三季度``, ``前三季度``, ``上半年``, ``全年``."""
    if not cumulative or period in ("第一季度", "上半年", "全年"):
        return period
    return {"第二季度": "上半年", "第三季度": "前三季度", "第四季度": "全年", "下半年": "全年"}.get(
        period, period
    )
