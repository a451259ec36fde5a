"""The pages as LibreOffice lays them out (PDF read back with pdftotext): no stranded lines,
page numbers on the outer side, title lines kept whole and evenly spaced (GB/T 9704-2012)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from bot.document.compose import Composer
from bot.document.docx_writer import DocxWriter
from bot.document.model import Document, Paragraph, Role, Run
from bot.document.signature import block_indents
from bot.document.title_lines import protected_spans, split_title
from bot.interview.definition import Kind
from bot.service.reports import Templates
from tests.support.interviews import TYPE_IDS, complete_answers
from tests.support.paths import TEMPLATES
from tests.support.pdf_pages import MM, Page, pages, to_pdf

# Filler sentences, about 1.2 lines each: steps of under 4 lines walk the page break through
# the closing block (6 lines with the body lines kept beside it) on every type.
STEPS = range(0, 42, 3)


def _filler(count: int) -> str:
    # Every sentence differs (its number) and no clause reaches 12 characters, so none is
    # dropped as a repeat.
    return "".join(
        f"第{n + 1}项任务细化措施，压实责任，跟踪问效，定期调度，按时办结，确保取得实效。"
        for n in range(count)
    )


def _padded(templates: Templates, type_id: str, count: int) -> Document:
    """The report with ``count`` filler sentences in its last "more" list (the speech: text)."""
    interview = templates.interview(type_id)
    answers = complete_answers(interview)
    questions = [q for q in interview.definition.questions if answers.get(q.id)]
    lists = [q.id for q in questions if q.kind is Kind.LIST and q.id.endswith("_more")]
    if lists:
        answers[lists[-1]] = [*answers[lists[-1]], _filler(count)] if count else answers[lists[-1]]  # type: ignore[misc]
    else:
        texts = [q.id for q in questions if q.kind is Kind.LONG_TEXT]
        answers[texts[-1]] = str(answers[texts[-1]]) + _filler(count)
    return Composer(TEMPLATES).compose(templates.types[type_id], answers)


@pytest.fixture(scope="module")
def laid_out(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Any]:
    """Every type with every amount of filler: its document and its pages."""
    folder = tmp_path_factory.mktemp("pages")
    writer = DocxWriter()
    documents = {(t, n): _padded(templates, t, n) for t in TYPE_IDS for n in STEPS}
    files = [writer.write(doc, folder / f"{t}-{n}.docx") for (t, n), doc in documents.items()]
    pdfs = to_pdf(files, folder)
    return {key: (documents[key], pages(pdf)) for key, pdf in zip(documents, pdfs, strict=True)}


def _bare(text: str) -> str:
    return re.sub(r"\s", "", text)


def _closing_page(document: Document, found: list[Page]) -> tuple[Page, int]:
    """The page with the signature block (the last body line for a speech) and where it starts."""
    closing = [p for p in document.paragraphs if p.role in (Role.SIGNATURE, Role.DATE)]
    first = _bare(closing[0].text) if closing else None
    page = found[-1]
    lines = page.text_lines
    start = next((n for n, line in enumerate(lines) if first and _bare(line.text) == first), len(lines))
    return page, start


def test_the_filler_moves_the_closing_across_a_page_break(laid_out: dict[tuple[str, int], Any]) -> None:
    for type_id in TYPE_IDS:
        counts = {len(laid_out[(type_id, n)][1]) for n in STEPS}
        assert len(counts) > 1, type_id  # otherwise the sweep tests nothing


def test_the_signature_block_never_stands_alone(laid_out: dict[tuple[str, int], Any]) -> None:
    for (type_id, n), (document, found) in laid_out.items():
        page, start = _closing_page(document, found)
        assert start >= 2, (type_id, n, [line.text for line in page.text_lines])
        # After a closing line (特此报告。) at least two more body lines.
        body = [p.text for p in document.paragraphs if p.role is Role.BODY]
        if body[-1].startswith("特此"):
            assert start >= 3, (type_id, n, [line.text for line in page.text_lines])


def test_no_heading_is_the_last_line_of_a_page(laid_out: dict[tuple[str, int], Any]) -> None:
    heading_roles = (Role.HEADING1, Role.HEADING2, Role.HEADING3, Role.TITLE, Role.AUTHOR)
    for (type_id, n), (document, found) in laid_out.items():
        headings = {_bare(p.text) for p in document.paragraphs if p.role in heading_roles}
        for number, page in enumerate(found[:-1], 1):
            last = page.text_lines[-1]
            assert _bare(last.text) not in headings, (type_id, n, number, last.text)


def test_page_numbers_outer_side_one_character_in_7_mm_below_the_type_area(
    laid_out: dict[tuple[str, int], Any],
) -> None:
    one_char = 14  # 4号
    for (type_id, n), (_document, found) in laid_out.items():
        for number, page in enumerate(found, 1):
            [footer] = [line for line in page.lines if line.is_page_number]
            assert footer.text == f"—{number}—"
            if number % 2:
                assert footer.x1 == pytest.approx(page.width - 26 * MM - one_char, abs=2), (type_id, n)
            else:
                assert footer.x0 == pytest.approx(28 * MM + one_char, abs=2), (type_id, n)
            type_area_bottom = page.height - 35 * MM
            middle = (footer.y0 + footer.y1) / 2
            assert middle - type_area_bottom == pytest.approx(7 * MM, abs=1.5), (type_id, n)


def test_title_lines_keep_terms_whole_and_are_evenly_spaced(laid_out: dict[tuple[str, int], Any]) -> None:
    for type_id in TYPE_IDS:
        document, found = laid_out[(type_id, 0)]
        title = document.title
        lines, joined = [], ""
        for line in found[0].text_lines:
            if not title.startswith(joined + _bare(line.text)):
                break
            lines.append(line)
            joined += _bare(line.text)
        assert joined == title, (type_id, [line.text for line in lines])
        ends = [0]
        for line in lines:
            ends.append(ends[-1] + len(_bare(line.text)))
        for start, end in protected_spans(title):
            assert not any(start < cut < end for cut in ends), (type_id, title[start:end], ends)
        gaps = [b.y0 - a.y0 for a, b in itertools.pairwise(lines)]
        assert all(gap == pytest.approx(28.95, abs=0.6) for gap in gaps), (type_id, gaps)


# Titles whose lines come close to the width: digits between Chinese characters get extra space
# in Word and LibreOffice (autospacing), so "…中心组2026年第四次" once spilled its last 次 onto a
# line of its own.
WIDE_TITLES = (
    "在县教育局党组理论学习中心组2026年第四次集中学习暨意识形态专题研讨会上的交流发言",
    "中共某某县委宣传部关于2026年第三季度意识形态工作责任制落实情况的报告",
    "某某市某某区教育局2026年1—9月意识形态工作责任制落实情况自查报告",
    "汉中市金融局2023年度意识形态和网络意识形态工作责任制落实情况自查报告",
)


def test_title_lines_are_printed_as_split(tmp_path: Path) -> None:
    documents = [Document(title, (Paragraph(Role.TITLE, (Run(title),)),)) for title in WIDE_TITLES]
    writer = DocxWriter()
    files = [writer.write(doc, tmp_path / f"title-{n}.docx") for n, doc in enumerate(documents)]
    for title, pdf in zip(WIDE_TITLES, to_pdf(files, tmp_path), strict=True):
        printed = [_bare(line.text) for line in pages(pdf)[0].text_lines]
        assert printed == split_title(title), title
        # Broken between words: no line a stray character, the year and its period together.
        assert all(len(line) > 4 for line in printed), printed
        assert all(not line.startswith(("次", "年", "月")) for line in printed), printed
        cuts = list(itertools.accumulate(len(line) for line in printed))[:-1]
        assert not any(a < cut < b for a, b in protected_spans(title) for cut in cuts), printed


def test_signature_columns_on_the_page(laid_out: dict[tuple[str, int], Any]) -> None:
    """Sealed (the default): the date four characters from the right edge, the signature's right
    edge where centring it over the date puts it (by right edges: glyph widths depend on fonts)."""
    char = 16  # 3号
    for type_id in TYPE_IDS:
        document, found = laid_out[(type_id, 0)]
        page, start = _closing_page(document, found)
        closing = [p.text for p in document.paragraphs if p.role in (Role.SIGNATURE, Role.DATE)]
        if len(closing) < 2:
            continue
        signature, date = page.text_lines[start], page.text_lines[start + 1]
        sig_right, date_right = block_indents(closing[0], closing[1], sealed=True)
        right_edge = page.width - 26 * MM
        assert right_edge - date.x1 == pytest.approx(date_right * char, abs=1), type_id
        assert right_edge - signature.x1 == pytest.approx(sig_right * char, abs=1), type_id
