"""Durable storage: users, chat state, reports and answers, and the updates applied, in SQLite."""

from storage.model import (
    COMPLETE,
    DRAFT,
    AlreadyApplied,
    ChatState,
    ReplyAfterStep,
    Report,
    ReportNotFound,
    SectionText,
)
from storage.store import Store
from storage.write_batch import WriteBatch

__all__ = [
    "COMPLETE",
    "DRAFT",
    "AlreadyApplied",
    "ChatState",
    "ReplyAfterStep",
    "Report",
    "ReportNotFound",
    "SectionText",
    "Store",
    "WriteBatch",
]
