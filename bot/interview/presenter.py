"""Plain-text rendering of prompts, reviews and values, shared by the chat front ends."""

from __future__ import annotations

from bot.interview.definition import DETAIL_SEPARATOR, Kind, Question, Value
from bot.interview.engine import Prompt, ReviewSection, Step
from bot.interview.figures import UNKNOWN, is_figure, print_figure
from bot.interview.messages import Messages
from bot.interview.numerals import cn_date


def format_value(question: Question, value: Value, messages: Messages) -> str:
    """A stored answer as a user reads it."""
    if value is None:
        return messages.text("review.skipped")
    if isinstance(value, list):
        if question.kind is Kind.DETAILS:
            value = ["——".join(v.split(DETAIL_SEPARATOR, 1)) for v in value]
        return messages.text("value.list_separator").join(value)
    if question.kind is Kind.INTEGER and is_figure(value) and value != UNKNOWN:
        return print_figure(value, question.unit)
    if question.kind is Kind.YEAR:
        return f"{value}年"
    if question.kind is Kind.DATE and isinstance(value, str):
        return cn_date(value)
    return str(value)


def format_prompt(prompt: Prompt, messages: Messages, *, numbered: bool = True) -> str:
    """The question with its progress, example, current answer and options."""
    q, p = prompt.question, prompt.progress
    added = ""
    if p.added:
        added = messages.text("prompt.added_one" if p.added == 1 else "prompt.added_many", count=p.added)
    lines = [
        messages.text(
            "prompt.header" if p.settled else "prompt.header_open",
            section=p.section_number,
            sections=p.section_count,
            question=p.question_number,
            questions=p.question_count,
            added=added,
            title=prompt.section.title,
        ),
    ]
    if p.question_number == 1 and prompt.section.intro:
        lines.append(prompt.section.intro)
    lines.append(q.prompt)
    if q.example:
        lines.append(messages.text("prompt.example", example=q.example))
    if q.optional:
        lines.append(messages.text("prompt.optional"))
    if q.kind is Kind.LIST:
        lines.append(messages.text("prompt.list_hint"))
        if isinstance(prompt.current, list) and prompt.current:
            lines.append(messages.text("prompt.list_items", count=len(prompt.current)))
            lines += [f"  {n}. {item}" for n, item in enumerate(prompt.current, 1)]
    elif q.kind is Kind.MULTI_CHOICE:
        lines.append(messages.text("prompt.multi_hint"))
    elif q.kind is Kind.DETAILS:
        lines.append(messages.text("prompt.details_hint"))
        current = prompt.current if isinstance(prompt.current, list) else []
        given = dict(v.split(DETAIL_SEPARATOR, 1) for v in current)
        for choice in prompt.choices:
            lines.append(f"  {choice.number}. {choice.label}")
            if choice.label in given:
                lines.append(f"     {messages.text('prompt.details_given')}{given[choice.label]}")
    elif prompt.answered:
        if prompt.current is None:
            lines.append(messages.text("prompt.skipped"))
        else:
            lines.append(messages.text("prompt.current", value=format_value(q, prompt.current, messages)))
            lines.append(messages.text("prompt.keep"))
    if (
        not prompt.answered
        and prompt.suggestion is not None
        and q.kind not in (Kind.MULTI_CHOICE, Kind.DETAILS)
    ):
        lines.append(suggestion_line(prompt, messages))
    if prompt.choices and numbered and q.kind is not Kind.DETAILS:
        if q.kind is not Kind.MULTI_CHOICE:
            lines.append(messages.text("prompt.choose"))
        for choice in prompt.choices:
            if q.kind is Kind.MULTI_CHOICE:
                mark = messages.text("prompt.selected_mark" if choice.selected else "prompt.unselected_mark")
                lines.append(f"  [{mark}] {choice.number}. {choice.label}")
            else:
                lines.append(f"  {choice.number}. {choice.label}")
        if q.kind is Kind.MULTI_CHOICE and prompt.suggestion is not None and not prompt.answered:
            lines.append(suggestion_line(prompt, messages))
    return "\n".join(lines)


def suggestion_line(prompt: Prompt, messages: Messages) -> str:
    """The offered answer: the user's own earlier answer (沿用上次) or a default (建议)."""
    key = "prompt.remembered" if prompt.remembered else "prompt.suggestion"
    return messages.text(key, value=format_value(prompt.question, prompt.suggestion, messages))


def format_review(review: tuple[ReviewSection, ...], messages: Messages) -> str:
    """All answers by section, each with the number to edit it by."""
    lines = [messages.text("review.title")]
    missing = []
    for section in review:
        lines.append(messages.text("review.section", number=section.number, title=section.section.title))
        for item in section.items:
            if item.missing:
                shown = messages.text("review.missing")
                missing.append(item.question.label)
            elif not item.answered:
                shown = ""
            else:
                shown = format_value(item.question, item.value, messages)
            lines.append(f"  [{item.number}] {item.question.label}：{shown}")
    if missing:
        lines.append(messages.text("review.incomplete", count=len(missing), labels="、".join(missing)))
    else:
        lines.append(messages.text("review.complete"))
    return "\n".join(lines)


def format_step(step: Step, messages: Messages, *, numbered: bool = True) -> str:
    """Everything a step has to say, in the order a reader needs it."""
    parts = []
    if step.notice:
        parts.append(step.notice)
    if step.review:
        parts.append(format_review(step.review, messages))
    if step.prompt is not None:
        parts.append(format_prompt(step.prompt, messages, numbered=numbered))
    return "\n\n".join(parts)
