"""Page pictures go out after the update's slot is given back, still in the user's turn: however
many conversions run or wait, other users are answered; the user's own replies keep their order;
a dropped connection resends only what did not arrive; the converter's folders go at shutdown."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from telegram.error import NetworkError
from telegram.request import RequestData

from bot.document import pages
from bot.service.reports import Templates
from bot.telegram.processing import PerUserProcessor
from tests.support.fakes import RecordingRequest, texts
from tests.support.preview import documents, fake_soffice, photos, start_report, until
from tests.support.telegram_app import Bot, make_bot

LIMIT = 20.0  # seconds any awaited reply may take


def held_soffice(tmp_path: Path) -> tuple[Path, Path]:
    """A soffice that waits until the returned file exists, then fails; and that file."""
    release = tmp_path / "release"
    return fake_soffice(tmp_path, f"while [ ! -e {release} ]; do sleep 0.02; done\nexit 1"), release


async def test_conversions_in_every_slot_hold_back_no_one(tmp_path: Path, templates: Templates) -> None:
    soffice, release = held_soffice(tmp_path)
    bot = await make_bot(tmp_path, templates, REPORTBOT_PAGE_PREVIEW="on", REPORTBOT_SOFFICE=str(soffice))
    try:
        processor = bot.app.update_processor
        assert isinstance(processor, PerUserProcessor)
        chats = [bot.chat(700 + n) for n in range(processor.slots)]
        for chat in chats:
            await start_report(chat)
        previews = [asyncio.create_task(c.deliver(c.message_update("/preview"))) for c in chats]
        # Every DOCX is out: each preview now only waits for its conversion (two run, the rest queue).
        await until(lambda: len(documents(bot.request.calls)) == len(chats))
        calls = await asyncio.wait_for(bot.chat(799).send("/help"), LIMIT)
        assert "/preview" in texts(calls)
        assert not any(p.done() for p in previews)
        release.touch()
        await asyncio.wait_for(asyncio.gather(*previews), LIMIT)
        assert all("转换失败" in texts(chat.new_calls()) for chat in chats)
    finally:
        release.touch()
        await bot.close()


async def test_a_burst_while_converting_waits_its_turn_and_holds_back_no_one(
    tmp_path: Path, templates: Templates
) -> None:
    soffice, release = held_soffice(tmp_path)
    bot = await make_bot(tmp_path, templates, REPORTBOT_PAGE_PREVIEW="on", REPORTBOT_SOFFICE=str(soffice))
    try:
        slow = bot.chat(710)
        await start_report(slow)
        slow.new_calls()
        preview = asyncio.create_task(slow.deliver(slow.message_update("/preview")))
        await until(lambda: len(documents(bot.request.calls)) == 1)
        assert isinstance(bot.app.update_processor, PerUserProcessor)
        burst = [
            asyncio.create_task(slow.deliver(slow.message_update("/help")))
            for _ in range(bot.app.update_processor.slots + 5)
        ]
        calls = await asyncio.wait_for(bot.chat(711).send("/help"), LIMIT)
        assert "/preview" in texts(calls)
        assert not preview.done() and not any(b.done() for b in burst)
        release.touch()
        await asyncio.wait_for(asyncio.gather(preview, *burst), LIMIT)
        sent = [
            c
            for c in slow.new_calls()
            if c.method in ("sendMessage", "sendDocument") and int(c.params["chat_id"]) == 710
        ]
        kinds = [
            "docx" if c.method == "sendDocument" else "failed" if "转换失败" in texts([c]) else "help"
            for c in sent
            if c.method == "sendDocument" or "转换失败" in texts([c]) or "/preview" in texts([c])
        ]
        # The preview's reply, whole, before anything sent later: the user's order holds.
        assert kinds == ["docx", "failed", *["help"] * len(burst)]
        assert "排版前请留意" in texts([sent[0]])  # the lint's findings ride on the DOCX
    finally:
        release.touch()
        await bot.close()


class DropsFirstPdf(RecordingRequest):
    """The connection drops once, while the PDF is being sent (after the DOCX and the album)."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = False

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if (
            not self.dropped
            and url.endswith("/sendDocument")
            and request_data is not None
            and any(str(v[0]).endswith(".pdf") for v in request_data.multipart_data.values())
        ):
            self.dropped = True
            raise NetworkError("connection reset")
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_a_dropped_connection_resends_only_the_pdf(tmp_path: Path, templates: Templates) -> None:
    request = DropsFirstPdf()
    bot = await make_bot(tmp_path, templates, request=request, REPORTBOT_PAGE_PREVIEW="on")
    try:
        chat = bot.chat(720)
        await start_report(chat)
        calls = await chat.send("/preview")
        assert request.dropped
        assert [n.rsplit(".", 1)[1] for n, _ in documents(calls)] == ["docx", "pdf"]
        albums = [c for c in calls if c.method in ("sendMediaGroup", "sendPhoto")]
        assert len(albums) == 1 and photos(calls)
        # The findings came once, as the DOCX's caption; nothing is sent after the PDF.
        findings = [c for c in calls if "排版前请留意" in texts([c])]
        assert [c.method for c in findings] == ["sendDocument"] and calls[-1].method == "sendDocument"
    finally:
        await bot.close()


