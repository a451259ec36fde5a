"""The real bot process against the Bot API emulator: /preview brings the page pictures (an
album, sendMediaGroup or sendPhoto) and the PDF beside the DOCX; a missing LibreOffice, the DOCX
with the reason."""

from __future__ import annotations

from pathlib import Path

from tests.support.bot_process import BotProcess, User, question
from tests.support.emulator import Emulator
from tests.support.emulator_calls import Call, says

UNIT = "单位意识形态"


def start(emulator: Emulator, tmp_path: Path, **env: str) -> BotProcess:
    process = BotProcess(emulator, tmp_path)
    process.env.update({"REPORTBOT_PAGE_PREVIEW": "on", **env})
    process.start()
    return process


def pdf_sent(call: Call) -> bool:
    return (
        call.method == "sendDocument"
        and call.message is not None
        and call.message.document is not None
        and (call.message.document[0].endswith(".pdf"))
    )


def test_preview_brings_pictures_and_pdf(emulator: Emulator, tmp_path: Path) -> None:
    bot = start(emulator, tmp_path)
    try:
        user = User(emulator, bot, 7001)
        user.send("/new", says("请选择"))
        user.press(UNIT, question)
        user.send("甲局", question)
        sent = user.send("/preview", pdf_sent)
        docs = [m.document[0] for m in sent if m.document]
        assert docs[0].endswith("（草稿）.docx") and docs[1].endswith("（草稿）.pdf")
        pictures = [m for m in sent if m.photo]
        assert pictures and pictures[0].photo is not None
        assert pictures[0].photo[1].startswith(b"\xff\xd8\xff")  # JPEG
        assert "版面预览" in pictures[0].text
        methods = {c.method for c in emulator.calls_to(user.id)}
        assert methods & {"sendMediaGroup", "sendPhoto"}
    finally:
        bot.stop()


def test_missing_libreoffice_sends_the_docx_with_the_reason(emulator: Emulator, tmp_path: Path) -> None:
    bot = start(emulator, tmp_path, REPORTBOT_SOFFICE=str(tmp_path / "no-soffice"))
    try:
        user = User(emulator, bot, 7002)
        user.send("/new", says("请选择"))
        user.press(UNIT, question)
        user.send("甲局", question)
        sent = user.send("/preview", says("没有可用的 LibreOffice"))
        assert next(m.document[0] for m in sent if m.document).endswith(".docx")
        assert not [m for m in sent if m.photo]
    finally:
        bot.stop()
