"""Which questions apply to a set of answers: those whose conditions hold, in order.

A question whose condition fails is not asked, and its answer (kept in case the condition holds
again) belongs neither in the progress nor in the report.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.interview.definition import Question, ReportType, Value


def applicable_questions(definition: ReportType, answers: Mapping[str, Value]) -> list[Question]:
    """The questions that apply to ``answers``, in order."""
    return list(partition_applicable(definition, answers)[0])


def applicable_answers(definition: ReportType, answers: Mapping[str, Value]) -> dict[str, Value]:
    """The answers that belong in the report: those to the questions that apply."""
    return {q.id: answers[q.id] for q in partition_applicable(definition, answers)[0] if q.id in answers}


def partition_applicable(
    definition: ReportType, answers: Mapping[str, Value]
) -> tuple[tuple[Question, ...], tuple[str, ...]]:
    """The questions that apply, in order, and the ids of those that do not."""
    if not definition.conditional:
        return definition.questions, ()
    # A condition looks only at answers to questions that apply themselves.
    heeded: dict[str, Value] = {}
    applicable = []
    not_applicable = []
    for q in definition.questions:
        if q.when is None or q.when.holds(heeded):
            applicable.append(q)
            if q.id in answers:
                heeded[q.id] = answers[q.id]
        else:
            not_applicable.append(q.id)
    return tuple(applicable), tuple(not_applicable)
