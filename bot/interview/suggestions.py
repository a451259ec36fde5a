"""One-tap offers: the value to suggest for a question, from plain data the caller gathered.

The profile, the previous report's answers and today's date come in as arguments, so working
out an offer reads no database and no clock; the service gathers them before each step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from bot.interview.definition import Kind, Question, ReportType, Value, has_content
from bot.interview.parsing import check_value


def suggest_one(question: Question, profile: Mapping[str, Value], previous: Value, today: dt.date) -> Value:
    """The value to offer for one question: profile, then the previous report, then defaults."""
    candidates: list[Value] = []
    if question.profile:
        candidates.append(profile.get(question.id))
    if question.carry:
        candidates.append(previous)
    candidates.append(question.default)
    if question.kind is Kind.YEAR:
        candidates.append(today.year)
    elif question.kind is Kind.DATE:
        candidates.append(today.isoformat())
    for value in candidates:
        if has_content(value) and check_value(question, value) is None:
            return value
    return None


def suggest(
    definition: ReportType,
    profile: Mapping[str, Value],
    previous: Mapping[str, Value],
    today: dt.date,
) -> dict[str, Value]:
    """Values to offer as one-tap answers for every question that has one."""
    offers = {q.id: suggest_one(q, profile, previous.get(q.id), today) for q in definition.questions}
    return {qid: value for qid, value in offers.items() if value is not None}


def profile_updates(definition: ReportType, changes: Mapping[str, Value]) -> dict[str, Value]:
    """The profile fields that ``changes`` sets, to be remembered for the user's next report."""
    updates: dict[str, Value] = {}
    for qid, value in changes.items():
        try:
            question = definition.question(qid)
        except KeyError:
            continue
        if question.profile and has_content(value):
            updates[qid] = value
    return updates
