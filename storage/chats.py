"""Each chat's state, one record per chat keyed by its owner (a private chat's is its user)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from storage.connection import Connection
from storage.model import ChatState
from storage.recent import RecentUsers
from storage.write_batch import WriteBatch

_COLUMNS = ("active_report", "editing", "buttons_message", "rewriting", "polish_told")


def set_chat(column: str) -> str:
    """The statement that sets one column of a chat's record (owner, value), made if missing."""
    assert column in _COLUMNS
    return (
        f"INSERT INTO chats (owner, {column}) VALUES (?, ?) "
        f"ON CONFLICT(owner) DO UPDATE SET {column} = excluded.{column}"
    )


class Chats:
    """The store's chat records (part of :class:`storage.Store`)."""

    db: Connection
    batch: WriteBatch
    recent: RecentUsers

    _now: Callable[[], str]
    _ensure_user: Callable[[str, str], None]

    def chat(self, owner: str) -> ChatState:
        """The state of the owner's chat (its active report only if that report still exists)."""
        kept = self.recent.get(owner)
        if kept is not None and kept.chat is not None:
            return kept.chat
        row = self.db.execute(
            "SELECT r.id, c.editing, c.buttons_message, c.rewriting, c.polish_told FROM chats c "
            "LEFT JOIN reports r ON r.id = c.active_report AND r.owner = c.owner WHERE c.owner = ?",
            [owner],
        ).fetchone()
        state = ChatState(*row) if row else ChatState()
        kept = self.recent.of(owner)
        if kept is not None:
            kept.chat = state
        return state

    def _keep_chat(self, owner: str, **changes: Any) -> None:
        kept = self.recent.get(owner)
        if kept is not None and kept.chat is not None:
            kept.chat = dataclasses.replace(kept.chat, **changes)

    def _write_chat(self, owner: str, column: str, value: int | str | None) -> None:
        now = self._now()
        with self.batch.step():
            self._ensure_user(owner, now)
            self.db.execute(set_chat(column), [owner, value])
        self._keep_chat(owner, **{column: value})

    def active_report(self, user_id: str) -> int | None:
        """The report the user is working on in the chat, if it still exists."""
        return self.chat(user_id).active_report

    def set_active_report(self, user_id: str, report_id: int | None) -> None:
        """Make ``report_id`` (one of the user's) the one the chat continues."""
        self._write_chat(user_id, "active_report", report_id)

    def editing(self, user_id: str) -> str | None:
        """The profile field the user is changing in the chat (their next message is its value)."""
        return self.chat(user_id).editing

    def set_editing(self, user_id: str, field_id: str | None) -> None:
        """Start (or, with None, end) changing a profile field in the chat."""
        self._write_chat(user_id, "editing", field_id)

    def rewriting(self, user_id: str) -> str | None:
        """The section ("report id:section id") whose new text the user's next message is."""
        return self.chat(user_id).rewriting

    def set_rewriting(self, user_id: str, target: str | None) -> None:
        """Start (or, with None, end) rewriting a section in the chat."""
        self._write_chat(user_id, "rewriting", target)

    def polish_told(self, user_id: str) -> bool:
        """Whether the user was told where polish sends a section's text."""
        return bool(self.chat(user_id).polish_told)

    def set_polish_told(self, user_id: str) -> None:
        """The user was told where polish sends a section's text."""
        self._write_chat(user_id, "polish_told", 1)

    def set_buttons_message(self, owner: str, message_id: int | None) -> None:
        """The message whose buttons are live in the owner's chat (the last question with buttons).

        Learnt only once the message is sent, so it needs no commit of its own: it is committed
        with the next batch (a crash before that leaves the older message's buttons in place).
        """
        self.batch.write_soon(set_chat("buttons_message"), [owner, message_id])
        self._keep_chat(owner, buttons_message=message_id)
