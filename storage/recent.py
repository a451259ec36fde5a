"""Recently active users, kept in memory while the store is their one writer.

Each entry holds what the store read or wrote for that user (profile, chat state, the reports in
use, answers carried over from their other reports), updated by every write of the store. One
policy bounds it: the least recently active user goes first, and a user's few most recent
reports and carried answers are all that is kept of them.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from storage.model import ChatState, Report

PER_USER = 4  # reports (and sets of carried answers) kept per user: those in use


@dataclass
class Kept:
    """What is kept of one user; None where it was not read yet."""

    profile: dict[str, Any] | None = None
    chat: ChatState | None = None
    reports: dict[int, Report] = field(default_factory=dict)
    carried: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

    def keep_report(self, report: Report) -> None:
        """Keep ``report`` as the user's most recent one."""
        self.reports.pop(report.id, None)
        self.reports[report.id] = report
        if len(self.reports) > PER_USER:
            del self.reports[next(iter(self.reports))]

    def keep_carried(self, key: tuple[str, int], answers: dict[str, Any]) -> None:
        """Keep the answers carried over into a report (type, report id)."""
        self.carried[key] = answers
        if len(self.carried) > PER_USER:
            del self.carried[next(iter(self.carried))]


class RecentUsers:
    """Up to ``limit`` users, least recently active dropped first; nothing while ``limit`` is 0."""

    def __init__(self) -> None:
        self.limit = 0
        self._users: OrderedDict[str, Kept] = OrderedDict()
        self.newest_update: int | None = None  # the highest update id stored, once read

    def keep(self, limit: int) -> None:
        """Keep up to ``limit`` users from now on (0: none), starting empty."""
        self.limit = limit
        self.clear()

    @property
    def size(self) -> int:
        """How many users are kept."""
        return len(self._users)

    def clear(self) -> None:
        """Forget everything (the database may differ from what was kept)."""
        self._users.clear()
        self.newest_update = None

    def get(self, owner: str) -> Kept | None:
        """What is kept of ``owner``, if anything."""
        kept = self._users.get(owner)
        if kept is not None:
            self._users.move_to_end(owner)
        return kept

    def of(self, owner: str) -> Kept | None:
        """The entry of ``owner``, made if needed; None while nothing is kept."""
        if not self.limit:
            return None
        kept = self.get(owner)
        if kept is None:
            kept = self._users[owner] = Kept()
            if len(self._users) > self.limit:
                self._users.popitem(last=False)
        return kept

    def stored_update(self, update_id: int) -> None:
        """An update id was stored as applied."""
        if self.newest_update is not None:
            self.newest_update = max(self.newest_update, update_id)
