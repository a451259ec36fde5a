"""A fake OpenAI-compatible chat-completions server for tests: real HTTP on 127.0.0.1, scripted replies.

``FakeLlm`` listens on a free port in a thread. Each POST to ``/v1/chat/completions`` takes the
next scripted reply (the last one repeats): a text as a chat completion, the same after a delay,
an HTTP error status, or a raw body. Every request is recorded with its headers and JSON body,
so tests can assert what was sent and how.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.service.llm_settings import LlmSettings


@dataclass(frozen=True)
class Reply:
    """One scripted answer of the fake server."""

    text: str = ""
    delay: float = 0.0  # seconds before answering (cut short when the server stops)
    status: int = 200
    body: bytes | None = None  # sent as is instead of a chat completion
    content_type: str = "application/json"

    @classmethod
    def completion(cls, text: str, delay: float = 0.0) -> Reply:
        """A chat completion whose message is ``text``."""
        return cls(text=text, delay=delay)

    @classmethod
    def error(cls, status: int, message: str = "internal error") -> Reply:
        """An HTTP error with an OpenAI-style error body."""
        body = json.dumps({"error": {"message": message, "type": "server_error"}}).encode()
        return cls(status=status, body=body)

    @classmethod
    def garbage(
        cls, body: bytes = b"<html>502 Bad Gateway?\x00\xff", content_type: str = "text/html"
    ) -> Reply:
        """A 200 whose body is no chat completion."""
        return cls(body=body, content_type=content_type)


@dataclass(frozen=True)
class Recorded:
    """One request the fake server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes

    def messages(self) -> list[dict[str, str]]:
        """The chat messages of the request."""
        return list(self.body.get("messages", []))


@dataclass
class FakeLlm:
    """The server's script, its record of requests and where it listens."""

    replies: list[Reply] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """The base URL to configure (``…/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def settings(self, api_key: str = "", timeout: float = 10.0, model: str = "qwen-test") -> LlmSettings:
        """LlmSettings pointing at this server."""
        return LlmSettings(self.base_url, model, api_key, timeout)

    def script(self, *replies: Reply) -> None:
        """Replace the script: the next requests get these replies in order."""
        with self.lock:
            self.replies = list(replies)

    def next_reply(self) -> Reply:
        """The reply for the request being handled (the last one repeats)."""
        with self.lock:
            if not self.replies:
                return Reply.error(500, "no reply scripted")
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


def _completion(text: str, model: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        },
        ensure_ascii=False,
    ).encode()


def _handler(fake: FakeLlm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # the test output stays quiet
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            with fake.lock:
                fake.requests.append(Recorded(self.path, dict(self.headers.items()), body, raw))
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, b'{"error": {"message": "not found"}}', "application/json")
                return
            reply = fake.next_reply()
            if reply.delay:
                fake.stopping.wait(reply.delay)
            if reply.body is not None:
                self._send(reply.status, reply.body, reply.content_type)
            else:
                self._send(
                    reply.status, _completion(reply.text, str(body.get("model", ""))), reply.content_type
                )

        def _send(self, status: int, payload: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up (its time limit): nothing to answer

    return Handler


@contextmanager
def fake_llm_server(*replies: Reply) -> Iterator[FakeLlm]:
    """A running fake server with ``replies`` scripted; stopped on exit."""
    fake = FakeLlm(list(replies))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-llm", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
