"""Chat state: which report a user's chat continues, and which profile field it is changing.

The rules live here, once, so that no front end keeps its own; the store only keeps the rows
(so the state survives a restart).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from bot.interview.definition import Question
from storage import Store

# What a cancel ended: a profile change, the report being filled in, or nothing at all.
Cancelled = Literal["profile_edit", "rewrite", "report"] | None


class Chats:
    """The per-user state of a chat."""

    def __init__(self, store: Store, profile_field: Callable[[str], Question | None]) -> None:
        self._store = store
        self._profile_field = profile_field

    def active_report(self, owner: str) -> int | None:
        """The report the chat continues: only one that still exists and is the owner's."""
        return self._store.active_report(owner)

    def continue_report(self, owner: str, report_id: int) -> None:
        """Make ``report_id`` (one of the owner's) the report the chat continues."""
        self._store.set_active_report(owner, report_id)

    def pause(self, owner: str) -> None:
        """The chat continues no report until one is started or resumed."""
        self._store.set_active_report(owner, None)

    def profile_edit(self, owner: str) -> Question | None:
        """The profile field the owner's next typed message changes, if one is being changed."""
        editing = self._store.editing(owner)
        return self._profile_field(editing) if editing is not None else None

    def start_profile_edit(self, owner: str, question: Question) -> None:
        """The owner's next typed message is a new value for ``question``'s profile field."""
        self._store.set_editing(owner, question.id)

    def end_profile_edit(self, owner: str) -> None:
        """Typed messages are answers again."""
        self._store.set_editing(owner, None)

    def cancel(self, owner: str) -> Cancelled:
        """Leave a section rewrite or a profile change if one is under way, else pause the report;
        what was ended."""
        if self._store.rewriting(owner) is not None:
            self._store.set_rewriting(owner, None)
            return "rewrite"
        if self._store.editing(owner) is not None:
            self.end_profile_edit(owner)
            return "profile_edit"
        if self.active_report(owner) is None:
            return None
        self.pause(owner)
        return "report"
