"""The signature block (GB/T 9704-2012 7.3.5) and what keeps lines together, read back from the
DOCX: columns of the signature and the date, keep-with-next, the footer, the author line."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from bot.cli.settings import Settings, SettingsError
from bot.document.compose import Composer
from bot.document.docx_writer import DocxWriter
from bot.document.signature import block_indents, seal_setting
from bot.document.title_lines import protected_spans, split_title, width
from bot.service.reports import Templates
from tests.support.gbt import style_attr
from tests.support.interviews import TYPE_IDS, complete_answers
from tests.support.paths import TEMPLATES

SIGNED = [t for t in TYPE_IDS if t != "study_speech"]
HEADINGS = ("公文标题", "公文作者", "一级标题", "二级标题", "三级标题")


def build(templates: Templates, type_id: str, writer_sealed: bool | None = None, **changes: Any) -> Any:
    answers = {**complete_answers(templates.interview(type_id)), **changes}
    document = Composer(TEMPLATES).compose(templates.types[type_id], answers)
    return docx.Document(io.BytesIO(DocxWriter(sealed=writer_sealed).to_bytes(document)))


def columns(report: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """(first column, right space) of the signature and of the date, in characters from the
    right edge, as the DOCX sets them (half-width digits count half)."""
    found = []
    for style in ("发文机关署名", "成文日期"):
        [paragraph] = [p for p in report.paragraphs if p.style.name == style]
        right = int(style_attr(paragraph, "w:ind", "w:rightChars") or 0) / 100
        found.append((right + width(paragraph.text), right))
    return found[0], found[1]


def check_sealed(report: Any) -> None:
    """7.3.5.1: the date 右空四字, the signature centred over the date."""
    (sig_start, sig_right), (date_start, date_right) = columns(report)
    assert date_right == 4
    assert (sig_start + sig_right) / 2 == pytest.approx((date_start + date_right) / 2, abs=0.01)


def check_unsealed(report: Any) -> None:
    """7.3.5.2: the signature 右空二字 and the date's first character two characters right of
    the signature's; a longer date is set 右空二字 and the signature moves left with it."""
    (sig_start, sig_right), (date_start, date_right) = columns(report)
    assert sig_start - date_start == pytest.approx(2)
    assert min(sig_right, date_right) == 2 and sig_right >= 2 and date_right >= 2


@pytest.mark.parametrize("type_id", SIGNED)
def test_sealed_is_the_default_and_the_profile_can_choose_unsealed(
    templates: Templates, type_id: str
) -> None:
    check_sealed(build(templates, type_id))
    check_unsealed(build(templates, type_id, sealed="否"))


@pytest.mark.parametrize("type_id", SIGNED)
def test_the_setting_wins_over_the_profile(templates: Templates, type_id: str) -> None:
    check_unsealed(build(templates, type_id, writer_sealed=False, sealed="是"))
    check_sealed(build(templates, type_id, writer_sealed=True, sealed="否"))


def test_signature_is_the_unit_or_the_person_and_the_speech_has_none(templates: Templates) -> None:
    def signature(type_id: str, **changes: Any) -> list[str]:
        return [
            p.text for p in build(templates, type_id, **changes).paragraphs if p.style.name == "发文机关署名"
        ]

    assert signature("unit_periodic", unit_name="青溪县市场监督管理局") == ["青溪县市场监督管理局"]
    assert signature("leader_personal", leader_name="李四") == ["李四"]
    assert signature("study_speech") == []


def test_columns_count_half_width_digits_as_half() -> None:
    # 2026年10月18日 is 8 characters wide: 年月日 and 8 half-width digits.
    assert width("2026年10月18日") == 7
    assert block_indents("某县教育局", "2026年10月18日", sealed=True) == (5, 4)
    # Unsealed, a signature long enough: 右空二字, the date two characters further right.
    assert block_indents("中共某县人民医院委员会", "2026年10月18日", sealed=False) == (2, 4)
    # Unsealed, the date longer than the signature: the date 右空二字, the signature moves left.
    assert block_indents("张三", "2026年10月18日", sealed=False) == (9, 2)
    # A signature longer than a line never pushes the date off it.
    assert block_indents("长" * 60, "2026年10月18日", sealed=False)[1] == 28 - 7
    assert block_indents("长" * 60, "2026年10月18日", sealed=True) == (0, 4)


def test_seal_setting() -> None:
    assert seal_setting("") is None and seal_setting(" Sealed ") is True and seal_setting("unsealed") is False
    empty = Path("/nonexistent/.env")
    assert Settings.load({"REPORTBOT_SEAL": "unsealed"}, empty).sealed is False
    assert Settings.load({}, empty).sealed is None
    with pytest.raises(SettingsError, match="REPORTBOT_SEAL"):
        Settings.load({"REPORTBOT_SEAL": "maybe"}, empty)


