"""A section's printed text rewritten by hand: stored with the report, used by preview and export,
surviving a restart, restored; an answer changed in that section is noticed."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from bot.document.model import Role
from bot.document.render import Renderer
from bot.document.sections import bodies, with_texts
from bot.interview.engine import Step
from bot.service.reports import Reports, Templates
from bot.service.sections import MAX_SECTION_CHARS, SectionDrafts, SectionUnavailable
from storage import COMPLETE, SectionText, Store
from tests.support.interviews import TODAY, complete_answers

OWNER = "console:ann"
OWN_TEXT = (
    "我局党组把意识形态工作摆上重要议事日程，全年专题研究3次。\n领导小组由局长任组长，分管副局长具体抓。"
)
LEADERSHIP = 2  # unit_periodic's sections: 1 基本信息, 2 组织领导, …


def docx_paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def complete_report(reports: Reports, templates: Templates, owner: str = OWNER) -> int:
    report_id, _ = reports.new(owner, "unit_periodic")
    answers = complete_answers(templates.interview("unit_periodic"))
    reports.store.save_step(owner, report_id, answers, {"question": None}, status=COMPLETE)
    return report_id


def test_section_body_is_the_text_under_its_heading(
    reports: Reports, templates: Templates, renderer: Renderer
) -> None:
    report_id = complete_report(reports, templates)
    document = reports.document(OWNER, report_id, renderer.composer)
    found = bodies(document)
    assert list(found)[:3] == ["leadership", "study", "publicity"]
    leadership = found["leadership"]
    assert leadership.heading == "一、加强组织领导，压实工作责任"
    assert "领导小组" in leadership.text and "特此报告" not in leadership.text
    # The closing line's tag (``@p:closing``) ends the last section; it names no section of the type.
    sections = [s.id for s in templates.types["unit_periodic"].sections]
    last = [body for section, body in found.items() if section in sections][-1]
    assert "特此报告" not in last.text  # the closing line is no section's body

    replaced = with_texts(document, {"leadership": OWN_TEXT})
    headings = [p.text for p in replaced.paragraphs if p.role is Role.HEADING1]
    assert headings == [p.text for p in document.paragraphs if p.role is Role.HEADING1]
    assert bodies(replaced)["leadership"].text == OWN_TEXT
    assert bodies(replaced)["study"].text == found["study"].text
    assert replaced.paragraphs[-3].text == "特此报告。"


def test_rewrite_is_stored_used_by_the_docx_and_survives_a_restart(
    tmp_path: Path, templates: Templates, renderer: Renderer
) -> None:
    store = Store.open(tmp_path / "r.db")
    reports = Reports(store, templates, lambda: TODAY)
    drafts = SectionDrafts(reports, lambda: renderer.composer)
    report_id = complete_report(reports, templates)
    generated = drafts.view(OWNER, report_id, LEADERSHIP)
    assert generated.origin is None and generated.text == generated.generated

    view = drafts.replace(OWNER, report_id, LEADERSHIP, " " + OWN_TEXT + "\n\n", "hand")
    assert view.origin == "hand" and view.text == OWN_TEXT and view.generated == generated.text
    rows = list(store.db.query("SELECT report_id, section_id, text, origin FROM section_texts"))
    assert rows == [{"report_id": report_id, "section_id": "leadership", "text": OWN_TEXT, "origin": "hand"}]
    store.close()

    # A new process over the same file.
    store = Store.open(tmp_path / "r.db")
    reports = Reports(store, templates, lambda: TODAY)
    drafts = SectionDrafts(reports, lambda: renderer.composer)
    assert store.load_report(OWNER, report_id).texts == {"leadership": SectionText(OWN_TEXT, "hand")}
    assert drafts.view(OWNER, report_id, LEADERSHIP).text == OWN_TEXT
    document = reports.document(OWNER, report_id, renderer.composer)
    paragraphs = docx_paragraphs(renderer.writer.to_bytes(document))
    at = paragraphs.index("一、加强组织领导，压实工作责任")
    assert paragraphs[at + 1 : at + 3] == OWN_TEXT.split("\n")
    assert paragraphs[at + 3] == "二、强化理论学习，筑牢思想根基"
    assert generated.text.split("\n")[0] not in paragraphs

    assert drafts.restore(OWNER, report_id, LEADERSHIP)
    assert not drafts.restore(OWNER, report_id, LEADERSHIP)  # nothing left to restore
    assert list(store.db.query("SELECT * FROM section_texts")) == []
    paragraphs = docx_paragraphs(
        renderer.writer.to_bytes(reports.document(OWNER, report_id, renderer.composer))
    )
    assert generated.text.split("\n")[0] in paragraphs and OWN_TEXT.split("\n")[0] not in paragraphs
    store.close()


def test_rewrite_kept_in_memory_while_serving(
    reports: Reports, templates: Templates, drafts: SectionDrafts
) -> None:
    reports.store.keep_recent(10)
    report_id = complete_report(reports, templates)
    reports.load(OWNER, report_id)  # kept
    drafts.replace(OWNER, report_id, LEADERSHIP, OWN_TEXT, "polish")
    assert reports.load(OWNER, report_id).texts["leadership"] == SectionText(OWN_TEXT, "polish")
    reports.act(OWNER, report_id, "section", LEADERSHIP)  # a step keeps the texts
    assert reports.load(OWNER, report_id).texts["leadership"].origin == "polish"
    drafts.restore(OWNER, report_id, LEADERSHIP)
    assert reports.load(OWNER, report_id).texts == {}


def test_bad_rewrites_change_nothing(reports: Reports, templates: Templates, drafts: SectionDrafts) -> None:
    report_id = complete_report(reports, templates)
    for text, key in (
        ("  \n \u3000\n", "section.rewrite_empty"),
        ("很" * (MAX_SECTION_CHARS + 1), "section.rewrite_too_long"),
    ):
        with pytest.raises(SectionUnavailable) as caught:
            drafts.replace(OWNER, report_id, LEADERSHIP, text, "hand")
        assert caught.value.key == key
        assert templates.messages.text(key, **caught.value.params)
    with pytest.raises(SectionUnavailable) as caught:
        drafts.view(OWNER, report_id, 1)  # 基本信息 prints no body of its own
    assert caught.value.key == "section.no_body"
    with pytest.raises(SectionUnavailable) as caught:
        drafts.view(OWNER, report_id, 99)
    assert caught.value.key == "section.number"
    assert reports.load(OWNER, report_id).texts == {}


def test_an_answer_changed_in_a_rewritten_section_is_noticed(
    reports: Reports, templates: Templates, drafts: SectionDrafts
) -> None:
    report_id = complete_report(reports, templates)
    drafts.replace(OWNER, report_id, LEADERSHIP, OWN_TEXT, "hand")
    review = reports.act(OWNER, report_id, "review")
    item = next(
        i
        for s in review.review
        if s.section.id == "leadership"
        for i in s.items
        if i.question.id == "party_meetings"
    )
    reports.act(OWNER, report_id, "edit", str(item.number))
    before = reports.load(OWNER, report_id)
    step = reports.act(OWNER, report_id, "answer", "9次")
    assert step.changes == {"party_meetings": 9} or "party_meetings" in step.changes
    assert drafts.after_step(before, "answer", step) == (None, [LEADERSHIP])
    # The same answer again changes nothing worth asking about.
    reports.act(OWNER, report_id, "edit", str(item.number))
    before = reports.load(OWNER, report_id)
    step = reports.act(OWNER, report_id, "answer", "9次")
    assert drafts.after_step(before, "answer", step)[1] == []


def test_the_last_answer_of_a_section_shows_its_text(
    reports: Reports, templates: Templates, drafts: SectionDrafts
) -> None:
    report_id, _ = reports.new(OWNER, "unit_periodic")
    answers = complete_answers(templates.interview("unit_periodic"))
    definition = templates.types["unit_periodic"]
    leadership = definition.sections[LEADERSHIP - 1]
    earlier = {k: v for k, v in answers.items() if definition.section_of(k).id in ("basic", "leadership")}
    last = leadership.questions[-1].id
    earlier.pop(last, None)
    reports.store.save_step(OWNER, report_id, earlier, {"question": last})
    before = reports.load(OWNER, report_id)
    step = reports.act(OWNER, report_id, "skip")
    assert isinstance(step, Step) and step.prompt is not None and step.prompt.section.id == "study"
    assert drafts.after_step(before, "skip", step) == (LEADERSHIP, [])
    # Going back is not finishing it.
    before = reports.load(OWNER, report_id)
    step = reports.act(OWNER, report_id, "back")
    assert drafts.after_step(before, "back", step) == (None, [])
