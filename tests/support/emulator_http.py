"""The HTTP side of the Bot API emulator: requests in, form fields and files out, JSON answers."""

from __future__ import annotations

import email.parser
import email.policy
import json
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.emulator_calls import Dropped

# One Bot API method called with its form fields and files: (ok, result or error description).
ApiCall = Callable[[str, dict[str, Any], dict[str, tuple[str, bytes]]], tuple[bool, Any]]


def handler_class(token: str, call: ApiCall) -> type[BaseHTTPRequestHandler]:
    """A request handler that answers ``/bot<token>/<method>`` with ``call``'s outcome."""

    class Handler(BaseHTTPRequestHandler):
        """One connection from the bot."""

        protocol_version = "HTTP/1.1"  # keep-alive, as Telegram's servers do
        # Each answer leaves in one piece, as from Telegram's servers: written unbuffered, its
        # headers went first and its body waited in Nagle's algorithm for the bot's delayed
        # ACK, 40 ms on a kept-alive connection, which timed the emulator, not the bot.
        wbufsize = 1 << 16  # flushed after each request by BaseHTTPRequestHandler
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the bot's own log tells what happened."""

        def do_POST(self) -> None:
            """A Bot API call with a body."""
            self._serve()

        def do_GET(self) -> None:
            """A Bot API call without one."""
            self._serve()

        def _serve(self) -> None:
            path = urllib.parse.urlparse(self.path).path
            prefix = f"/bot{token}/"
            if not path.startswith(prefix):
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            params, files = parse_body(self.headers.get("Content-Type", ""), body)
            try:
                ok, result = call(path[len(prefix) :], params, files)
            except Dropped:
                self.close_connection = True  # no answer: the caller is dead
                return
            if ok:
                self._reply(200, {"ok": True, "result": result})
            else:
                self._reply(400, {"ok": False, "error_code": 400, "description": result})

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


class QuietServer(ThreadingHTTPServer):
    """A killed bot leaves half-closed long polls behind; that is expected, not an error."""

    request_queue_size = 1024  # many connections at once under load

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Nothing to report."""


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """Form fields and uploaded files of a request, whatever encoding python-telegram-bot used."""
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            raw = part.get_payload(decode=True)  # bytes, or None for an empty part
            payload = raw if isinstance(raw, bytes) else b""
            if filename:
                files[str(name)] = (filename, payload)
            else:
                params[str(name)] = payload.decode()
    elif content_type.startswith("application/json"):
        params = json.loads(body or b"{}")
    elif body:
        params = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
    return params, files
