"""The ten source reports, played back from the answers their authors would give.

Each ``tests/fixtures/source_reports/<name>.answers.json`` holds the answers an official who wrote
that report would give; ``<name>.facts.json`` its key facts; ``<name>.source.txt`` its body, whose
length in Chinese characters is the target for ours.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import docx
import pytest

from bot.document.compose import Composer
from bot.document.docx_writer import DocxWriter
from bot.document.lint import body_chars, describe, lint
from bot.document.render import answer_problems
from bot.service.reports import Templates
from tests.support.gbt import (
    check_every_paragraph_on_the_grid,
    check_fonts_and_sizes_per_role_on_every_run,
    check_page_margins_and_grid,
)
from tests.support.paths import TEMPLATES

FIXTURES = Path(__file__).parent / "fixtures" / "source_reports"
NAMES = sorted(p.name.removesuffix(".answers.json") for p in FIXTURES.glob("*.answers.json"))


def load(name: str) -> tuple[str, dict[str, Any], dict[str, Any], int]:
    data = json.loads((FIXTURES / f"{name}.answers.json").read_text(encoding="utf-8"))
    facts = json.loads((FIXTURES / f"{name}.facts.json").read_text(encoding="utf-8"))
    source = (FIXTURES / f"{name}.source.txt").read_text(encoding="utf-8")
    return data["type"], data["answers"], facts, len(re.findall(r"[\u4e00-\u9fff]", source))


@pytest.fixture(scope="module", params=NAMES)
def played(request: pytest.FixtureRequest, templates: Templates) -> tuple[str, Any, Any, dict[str, Any], int]:
    type_id, answers, facts, source_chars = load(request.param)
    definition = templates.types[type_id]
    assert answer_problems(templates.interview(type_id), answers) == []
    document = Composer(TEMPLATES).compose(definition, answers)
    return request.param, definition, document, facts, source_chars


def test_every_key_fact_appears(played: Any) -> None:
    name, _, document, facts, _ = played
    missing = [fact for fact in facts["facts"] if fact not in document.text]
    assert not missing, f"{name}: {missing}"


def test_length_within_15_percent_of_the_source(played: Any) -> None:
    name, _, document, _, source_chars = played
    ratio = body_chars(document) / source_chars
    assert 0.85 <= ratio <= 1.15, f"{name}: {body_chars(document)} vs {source_chars} ({ratio:.2f})"


def test_the_lint_finds_nothing(played: Any, messages: Any) -> None:
    name, definition, document, _, _ = played
    findings = lint(document, definition)
    assert not findings, f"{name}:\n{describe(findings, definition, messages)}"


def test_no_machine_residue(played: Any) -> None:
    name, _, document, _, _ = played
    for residue in (
        "None",
        "{{",
        "}}",
        "【待填写",
        "*",
        "xx",
        "。。",
        "，。",
        "；。",
        "在在",
        "上上",
        "《《",
        "等活动等",
    ):
        assert residue not in document.text, f"{name}: {residue!r}"


def test_the_docx_keeps_the_format_rules(played: Any) -> None:
    _, _, document, _, _ = played
    report = docx.Document(io.BytesIO(DocxWriter().to_bytes(document)))
    check_page_margins_and_grid(report)
    check_every_paragraph_on_the_grid(report)
    check_fonts_and_sizes_per_role_on_every_run(report)
