"""Per-user limits, a setting of their own so reading the settings does not import the service."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-user limits that keep one user from filling the disk."""

    max_drafts: int = 20
    max_report_chars: int = 60_000
