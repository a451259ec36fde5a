"""The report's paragraphs, written as WordprocessingML text, read back as written: markup
characters, tabs, line ends, edge spaces and placeholders; the set-up document's parts unchanged."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.enum.text import WD_COLOR_INDEX

from bot.document.docx_base import base_document
from bot.document.docx_format import role_formats
from bot.document.docx_writer import DocxWriter, Fonts
from bot.document.model import Document, Paragraph, Role, Run


def read_back(document: Document) -> docx.document.Document:
    return docx.Document(io.BytesIO(DocxWriter().to_bytes(document)))


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def body(*runs: Run) -> Document:
    return Document("标题", (Paragraph(Role.TITLE, (Run("标题"),)), Paragraph(Role.BODY, runs)))


def test_markup_characters_are_text() -> None:
    text = "“四个意识” & <会议> \"纪要\" 'a' 30余次"
    assert read_back(body(Run(text))).paragraphs[2].text == text


def test_tabs_and_line_ends_are_word_tabs_and_breaks() -> None:
    paragraph = read_back(body(Run("甲\t乙\n丙"))).paragraphs[2]
    assert paragraph.text == "甲\t乙\n丙"
    xml = paragraph._p.xml
    assert "<w:tab/>" in xml and "<w:br/>" in xml


def test_spaces_at_the_edges_are_kept() -> None:
    paragraph = read_back(body(Run("  前后有空格 "))).paragraphs[2]
    assert paragraph.text == "  前后有空格 "
    assert 'xml:space="preserve"' in paragraph._p.xml  # or Word drops them


def test_characters_xml_cannot_hold_are_left_out() -> None:
    # Answers are cleaned on input; the writer still never writes a file Word refuses to open.
    assert read_back(body(Run("甲\x0b乙\x00丙"))).paragraphs[2].text == "甲乙丙"


def test_a_placeholder_run_is_highlighted_and_an_empty_run_is_harmless() -> None:
    paragraph = read_back(
        body(Run("开展学习"), Run(""), Run("【待填写】", placeholder=True), Run("次。"))
    ).paragraphs[2]
    assert paragraph.text == "开展学习【待填写】次。"
    highlighted = [run.text for run in paragraph.runs if run.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    assert highlighted == ["【待填写】"]


def test_the_title_and_author_are_the_documents_properties() -> None:
    properties = read_back(
        Document("关于A&B的报告", (Paragraph(Role.TITLE, (Run("关于A&B的报告"),)),))
    ).core_properties
    assert (properties.title, properties.author) == ("关于A&B的报告", "reportbot")


def test_the_set_up_parts_are_the_base_documents_own() -> None:
    fonts = Fonts()
    base = parts(base_document(fonts, role_formats(fonts)))
    written = parts(DocxWriter(fonts).to_bytes(body(Run("正文"))))
    assert set(written) == set(base)
    for name in set(base) - {"word/document.xml", "docProps/core.xml"}:
        assert written[name] == base[name], name
