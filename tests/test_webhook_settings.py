"""A webhook needs a secret and listens on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import asyncio
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from telegram.ext import Application

from bot.cli.settings import Settings, SettingsError
from bot.document.render import Renderer
from bot.service.reports import Reports
from bot.telegram.client import BotApiClient
from bot.telegram.wiring import run
from tests.support.cli import run_cli
from tests.support.paths import TEMPLATES

TOKEN = "123456789:AAHtestTOKENtestTOKENtestTOKENtest12"
URL = "https://reports.example.org/telegram"


def load(tmp_path: Path, **env: str) -> Settings:
    return Settings.load({"TELEGRAM_BOT_TOKEN": TOKEN, **env}, dotenv=tmp_path / "none")


def test_the_webhook_listens_on_the_loopback_by_default(tmp_path: Path) -> None:
    assert load(tmp_path).webhook_listen == "127.0.0.1"
    assert Settings(tmp_path / "db", TEMPLATES, "Asia/Shanghai", TOKEN).webhook_listen == "127.0.0.1"
    assert load(tmp_path, WEBHOOK_LISTEN="0.0.0.0").webhook_listen == "0.0.0.0"


def test_a_webhook_without_a_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET_TOKEN"):
        load(tmp_path, WEBHOOK_URL=URL).check_webhook()
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET_TOKEN"):
        load(tmp_path, WEBHOOK_URL=URL, WEBHOOK_SECRET_TOKEN="  ").check_webhook()


@pytest.mark.parametrize("secret", ["s", "A-z_09" * 40, "x" * 256])
def test_a_webhook_with_a_secret_by_telegrams_rule_is_allowed(tmp_path: Path, secret: str) -> None:
    load(tmp_path, WEBHOOK_URL=URL, WEBHOOK_SECRET_TOKEN=secret).check_webhook()


def test_long_polling_needs_no_secret(tmp_path: Path) -> None:
    load(tmp_path).check_webhook()


@pytest.mark.parametrize("secret", ["x" * 257, "has space", "plus+sign", "slash/", "密钥abc", "a:b"])
def test_a_secret_against_telegrams_rule_is_refused_without_echoing_it(tmp_path: Path, secret: str) -> None:
    with pytest.raises(SettingsError, match="1–256 characters") as caught:
        load(tmp_path, WEBHOOK_URL=URL, WEBHOOK_SECRET_TOKEN=secret)
    assert secret not in str(caught.value)


def test_the_run_entry_refuses_before_building_anything(tmp_path: Path, reports: Reports) -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET_TOKEN"):
        run(load(tmp_path, WEBHOOK_URL=URL), reports, Renderer.create(TEMPLATES))


def test_the_webhook_gets_the_secret_and_the_loopback(
    tmp_path: Path, reports: Reports, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: dict[str, Any] = {}

    async def initialized(self: BotApiClient) -> None:
        """No Bot API here: the token counts as accepted."""

    def run_webhook(self: Application[Any, Any, Any, Any, Any, Any], **kwargs: Any) -> None:
        started.update(kwargs)

    monkeypatch.setattr(BotApiClient, "initialize", initialized)
    monkeypatch.setattr(Application, "run_webhook", run_webhook)
    settings = load(tmp_path, WEBHOOK_URL=URL, WEBHOOK_SECRET_TOKEN="s3cret_-")
    try:
        run(settings, reports, Renderer.create(TEMPLATES))
    finally:
        asyncio.get_event_loop().close()
        asyncio.set_event_loop(None)
    assert started["secret_token"] == "s3cret_-"
    assert started["listen"] == "127.0.0.1"
    assert started["webhook_url"] == URL


class Recorder(http.server.BaseHTTPRequestHandler):
    """Counts the Bot API requests it gets (and answers none usefully)."""

    requests: ClassVar[list[str]] = []

    def _answer(self) -> None:
        self.requests.append(self.path)
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def bot_api() -> Iterator[tuple[str, list[str]]]:
    """A local Bot API base URL and the paths it was asked for."""

    class Handler(Recorder):
        requests: ClassVar[list[str]] = []  # this server's own, not shared with other tests'

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot", Handler.requests
    finally:
        server.shutdown()
        server.server_close()


def test_reportbot_run_refuses_a_webhook_without_a_secret_in_one_line(
    bot_api: tuple[str, list[str]], tmp_path: Path
) -> None:
    base_url, requests = bot_api
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": base_url,
        "REPORTBOT_DB": str(tmp_path / "bot.db"),
        "WEBHOOK_URL": URL,
        "WEBHOOK_SECRET_TOKEN": "",
    }
    result = run_cli(env, "run")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "WEBHOOK_SECRET_TOKEN" in lines[0]
    assert requests == []  # refused before a word to Telegram, let alone listening
    assert not (tmp_path / "bot.db").exists()
