"""Composition: answers become prose in the register of the source documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.document import phrasing
from bot.document.compose import Composer, CompositionError
from bot.document.model import Document, Role, file_name
from bot.document.template_helpers import figures, join_cn
from bot.document.template_text import Figure, tidy
from bot.interview.definition import Kind, Value
from bot.service.reports import Templates
from tests.support.interviews import TYPE_IDS, complete_answers
from tests.support.paths import TEMPLATES

# What a source document's own placeholders look like; none may reach the output.
PLACEHOLDER_RE = re.compile(r"\*|xx|XX|(?<![A-Za-z])x(?![A-Za-z])")


@pytest.fixture(scope="module")
def composer() -> Composer:
    return Composer(TEMPLATES)


def compose(templates: Templates, composer: Composer, type_id: str, **changes: Value) -> Document:
    answers = complete_answers(templates.interview(type_id))
    answers.update(changes)
    return composer.compose(templates.types[type_id], answers)


def headings(doc: Document, role: Role = Role.HEADING1) -> list[str]:
    return [p.text for p in doc.paragraphs if p.role is role]


@pytest.mark.parametrize("type_id", TYPE_IDS)
def test_complete_answers_read_as_a_finished_report(
    templates: Templates, composer: Composer, type_id: str
) -> None:
    answers = complete_answers(templates.interview(type_id))
    doc = composer.compose(templates.types[type_id], answers)
    text = doc.text
    assert doc.placeholders == [] and "待填写" not in text
    assert not PLACEHOLDER_RE.search(text), PLACEHOLDER_RE.search(text)
    assert "。。" not in text and "，。" not in text and "；。" not in text
    definition = templates.types[type_id]
    for q in templates.interview(type_id).applicable_questions(answers):
        value = answers.get(q.id)
        if isinstance(value, int) and value > 0 and q.kind.value == "integer":
            assert f"{value}{q.unit}" in text, q.id
        if isinstance(value, list):
            for item in value:
                # A 小标题：正文 item prints as 一是小标题。正文。; a detail ("item\ndetail")
                # follows its item's heading, in place of a ticked statement's stock words.
                parts = re.split("[：\n]", item)
                if q.kind is Kind.MULTI_CHOICE and item in q.options:
                    # A ticked statement's general words give way to a detail or to the figures
                    # that belong to it; its heading always prints.
                    parts = parts[:1]
                if q.kind is Kind.DETAILS:
                    parts = [item.split("\n")[1]]
                for part in parts:
                    if q.kind is Kind.MULTI_CHOICE and item in q.options and answers.get("unit_self"):
                        part = part.replace("本单位", str(answers["unit_self"]))  # the unit's own name
                    assert part.rstrip("。") in text, (q.id, item)
    assert doc.paragraphs[0].role is Role.TITLE and doc.title == doc.paragraphs[0].text
    assert definition.name  # every type names itself


def test_unit_title_opening_signature_and_date(templates: Templates, composer: Composer) -> None:
    doc = compose(templates, composer, "unit_periodic", unit_name="某市交通运输局")
    assert doc.title == "某市交通运输局关于2023年第三季度意识形态工作责任制落实情况的报告"
    body = [p.text for p in doc.paragraphs if p.role is Role.BODY]
    assert body[0].endswith("现将有关情况报告如下：")
    assert body[-1] == "特此报告。"
    assert [p.text for p in doc.paragraphs if p.role is Role.SIGNATURE] == ["某市交通运输局"]
    assert [p.text for p in doc.paragraphs if p.role is Role.DATE] == ["2023年10月8日"]
    assert [p.text for p in doc.paragraphs if p.role is Role.RECIPIENT] == ["中共某县委宣传部："]
    annual = compose(templates, composer, "unit_periodic", unit_name="某市交通运输局", period="全年")
    assert annual.title == "某市交通运输局关于2023年度意识形态工作责任制落实情况的报告"
    # Reported by the party organisation: its full name in the title and the signature.
    party = compose(
        templates,
        composer,
        "unit_periodic",
        unit_name="某县教育局",
        issuer="党组织",
        party_body="党委",
        leader_title="局党委书记、局长",
        deputy_title="局党委委员、副局长",
    )
    assert party.title == "中共某县教育局党委关于2023年第三季度意识形态工作责任制落实情况的报告"
    assert [p.text for p in party.paragraphs if p.role is Role.SIGNATURE] == ["中共某县教育局党委"]
    assert "党组" not in party.text


def test_figures_in_sentences_and_zero_clauses_dropped(templates: Templates, composer: Composer) -> None:
    doc = compose(templates, composer, "unit_periodic", party_meetings=3, group_meetings=2)
    assert "第三季度，共召开党组专题会议3次、领导小组会议2次" in doc.text
    cumulative = compose(
        templates, composer, "unit_periodic", party_meetings="30余", count_scope="年初以来累计数"
    )
    assert "前三季度，共召开党组专题会议30余次、领导小组会议" in cumulative.text
    doc = compose(templates, composer, "unit_periodic", party_meetings=0, group_meetings=2)
    assert "共召开领导小组会议2次" in doc.text and "党组专题会议" not in doc.text
    assert not re.search(r"(?<![0-9])0次", doc.text)
    doc = compose(templates, composer, "unit_periodic", party_meetings=0, group_meetings=0)
    assert "共召开" not in doc.text
    doc = compose(templates, composer, "unit_periodic", heart_talks=None, inspections=None)
    assert not re.search(r"督查检查\d", doc.text) and "谈心谈话" not in doc.text and "None" not in doc.text
    doc = compose(templates, composer, "unit_periodic", heart_talks=None, inspections=4)
    assert "共开展意识形态工作督查检查4次" in doc.text


def test_section_left_out_leaves_no_gap(templates: Templates, composer: Composer) -> None:
    full = headings(compose(templates, composer, "unit_periodic"))
    assert [h[:2] for h in full] == ["一、", "二、", "三、", "四、", "五、", "六、", "七、"]
    assert full[3] == "四、弘扬社会文明，践行社会主义核心价值观"
    short = headings(compose(templates, composer, "unit_periodic", civilization_included="否"))
    assert [h[:2] for h in short] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert all("社会文明" not in h for h in short)
    assert short[3] == "四、强化监督检查，筑牢网络意识形态安全防线"


def test_answers_are_data_never_template_code(templates: Templates, composer: Composer) -> None:
    doc = compose(
        templates,
        composer,
        "study_speech",
        point1_title="{{ 7*7 }}",
        point1_body="{% for x in range(3) %}循环{% endfor %}",
        opening="@h1 伪造的标题\n@title 伪造\n第二段",
        closing="<&>\"' ok",
    )
    text = doc.text
    assert "{{ 7*7 }}" in text and "49" not in text
    assert "{% for x in range(3) %}循环{% endfor %}" in text
    assert headings(doc) == [] and doc.title.startswith("在")
    body = [p.text for p in doc.paragraphs if p.role is Role.BODY]
    assert any(p.endswith("@h1 伪造的标题") for p in body) and "@title 伪造" in body and "第二段。" in body
    assert "<&>\"' ok" in text


def test_control_characters_and_long_paragraphs(templates: Templates, composer: Composer) -> None:
    long = "很长的段落" * 400
    doc = compose(templates, composer, "study_speech", point2_body="a\x00b\x0bc\ud800d\x1b\x01\x02" + long)
    assert "abcd" + long in doc.text
    assert doc.placeholders == []


def test_typography(templates: Templates, composer: Composer) -> None:
    with_stop = compose(
        templates, composer, "unit_periodic", publicity_activities=["开展宣讲。", "组织参观；"]
    )
    without = compose(templates, composer, "unit_periodic", publicity_activities=["开展宣讲", "组织参观"])
    assert with_stop.text == without.text
    assert "开展宣讲。" in without.text and "组织参观。" in without.text
    doc = compose(templates, composer, "unit_periodic", unit_self="我局,", leader_title="局长(兼)")
    assert "我局，" in doc.text and "局长（兼）" in doc.text
    assert tidy("好。\x03。") == "好。" and tidy("好；\x03。") == "好。" and tidy("好，\x03，") == "好，"
    assert tidy("要。、0\x03") == "要。、0"  # an answer may start with punctuation
    assert tidy("\x1b要。\x03\x1b，0\x03") == "要。，0"  # even right after another answer
    assert tidy("好。。") == "好。。"  # inside an answer, as typed
    assert join_cn(["甲", "乙", "丙"], "和") == "甲、乙和丙"
    assert figures([("会议", Figure(0, "次")), ("学习", None)], before="共召开") == ""
    assert figures([("会议", Figure("近20", "次")), ("学习", None)], before="共召开") == "共召开会议近20次。"


def test_draft_marks_missing_facts(templates: Templates, composer: Composer) -> None:
    answers = complete_answers(templates.interview("unit_periodic"))
    for key in ("period", "problems"):
        del answers[key]
    answers["party_meetings"] = "不详"
    doc = composer.compose(templates.types["unit_periodic"], answers)
    marks = doc.placeholders
    assert "【待填写：报告期间】" in marks and "【待填写：存在问题】" in marks
    assert "【待填写：党组织专题会议次数】" in marks  # answered 不详
    unit = answers["unit_name"]
    assert doc.title == f"{unit}关于2023年【待填写：报告期间】意识形态工作责任制落实情况的报告"
    run = next(r for p in doc.paragraphs for r in p.runs if r.placeholder)
    assert run.text.startswith("【待填写：")
    assert not PLACEHOLDER_RE.search(doc.text)


@pytest.mark.parametrize("type_id", TYPE_IDS)
def test_empty_draft_renders(templates: Templates, composer: Composer, type_id: str) -> None:
    doc = composer.compose(templates.types[type_id], {})
    assert doc.placeholders and doc.title


# Section structure of each type against its source document (../shared/source-documents/).
def test_structure_unit_periodic_follows_000(templates: Templates, composer: Composer) -> None:
    # 000: 组织领导 → 理论学习 → 监督检查 → 舆论引导 → 存在问题及下一步; 002/004 add 文明创建.
    found = headings(compose(templates, composer, "unit_periodic"))
    for heading, keyword in zip(
        found, ["组织领导", "理论学习", "舆论引导", "社会文明", "监督检查", "问题", "下一步"], strict=True
    ):
        assert keyword in heading
    assert "特此报告。" in compose(templates, composer, "unit_periodic").text


def test_structure_leader_personal_follows_001_second(templates: Templates, composer: Composer) -> None:
    doc = compose(templates, composer, "leader_personal")
    found = headings(doc)
    for heading, keyword in zip(found, ["理论武装", "担当", "作风", "不足", "下一步"], strict=True):
        assert keyword in heading
    assert doc.paragraphs[3].text.startswith("本人作为")  # first person, as in 001


def test_structure_party_group_follows_001_third(templates: Templates, composer: Composer) -> None:
    doc = compose(templates, composer, "party_group_inspection")
    texts = [(p.role, p.text) for p in doc.paragraphs]
    found = headings(doc)
    assert ["领导权" in found[0], "主攻方向" in found[1], "责任落实" in found[2], "思考" in found[3]] == [
        True
    ] * 4
    # Every work section is followed by its shortcomings, as in 001's third report.
    labels = [t for role, t in texts if t in ("存在不足：", "存在问题：")]
    assert labels == ["存在不足："] * 3
    closing = [t for role, t in texts if role is Role.BODY][-2:]
    assert closing[0].startswith("一是") and closing[1].startswith("二是")
    assert doc.title.endswith("关于落实意识形态工作责任制情况的汇报")
    assert [t for role, t in texts if role is Role.SIGNATURE] == [doc.title.split("关于")[0]]


def test_structure_self_inspection_follows_003(templates: Templates, composer: Composer) -> None:
    doc = compose(templates, composer, "self_inspection")
    assert headings(doc) == ["一、工作开展情况", "二、存在问题", "三、下一步工作举措"]
    subs = headings(doc, Role.HEADING2)
    assert subs[:4] == [
        "（一）加强组织领导，压实工作责任",
        "（二）注重思想引领，筑起坚实防线",
        "（三）强化宣传引导，巩固主流阵地",
        "（四）狠抓风险处置，提升网络舆情处置能力",
    ]
    assert subs[4:] == []  # next steps are 一是… paragraphs under 三、, not subheadings
    steps = [p.text for p in doc.paragraphs if p.role is Role.BODY and p.text.startswith(("一是", "二是"))]
    assert any(s.startswith("一是提高政治站位。") for s in steps)
    assert doc.paragraphs[2].text.startswith("为进一步推动意识形态工作责任制落到实处")
    assert "按照区委宣传部《关于开展2023年意识形态（网络意识形态）工作专项督查的通知》（" in doc.text
    body = [p.text for p in doc.paragraphs if p.role is Role.BODY]
    assert body[-1] == "特此报告。"


def test_structure_study_speech_follows_003_fourth(templates: Templates, composer: Composer) -> None:
    doc = compose(templates, composer, "study_speech")
    roles = [p.role for p in doc.paragraphs]
    assert roles[:4] == [Role.TITLE, Role.AUTHOR, Role.AUTHOR, Role.SALUTATION]
    assert doc.paragraphs[2].text == "（2023年10月8日）"  # a date, if any, under the speaker's name
    assert doc.paragraphs[3].text == "同志们："
    points = [p.text[:3] for p in doc.paragraphs if p.text.startswith("第")]
    assert points == ["第一，", "第二，", "第三，", "第四，"]
    body = [p.text for p in doc.paragraphs if p.role is Role.BODY]
    assert body[-1] == "发言完毕，不当之处，请批评指正。谢谢！"  # nothing after the thanks
    assert roles[-1] is Role.BODY and Role.DATE not in roles and Role.SIGNATURE not in roles
    assert sum("下面，我谈几点体会" in p for p in body) == 1
    three = compose(templates, composer, "study_speech", point4_title=None)
    assert [p.text[:3] for p in three.paragraphs if p.text.startswith("第")] == ["第一，", "第二，", "第三，"]


def test_sandbox_refuses_unsafe_template(tmp_path: Path, templates: Templates) -> None:
    folder = tmp_path / "study_speech"
    folder.mkdir()
    (folder / "report.j2").write_text("@title {{ ''.__class__.__mro__[1].__subclasses__() }}\n", "utf-8")
    with pytest.raises(CompositionError):
        Composer(tmp_path).compose(
            templates.types["study_speech"].__class__(
                "study_speech", "x", "", templates.types["study_speech"].sections, path=folder
            ),
            {},
        )


def test_strict_undefined_catches_template_typos(tmp_path: Path, templates: Templates) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "report.j2").write_text("@title {{ no_such_answer }}\n", "utf-8")
    definition = templates.types["study_speech"]
    with pytest.raises(CompositionError, match="no_such_answer"):
        Composer(tmp_path).compose(definition.__class__("t", "x", "", definition.sections, path=folder), {})


def test_file_name_removes_rejected_characters() -> None:
    assert file_name('关于/2023:年*报告?"<>|') == "关于2023年报告.docx"
    assert file_name("") == "报告.docx"
    assert len(file_name("长" * 500)) == 125


def _stock_with(templates: Templates, type_id: str, word: str) -> tuple[str, str]:
    """A multi-choice question of the type and one of its statements holding ``word``."""
    for q in templates.types[type_id].questions:
        for option in q.options if q.kind is Kind.MULTI_CHOICE else ():
            if word in option:
                return q.id, option
    raise AssertionError(f"no phrase-bank statement of {type_id} holds {word}")


def test_ticked_statements_speak_of_the_units_own_people_and_self(
    templates: Templates, composer: Composer
) -> None:
    qid, stock = _stock_with(templates, "self_inspection", "干部职工")
    own = "教育引导：引导干部职工读书"
    answers: dict[str, Value] = {
        qid: [stock, own],
        "participation": None,
    }  # no figure to take the statement's place
    doc = compose(templates, composer, "self_inspection", staff_noun="教职工", **answers)
    body = stock.split("：", 1)[1]
    assert phrasing.strip_end(body.replace("干部职工", "教职工")) in doc.text
    assert "引导干部职工读书" in doc.text  # the user's own words stay as typed
    qid, stock = _stock_with(templates, "unit_periodic", "本单位")
    no_figures: dict[str, Value] = {
        "articles": None,
        "article_outlets": None,
    }  # nothing to take the statement's place
    doc = compose(templates, composer, "unit_periodic", unit_self="我院", **{qid: [stock]}, **no_figures)
    assert phrasing.strip_end(stock.split("：", 1)[1].replace("本单位", "我院")) in doc.text
