"""What is kept on disk between processes (compiled templates, the base document) is used only
while what it was made from is unchanged, and a corrupt entry is rebuilt, never used."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from jinja2.sandbox import SandboxedEnvironment

from bot.disk_cache import DiskCache, default_folder
from bot.document import docx_writer
from bot.document.compose import Composer
from bot.document.docx_writer import DocxWriter
from bot.document.fonts import Fonts
from bot.document.model import Document
from bot.service.reports import Templates
from tests.support.cli import run_cli, write_answers
from tests.support.interviews import complete_answers
from tests.support.paths import TEMPLATES

TYPE_ID = "self_inspection"


def entries(folder: Path, prefix: str) -> list[Path]:
    """The cache's entries whose names start with ``prefix``."""
    return sorted(folder.glob(f"{prefix}*"))


def body_fonts(data: bytes) -> set[str]:
    """The east Asian font names of a DOCX's body paragraphs, read back from the file."""
    document = docx.Document(io.BytesIO(data))
    return {
        run._r.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia"))
        for paragraph in document.paragraphs
        for run in paragraph.runs
        if paragraph.style is not None and paragraph.style.name == "公文正文"
    }


@pytest.fixture
def document(templates: Templates) -> Document:
    """A complete report's document model."""
    answers = complete_answers(templates.interview(TYPE_ID))
    return Composer(TEMPLATES).compose(templates.types[TYPE_ID], answers)


# -- the store -------------------------------------------------------------------------------


