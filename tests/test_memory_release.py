"""After a report is sent the outbox keeps nothing of it, and freed memory is handed back to the
system (glibc's malloc_trim) once no other report is being sent."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.service.reports import Templates
from bot.telegram.outbox import malloc_trim
from tests.support.fakes import texts
from tests.support.telegram_app import make_bot


async def test_a_sent_report_is_not_kept_and_memory_is_handed_back_once(
    tmp_path: Path, templates: Templates
) -> None:
    b = await make_bot(tmp_path, templates)
    chat = b.chat(401)
    try:
        await chat.send("/new")
        await chat.press("理论学习中心组")
        outbox = b.app.bot_data["reportbot"].outbox
        trims: list[int] = []
        outbox.trim = lambda: trims.append(1)
        await chat.send("学习贯彻专题研讨会")
        assert trims == []  # an answer without a DOCX: nothing to hand back
        calls = await chat.send("/preview")
        assert any(c.method == "sendDocument" for c in calls), texts(calls)
        assert trims == [1]
        assert outbox._made == {} and outbox._rest == {} and outbox._sent == {}
    finally:
        await b.close()


def test_malloc_trim_is_glibcs_on_linux_and_absent_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    trim = malloc_trim()
    assert trim is not None  # the test machine runs glibc
    assert trim() in (0, 1)  # 1: memory was released, 0: there was none to release
    monkeypatch.setattr(sys, "platform", "darwin")
    assert malloc_trim() is None
