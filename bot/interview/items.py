"""Answers made of items (lists, phrase banks, details): the options shown for them, and the
item lists that adding, toggling or attaching a detail makes.

Each change returns the new list or raises :class:`Rejected` saying why it cannot be made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.interview.definition import DETAIL_SEPARATOR, Kind, Question, ReportType, Value
from bot.interview.parsing import Rejected, parse_detail, parse_items, parse_toggles


@dataclass(frozen=True)
class Choice:
    """One option as shown to the user; ``number`` is what they send or press."""

    number: int
    label: str
    selected: bool = False


def choices_for(
    definition: ReportType, question: Question, current: Value, answers: Mapping[str, Value]
) -> tuple[Choice, ...]:
    """The options shown for ``question`` with its answer ``current``, numbered as sent."""
    if question.kind is Kind.DETAILS:
        # The items chosen in the question the details are for, under the numbers the user
        # saw there (a phrase bank keeps its numbers); those with a detail are marked.
        target = definition.question(question.of)
        chosen = choices_for(definition, target, answers.get(target.id), answers)
        if target.kind is Kind.MULTI_CHOICE:
            chosen = tuple(c for c in chosen if c.selected)
        else:
            items = answers.get(target.id)
            listed = items if isinstance(items, list) else []
            chosen = tuple(Choice(n, item) for n, item in enumerate(listed, 1))
        given = {d.split(DETAIL_SEPARATOR)[0] for d in current} if isinstance(current, list) else set()
        return tuple(Choice(c.number, c.label, c.label in given) for c in chosen)
    selected = set(current) if isinstance(current, list) else {current}
    labels = list(question.choices)
    if question.kind is Kind.MULTI_CHOICE and isinstance(current, list):
        labels += [item for item in current if item not in question.options]
    return tuple(Choice(n, label, label in selected) for n, label in enumerate(labels, 1))


def with_items_added(question: Question, current: Value, text: str) -> tuple[list[str], int]:
    """The items after adding those ``text`` lists (one a line), and how many were new."""
    items = list(current) if isinstance(current, list) else []
    new = [item for item in parse_items(question, text) if item not in items]
    if not new:
        raise Rejected("duplicate_item")
    if len(items) + len(new) > question.max_items:
        raise Rejected("too_many_items", max=question.max_items)
    return items + new, len(new)


def with_options_toggled(
    question: Question, current: Value, choices: tuple[Choice, ...], numbers: list[int]
) -> list[str]:
    """The chosen options after toggling options ``numbers`` of ``choices``."""
    items = list(current) if isinstance(current, list) else []
    for number in numbers:
        label = choices[number - 1].label
        if label in items:
            items.remove(label)
        else:
            items.append(label)
    if len(items) > question.max_items:
        raise Rejected("too_many_items", max=question.max_items)
    return items


def with_detail_added(
    question: Question, current: Value, choices: tuple[Choice, ...], text: str
) -> tuple[list[str], int]:
    """The details after adding the one ``text`` gives, and the number of the item it is for."""
    if not choices:
        raise Rejected("no_items_for_details")
    by_number = {c.number: c.label for c in choices}
    number, detail = parse_detail(question, text, tuple(by_number))
    item = by_number[number]
    kept = {d.split(DETAIL_SEPARATOR)[0]: d for d in current} if isinstance(current, list) else {}
    kept[item] = f"{item}{DETAIL_SEPARATOR}{detail}"
    # Stored in the order of the items they belong to, whatever order they were sent in.
    return [kept[c.label] for c in choices if c.label in kept], number


def items_after(
    definition: ReportType, question: Question, answers: Mapping[str, Value], text: str
) -> tuple[list[str], str, dict[str, int]]:
    """The items of a list, phrase bank or details question after the message ``text``.

    Returned with the key and parameters of the message that says what changed.
    """
    current = answers.get(question.id)
    if question.kind is Kind.DETAILS:
        choices = choices_for(definition, question, current, answers)
        details, number = with_detail_added(question, current, choices, text)
        return details, "engine.detail_added", {"number": number, "total": len(details)}
    if question.kind is Kind.MULTI_CHOICE:
        choices = choices_for(definition, question, current, answers)
        toggles = parse_toggles(text, len(choices))
        if toggles is not None:  # option numbers rather than the user's own phrases
            items = with_options_toggled(question, current, choices, toggles)
            return items, "engine.selected", {"total": len(items)}
    items, added = with_items_added(question, current, text)
    # A sentence of the user's own in a phrase bank is one more chosen item: said as a choice.
    key = "engine.own_added" if question.kind is Kind.MULTI_CHOICE else "engine.items_added"
    return items, key, {"added": added, "total": len(items)}
