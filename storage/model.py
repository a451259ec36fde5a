"""What the store hands out: reports, a chat's state, and the errors of its steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DRAFT = "draft"
COMPLETE = "complete"
STATUSES = (DRAFT, COMPLETE)

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time in UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class ReportNotFound(LookupError):
    """No report with that id belongs to that owner."""


class AlreadyApplied(Exception):
    """This update was applied before (a front end may be handed the same update again)."""


class ReplyAfterStep(RuntimeError):
    """A reply was recorded after its update's step was committed: a crash between the two would
    leave the answer stored and nothing owed for it (the handler awaited in between)."""


@dataclass(frozen=True)
class Report:
    """A stored report with its answers."""

    id: int
    owner: str
    type: str
    status: str
    cursor: dict[str, Any]
    created: str
    updated: str
    answers: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, SectionText] = field(default_factory=dict)  # section id -> text replacing its body


@dataclass(frozen=True)
class SectionText:
    """A section's printed body as the user chose it: typed by hand or a model's polish taken."""

    text: str
    origin: str  # "hand" or "polish"


@dataclass(frozen=True)
class ChatState:
    """Where a user's conversation stands: the report it continues, the profile field being
    changed (their next message is its value), and the message whose buttons are live."""

    active_report: int | None = None
    editing: str | None = None
    buttons_message: int | None = None
    rewriting: str | None = None  # "report id:section id" whose new text the next message is
    polish_told: int | None = None  # 1 once told where polish sends the text
