"""Pictures of the pages and a PDF beside the DOCX: /preview and the finished report send them;
a conversion that cannot be done still sends the DOCX, with the reason; nobody else waits."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli.settings import Settings, SettingsError
from bot.document.pages import FONTS_CONF, ConversionFailed, PageMaker, PageSettings
from bot.service.reports import Templates
from tests.support.cli import run_cli, stored
from tests.support.fakes import Call, document_of, texts
from tests.support.interviews import full_script
from tests.support.preview import (
    TYPE_NAME,
    alive_in_group,
    chinese_fonts_in,
    documents,
    fake_soffice,
    jpeg_size,
    photos,
    start_report,
    until,
)
from tests.support.telegram_app import Bot, make_bot


async def test_preview_sends_pictures_and_pdf(tmp_path: Path, templates: Templates) -> None:
    bot = await make_bot(tmp_path, templates, REPORTBOT_PAGE_PREVIEW="on")
    try:
        chat = bot.chat(61)
        await start_report(chat)
        calls = await chat.send("/preview")
        sent = documents(calls)
        assert [n.rsplit(".", 1)[1] for n, _ in sent] == ["docx", "pdf"]
        assert sent[1][1].startswith(b"%PDF")
        # Chinese text is drawn with Chinese fonts (free stand-ins here), not as empty boxes.
        assert chinese_fonts_in(sent[1][1], tmp_path)
        pictures = photos(calls)
        assert 1 <= len(pictures) <= 10
        width, height = jpeg_size(pictures[0])
        assert 600 < width < height  # an A4 page, upright, readable on a phone
        album = next(c for c in calls if c.method in ("sendMediaGroup", "sendPhoto"))
        caption = str(album.params.get("caption") or album.params.get("media"))
        assert "版面预览" in caption
        assert "替代字体" in caption  # the licensed fonts are not installed on the test machine
        # The DOCX first, with the lint's findings as its caption; the PDF last.
        methods = [c.method for c in calls if c.method != "sendChatAction"]
        assert methods[0] == methods[-1] == "sendDocument"
        assert "排版前请留意" in texts(calls[:1]) and "排版前请留意" not in texts(calls[1:])
    finally:
        await bot.close()


async def test_finished_report_sends_pictures_and_pdf(tmp_path: Path, templates: Templates) -> None:
    bot = await make_bot(tmp_path, templates, REPORTBOT_PAGE_PREVIEW="on")
    try:
        chat = bot.chat(62)
        await chat.send("/new")
        await chat.press(TYPE_NAME)
        type_id = next(t for t, d in templates.types.items() if d.name.startswith(TYPE_NAME))
        calls: list[Call] = []
        for line in full_script(templates.interview(type_id)):
            calls = await chat.send(line)
        assert "全部问题已回答" in texts(calls)
        names = [n for n, _ in documents(calls)]
        assert len(names) == 2 and names[0].endswith(".docx") and names[1].endswith(".pdf")
        assert "（草稿）" not in names[0]
        assert len(photos(calls)) >= 2  # a finished report runs over more than one page: an album
        assert any(c.method == "sendMediaGroup" for c in calls)
    finally:
        await bot.close()


@pytest.mark.parametrize(
    ("setup", "timeout", "expected"),
    [
        (lambda p: p / "no-such-soffice", "60", "没有可用的 LibreOffice"),
        (
            lambda p: fake_soffice(
                p, 'cut -d" " -f5 /proc/$$/stat > "$(dirname "$0")/group"; sleep 60 & wait'
            ),
            "2",
            "转换超时",
        ),
        (lambda p: fake_soffice(p, "echo broken >&2; exit 3"), "60", "转换失败"),
    ],
    ids=["missing", "timeout", "failed"],
)
async def test_failed_conversion_still_sends_the_docx_with_the_reason(
    tmp_path: Path, templates: Templates, setup: Callable[[Path], Path], timeout: str, expected: str
) -> None:
    soffice = setup(tmp_path)
    bot = await make_bot(
        tmp_path,
        templates,
        REPORTBOT_PAGE_PREVIEW="on",
        REPORTBOT_SOFFICE=str(soffice),
        REPORTBOT_CONVERT_TIMEOUT=timeout,
    )
    try:
        chat = bot.chat(63)
        await start_report(chat)
        calls = await chat.send("/preview")
        filename, _ = document_of(calls)
        assert filename.endswith("（草稿）.docx")
        assert [n for n, _ in documents(calls)] == [filename]  # no PDF
        assert not photos(calls)
        assert expected in texts(calls) and "Word 文档" in texts(calls)
        if expected == "转换超时":  # the timed-out script and its child were killed with their group
            group = int((tmp_path / "group").read_text())
            await until(lambda: not alive_in_group(group))
    finally:
        await bot.close()


async def test_other_users_are_answered_during_a_conversion(tmp_path: Path, templates: Templates) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    soffice = fake_soffice(
        tmp_path, f"touch {started}\nwhile [ ! -e {release} ]; do sleep 0.02; done\nexit 1"
    )
    bot = await make_bot(tmp_path, templates, REPORTBOT_PAGE_PREVIEW="on", REPORTBOT_SOFFICE=str(soffice))
    try:
        slow, other = bot.chat(64), bot.chat(65)
        await start_report(slow)
        await start_report(other)
        preview = asyncio.create_task(slow.deliver(slow.message_update("/preview")))
        await until(started.exists)
        before = len(bot.request.calls)
        await other.send("/help")
        answered = [c for c in bot.request.calls[before:] if c.params.get("chat_id") in (65, "65")]
        assert "/preview" in texts(answered)  # the help text, sent while the conversion runs
        assert not preview.done()
        release.touch()
        await asyncio.wait_for(preview, 20)
        assert "转换失败" in texts(slow.new_calls())
    finally:
        await bot.close()


async def test_at_most_two_conversions_at_once(tmp_path: Path) -> None:
    running = tmp_path / "running"
    running.mkdir()
    soffice = fake_soffice(
        tmp_path,
        f"f={running}/$$; touch $f; sleep 0.3; ls {running} | wc -l >> {tmp_path}/seen; rm $f; exit 1",
    )
    maker = PageMaker(PageSettings(soffice=str(soffice)), tmp_path / "profiles")

    async def one() -> str:
        try:
            await maker.convert(b"x", "a.docx")
        except ConversionFailed as exc:
            return exc.reason
        return "done"

    assert await asyncio.gather(*(one() for _ in range(5))) == ["failed"] * 5
    counts = [int(line) for line in (tmp_path / "seen").read_text().split()]
    assert len(counts) == 5 and max(counts) <= 2


def test_settings(tmp_path: Path) -> None:
    none = tmp_path / "none"
    assert Settings.load({}, dotenv=none).pages.enabled
    off = Settings.load(
        {"REPORTBOT_PAGE_PREVIEW": "off", "REPORTBOT_SOFFICE": "/opt/lo/soffice"}, dotenv=none
    )
    assert not off.pages.enabled and off.pages.soffice == "/opt/lo/soffice"
    with pytest.raises(SettingsError, match="REPORTBOT_PAGE_PREVIEW"):
        Settings.load({"REPORTBOT_PAGE_PREVIEW": "maybe"}, dotenv=none)
    with pytest.raises(SettingsError, match="REPORTBOT_CONVERT_TIMEOUT"):
        Settings.load({"REPORTBOT_CONVERT_TIMEOUT": "-1"}, dotenv=none)


async def test_off_sends_the_docx_alone(bot: Bot) -> None:
    chat = bot.chat(66)
    await start_report(chat)
    calls = await chat.send("/preview")
    assert len(documents(calls)) == 1 and not photos(calls)


def test_export_writes_pdf_and_pictures(cli_env: dict[str, str], tmp_path: Path) -> None:
    run_cli(cli_env, "chat", "--user", "hank", stdin="unit_periodic\n某市交通运输局\n我局\n")
    [(rid, _, _, _)] = stored(cli_env, "console:hank")
    out, pages = tmp_path / "draft.docx", tmp_path / "pages"
    result = run_cli(
        cli_env, "export", str(rid), "-o", str(out), "--pdf", "--pages", str(pages), "--user", "hank"
    )
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "draft.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and str(pdf) in result.stdout
    pictures = sorted(pages.glob("*.jpg"))
    assert pictures and all(str(p) in result.stdout for p in pictures)
    broken = run_cli(
        {**cli_env, "REPORTBOT_SOFFICE": str(tmp_path / "none")},
        "export",
        str(rid),
        "--pdf",
        "--user",
        "hank",
    )
    assert broken.returncode != 0 and "the DOCX was written" in broken.stderr


def test_console_says_where_pdf_and_pictures_are(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "REPORTBOT_PAGE_PREVIEW": "on"}
    result = run_cli(env, "chat", "--user", "ivy", stdin="study_speech\n/preview\n")
    assert result.returncode == 0, result.stderr
    out = Path(cli_env["REPORTBOT_OUTPUT"])
    [pdf] = out.glob("*.pdf")
    assert f"PDF 已生成：{pdf}" in result.stdout and pdf.read_bytes().startswith(b"%PDF")
    folder = pdf.with_suffix("")
    assert f"已写入：{folder}" in result.stdout and list(folder.glob("*.jpg"))


@pytest.mark.parametrize(
    ("family", "stand_in"),
    [
        ("仿宋_GB2312", "AR PL UMing CN"),
        ("方正小标宋简体", "AR PL UMing CN"),
        ("楷体_GB2312", "AR PL UKai CN"),
        ("黑体", "WenQuanYi Zen Hei"),
    ],
)
def test_free_fonts_stand_in_for_the_licensed_ones(family: str, stand_in: str) -> None:
    matched = subprocess.run(
        ["fc-match", "-f", "%{family[0]}", family],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)},
    ).stdout
    assert matched in (stand_in, family)  # the licensed font itself, where it is installed
