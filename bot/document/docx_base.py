"""The set-up document every report starts from, built with python-docx: page, line grid, styles
and page-number footers per GB/T 9704-2012.

Built once per change of this code, python-docx or the fonts (the writer keeps its bytes on
disk), so a report written from a warm cache imports no python-docx at all. Fonts are set in all
four slots (ascii, hAnsi, eastAsia, cs) on every style, and theme-font attributes are removed,
because Word prefers ``eastAsiaTheme`` over ``eastAsia`` and python-docx's ``font.name`` sets no
eastAsia at all.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document as new_docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, RGBColor

from bot.document.docx_format import (
    BODY_PT,
    EM_DASH,
    FONT_SLOTS,
    KEPT_WITH_NEXT,
    LINE_PITCH_TWIPS,
    PAGE_NUMBER_PT,
    THEME_ATTRS,
    RoleFormat,
)
from bot.document.fonts import Fonts
from bot.document.model import Role

# python-docx's oxml elements are lxml elements, which carry no type information.
Element = Any
ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "both": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def base_document(fonts: Fonts, formats: dict[Role, RoleFormat]) -> bytes:
    """The set-up document's bytes: no paragraphs yet, a style per role, both footers."""
    docx = new_docx()
    _trim_blank_document(docx)
    _setup(docx, fonts, formats)
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()


def _child(parent: Element, tag: str) -> Element:
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.append(found)
    return found


def set_fonts(rpr: Element, font: str, size: float | None = None) -> None:
    """All four font slots on a run or style's ``rPr``, theme attributes removed, size set."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for slot in FONT_SLOTS:
        fonts.set(qn(slot), font)
    if size is not None:
        half_points = str(round(size * 2))
        for tag in ("w:sz", "w:szCs"):
            _child(rpr, tag).set(qn("w:val"), half_points)


def _indent(ppr: Element, role_format: RoleFormat, char_pt: float) -> None:
    ind = _child(ppr, "w:ind")
    for attr, chars in (
        ("firstLine", role_format.first_line_chars),
        ("left", role_format.left_chars),
        ("right", role_format.right_chars),
    ):
        if chars:
            ind.set(qn(f"w:{attr}Chars"), str(chars))
            ind.set(qn(f"w:{attr}"), str(round(chars / 100 * char_pt * 20)))


def _spacing(ppr: Element, line_twips: int = LINE_PITCH_TWIPS) -> None:
    spacing = _child(ppr, "w:spacing")
    spacing.set(qn("w:before"), "0")
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), str(line_twips))
    spacing.set(qn("w:lineRule"), "exact")


def _trim_blank_document(docx: Any) -> None:
    """Leave out what python-docx's blank document carries for tables and for Word 2010.

    Its 100 table styles (0.3 MB of ``styles.xml``; a report has no table, and Word brings its
    own when one is inserted; the default table style stays) and Word 2010's second copy of the
    styles, ``stylesWithEffects.xml`` (0.4 MB, read by no later Word, and Word 2010 uses
    ``styles.xml`` without it) were most of the time of opening and saving every report.
    """
    part = docx.part
    for rid, rel in list(part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            part.drop_rel(rid)
    root = docx.styles.element
    for style in root.findall(qn("w:style")):
        if style.get(qn("w:type")) == "table" and style.get(qn("w:default")) not in ("1", "true"):
            root.remove(style)


def _setup(docx: Any, fonts: Fonts, formats: dict[Role, RoleFormat]) -> None:
    doc = docx
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    # The page number's dash sits 7 mm below the type area: 35 mm − 7 mm, less half a 4号 line.
    section.footer_distance = Mm(25.5)
    grid = _child(section._sectPr, "w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    doc.settings.odd_and_even_pages_header_footer = True
    _styles(doc, fonts, formats)
    _footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, fonts)
    _footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, fonts)


def _styles(doc: Any, fonts: Fonts, formats: dict[Role, RoleFormat]) -> None:
    styles = doc.styles
    root = styles.element
    defaults = root.find(qn("w:docDefaults"))
    rpr = _child(_child(defaults, "w:rPrDefault"), "w:rPr")
    set_fonts(rpr, fonts.body, BODY_PT)
    lang = _child(rpr, "w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    _spacing(_child(_child(defaults, "w:pPrDefault"), "w:pPr"))
    normal = styles["Normal"]
    normal.font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(normal.element.get_or_add_rPr(), fonts.body, BODY_PT)
    _spacing(normal.element.get_or_add_pPr())
    normal.paragraph_format.widow_control = True  # a split paragraph leaves 2 lines each side
    for role, role_format in formats.items():
        style = styles.add_style(role_format.style, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        set_fonts(style.element.get_or_add_rPr(), role_format.font, role_format.size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        ppr = style.element.get_or_add_pPr()
        _spacing(ppr)
        style.paragraph_format.alignment = ALIGN[role_format.align]
        _indent(ppr, role_format, role_format.size)
        if role in KEPT_WITH_NEXT:
            style.paragraph_format.keep_with_next = True  # never the last line of a page
        if role is Role.TITLE:
            # Off the line grid: LibreOffice would give a 2号 line two grid lines (57.9 pt).
            _child(ppr, "w:snapToGrid").set(qn("w:val"), "0")
    footer_style = styles.add_style("页码", WD_STYLE_TYPE.PARAGRAPH)
    footer_style.base_style = normal
    set_fonts(footer_style.element.get_or_add_rPr(), fonts.page_number, PAGE_NUMBER_PT)
    # No style may keep a theme font: Word would prefer it to the names set here.
    for slots in root.iter(qn("w:rFonts")):
        if any(slots.get(qn(attr)) for attr in THEME_ATTRS) or not slots.get(qn("w:eastAsia")):
            set_fonts(slots.getparent(), fonts.body)


def _field_run(fonts: Fonts, paragraph: Any, parts: list[tuple[str, str]]) -> None:
    for kind, value in parts:
        run = paragraph.add_run()
        set_fonts(run._r.get_or_add_rPr(), fonts.page_number, PAGE_NUMBER_PT)
        if kind == "text":
            run.text = value
        elif kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = value
            run._r.append(instr)
        else:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), value)
            run._r.append(fld)


def _footer(footer: Any, align: WD_ALIGN_PARAGRAPH, fonts: Fonts) -> None:
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = "页码"
    paragraph.alignment = align
    ppr = paragraph._p.get_or_add_pPr()
    _spacing(ppr, PAGE_NUMBER_PT * 20)
    side = "right" if align == WD_ALIGN_PARAGRAPH.RIGHT else "left"
    ind = _child(ppr, "w:ind")
    ind.set(qn(f"w:{side}Chars"), "100")
    ind.set(qn(f"w:{side}"), str(PAGE_NUMBER_PT * 20))
    _field_run(
        fonts,
        paragraph,
        [
            ("text", f"{EM_DASH} "),
            ("char", "begin"),
            ("instr", " PAGE "),
            ("char", "separate"),
            ("text", "1"),
            ("char", "end"),
            ("text", f" {EM_DASH}"),
        ],
    )
