"""The report definitions and messages kept parsed on disk: read back when nothing changed,
parsed again when a definition, the catalogue or an entry changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.disk_cache import DiskCache
from bot.interview import definition_file
from bot.service import reports as reports_module
from bot.service.reports import Templates
from bot.service.templates_cache import load_templates
from tests.support.paths import TEMPLATES


def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every parse of the definitions (a read from the cache records nothing)."""
    seen: list[Path] = []
    real = definition_file.load_report_types

    def counting(root: Path) -> dict[str, object]:
        seen.append(root)
        return real(root)  # type: ignore[return-value]

    monkeypatch.setattr(reports_module, "load_report_types", counting)
    return seen


def copy_of_templates(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root)
    return root


def test_a_second_start_reads_the_parsed_templates_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = parses(monkeypatch)
    cache = DiskCache(tmp_path / "cache")
    first = load_templates(TEMPLATES, cache)
    again = load_templates(TEMPLATES, cache)
    assert len(seen) == 1
    assert again == first == Templates.load(TEMPLATES)
    assert again.messages.text("telegram.finished") == first.messages.text("telegram.finished")
    assert again.interview("study_speech").definition == first.types["study_speech"]


def test_a_changed_definition_or_catalogue_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_of_templates(tmp_path)
    cache = DiskCache(tmp_path / "cache")
    load_templates(root, cache)
    seen = parses(monkeypatch)
    definition = root / "study_speech" / "definition.toml"
    text = definition.read_text(encoding="utf-8")
    definition.write_text(text.replace('name = "', 'name = "改过的', 1), encoding="utf-8")
    assert load_templates(root, cache).types["study_speech"].name.startswith("改过的")
    messages = root / "messages.toml"
    messages.write_text(
        messages.read_text(encoding="utf-8").replace("报告已完成。", "报告已完成（改）。"), encoding="utf-8"
    )
    assert load_templates(root, cache).messages.text("telegram.finished").endswith("（改）。")
    assert len(seen) == 2


def test_a_broken_entry_is_parsed_again_and_a_broken_definition_still_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_of_templates(tmp_path)
    folder = tmp_path / "cache"
    cache = DiskCache(folder)
    load_templates(root, cache)
    [entry] = folder.glob("templates-*")
    cache.put(entry.name, b"not a pickle")
    expected = Templates.load(root)
    seen = parses(monkeypatch)
    assert load_templates(root, cache) == expected
    assert len(seen) == 1
    (root / "study_speech" / "definition.toml").write_text("id = ", encoding="utf-8")
    with pytest.raises(definition_file.DefinitionError, match="not valid TOML"):
        load_templates(root, cache)


def test_without_a_cache_folder_the_templates_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = parses(monkeypatch)
    assert load_templates(TEMPLATES, None) == Templates.load(TEMPLATES)
    assert len(seen) == 2
