"""Durable storage: users, chat state, reports and answers, and the updates applied, in SQLite."""

from storage.store import COMPLETE, DRAFT, AlreadyApplied, Report, ReportNotFound, Store

__all__ = ["COMPLETE", "DRAFT", "AlreadyApplied", "Report", "ReportNotFound", "Store"]