def test_an_entry_reads_back(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c")
    cache.put("a", b"bytes")
    assert cache.get("a") == b"bytes"
    assert cache.get("b") is None
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["a"]  # no temporary file left


@pytest.mark.parametrize("damage", [b"", b"short", b"x" * 100])
def test_a_corrupt_or_truncated_entry_reads_as_missing(tmp_path: Path, damage: bytes) -> None:
    cache = DiskCache(tmp_path)
    cache.put("a", b"some bytes of an entry")
    whole = (tmp_path / "a").read_bytes()
    (tmp_path / "a").write_bytes(damage or whole[:-3])
    assert cache.get("a") is None


def test_a_folder_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = DiskCache(blocker / "cache")
    cache.put("a", b"x")
    assert cache.get("a") is None


def test_the_folder_setting() -> None:
    assert default_folder({"REPORTBOT_CACHE": "/c", "XDG_CACHE_HOME": "/x"}) == Path("/c")
    assert default_folder({"REPORTBOT_CACHE": "off", "XDG_CACHE_HOME": "/x"}) is None
    assert default_folder({"XDG_CACHE_HOME": "/x", "HOME": "/h"}) == Path("/x/reportbot")
    assert default_folder({"HOME": "/h"}) == Path("/h/.cache/reportbot")
    assert default_folder({}) is None


# -- the base document -----------------------------------------------------------------------


def test_the_base_document_is_built_once_and_gives_the_same_file(tmp_path: Path, document: Document) -> None:
    cache = DiskCache(tmp_path)
    first = DocxWriter(cache=cache).to_bytes(document)
    assert len(entries(tmp_path, "base-")) == 1
    stored = entries(tmp_path, "base-")[0].stat().st_mtime_ns
    second = DocxWriter(cache=cache).to_bytes(document)
    assert entries(tmp_path, "base-")[0].stat().st_mtime_ns == stored  # read, not built again
    uncached = DocxWriter().to_bytes(document)
    for part in ("word/document.xml", "word/styles.xml", "word/footer1.xml", "word/settings.xml"):
        assert _part(first, part) == _part(second, part) == _part(uncached, part)


def _part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def test_other_fonts_are_another_base_document(tmp_path: Path, document: Document) -> None:
    cache = DiskCache(tmp_path)
    DocxWriter(cache=cache).to_bytes(document)
    fallback = DocxWriter(Fonts.fallback(), cache=cache).to_bytes(document)
    assert len(entries(tmp_path, "base-")) == 2
    assert body_fonts(fallback) == {"仿宋"}
    assert b"GB2312" not in _part(fallback, "word/styles.xml")


def test_changed_code_is_another_base_document(
    tmp_path: Path, document: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = DiskCache(tmp_path / "cache")
    DocxWriter(cache=cache).to_bytes(document)
    changed = tmp_path / "docx_base.py"
    shutil.copy(docx_writer.BASE_SOURCES[0], changed)
    with changed.open("a", encoding="utf-8") as fh:
        fh.write("# a change\n")
    monkeypatch.setattr(docx_writer, "BASE_SOURCES", (str(changed), *docx_writer.BASE_SOURCES[1:]))
    DocxWriter(cache=cache).to_bytes(document)
    assert len(entries(tmp_path / "cache", "base-")) == 2


def test_a_corrupt_base_document_is_rebuilt(tmp_path: Path, document: Document) -> None:
    cache = DiskCache(tmp_path)
    expected = DocxWriter(cache=cache).to_bytes(document)
    (entry,) = entries(tmp_path, "base-")
    entry.write_bytes(b"\0" * 40 + b"PK not a zip")
    again = DocxWriter(cache=cache).to_bytes(document)
    assert _part(again, "word/styles.xml") == _part(expected, "word/styles.xml")
    assert _part(again, "word/document.xml") == _part(expected, "word/document.xml")
    assert cache.get(entry.name) is not None  # written again, whole


# -- compiled templates ----------------------------------------------------------------------


def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the templates Jinja2 compiles from here on."""
    compiled: list[str] = []
    original = SandboxedEnvironment.compile

    def counting(self: SandboxedEnvironment, source: str, name: str | None = None, *args: Any) -> Any:
        compiled.append(str(name))
        return original(self, source, name, *args)

    monkeypatch.setattr(SandboxedEnvironment, "compile", counting)
    return compiled


def test_templates_compiled_once_compose_the_same(
    tmp_path: Path, templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = complete_answers(templates.interview(TYPE_ID))
    definition = templates.types[TYPE_ID]
    uncached = Composer(TEMPLATES).compose(definition, answers)
    compiled = compiles(monkeypatch)
    cache = DiskCache(tmp_path)
    assert Composer(TEMPLATES, cache).compose(definition, answers) == uncached
    assert compiled and entries(tmp_path, "jinja-")
    compiled.clear()
    assert Composer(TEMPLATES, cache).compose(definition, answers) == uncached
    assert compiled == []  # loaded from the disk


def test_a_changed_template_is_compiled_again(
    tmp_path: Path, templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root)
    definition = Templates.load(root).types[TYPE_ID]
    answers = complete_answers(templates.interview(TYPE_ID))
    cache = DiskCache(tmp_path / "cache")
    before = Composer(root, cache).compose(definition, answers)
    template = root / TYPE_ID / "report.j2"
    template.write_text(template.read_text(encoding="utf-8") + "新加的一段话。\n", encoding="utf-8")
    after = Composer(root, cache).compose(definition, answers)
    assert after.paragraphs[-1].text == "新加的一段话。"
    assert [p.text for p in before.paragraphs] == [p.text for p in after.paragraphs[:-1]]


def test_a_corrupt_compiled_template_is_compiled_again(
    tmp_path: Path, templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = complete_answers(templates.interview(TYPE_ID))
    definition = templates.types[TYPE_ID]
    cache = DiskCache(tmp_path)
    expected = Composer(TEMPLATES, cache).compose(definition, answers)
    for entry in entries(tmp_path, "jinja-"):
        entry.write_bytes(entry.read_bytes()[:50])
    compiled = compiles(monkeypatch)
    assert Composer(TEMPLATES, cache).compose(definition, answers) == expected
    assert compiled


# -- the command -----------------------------------------------------------------------------


def test_render_keeps_its_cache_where_told(
    templates: Templates, cli_env: dict[str, str], tmp_path: Path
) -> None:
    answers = write_answers(
        tmp_path, {"type": TYPE_ID, "answers": complete_answers(templates.interview(TYPE_ID))}
    )
    folder = Path(cli_env["REPORTBOT_CACHE"])
    outputs = []
    for n in range(2):
        out = tmp_path / f"{n}.docx"
        result = run_cli(cli_env, "render", str(answers), "-o", str(out))
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_bytes())
    assert entries(folder, "base-") and entries(folder, "jinja-")
    assert _part(outputs[0], "word/document.xml") == _part(outputs[1], "word/document.xml")
    off = {**cli_env, "REPORTBOT_CACHE": "off", "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    result = run_cli(off, "render", str(answers), "-o", str(tmp_path / "off.docx"))
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "xdg").exists()
    assert _part((tmp_path / "off.docx").read_bytes(), "word/document.xml") == _part(
        outputs[0], "word/document.xml"
    )
