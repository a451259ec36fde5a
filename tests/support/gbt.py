"""The GB/T 9704-2012 format rules, checked on a DOCX read back with python-docx."""

from __future__ import annotations

from typing import Any

from docx.oxml.ns import qn

from bot.document.docx_writer import THEME_ATTRS, Fonts

FONTS = Fonts()
ROLE_OF_STYLE = {
    "公文标题": (FONTS.title, 44),
    "公文作者": (FONTS.heading2, 32),
    "主送机关": (FONTS.body, 32),
    "称呼": (FONTS.body, 32),
    "一级标题": (FONTS.heading1, 32),
    "二级标题": (FONTS.heading2, 32),
    "三级标题": (FONTS.body, 32),
    "公文正文": (FONTS.body, 32),
    "发文机关署名": (FONTS.body, 32),
    "成文日期": (FONTS.body, 32),
}


def rfonts(element: Any) -> dict[str, str]:
    """The font names an element (a run, a style, rPr) sets, by script slot."""
    fonts = element.find(qn("w:rPr") + "/" + qn("w:rFonts")) if element.tag != qn("w:rPr") else None
    if fonts is None:
        fonts = element.find(qn("w:rFonts"))
    assert fonts is not None
    return {k.split("}")[1]: v for k, v in fonts.attrib.items()}


def style_attr(paragraph: Any, tag: str, attr: str) -> str | None:
    """An attribute of the paragraph's own pPr, else its style's (the effective value)."""
    for owner in (paragraph._p, paragraph.style.element):
        ppr = owner.find(qn("w:pPr"))
        found = ppr.find(qn(tag)) if ppr is not None else None
        if found is not None and found.get(qn(attr)) is not None:
            return str(found.get(qn(attr)))
    return None


def check_page_margins_and_grid(report: Any) -> None:
    """A4, the margins of the format table, and a 579-twip line grid."""
    section = report.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert [
        round(section.top_margin.mm),
        round(section.left_margin.mm),
        round(section.right_margin.mm),
        round(section.bottom_margin.mm),
    ] == [37, 28, 26, 35]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:linePitch")) == "579"


def check_every_paragraph_on_the_grid(report: Any) -> None:
    """Every paragraph at exactly the grid's line height, with no space before or after."""
    for paragraph in report.paragraphs:
        assert style_attr(paragraph, "w:spacing", "w:line") == "579"
        assert style_attr(paragraph, "w:spacing", "w:lineRule") == "exact"
        assert style_attr(paragraph, "w:spacing", "w:before") == "0"
        assert style_attr(paragraph, "w:spacing", "w:after") == "0"


def check_fonts_and_sizes_per_role_on_every_run(report: Any) -> None:
    """Each paragraph style's font and size on every run, in black, with no theme fonts."""
    for paragraph in report.paragraphs:
        font, size = ROLE_OF_STYLE[paragraph.style.name]
        style_fonts = rfonts(paragraph.style.element)
        assert {style_fonts[s] for s in ("ascii", "hAnsi", "eastAsia", "cs")} == {font}
        for run in paragraph.runs:
            fonts = rfonts(run._r)
            assert {fonts[s] for s in ("ascii", "hAnsi", "eastAsia", "cs")} == {font}, paragraph.text
            assert not set(fonts) & {a.split(":")[1] for a in THEME_ATTRS}
            assert run.font.size.pt * 2 == size
            assert run._r.find(qn("w:rPr") + "/" + qn("w:szCs")).get(qn("w:val")) == str(size)
            assert str(run.font.color.rgb) == "000000"
