"""The bot token never reaches the log: a Bot API that rejects it, and the redacting filter."""

from __future__ import annotations

import http.server
import io
import logging
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.logs import Redactor
from tests.support.cli import run_cli

SECRET = "AAAA" + "x7Yz" * 7 + "Q_-"  # 35 characters after the colon, as @BotFather's are
TOKEN = f"123456789:{SECRET}"


class Rejecting(http.server.BaseHTTPRequestHandler):
    """Answers every Bot API request as Telegram does a bad token (401) or a wrong path (404)."""

    status = 401
    description = "Unauthorized"

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = (f'{{"ok":false,"error_code":{self.status},"description":"{self.description}"}}').encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the bot's output, not the server's."""


class NotFound(Rejecting):
    status = 404
    description = "Not Found"


@pytest.fixture(params=[Rejecting, NotFound], ids=["401", "404"])
def bot_api(request: pytest.FixtureRequest) -> Iterator[str]:
    """The base URL of a local Bot API that rejects every token."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("command", ["run", "start"])
def test_a_rejected_token_stops_the_bot_with_one_line_and_is_never_shown(
    bot_api: str, command: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": bot_api,
        "TELEGRAM_BASE_FILE_URL": bot_api.replace("/bot", "/file/bot"),
        "REPORTBOT_DB": str(tmp_path / "bot.db"),
        "REPORTBOT_OUTPUT": str(tmp_path / "out"),
        "TELEGRAM_RATE_LIMITER": "off",
        "ALLOWED_USER_IDS": "",
    }
    result = run_cli(env, command)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert SECRET not in output
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "rejected TELEGRAM_BOT_TOKEN" in lines[0]
    assert "TELEGRAM_BASE_URL" in lines[0]


def emitted(record: logging.LogRecord) -> str:
    """What a handler with the redactor and the usual format writes for ``record``."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redactor([TOKEN, SECRET]))
    handler.handle(record)
    return out.getvalue()


def record(msg: object, args: tuple[object, ...] = (), *, failing: bool = False) -> logging.LogRecord:
    exc_info = None
    if failing:
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            exc_info = sys.exc_info()
    return logging.LogRecord("telegram.ext", logging.ERROR, __file__, 1, msg, args, exc_info)


@pytest.mark.parametrize(
    "made",
    [
        record(f"GET https://api.telegram.org/bot{TOKEN}/getMe"),
        record("calling %s", (f"https://api.telegram.org/bot{TOKEN}/getMe",)),
        record("the secret alone: %(s)s", ({"s": SECRET},)),
        record("Invalid token. Aborting retry loop.", failing=True),
        record(RuntimeError(TOKEN)),
    ],
    ids=["msg", "args", "mapping", "exception", "object"],
)
def test_the_filter_removes_the_token_from_every_part_of_a_record(made: logging.LogRecord) -> None:
    text = emitted(made)
    assert SECRET not in text
    assert "***" in text


def test_the_filter_keeps_the_rest_of_the_record() -> None:
    text = emitted(record("Invalid token. Aborting retry loop.", failing=True))
    assert text.startswith("ERROR telegram.ext: Invalid token. Aborting retry loop.\nTraceback")
    assert "RuntimeError: The token `***` was rejected by the server." in text


def test_a_bad_format_string_does_not_carry_the_token_past_the_filter() -> None:
    text = emitted(record(f"{TOKEN} %d", ("not a number",)))
    assert SECRET not in text
