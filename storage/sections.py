"""Sections whose printed text the user replaced (typed by hand or a model's polish taken).

Written like answers: one step (:meth:`WriteBatch.step`) with the update id, so a text is
stored once per update and shares its commit with the reply it is owed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from storage.connection import Connection
from storage.model import ReportNotFound, SectionText
from storage.recent import RecentUsers
from storage.write_batch import WriteBatch

_UPSERT = (
    "INSERT INTO section_texts (report_id, section_id, text, origin, updated) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT(report_id, section_id) DO UPDATE SET text = excluded.text, "
    "origin = excluded.origin, updated = excluded.updated"
)
ORIGINS = ("hand", "polish")


class SectionTexts:
    """The store's replaced section texts (part of :class:`storage.Store`)."""

    db: Connection
    batch: WriteBatch
    recent: RecentUsers

    _now: Callable[[], str]
    _insert_applied: Callable[..., None]
    _recorded_now: Callable[[int | None], None]

    def _texts(self, report_id: int) -> dict[str, SectionText]:
        rows = self.db.execute(
            "SELECT section_id, text, origin FROM section_texts WHERE report_id = ?", [report_id]
        )
        return {section_id: SectionText(text, origin) for section_id, text, origin in rows}

    def set_section_text(
        self,
        owner: str,
        report_id: int,
        section_id: str,
        text: SectionText | None,
        *,
        update_id: int | None = None,
    ) -> None:
        """Replace a section's printed body (None: back to the generated one), ending a rewrite
        begun in the chat, in one step (AlreadyApplied for an update applied before)."""
        if text is not None and text.origin not in ORIGINS:
            raise ValueError(f"unknown origin {text.origin!r}")
        now = self._now()
        with self.batch.step():
            cur = self.db.execute(
                "UPDATE reports SET updated = ? WHERE id = ? AND owner = ?", [now, report_id, owner]
            )
            if cur.rowcount != 1:
                raise ReportNotFound(report_id)
            if text is None:
                self.db.execute(
                    "DELETE FROM section_texts WHERE report_id = ? AND section_id = ?",
                    [report_id, section_id],
                )
            else:
                self.db.execute(_UPSERT, [report_id, section_id, text.text, text.origin, now])
            self.db.execute("UPDATE chats SET rewriting = NULL WHERE owner = ?", [owner])
            self._insert_applied(update_id, now)
        self._recorded_now(update_id)
        kept = self.recent.get(owner)
        if kept is None:
            return
        if kept.chat is not None:
            kept.chat = dataclasses.replace(kept.chat, rewriting=None)
        known = kept.reports.get(report_id)
        if known is not None:
            texts = {k: v for k, v in known.texts.items() if k != section_id}
            if text is not None:
                texts[section_id] = text
            kept.keep_report(dataclasses.replace(known, updated=now, texts=texts))

    def _delete_texts(self, report_id: int, owner: str) -> None:
        """Within a step: a report's texts go with it."""
        self.db.execute(
            "DELETE FROM section_texts WHERE report_id IN "
            "(SELECT id FROM reports WHERE id = ? AND owner = ?)",
            [report_id, owner],
        )
