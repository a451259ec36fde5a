"""The real Telegram Application in this process, its Bot API calls answered by a fake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.cli.settings import Settings
from bot.document.render import Renderer
from bot.service.reports import Reports, Templates
from bot.telegram.wiring import build_application
from storage import Store
from tests.support.fakes import TOKEN, Chat, RecordingRequest
from tests.support.interviews import TODAY
from tests.support.paths import TEMPLATES


class Bot:
    """The Telegram application under test with its recorder and service."""

    def __init__(
        self, app: Application[Any, Any, Any, Any, Any, Any], request: RecordingRequest, reports: Reports
    ) -> None:
        self.app, self.request, self.reports = app, request, reports

    def chat(self, user_id: int, chat_type: str = "private") -> Chat:
        """A user talking to the application (``chat_type``: private, group…)."""
        return Chat(self.app, self.request, user_id, chat_type)

    async def close(self) -> None:
        """Shut the application down and close its database (as a stopped process leaves them)."""
        await self.app.shutdown()
        self.reports.store.close()


async def make_bot(
    tmp_path: Path, templates: Templates, request: RecordingRequest | None = None, **env: str
) -> Bot:
    """The real Application over a fresh database, its Bot API calls answered by ``request``."""
    # Page pictures cost a LibreOffice run per report: only the tests of them turn it on.
    env = {"REPORTBOT_PAGE_PREVIEW": "off", **env}
    settings = Settings.load({"TELEGRAM_BOT_TOKEN": TOKEN, **env}, dotenv=tmp_path / "none")
    reports = Reports(Store.open(tmp_path / "tg.db"), templates, lambda: TODAY)
    request = request or RecordingRequest()
    app = build_application(settings, reports, Renderer.create(TEMPLATES), request=request)
    await app.initialize()
    return Bot(app, request, reports)
