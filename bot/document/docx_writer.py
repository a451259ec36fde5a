"""The DOCX writer: a document model laid out to GB/T 9704-2012 with python-docx.

Only this module knows about DOCX. Fonts are set in all four slots (ascii, hAnsi, eastAsia, cs)
on every style and run, and theme-font attributes are removed, because Word prefers
``eastAsiaTheme`` over ``eastAsia`` and python-docx's ``font.name`` sets no eastAsia at all.
"""

from __future__ import annotations

import io
import itertools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document as new_docx
from docx import __version__ as docx_version
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, RGBColor

from bot.disk_cache import DiskCache, key, source_of
from bot.document.fonts import Fonts
from bot.document.model import Document, Paragraph, Role
from bot.document.signature import block_indents, kept_with_next
from bot.document.title_lines import TITLE_LINE_CHARS, split_title

__all__ = ["TITLE_LINE_CHARS", "DocxWriter", "Fonts", "split_title"]

LINE_PITCH_TWIPS = 579  # 28.95 pt: 22 lines fit the 225 mm type area (29 pt gives only 21)
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
PAGE_NUMBER_PT = 14  # 4号
THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
FONT_SLOTS = ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")
EM_DASH = "\u2014"
# python-docx's oxml elements are lxml elements, which carry no type information.
Element = Any


@dataclass(frozen=True)
class RoleFormat:
    """How one role is set: style name, font, size, alignment and indents in characters."""

    style: str
    font: str
    size: float
    align: WD_ALIGN_PARAGRAPH
    first_line_chars: int = 0
    left_chars: int = 0
    right_chars: int = 0


def role_formats(fonts: Fonts) -> dict[Role, RoleFormat]:
    """How every role is set, per the document format table."""
    left, right, center = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.CENTER
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    return {
        Role.TITLE: RoleFormat("公文标题", fonts.title, TITLE_PT, center),
        Role.AUTHOR: RoleFormat("公文作者", fonts.heading2, BODY_PT, center),
        Role.RECIPIENT: RoleFormat("主送机关", fonts.body, BODY_PT, left),
        Role.SALUTATION: RoleFormat("称呼", fonts.body, BODY_PT, left),
        Role.HEADING1: RoleFormat("一级标题", fonts.heading1, BODY_PT, justify, 200),
        Role.HEADING2: RoleFormat("二级标题", fonts.heading2, BODY_PT, justify, 200),
        Role.HEADING3: RoleFormat("三级标题", fonts.body, BODY_PT, justify, 200),
        Role.BODY: RoleFormat("公文正文", fonts.body, BODY_PT, justify, 200),
        Role.SIGNATURE: RoleFormat("发文机关署名", fonts.body, BODY_PT, right),
        Role.DATE: RoleFormat("成文日期", fonts.body, BODY_PT, right, right_chars=400),
    }


# -- low-level XML helpers -------------------------------------------------------------------


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


# -- the writer ------------------------------------------------------------------------------


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


