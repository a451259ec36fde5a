"""A local Telegram Bot API emulator on 127.0.0.1 for end-to-end tests of the real bot process.

It speaks enough of the Bot API for python-telegram-bot: getMe, getUpdates (long poll),
sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery, sendDocument,
sendPhoto, sendMediaGroup (multipart), sendChatAction, setMyCommands, deleteMessage,
deleteWebhook. Test code plays the users: it queues their messages and button presses and reads
what the bot sent.

Delivery is Telegram's: an update stays queued until a getUpdates call with a higher offset
confirms it, and every getUpdates before that hands it out again, also to a restarted bot. Every
call the bot makes about a chat is logged with the bot process generation that made it, so that a
test can wait for the reply to one update and tell which process sent it.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tests.support.emulator_calls import BOT, CHAT_METHODS, Call, Expect, SentMessage
from tests.support.emulator_http import QuietServer, handler_class


class Emulator:
    """The emulated Bot API server and the users' side of it."""

    def __init__(self, token: str) -> None:
        self.token = token
        self._mutex = threading.RLock()
        self._lock = threading.Condition(self._mutex)  # woken by every call, whatever the chat
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self.sent: list[SentMessage] = []
        self._by_chat: dict[int, list[SentMessage]] = {}
        self._chat_waits: dict[int, threading.Condition] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []
        # Tests hook in here; raising Dropped makes the call vanish unanswered.
        self.on_call: Callable[[str, dict[str, Any]], None] | None = None
        self.confirmed: dict[int, float] = {}  # update id -> when the bot confirmed it
        self.handed_out: dict[int, int] = {}  # update id -> how many getUpdates answers carried it
        self.generation = 0  # the bot process now running: tests count them up
        self.chat_calls: list[Call] = []
        self._chat_calls_by_chat: dict[int, list[Call]] = {}
        self._press_chats: dict[str, int] = {}  # callback query id -> the chat it was pressed in
        self._server = QuietServer(("127.0.0.1", 0), handler_class(token, self.call))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """TELEGRAM_BASE_URL for the bot."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    @property
    def base_file_url(self) -> str:
        """TELEGRAM_BASE_FILE_URL for the bot."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/file/bot"

    def start(self) -> Emulator:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    # -- the users' side -----------------------------------------------------------------------

    def next_generation(self) -> int:
        """A new bot process is about to start: the calls from now on are tagged with its number."""
        with self._lock:
            self.generation += 1
            return self.generation

    def redelivered(self) -> list[int]:
        """Updates handed out by more than one getUpdates answer."""
        with self._lock:
            return sorted(u for u, n in self.handed_out.items() if n > 1)

    def _push(self, body: dict[str, Any]) -> int:
        with self._lock:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **body})
            self._lock.notify_all()
            return update_id

    @staticmethod
    def _user(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}", "language_code": "zh-hans"}

    def user_sends(self, user_id: int, text: str | None = None, **extra: Any) -> int:
        """A private message from a user; returns its update id."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": self._user(user_id),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._push({"message": message})

    def user_presses(self, user_id: int, message: SentMessage, data: str) -> int:
        """A button press by a user on one of the bot's messages."""
        query_id = str(next(self._message_ids))
        with self._lock:
            self._press_chats[query_id] = user_id
        return self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(user_id),
                    "chat_instance": str(user_id),
                    "data": data,
                    "message": {
                        "message_id": message.message_id,
                        "date": int(time.time()),
                        "chat": {"id": message.chat_id, "type": "private"},
                        "from": BOT,
                        "text": message.text,
                    },
                }
            }
        )

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Everything the bot sent to a chat, in order."""
        with self._lock:
            return list(self._by_chat.get(chat_id, []))

    def _chat_wait(self, chat_id: int) -> threading.Condition:
        if chat_id not in self._chat_waits:
            self._chat_waits[chat_id] = threading.Condition(self._mutex)  # woken by that chat's calls only
        return self._chat_waits[chat_id]

    def wait_for_message(
        self, chat_id: int, predicate: Callable[[SentMessage], bool], after: int, timeout: float = 60.0
    ) -> SentMessage:
        """The first message to ``chat_id`` past the first ``after`` that meets ``predicate``."""
        deadline = time.monotonic() + timeout
        with self._lock:
            waiter = self._chat_wait(chat_id)
            while True:
                for message in self._by_chat.get(chat_id, [])[after:]:
                    if predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no such message to {chat_id}")
                waiter.wait(remaining)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 20.0) -> None:
        """Block until ``predicate`` holds (checked whenever the bot calls the API)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the bot did not answer in time")
                self._lock.wait(remaining)

    def last_seq(self, chat_id: int) -> int:
        """The log position of the latest call about a chat (0: none yet): a reply starts after it."""
        with self._lock:
            calls = self._chat_calls_by_chat.get(chat_id)
            return calls[-1].seq if calls else 0

    def calls_to(self, chat_id: int, after: int = 0) -> list[Call]:
        """The calls about a chat past log position ``after``, in order."""
        with self._lock:
            return [c for c in self._chat_calls_by_chat.get(chat_id, []) if c.seq > after]

    def wait_for_call(self, chat_id: int, after: int, expect: Expect, timeout: float) -> Call | None:
        """The first call about ``chat_id`` past log position ``after`` that meets ``expect``, or
        None once ``timeout`` seconds passed without one (checked whenever such a call arrives)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            waiter = self._chat_wait(chat_id)
            checked = 0
            while True:
                calls = self._chat_calls_by_chat.get(chat_id, [])
                for call in calls[checked:]:
                    if call.seq > after and expect(call):
                        return call
                checked = len(calls)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                waiter.wait(remaining)

    def pending(self) -> int:
        """Updates not yet confirmed by the bot."""
        with self._lock:
            return len(self._updates)

    # -- the Bot API side ----------------------------------------------------------------------

    def _message_json(self, message: SentMessage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "from": BOT,
            "chat": {"id": message.chat_id, "type": "private"},
        }
        if message.document:
            data["document"] = {
                "file_id": f"doc{message.message_id}",
                "file_unique_id": f"u{message.message_id}",
                "file_name": message.document[0],
                "file_size": len(message.document[1]),
            }
        elif message.photo:
            size = {"width": 900, "height": 1270, "file_size": len(message.photo[1])}
            data["photo"] = [
                {"file_id": f"p{message.message_id}", "file_unique_id": f"p{message.message_id}", **size}
            ]
            if message.text:
                data["caption"] = message.text
        else:
            data["text"] = message.text
        if message.keyboard:
            data["reply_markup"] = {"inline_keyboard": message.keyboard}
        return data

    def _find(self, params: dict[str, Any]) -> SentMessage | None:
        chat_id, message_id = int(params.get("chat_id", 0)), int(params.get("message_id", 0))
        return next((m for m in self.sent if m.chat_id == chat_id and m.message_id == message_id), None)

    @staticmethod
    def _keyboard(params: dict[str, Any]) -> list[list[dict[str, Any]]]:
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        return list(markup.get("inline_keyboard", [])) if isinstance(markup, dict) else []

    def call(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> tuple[bool, Any]:
        """One Bot API method: (ok, result or error description)."""
        if method == "getUpdates":
            return True, self._get_updates(params)
        if self.on_call is not None:
            self.on_call(method, params)  # may raise Dropped
        with self._lock:
            self.calls.append((method, params))
            try:
                result = self._dispatch(method, params, files)
            except LookupError as exc:
                return False, f"Bad Request: {exc}"
            finally:
                self._lock.notify_all()
            if method in CHAT_METHODS:
                self._log_chat_call(method, params, result)
            return True, result

    def _log_chat_call(self, method: str, params: dict[str, Any], result: Any) -> None:
        """Log an accepted call about a chat and wake whoever waits on that chat."""
        if method == "answerCallbackQuery":
            chat_id = self._press_chats.get(str(params.get("callback_query_id")), 0)
            message, text = None, str(params.get("text") or "")
        else:
            chat_id = int(params.get("chat_id", 0))
            if isinstance(result, list) and result:  # an album: its first picture, with the caption
                result = result[0]
            found = self._find_any(chat_id, int(result["message_id"])) if isinstance(result, dict) else None
            # A snapshot: a later edit must not change what this call showed.
            message = replace(found, keyboard=[list(row) for row in found.keyboard]) if found else None
            text = message.text if message else ""
        call = Call(len(self.chat_calls) + 1, method, chat_id, self.generation, message, text)
        self.chat_calls.append(call)
        self._chat_calls_by_chat.setdefault(chat_id, []).append(call)
        self._chat_wait(chat_id).notify_all()

    def _find_any(self, chat_id: int, message_id: int) -> SentMessage | None:
        return next((m for m in reversed(self._by_chat.get(chat_id, [])) if m.message_id == message_id), None)

    def _dispatch(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        if method == "getMe":
            return BOT
        if method in ("deleteWebhook", "setWebhook", "sendChatAction", "deleteMyCommands"):
            return True
        if method == "setMyCommands":
            commands = params.get("commands", "[]")
            self.commands = json.loads(commands) if isinstance(commands, str) else commands
            return True
        if method == "answerCallbackQuery":
            self.callback_answers.append(params)
            return True
        if method in ("sendMessage", "sendDocument"):
            message = SentMessage(
                int(params["chat_id"]),
                next(self._message_ids),
                text=str(params.get("text", params.get("caption", ""))),
                keyboard=self._keyboard(params),
            )
            if method == "sendDocument":
                if "document" not in files:
                    raise LookupError("document must be uploaded as a file")
                message.document = files["document"]
            self.sent.append(message)
            self._by_chat.setdefault(message.chat_id, []).append(message)
            self._chat_wait(message.chat_id).notify_all()
            return self._message_json(message)
        if method in ("sendPhoto", "sendMediaGroup"):
            return self._photos(method, params, files)
        if method in ("editMessageText", "editMessageReplyMarkup"):
            found = self._find(params)
            if found is None:
                raise LookupError("message to edit not found")
            if method == "editMessageText":
                found.text = str(params.get("text", ""))
            found.keyboard = self._keyboard(params)
            found.edits += 1
            return self._message_json(found)
        if method == "deleteMessage":
            found = self._find(params)
            if found is None:
                raise LookupError("message to delete not found")
            self.sent.remove(found)
            self._by_chat[found.chat_id].remove(found)
            return True
        raise LookupError(f"method {method} is not emulated")

    def _photos(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        """sendPhoto (one message) or sendMediaGroup (an album: 2 to 10 messages)."""
        if method == "sendPhoto":
            items = [{"media": "attach://photo", "caption": params.get("caption", "")}]
        else:
            raw = params.get("media", "[]")
            items = json.loads(raw) if isinstance(raw, str) else raw
            if not 2 <= len(items) <= 10:
                raise LookupError("media group must include 2-10 items")
        sent = []
        for item in items:
            attached = str(item.get("media", "")).removeprefix("attach://")
            if attached not in files:
                raise LookupError("photo must be uploaded as a file")
            message = SentMessage(
                int(params["chat_id"]), next(self._message_ids), text=str(item.get("caption") or "")
            )
            message.photo = files[attached]
            self.sent.append(message)
            self._by_chat.setdefault(message.chat_id, []).append(message)
            sent.append(self._message_json(message))
        self._chat_wait(int(params["chat_id"])).notify_all()
        return sent[0] if method == "sendPhoto" else sent

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Telegram's delivery: a higher offset confirms (and forgets) the updates below it; the
        others are handed out again, oldest first, at most ``limit`` of them."""
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        limit = min(max(int(params.get("limit", 100) or 100), 1), 100)
        deadline = time.monotonic() + min(timeout, 5.0)
        with self._lock:
            if offset > 0:
                now = time.monotonic()
                for update in self._updates:
                    if update["update_id"] < offset:
                        self.confirmed[update["update_id"]] = now
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._lock.wait(deadline - time.monotonic())
            batch = self._updates[:limit]
            for update in batch:
                self.handed_out[update["update_id"]] = self.handed_out.get(update["update_id"], 0) + 1
            return list(batch)
