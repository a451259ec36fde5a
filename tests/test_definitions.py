"""The shipped report definitions and ``reportbot templates check``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.interview.definition import ITEM_KINDS, Kind, describe
from bot.service.reports import Templates
from tests.support.interviews import TYPE_IDS, full_script
from tests.support.paths import TEMPLATES


def check(directory: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(["templates", "check", "--dir", str(directory)])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_shipped_definitions_pass_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = check(TEMPLATES, capsys)
    assert code == 0, output
    assert "5 report definitions are valid." in output


def test_five_types_in_order(templates: Templates) -> None:
    assert tuple(templates.types) == TYPE_IDS
    assert all(t.name for t in templates.types.values())


def test_unit_report_asks_for_the_facts_of_the_source_documents(templates: Templates) -> None:
    ids = {q.id for q in templates.types["unit_periodic"].questions}
    assert {
        "unit_name",
        "year",
        "period",
        "leader_title",
        "deputy_title",
        "party_meetings",
        "group_meetings",
        "study_sessions",
        "seminars",
        "party_lectures",
        "warning_sessions",
        "articles",
        "article_outlets",
        "publicity_activities",
        "problems",
        "next_steps",
    } <= ids


@pytest.mark.parametrize("type_id", TYPE_IDS)
def test_every_definition_is_well_formed(templates: Templates, type_id: str) -> None:
    definition = templates.types[type_id]
    ids = [q.id for q in definition.questions]
    assert len(ids) == len(set(ids))
    for q in definition.questions:
        assert q.prompt and q.label
        if q.kind is Kind.MULTI_CHOICE:
            assert len(q.options) >= 3, q.id
        if q.kind not in (Kind.SINGLE_CHOICE, Kind.MULTI_CHOICE, Kind.PERIOD):
            assert q.example, q.id
        if q.kind in ITEM_KINDS:
            assert q.min_items <= q.max_items
    profile_ids = {q.id for q in definition.questions if q.profile}
    assert profile_ids & {"unit_name", "party_org_name", "leader_name", "speaker_name"}
    schema = describe(definition)
    assert [s["id"] for s in schema["sections"]] == [s.id for s in definition.sections]


@pytest.mark.parametrize("type_id", TYPE_IDS)
def test_every_type_can_be_completed(templates: Templates, type_id: str) -> None:
    assert full_script(templates.interview(type_id))


def broken_copy(tmp_path: Path, type_id: str, old: str, new: str) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root)
    path = root / type_id / "definition.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('id = "unit_self"', 'id = "unit_name"', "duplicate question id 'unit_name'"),
        ('kind = "year"', 'kind = "number"', "unknown kind 'number'"),
        (
            'question = "civilization_included"',
            'question = "problems"',
            "refers to 'problems', which is not an earlier question",
        ),
        ('equals = "是"', 'equals = "也许"', "not one of its options"),
        ('label = "单位名称"', 'lable = "单位名称"', "unknown key(s) lable"),
        ("max = 500", "max = -1", "'min' is greater than 'max'"),
        ('[[sections]]\nid = "study"', '[[sections]\nid = "study"', "not valid TOML"),
    ],
)
def test_check_fails_on_broken_copy(
    tmp_path: Path, old: str, new: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = check(broken_copy(tmp_path, "unit_periodic", old, new), capsys)
    assert code != 0
    assert expected in output
    assert "unit_periodic" in output


def test_check_fails_on_empty_phrase_bank(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bank = (
        'phrase_bank = [\n  "自主学习",\n  "集体学习",\n  "参加党组理论学习中心组学习",\n'
        '  "参加专题研讨交流",\n  "利用“学习强国”平台学习",\n]'
    )
    code, output = check(broken_copy(tmp_path, "leader_personal", bank, "phrase_bank = []"), capsys)
    assert code != 0 and "(study_forms): the phrase bank is empty" in output


def test_check_fails_on_missing_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root)
    (root / "messages.toml").unlink()
    code, output = check(root, capsys)
    assert code != 0 and "messages.toml: file not found" in output


def test_sixth_type_needs_no_python_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root)
    sixth = root / "branch_summary"
    sixth.mkdir()
    text = (TEMPLATES / "study_speech" / "definition.toml").read_text(encoding="utf-8")
    text = text.replace('id = "study_speech"', 'id = "branch_summary"', 1)
    text = text.replace('name = "理论学习中心组意识形态专题研讨发言"', 'name = "党支部意识形态工作小结"', 1)
    (sixth / "definition.toml").write_text(text, encoding="utf-8")
    code, output = check(root, capsys)
    assert code == 0 and "6 report definitions are valid." in output
    templates = Templates.load(root)
    assert templates.types["branch_summary"].name == "党支部意识形态工作小结"
    assert full_script(templates.interview("branch_summary"))


def test_folder_must_match_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root)
    (root / "study_speech").rename(root / "speech")
    code, output = check(root, capsys)
    assert code != 0 and "differs from its folder 'speech'" in output