class DocxWriter:
    """Writes documents as GB/T 9704-2012 DOCX files."""

    def __init__(
        self, fonts: Fonts | None = None, sealed: bool | None = None, cache: DiskCache | None = None
    ) -> None:
        self.fonts = fonts or Fonts()
        self.sealed = sealed  # REPORTBOT_SEAL: wins over the document's (the profile's) choice
        self.cache = cache
        self.role_formats = role_formats(self.fonts)
        self._base: bytes | None = None
        self._style_ids: dict[Role, str] = {}

    def _new_document(self) -> Any:
        """A document with page set-up, styles and footers in place, built once and reused.

        Setting up styles and looking them up by name is most of python-docx's cost, so it is
        paid once per writer, not once per report; with a disk cache, once per change of the
        code or the fonts, not once per process.
        """
        if self._base is None:
            self._base = self._base_bytes()
            docx = new_docx(io.BytesIO(self._base))
            ids = {style.name: style.style_id for style in docx.styles}
            self._style_ids = {role: ids[form.style] for role, form in self.role_formats.items()}
            return docx
        return new_docx(io.BytesIO(self._base))

    def _base_bytes(self) -> bytes:
        """The set-up document's bytes, from the disk cache if it holds them for this code and these fonts."""
        name = "base-" + key(source_of(__file__), docx_version, repr(self.fonts)) + ".docx"
        cached = self.cache.get(name) if self.cache else None
        if cached is not None:
            return cached
        docx = new_docx()
        _trim_blank_document(docx)
        self._setup(docx)
        buffer = io.BytesIO()
        docx.save(buffer)
        if self.cache:
            self.cache.put(name, buffer.getvalue())
        return buffer.getvalue()

    def _add(self, docx: Any, role: Role) -> Any:
        paragraph = docx.add_paragraph()
        paragraph._p.style = self._style_ids[role]  # by id: no lookup by name per paragraph
        return paragraph

    def _setup(self, docx: Any) -> None:
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
        self._styles(doc)
        self._footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
        self._footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)

    def _styles(self, doc: Any) -> None:
        styles = doc.styles
        root = styles.element
        defaults = root.find(qn("w:docDefaults"))
        rpr = _child(_child(defaults, "w:rPrDefault"), "w:rPr")
        set_fonts(rpr, self.fonts.body, BODY_PT)
        lang = _child(rpr, "w:lang")
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
        _spacing(_child(_child(defaults, "w:pPrDefault"), "w:pPr"))
        normal = styles["Normal"]
        normal.font.color.rgb = RGBColor(0, 0, 0)
        set_fonts(normal.element.get_or_add_rPr(), self.fonts.body, BODY_PT)
        _spacing(normal.element.get_or_add_pPr())
        normal.paragraph_format.widow_control = True  # a split paragraph leaves 2 lines each side
        for role, role_format in self.role_formats.items():
            style = styles.add_style(role_format.style, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = normal
            style.quick_style = True
            set_fonts(style.element.get_or_add_rPr(), role_format.font, role_format.size)
            style.font.color.rgb = RGBColor(0, 0, 0)
            ppr = style.element.get_or_add_pPr()
            _spacing(ppr)
            style.paragraph_format.alignment = role_format.align
            _indent(ppr, role_format, role_format.size)
            if role in (Role.TITLE, Role.AUTHOR, Role.HEADING1, Role.HEADING2, Role.HEADING3):
                style.paragraph_format.keep_with_next = True  # never the last line of a page
            if role is Role.TITLE:
                # Off the line grid: LibreOffice would give a 2号 line two grid lines (57.9 pt).
                _child(ppr, "w:snapToGrid").set(qn("w:val"), "0")
        footer_style = styles.add_style("页码", WD_STYLE_TYPE.PARAGRAPH)
        footer_style.base_style = normal
        set_fonts(footer_style.element.get_or_add_rPr(), self.fonts.page_number, PAGE_NUMBER_PT)
        # No style may keep a theme font: Word would prefer it to the names set here.
        for fonts in root.iter(qn("w:rFonts")):
            if any(fonts.get(qn(attr)) for attr in THEME_ATTRS) or not fonts.get(qn("w:eastAsia")):
                set_fonts(fonts.getparent(), self.fonts.body)

    def _run(self, paragraph: Any, text: str, font: str, size: float, placeholder: bool = False) -> None:
        run = paragraph.add_run(text)
        set_fonts(run._r.get_or_add_rPr(), font, size)
        run.font.color.rgb = RGBColor(0, 0, 0)
        if placeholder:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    def _field_run(self, paragraph: Any, parts: list[tuple[str, str]]) -> None:
        for kind, value in parts:
            run = paragraph.add_run()
            set_fonts(run._r.get_or_add_rPr(), self.fonts.page_number, PAGE_NUMBER_PT)
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

    def _footer(self, footer: Any, align: WD_ALIGN_PARAGRAPH) -> None:
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
        self._field_run(
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

    def _paragraph(self, docx: Any, para: Paragraph, right_chars: float | None = None) -> Any:
        role_format = self.role_formats[para.role]
        out = self._add(docx, para.role)
        if right_chars is not None:
            ind = _child(out._p.get_or_add_pPr(), "w:ind")
            ind.set(qn("w:rightChars"), str(round(right_chars * 100)))
            ind.set(qn("w:right"), str(round(right_chars * role_format.size * 20)))
        # A title's lines break between words (a draft's 【待填写】 marks, highlighted runs,
        # included); other paragraphs wrap where Word puts them.
        cuts: set[int] = set()
        if para.role is Role.TITLE:
            cuts = set(itertools.accumulate(map(len, split_title(para.text)[:-1])))
        offset = 0
        for run in para.runs:
            text = run.text
            bounds = [0, *(c - offset for c in sorted(cuts) if offset < c < offset + len(text)), len(text)]
            for start, end in itertools.pairwise(bounds):
                self._run(out, text[start:end], role_format.font, role_format.size, run.placeholder)
                if offset + end in cuts:
                    out.runs[-1].add_break()
            offset += len(text)
        return out

    def _blank(self, docx: Any) -> Any:
        return self._add(docx, Role.BODY)

    def _signature_block(self, document: Document) -> dict[int, float]:
        """The right indent, in characters, of each signature and date paragraph (GB/T 7.3.5)."""
        sealed = self.sealed if self.sealed is not None else document.sealed
        paragraphs = document.paragraphs
        indents: dict[int, float] = {}
        for n, para in enumerate(paragraphs):
            if para.role is Role.DATE:
                signature = paragraphs[n - 1] if n and paragraphs[n - 1].role is Role.SIGNATURE else None
                sig, day = block_indents(signature.text if signature else "", para.text, sealed is not False)
                indents[n] = day
                if signature is not None:
                    indents[n - 1] = sig
        return indents

    def build(self, document: Document) -> Any:
        """The python-docx document for ``document``."""
        docx = self._new_document()
        previous: Role | None = None
        indents = self._signature_block(document)
        kept = kept_with_next(document)
        for n, para in enumerate(document.paragraphs):
            after_title = previous is Role.TITLE and para.role is not Role.AUTHOR
            if after_title or (previous is Role.AUTHOR and para.role is not Role.AUTHOR):
                self._blank(docx)  # one blank line under the title block
            if para.role is Role.SIGNATURE or (para.role is Role.DATE and previous is not Role.SIGNATURE):
                # One blank line between the body and the signature, on the signature's page.
                self._blank(docx).paragraph_format.keep_with_next = True
            out = self._paragraph(docx, para, indents.get(n))
            if n in kept:
                out.paragraph_format.keep_with_next = True
            previous = para.role
        docx.core_properties.title = document.title
        docx.core_properties.author = "reportbot"
        return docx

    def to_bytes(self, document: Document) -> bytes:
        """The DOCX file's bytes."""
        buffer = io.BytesIO()
        self.build(document).save(buffer)
        return buffer.getvalue()

    def write(self, document: Document, path: Path) -> Path:
        """Write atomically: a reader never sees a half-written file at ``path``."""
        data = self.to_bytes(document)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".docx")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path
