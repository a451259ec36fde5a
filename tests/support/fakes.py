"""Fakes for driving the real python-telegram-bot Application without a network.

``RecordingRequest`` answers every Bot API call instantly and records it; ``Chat`` plays one
user: it sends messages and presses buttons as update objects through the Application.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 1000, "is_bot": True, "first_name": "reportbot", "username": "reportbot_bot"}
TOKEN = "123456789:AAEfakeFAKEfakeFAKEfakeFAKEfake_tok"


@dataclass
class Call:
    """One recorded Bot API call."""

    method: str
    params: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)
    message_id: int | None = None


class RecordingRequest(BaseRequest):
    """A request class that records outgoing calls instead of sending them."""

    def __init__(self, *, record: bool = True) -> None:
        self.calls: list[Call] = []
        self.record = record  # benchmarks answer without keeping every call
        self._ids = itertools.count(1)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        """No waiting here."""
        return 1.0

    def _message(self, params: dict[str, Any], message_id: int, **extra: Any) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 0))
        return {
            "message_id": message_id,
            "date": 1700000000,
            "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private"},
            **extra,
        }

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        """Record the call and give the answer Telegram would."""
        name = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data is not None and request_data.contains_files:
            for part, value in request_data.multipart_data.items():
                filename, content = value[0], value[1]
                files[part] = (filename, content if isinstance(content, bytes) else content.read())
        call = Call(name, params, files)
        result: Any = True
        if name == "getMe":
            result = BOT_USER
        elif name == "getUpdates":
            result = []
        elif name in ("sendMessage", "sendDocument"):
            call.message_id = next(self._ids)
            extra: dict[str, Any] = {"text": params.get("text", "")}
            if name == "sendDocument":
                extra = {
                    "document": {
                        "file_id": "doc",
                        "file_unique_id": "doc",
                        "file_name": next(iter(files.values()))[0],
                    }
                }
            if params.get("reply_markup"):
                extra["reply_markup"] = (
                    json.loads(params["reply_markup"])
                    if isinstance(params["reply_markup"], str)
                    else params["reply_markup"]
                )
            result = self._message(params, call.message_id, **extra)
        elif name in ("sendPhoto", "sendMediaGroup"):
            media = params.get("media", [{}])
            items = json.loads(media) if isinstance(media, str) else media
            photos = []
            for _ in items:
                message_id = next(self._ids)
                call.message_id = call.message_id or message_id
                photo = [{"file_id": "p", "file_unique_id": "p", "width": 900, "height": 1270}]
                photos.append(self._message(params, message_id, photo=photo))
            result = photos[0] if name == "sendPhoto" else photos
        elif name in ("editMessageText", "editMessageReplyMarkup"):
            result = self._message(params, int(params.get("message_id", 0)), text=params.get("text", ""))
        if self.record:
            self.calls.append(call)
        return 200, json.dumps({"ok": True, "result": result}).encode()


class Chat:
    """One Telegram user talking to the application."""

    _update_ids = itertools.count(1)

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        request: RecordingRequest,
        user_id: int,
        chat_type: str = "private",
    ) -> None:
        self.app = app
        self.request = request
        self.user = {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}"}
        self.chat = {"id": user_id if chat_type == "private" else -user_id, "type": chat_type}
        self.seen = len(request.calls)
        self.sent = 0  # messages the user sent (the README's interview lengths count them)
        self.pressed = 0  # buttons the user pressed

    def raw_update(self, body: dict[str, Any]) -> Update:
        """An update of any kind from this chat's user, numbered as Telegram would."""
        return Update.de_json({"update_id": next(self._update_ids), **body}, self.app.bot)

    async def deliver(self, update: Update) -> None:
        """Through the update processor, as the real fetch loop does (ordering, dedupe)."""
        await self.app.update_processor.process_update(update, self.app.process_update(update))

    def message_update(self, text: str | None = None, **extra: Any) -> Update:
        """An update with a message from this user."""
        message: dict[str, Any] = {
            "message_id": next(self._update_ids),
            "date": 1700000000,
            "chat": self.chat,
            "from": self.user,
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.raw_update({"message": message})

    async def send(self, text: str) -> list[Call]:
        """Send a text message; returns the calls the bot made in reply."""
        self.sent += 1
        await self.deliver(self.message_update(text))
        return self.new_calls()

    def button_update(self, data: str, message_id: int = 1) -> Update:
        """An update for pressing a button with ``data`` on message ``message_id``."""
        message = {
            "message_id": message_id,
            "date": 1700000000,
            "chat": self.chat,
            "from": BOT_USER,
            "text": "…",
        }
        return self.raw_update(
            {
                "callback_query": {
                    "id": str(next(self._update_ids)),
                    "from": self.user,
                    "chat_instance": "ci",
                    "data": data,
                    "message": message,
                }
            }
        )

    async def press(self, label: str) -> list[Call]:
        """Press the newest button whose text starts with ``label``."""
        for call in reversed(self.request.calls):
            markup = call.params.get("reply_markup")
            if not markup:
                continue
            markup = json.loads(markup) if isinstance(markup, str) else markup
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"].strip().startswith(label):
                        message_id = call.message_id or int(call.params.get("message_id", 1))
                        self.pressed += 1
                        await self.deliver(self.button_update(button["callback_data"], message_id))
                        return self.new_calls()
        raise AssertionError(f"no button {label!r} in {[c.method for c in self.request.calls[-5:]]}")

    async def press_data(self, data: str) -> list[Call]:
        """Press a button with exactly this callback data (forged or stale ones too)."""
        await self.deliver(self.button_update(data))
        return self.new_calls()

    def new_calls(self) -> list[Call]:
        """Calls made since the last look."""
        calls = self.request.calls[self.seen :]
        self.seen = len(self.request.calls)
        return calls


def texts(calls: list[Call]) -> str:
    """All message texts, files' captions (and callback answers) in the calls, joined."""
    return "\n".join(str(c.params.get("text", c.params.get("caption", ""))) for c in calls)


def document_of(calls: list[Call]) -> tuple[str, bytes]:
    """The file sent with sendDocument."""
    for call in calls:
        if call.method == "sendDocument":
            filename, content = next(iter(call.files.values()))
            return str(filename), bytes(content)
    raise AssertionError("no document was sent")


def docx_text(content: bytes) -> str:
    """The paragraphs of a DOCX file."""
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)


class UpdateQueue(RecordingRequest):
    """A recording request that also serves getUpdates from a queue, as Telegram does: an update
    is dropped once an offset above it is asked for, and served again until then."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[dict[str, Any]] = []
        self.offsets: list[int] = []  # the offset of every getUpdates, in order

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        """Serve getUpdates from the queue; record every other call."""
        if not url.endswith("/getUpdates"):
            return await super().do_request(url, method, request_data, *args, **kwargs)
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        offset = int(params.get("offset") or 0)
        self.offsets.append(offset)
        self.pending = [u for u in self.pending if u["update_id"] >= offset]
        if not self.pending:
            await asyncio.sleep(0.01)  # a long poll that returns empty, briefly
        return 200, json.dumps({"ok": True, "result": self.pending}).encode()
