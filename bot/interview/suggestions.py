"""One-tap offers: the value to suggest for a question, from plain data the caller gathered.

The profile, the previous report's answers and today's date come in as arguments, so working
out an offer reads no database and no clock; the service gathers them before each step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from bot.interview.definition import Kind, Question, ReportType, Value, has_content
from bot.interview.parsing import check_value


def offer_one(
    question: Question, profile: Mapping[str, Value], previous: Value, today: dt.date
) -> tuple[Value, bool]:
    """The value to offer for one question, and whether it is the user's own earlier answer.

    The profile and the previous report come first (the user answered them: 沿用上次), then the
    question's default and today's year or date (only suggested: 建议).
    """
    own: list[Value] = []
    if question.profile:
        own.append(profile.get(question.id))
    if question.carry:
        own.append(previous)
    defaults: list[Value] = [question.default]
    if question.kind is Kind.YEAR:
        defaults.append(today.year)
    elif question.kind is Kind.DATE:
        defaults.append(today.isoformat())
    for remembered, candidates in ((True, own), (False, defaults)):
        for value in candidates:
            if has_content(value) and check_value(question, value) is None:
                return value, remembered
    return None, False


def suggest_one(question: Question, profile: Mapping[str, Value], previous: Value, today: dt.date) -> Value:
    """The value to offer for one question: profile, then the previous report, then defaults."""
    return offer_one(question, profile, previous, today)[0]


def offers(
    definition: ReportType,
    profile: Mapping[str, Value],
    previous: Mapping[str, Value],
    today: dt.date,
) -> tuple[dict[str, Value], frozenset[str]]:
    """Values to offer as one-tap answers, and the ids of those that are the user's own answers."""
    values: dict[str, Value] = {}
    remembered = set()
    for q in definition.questions:
        value, own = offer_one(q, profile, previous.get(q.id), today)
        if value is not None:
            values[q.id] = value
            if own:
                remembered.add(q.id)
    return values, frozenset(remembered)


def suggest(
    definition: ReportType,
    profile: Mapping[str, Value],
    previous: Mapping[str, Value],
    today: dt.date,
) -> dict[str, Value]:
    """Values to offer as one-tap answers for every question that has one."""
    return offers(definition, profile, previous, today)[0]


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