async def converting_bot(tmp_path: Path, templates: Templates, soffice_body: str) -> Bot:
    """The bot with page pictures on and a stand-in soffice running ``soffice_body``."""
    soffice = fake_soffice(tmp_path, soffice_body)
    return await make_bot(tmp_path, templates, REPORTBOT_PAGE_PREVIEW="on", REPORTBOT_SOFFICE=str(soffice))


async def preview_fails(bot: Bot, chat_id: int) -> None:
    """A user starts a report and asks for a preview whose conversion fails."""
    chat = bot.chat(chat_id)
    await start_report(chat)
    assert "转换失败" in texts(await chat.send("/preview"))


async def test_the_converters_folders_are_removed_at_shutdown(
    tmp_path: Path, templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(pages, "scratch_dir", lambda: str(temp))
    bot = await converting_bot(tmp_path, templates, "exit 1")
    try:
        await preview_fails(bot, 730)
        assert list(temp.glob("reportbot-lo-*"))
    finally:
        await bot.close()
    assert not list(temp.iterdir())


async def test_conversions_write_to_memory_not_beside_the_database(
    tmp_path: Path, templates: Templates
) -> None:
    # Files written to the database's disk made its commits wait for them (BENCHMARKS.md).
    assert Path("/dev/shm").is_dir(), "Linux keeps a tmpfs at /dev/shm"
    bot = await converting_bot(tmp_path, templates, f'echo "$@" > {tmp_path}/arguments; exit 1')
    try:
        await preview_fails(bot, 731)
        found = re.search(
            r"UserInstallation=file://(/dev/shm/reportbot-lo-[^/]+)/", (tmp_path / "arguments").read_text()
        )
        assert found, "the LibreOffice profile is in /dev/shm"
        assert Path(found.group(1)).is_dir()
    finally:
        await bot.close()
    assert not Path(found.group(1)).exists()  # removed at shutdown


async def test_folders_left_by_a_killed_bot_are_removed(
    tmp_path: Path, templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /dev/shm is memory: what a bot killed before its shutdown left there would stay until reboot.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(pages, "scratch_dir", lambda: str(scratch))
    gone = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True, check=True)
    dead_pid = int(gone.stdout)  # that shell has exited
    stale = scratch / f"reportbot-lo-{dead_pid}-x1y2z3"
    (stale / "profile-0").mkdir(parents=True)
    alive = scratch / f"reportbot-lo-{os.getppid()}-a1b2c3"  # a bot that still runs
    alive.mkdir()
    other = scratch / "reportbot-notes"  # not a scratch folder of ours
    other.mkdir()
    bot = await converting_bot(tmp_path, templates, "exit 1")
    try:
        await preview_fails(bot, 732)
        assert not stale.exists() and alive.is_dir() and other.is_dir()
        assert len(list(scratch.glob(f"reportbot-lo-{os.getpid()}-*"))) == 1  # this bot's own
    finally:
        await bot.close()
