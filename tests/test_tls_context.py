"""The Bot API connections' TLS context, made in a thread at start-up: the same context httpx
would make, shared by both connections, and a failure to make it raised where it is needed."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from bot.cli.settings import Settings
from bot.document.render import Renderer
from bot.service.reports import Reports, Templates
from bot.telegram.tls import tls_context_soon
from bot.telegram.wiring import build_application
from storage import Store
from tests.support.fakes import TOKEN
from tests.support.interviews import TODAY
from tests.support.paths import TEMPLATES


def test_the_context_verifies_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    # certifi's bundle, loaded at once (a CA folder named by SSL_CERT_DIR would load lazily)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    context = tls_context_soon().result()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # the CA bundle is loaded


def test_a_missing_ca_bundle_is_raised_to_whoever_needs_the_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    tls = tls_context_soon()
    with pytest.raises(FileNotFoundError):
        tls.result()


async def test_both_connections_use_the_context_made_at_start(tmp_path: Path, templates: Templates) -> None:
    tls = tls_context_soon()
    settings = Settings.load(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "REPORTBOT_PAGE_PREVIEW": "off"}, dotenv=tmp_path / "none"
    )
    reports = Reports(Store.open(tmp_path / "tg.db"), templates, lambda: TODAY)
    try:
        app = build_application(settings, reports, Renderer.create(TEMPLATES), tls=tls)
        clients = [app.bot.request.pools[0]._client, app.bot._request[0]._client]
        contexts = {id(c._transport._pool._ssl_context) for c in clients}
        assert contexts == {id(tls.result())}
    finally:
        reports.close()
