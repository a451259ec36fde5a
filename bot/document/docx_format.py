"""The GB/T 9704-2012 layout in DOCX terms: sizes, line pitch and how each paragraph role is set.

Shared by the set-up document (``docx_base``, python-docx) and the per-report writer
(``docx_writer``, plain XML), so neither importing python-docx nor the writer is needed to read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.document.fonts import Fonts
from bot.document.model import Role

LINE_PITCH_TWIPS = 579  # 28.95 pt: 22 lines fit the 225 mm type area (29 pt gives only 21)
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
PAGE_NUMBER_PT = 14  # 4号
THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
FONT_SLOTS = ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")
EM_DASH = "\u2014"
# Roles that stay on the page of the paragraph after them: never the last line of a page.
KEPT_WITH_NEXT = frozenset({Role.TITLE, Role.AUTHOR, Role.HEADING1, Role.HEADING2, Role.HEADING3})


@dataclass(frozen=True)
class RoleFormat:
    """How one role is set: style name, font, size, alignment (``w:jc``) and indents in characters."""

    style: str
    font: str
    size: float
    align: str
    first_line_chars: int = 0
    left_chars: int = 0
    right_chars: int = 0


def role_formats(fonts: Fonts) -> dict[Role, RoleFormat]:
    """How every role is set, per the document format table."""
    return {
        Role.TITLE: RoleFormat("公文标题", fonts.title, TITLE_PT, "center"),
        Role.AUTHOR: RoleFormat("公文作者", fonts.heading2, BODY_PT, "center"),
        Role.RECIPIENT: RoleFormat("主送机关", fonts.body, BODY_PT, "left"),
        Role.SALUTATION: RoleFormat("称呼", fonts.body, BODY_PT, "left"),
        Role.HEADING1: RoleFormat("一级标题", fonts.heading1, BODY_PT, "both", 200),
        Role.HEADING2: RoleFormat("二级标题", fonts.heading2, BODY_PT, "both", 200),
        Role.HEADING3: RoleFormat("三级标题", fonts.body, BODY_PT, "both", 200),
        Role.BODY: RoleFormat("公文正文", fonts.body, BODY_PT, "both", 200),
        Role.SIGNATURE: RoleFormat("发文机关署名", fonts.body, BODY_PT, "right"),
        Role.DATE: RoleFormat("成文日期", fonts.body, BODY_PT, "right", right_chars=400),
    }
