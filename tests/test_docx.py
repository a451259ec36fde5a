"""The DOCX read back with python-docx, rule by rule against the GB/T 9704-2012 format table."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn

from bot.document.compose import Composer
from bot.document.docx_writer import EM_DASH, THEME_ATTRS, DocxWriter, Fonts, split_title
from bot.service.reports import Templates
from tests.support.gbt import (
    FONTS,
    check_every_paragraph_on_the_grid,
    check_fonts_and_sizes_per_role_on_every_run,
    check_page_margins_and_grid,
    rfonts,
    style_attr,
)
from tests.support.interviews import TYPE_IDS, complete_answers
from tests.support.paths import TEMPLATES


def build(templates: Templates, type_id: str, answers: dict[str, Any] | None = None) -> Any:
    if answers is None:
        answers = complete_answers(templates.interview(type_id))
    document = Composer(TEMPLATES).compose(templates.types[type_id], answers)
    return docx.Document(io.BytesIO(DocxWriter().to_bytes(document)))


@pytest.fixture(scope="module", params=TYPE_IDS)
def report(request: pytest.FixtureRequest, templates: Templates) -> Any:
    return build(templates, request.param)


def test_page_margins_and_grid(report: Any) -> None:
    check_page_margins_and_grid(report)


def test_every_paragraph_on_the_grid(report: Any) -> None:
    check_every_paragraph_on_the_grid(report)


def test_fonts_and_sizes_per_role_on_every_run(report: Any) -> None:
    check_fonts_and_sizes_per_role_on_every_run(report)


def test_no_theme_fonts_left_in_styles(report: Any) -> None:
    root = report.styles.element
    for fonts in root.iter(qn("w:rFonts")):
        assert not any(fonts.get(qn(a)) for a in THEME_ATTRS)
        assert fonts.get(qn("w:eastAsia"))
    defaults = root.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert rfonts(defaults)["eastAsia"] == FONTS.body


def test_alignment_and_indents(report: Any) -> None:
    by_style: dict[str, list[Any]] = {}
    for paragraph in report.paragraphs:
        if paragraph.text:
            by_style.setdefault(paragraph.style.name, []).append(paragraph)
    title = by_style["公文标题"][0]
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert report.paragraphs[0] is not None and report.paragraphs[0].style.name == "公文标题"
    for body in by_style.get("公文正文", []) + by_style.get("一级标题", []) + by_style.get("二级标题", []):
        assert style_attr(body, "w:ind", "w:firstLineChars") == "200"
        assert style_attr(body, "w:ind", "w:firstLine") == "640"
    for signature in by_style.get("发文机关署名", []):
        assert signature.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    dates = by_style.get("成文日期", [])
    assert len(dates) == (0 if "称呼" in by_style else 1)  # a speech ends with its thanks, undated
    for date in dates:
        assert date.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
        assert style_attr(date, "w:ind", "w:rightChars") == "400"
        assert date.text == "2023年10月8日"
    # One blank line under the title block (title and author lines), one before the signature block.
    texts = [p.text for p in report.paragraphs]
    styles = [p.style.name for p in report.paragraphs]
    first_after_title = next(i for i, s in enumerate(styles) if s not in ("公文标题", "公文作者"))
    assert texts[first_after_title] == "" and texts[first_after_title + 1] != ""
    closing = [i for i, p in enumerate(report.paragraphs) if p.style.name in ("发文机关署名", "成文日期")]
    assert not closing or texts[closing[0] - 1] == ""


def test_recipient_flush_left_with_colon(report: Any) -> None:
    paragraphs = report.paragraphs
    for n, paragraph in enumerate(paragraphs):
        if paragraph.style.name == "主送机关":
            assert paragraph.text.endswith("：")
            assert paragraph.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.LEFT
            assert style_attr(paragraph, "w:ind", "w:firstLineChars") is None
            assert paragraphs[n - 1].text == ""


def _footer_check(footer: Any, align: Any, side: str) -> None:
    [paragraph] = footer.paragraphs
    assert paragraph.alignment == align
    ind = paragraph._p.find(qn("w:pPr")).find(qn("w:ind"))
    assert ind.get(qn(f"w:{side}Chars")) == "100"
    xml = paragraph._p.xml
    assert "PAGE" in xml and 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
    assert paragraph.text.startswith(EM_DASH + " ") and paragraph.text.endswith(" " + EM_DASH)
    for run in paragraph.runs:
        fonts = rfonts(run._r)
        assert {fonts[s] for s in ("ascii", "hAnsi", "eastAsia", "cs")} == {FONTS.page_number}
        assert run.font.size.pt == 14


def test_page_numbers_odd_right_even_left(report: Any) -> None:
    assert report.settings.odd_and_even_pages_header_footer
    section = report.sections[0]
    _footer_check(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right")
    _footer_check(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")
    assert 20 <= section.footer_distance.mm <= 28


def test_draft_placeholders_are_highlighted(templates: Templates) -> None:
    doc = build(templates, "unit_periodic", {"unit_name": "某局"})
    marked = [r for p in doc.paragraphs for r in p.runs if r.text.startswith("【待填写：")]
    assert marked and all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in marked)
    plain = [r for p in doc.paragraphs for r in p.runs if "某局" in r.text]
    assert plain and all(r.font.highlight_color is None for r in plain)


def test_a_drafts_title_breaks_between_words_with_its_marks_highlighted(templates: Templates) -> None:
    doc = build(templates, "unit_periodic", {"unit_name": "某市交通运输局"})
    title = doc.paragraphs[0]
    lines = title.text.split("\n")
    assert len(lines) > 1 and lines == split_title("".join(lines))
    assert all(line.count("【") == line.count("】") for line in lines)  # no mark cut open
    marked = [r for r in title.runs if r.text.startswith("【")]
    assert marked and all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in marked)


def test_long_title_split_into_lines() -> None:
    lines = split_title("在党组理论学习中心组（扩大）学习暨意识形态专题研讨会议上的交流发言")
    assert lines == ["在党组理论学习中心组（扩大）学习暨", "意识形态专题研讨会议上的交流发言"]
    assert all(len(line) <= 20 for line in split_title("长" * 95))
    assert split_title("短标题") == ["短标题"]
    # A period is never split (2026年|度, 2026年第三|季度): a third line before that.
    for title in (
        "中共青山县人民医院党委关于2026年度意识形态工作责任制落实情况的报告",
        "中共某区实验小学党支部关于2026年第三季度意识形态工作责任制落实情况的报告",
        "青溪县市场监督管理局关于2026年上半年意识形态工作责任制落实情况的报告",
    ):
        lines = split_title(title)
        assert "".join(lines) == title
        for after in lines[1:]:  # no line opens with the rest of a period
            assert not after.startswith(("度", "季度", "第", "半年", "上半年", "下半年")), lines


def test_fallback_fonts_are_configurable(templates: Templates) -> None:
    fonts = Fonts.from_settings({"REPORTBOT_FONTS": "fallback", "REPORTBOT_FONT_TITLE": "宋体"})
    assert (fonts.body, fonts.heading2, fonts.title) == ("仿宋", "楷体", "宋体")
    answers = complete_answers(templates.interview("study_speech"))
    document = Composer(TEMPLATES).compose(templates.types["study_speech"], answers)
    doc = docx.Document(io.BytesIO(DocxWriter(fonts).to_bytes(document)))
    assert rfonts(doc.paragraphs[0].runs[0]._r)["eastAsia"] == "宋体"
    assert rfonts(doc.paragraphs[1].runs[0]._r)["eastAsia"] == "楷体"


HOSTILE = {
    "point1_title": "{{ 7*7 }}{% raw %}",
    "point3_body": "<&>\"'&amp; ok",
    "point1_body": "控制字符\x00\x01\x08\x0b\x0c\x1f\ufffe\uffff\ud800结束" + "长" * 2000,
    "point2_body": "表情😀👍🏽‍🔥 和 RTL \u202e 以及零宽\u200b字符",
    "meeting_name": "]]></w:t><w:t>注入",
}


def test_hostile_answers_give_a_valid_docx(templates: Templates, tmp_path: Path) -> None:
    answers = complete_answers(templates.interview("study_speech"))
    answers.update(HOSTILE)
    document = Composer(TEMPLATES).compose(templates.types["study_speech"], answers)
    path = DocxWriter().write(document, tmp_path / "hostile.docx")
    doc = docx.Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "{{ 7*7 }}{% raw %}" in text
    assert "<&>\"'&amp;" in text
    assert "控制字符结束" + "长" * 2000 in text
    assert "表情😀👍🏽‍🔥 和 RTL \u202e 以及零宽\u200b字符" in text
    assert "]]></w:t><w:t>注入" in text
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed for this test; `make test` installs it"
    result = subprocess.run(
        [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "txt:Text",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    converted = tmp_path / "hostile.txt"
    assert converted.exists(), result.stderr
    assert "]]></w:t><w:t>注入" in converted.read_text(encoding="utf-8", errors="replace")


def test_the_file_leaves_out_the_blank_documents_table_styles_and_word_2010_copy(
    templates: Templates,
) -> None:
    document = Composer(TEMPLATES).compose(
        templates.types["study_speech"], complete_answers(templates.interview("study_speech"))
    )
    data = DocxWriter().to_bytes(document)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
    assert "word/styles.xml" in names and not any("stylesWithEffects" in name for name in names)
    styles = docx.Document(io.BytesIO(data)).styles.element.findall(qn("w:style"))
    tables = [s for s in styles if s.get(qn("w:type")) == "table"]
    assert len(tables) == 1 and tables[0].get(qn("w:default")) == "1"  # the default table style
    assert len(data) < 25_000  # was about 40 kB with them
