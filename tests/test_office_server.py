"""LibreOffice kept running per conversion slot: reused, stopped when idle or closed, started again
after a crash; and soffice per conversion where the system has no Python with uno."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import docx
import pytest

from bot.cli.settings import Settings
from bot.document.office import uno_python
from bot.document.pages import PageMaker, Pages, PageSettings
from tests.support.preview import alive_in_group, until


@pytest.fixture(autouse=True)
def _uno() -> None:
    assert uno_python(PageSettings.uno_python), "needs Debian's python3-uno; `make test` installs it"


def small_docx(text: str) -> bytes:
    """A one-paragraph DOCX."""
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def commands_in_group(group: int) -> list[str]:
    """The program names of the live processes of a process group."""
    names = []
    for pid in alive_in_group(group):
        try:
            names.append(Path(f"/proc/{pid}/comm").read_text().strip())
        except OSError:
            continue
    return names


def assert_converted(pages: Pages) -> None:
    assert pages.pdf.startswith(b"%PDF") and pages.page_count == 1
    assert len(pages.pictures) == 1 and pages.pictures[0].startswith(b"\xff\xd8\xff")


async def test_libreoffice_is_kept_between_conversions(tmp_path: Path) -> None:
    maker = PageMaker(PageSettings(at_once=1), tmp_path / "profiles")
    try:
        assert_converted(await maker.convert(small_docx("第一份"), "a.docx"))
        (office,) = maker.offices
        group = office.pid
        assert group is not None and "soffice.bin" in commands_in_group(group)
        assert_converted(await maker.convert(small_docx("第二份"), "b.docx"))
        assert office.pid == group  # the same LibreOffice converted both
    finally:
        await maker.close()
    await until(lambda: not alive_in_group(group))
    assert office.pid is None


async def test_libreoffice_unused_for_a_while_is_stopped_and_started_again(tmp_path: Path) -> None:
    maker = PageMaker(PageSettings(at_once=1), tmp_path / "profiles")
    maker.idle_seconds = 0.2
    try:
        assert_converted(await maker.convert(small_docx("第一份"), "a.docx"))
        (office,) = maker.offices
        group = office.pid
        assert group is not None
        await until(lambda: office.pid is None and not alive_in_group(group))
        assert_converted(await maker.convert(small_docx("第二份"), "b.docx"))
        assert office.pid not in (None, group)
    finally:
        await maker.close()


async def test_libreoffice_keeps_its_temporary_files_in_the_slots_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In the system's temp folder (the database's disk) they slowed its commits, and a killed
    # LibreOffice left them there for good.
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(system_temp))
    maker = PageMaker(PageSettings(at_once=1), tmp_path / "profiles")
    try:
        assert_converted(await maker.convert(small_docx("第一份"), "a.docx"))
        assert list((tmp_path / "profiles" / "tmp").glob("lu*")), "a running LibreOffice keeps files"
        assert not list(system_temp.iterdir())
    finally:
        await maker.close()


async def test_close_waits_for_a_libreoffice_stopping_after_idling(tmp_path: Path) -> None:
    maker = PageMaker(PageSettings(at_once=1), tmp_path / "profiles")
    maker.idle_seconds = 0.05
    assert_converted(await maker.convert(small_docx("第一份"), "a.docx"))
    (office,) = maker.offices
    group = office.pid
    assert group is not None
    await until(lambda: office.pid is None)  # its stop has begun
    await maker.close()
    assert not alive_in_group(group)  # stopped by the time close returns


async def test_libreoffice_that_crashed_is_started_again(tmp_path: Path) -> None:
    maker = PageMaker(PageSettings(at_once=1), tmp_path / "profiles")
    try:
        assert_converted(await maker.convert(small_docx("第一份"), "a.docx"))
        (office,) = maker.offices
        group = office.pid
        assert group is not None
        for pid in alive_in_group(group):
            if Path(f"/proc/{pid}/comm").read_text().strip() == "soffice.bin":
                os.kill(pid, signal.SIGKILL)
        await until(lambda: "soffice.bin" not in commands_in_group(group))
        assert_converted(await maker.convert(small_docx("第二份"), "b.docx"))
        assert office.pid not in (None, group)
    finally:
        await maker.close()
    await until(lambda: not alive_in_group(group))


async def test_without_uno_each_conversion_starts_soffice(tmp_path: Path) -> None:
    maker = PageMaker(PageSettings(at_once=1, uno_python="none"), tmp_path / "profiles")
    try:
        assert_converted(await maker.convert(small_docx("第一份"), "a.docx"))
        assert [office.pid for office in maker.offices] == [None]  # no LibreOffice kept
    finally:
        await maker.close()


def test_uno_python_setting(tmp_path: Path) -> None:
    none = tmp_path / "none"
    assert Settings.load({}, dotenv=none).pages.uno_python == "/usr/bin/python3"
    assert Settings.load({"REPORTBOT_UNO_PYTHON": "none"}, dotenv=none).pages.uno_python == "none"
    assert uno_python("none") is None
    assert uno_python(str(tmp_path / "no-python")) is None