@pytest.mark.parametrize("type_id", TYPE_IDS)
def test_keep_with_next_on_headings_title_and_the_closing(templates: Templates, type_id: str) -> None:
    report = build(templates, type_id)
    paragraphs = report.paragraphs
    for paragraph in paragraphs:
        if paragraph.style.name in HEADINGS:
            assert paragraph.style.paragraph_format.keep_with_next, paragraph.text
    assert report.styles["Normal"].paragraph_format.widow_control
    # Everything from the last body paragraphs on stays on one page with the signature block.
    closing = next(
        (n for n, p in enumerate(paragraphs) if p.style.name in ("发文机关署名", "成文日期")),
        len(paragraphs) - 1,
    )
    # Signed: the blank line, the closing (特此报告。) and the body paragraph before it; a speech:
    # the paragraph before its last.
    first = closing - 3 if closing < len(paragraphs) - 1 else closing - 1
    kept = [p.paragraph_format.keep_with_next for p in paragraphs[first : len(paragraphs) - 1]]
    assert kept and all(kept), type_id


def test_footer_distance_puts_the_page_number_7_mm_below_the_type_area(templates: Templates) -> None:
    section = build(templates, "unit_periodic").sections[0]
    assert section.footer_distance.mm == pytest.approx(25.5, abs=0.05)
    assert section.bottom_margin.mm == pytest.approx(35, abs=0.05)


@pytest.mark.parametrize(
    ("type_id", "changes"),
    [
        ("leader_personal", {}),
        ("leader_personal", {"recipient": None}),
        ("study_speech", {}),
        ("study_speech", {"speech_date": None}),
        ("study_speech", {"speaker_title": None, "speech_date": None}),
    ],
)
def test_exactly_one_blank_line_after_the_author_line(
    templates: Templates, type_id: str, changes: dict[str, Any]
) -> None:
    paragraphs = build(templates, type_id, **changes).paragraphs
    last_author = max(n for n, p in enumerate(paragraphs) if p.style.name == "公文作者")
    assert paragraphs[last_author + 1].text == "" and paragraphs[last_author + 2].text != ""


def test_title_lines_never_split_the_listed_terms_or_the_period() -> None:
    for title in (
        "中共某县人民医院委员会关于2023年第三季度意识形态工作责任制落实情况的报告",
        "青溪县市场监督管理局关于2023年上半年意识形态工作责任制落实情况的报告",
        "中共某县教育局党组（党委）关于落实意识形态工作责任制情况的汇报",
        "某区人民政府办公室2023年第三季度意识形态和网络意识形态工作责任制落实情况自查报告",
    ):
        lines = split_title(title)
        assert "".join(lines) == title and len(lines) <= 3
        assert all(width(line) <= 20 for line in lines)
        cuts = [len("".join(lines[: n + 1])) for n in range(len(lines) - 1)]
        spans = protected_spans(title)
        assert any(title[a:b] == "意识形态" for a, b in spans)
        for start, end in spans:
            assert not any(start < cut < end for cut in cuts), (title[start:end], lines)
        widths = [width(line) for line in lines]
        assert max(widths) - min(widths) <= 8, lines  # balanced: no line of a few characters


def test_title_line_spacing_is_fixed_and_off_the_grid(templates: Templates) -> None:
    [title] = [p for p in build(templates, "unit_periodic").paragraphs if p.style.name == "公文标题"]
    assert style_attr(title, "w:spacing", "w:lineRule") == "exact"
    ppr = title.style.element.find(qn("w:pPr"))
    assert ppr.find(qn("w:snapToGrid")).get(qn("w:val")) == "0"


def test_a_drafts_title_breaks_beside_its_placeholders_not_inside_a_term() -> None:
    # A draft's title holds 【待填写：…】 marks, which the period phrase cannot absorb: the line
    # breaks beside a mark rather than at any character.
    title = "某市交通运输局关于【待填写：报告年度】年【待填写：报告期间】意识形态工作责任制落实情况的报告"
    lines = split_title(title)
    assert "".join(lines) == title and all(width(line) <= 20 for line in lines)
    cuts = [len("".join(lines[: n + 1])) for n in range(len(lines) - 1)]
    for start, end in protected_spans(title):
        assert not any(start < cut < end for cut in cuts), (title[start:end], lines)
    assert all("【" not in line[1:] or "】" in line for line in lines), lines  # no mark cut open
