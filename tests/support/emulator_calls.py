"""What the emulated Bot API keeps of the bot's calls, and how tests recognise a reply in them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BOT = {
    "id": 777000,
    "is_bot": True,
    "first_name": "reportbot",
    "username": "reportbot_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class SentMessage:
    """A message the bot sent (and may have edited since)."""

    chat_id: int
    message_id: int
    text: str = ""
    keyboard: list[list[dict[str, Any]]] = field(default_factory=list)
    document: tuple[str, bytes] | None = None
    photo: tuple[str, bytes] | None = None  # sendPhoto, or one picture of a sendMediaGroup album
    edits: int = 0

    def buttons(self) -> list[dict[str, Any]]:
        """Every inline button of the message."""
        return [b for row in self.keyboard for b in row]


# Calls that show the user something in a chat: what a reply to an update is made of.
CHAT_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "sendDocument",
        "sendPhoto",
        "sendMediaGroup",
        "answerCallbackQuery",
        "deleteMessage",
    }
)


@dataclass(frozen=True)
class Call:
    """One call the bot made about a chat, as the emulator accepted it."""

    seq: int  # position in the emulator's log of chat calls, from 1
    method: str
    chat_id: int
    generation: int  # the bot process that made it (see Emulator.next_generation)
    message: SentMessage | None  # the message sent or edited, as it was right after this call
    text: str = ""  # the message's text, or the callback answer's

    @property
    def new_message(self) -> bool:
        """Whether the call sent a new message (rather than editing one or answering a press)."""
        return self.method in ("sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup")


Expect = Callable[[Call], bool]


class Dropped(Exception):
    """Raised by an ``on_call`` hook: the call is neither carried out nor answered (the process
    that made it was killed, so it dies with the process)."""


def says(fragment: str) -> Expect:
    """A message sent or edited whose text contains ``fragment``."""
    return lambda call: call.message is not None and fragment in call.text


def has_button(label: str) -> Expect:
    """A message sent or edited that carries a button whose label starts with ``label``."""
    return lambda call: (
        call.message is not None and any(b["text"].strip().startswith(label) for b in call.message.buttons())
    )


def document(call: Call) -> bool:
    """A document sent."""
    return call.method == "sendDocument"


def press_answered(fragment: str = "") -> Expect:
    """A press answered (answerCallbackQuery) with a notice containing ``fragment``."""
    return lambda call: call.method == "answerCallbackQuery" and fragment in call.text


def either(*expectations: Expect) -> Expect:
    """Any of the expectations."""
    return lambda call: any(e(call) for e in expectations)
