"""The console chat played from a list of typed lines, for the tests of its commands."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from bot.console import ConsoleChat
from bot.document.render import Renderer
from bot.service.llm_settings import LlmSettings
from bot.service.reports import Reports
from tests.support.paths import TEMPLATES


def play_console(
    reports: Reports, owner: str, tmp_path: Path, lines: list[str], llm: LlmSettings | None = None
) -> str:
    """Everything the console printed: report 1 chosen, then ``lines``, then /quit."""
    out = io.StringIO()
    chat = ConsoleChat(
        reports,
        owner,
        io.StringIO("\n".join(["1", *lines, "/quit"]) + "\n"),
        out,
        dt.UTC,
        Renderer.create(TEMPLATES),
        tmp_path / "out",
        None,
        llm,
    )
    assert chat.run() == 0
    return out.getvalue()
