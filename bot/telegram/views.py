"""What the Telegram front end shows: message texts and inline keyboards, built from engine steps.

Pure functions (no network): handlers send what these return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.interview.definition import ITEM_KINDS, Kind, has_content
from bot.interview.engine import Prompt, ReviewSection, SectionStatus, Step
from bot.interview.messages import Messages
from bot.interview.presenter import format_prompt, format_review, format_value
from bot.service.reports import DraftInfo
from bot.telegram.client import Button, Keyboard
from bot.telegram.keys import encode

MAX_MESSAGE = 4096
MAX_CAPTION = 1024  # a file's caption, counted as Telegram counts: in UTF-16 code units
BUTTON_CHARS = 28  # a button shows about this much on a phone before Telegram cuts it off


@dataclass(frozen=True)
class Reply:
    """One message to send: its text and, maybe, its inline keyboard."""

    text: str
    keyboard: Keyboard | None = None


def short(text: str, limit: int = BUTTON_CHARS) -> str:
    """Text cut to fit on a button."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Text in pieces of at most ``limit`` characters, split at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single over-long line is cut hard
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def utf16_length(text: str) -> int:
    """Length as Telegram counts it (a character outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def with_findings(caption: str, findings: str) -> tuple[str, str]:
    """A file's caption followed by the lint's findings when both fit Telegram's limit, and the
    findings left to send as a message of their own ("" when they are in the caption)."""
    joined = f"{caption}\n\n{findings}" if caption else findings
    if findings and utf16_length(joined) <= MAX_CAPTION:
        return joined, ""
    return caption, findings


def keyboard(rows: Iterable[Iterable[Button]]) -> Keyboard:
    """A keyboard from rows of (label, callback data) buttons."""
    return tuple(tuple(row) for row in rows)


def in_rows(buttons: list[Button], per_row: int) -> Keyboard:
    """Buttons laid out ``per_row`` to a row."""
    return tuple(tuple(buttons[n : n + per_row]) for n in range(0, len(buttons), per_row))


def prompt_keyboard(prompt: Prompt, report_id: int, position: int, messages: Messages) -> Keyboard | None:
    """Buttons for a question: its options, 完成, 沿用, 跳过, 上一题."""
    q = prompt.question
    rows: list[tuple[Button, ...]] = []
    choice_buttons: list[Button] = []
    # An offer that is one of the options marks that option rather than adding a second button.
    marked = None if prompt.answered or q.kind is Kind.MULTI_CHOICE else prompt.suggestion
    for choice in prompt.choices if q.kind is not Kind.DETAILS else ():
        label = choice.label
        if q.kind is Kind.MULTI_CHOICE:
            label = f"{'✓' if choice.selected else '  '} {choice.number}. {label}"
        elif label == marked:
            label = f"✓ {label}"
        choice_buttons.append((short(label), encode("ch", report_id, position, choice.number)))
    if choice_buttons:
        wide = q.kind is Kind.MULTI_CHOICE or any(len(c.label) > 8 for c in prompt.choices)
        rows += in_rows(choice_buttons, 1 if wide else 2)
    actions: list[Button] = []
    current = prompt.current
    if q.kind in ITEM_KINDS and isinstance(current, list) and len(current) >= max(1, q.min_items):
        actions.append((messages.text("telegram.button.done"), encode("fin", report_id, position)))
    elif q.kind not in ITEM_KINDS and has_content(current):
        actions.append((messages.text("telegram.button.accept_current"), encode("ok", report_id, position)))
    elif (
        prompt.suggestion is not None
        and not (q.kind in ITEM_KINDS and has_content(current))
        and not any(c.label == marked for c in prompt.choices)
    ):
        value = format_value(q, prompt.suggestion, messages)
        key = "telegram.button.accept_remembered" if prompt.remembered else "telegram.button.accept_offer"
        actions.append((short(messages.text(key, value=value)), encode("ok", report_id, position)))
    if q.optional:
        actions.append((messages.text("telegram.button.skip"), encode("sk", report_id, position)))
    if actions:
        rows.append(tuple(actions))
    if prompt.progress.section_number > 1 or prompt.progress.question_number > 1:
        rows.append(((messages.text("telegram.button.back"), encode("bk", report_id, position)),))
    return tuple(rows) if rows else None


def step_replies(
    step: Step, report_id: int, position: int | None, messages: Messages, lead: str = ""
) -> list[Reply]:
    """The messages for a step: ``lead`` and notice, review (split), then the question with its
    buttons; a lead shares the first message rather than take one of its own (one call fewer
    under Telegram's limit of messages a second)."""
    replies: list[Reply] = []
    head = "\n\n".join(t for t in (lead, step.notice) if t)
    if step.review:
        replies += review_replies(step.review, report_id, messages, lead=head)
        head = ""
    if step.prompt is not None and position is not None:
        numbered = step.prompt.question.kind is Kind.MULTI_CHOICE
        text = format_prompt(step.prompt, messages, numbered=numbered)
        if head:
            text = f"{head}\n\n{text}"
        keyboard = prompt_keyboard(step.prompt, report_id, position, messages)
        pieces = split_text(text)
        replies += [Reply(piece) for piece in pieces[:-1]]
        replies.append(Reply(pieces[-1], keyboard))
    elif head:
        replies.append(Reply(head))
    return replies


def review_replies(
    review: tuple[ReviewSection, ...], report_id: int, messages: Messages, lead: str = ""
) -> list[Reply]:
    """The review within Telegram's length limit, with a button per answer on the last piece."""
    text = format_review(review, messages)
    if lead:
        text = f"{lead}\n\n{text}"
    pieces = split_text(text)
    numbers = [item.number for section in review for item in section.items]
    buttons = [(messages.text("telegram.button.edit", number=n), encode("ed", report_id, n)) for n in numbers]
    replies = [Reply(piece) for piece in pieces]
    replies.append(Reply(messages.text("telegram.review_edit_hint"), in_rows(buttons, 6)))
    return replies


def types_reply(names: list[str], messages: Messages, lead: str = "") -> Reply:
    """Report types as buttons."""
    text = messages.text("telegram.choose_type")
    buttons = [[(name, encode("new", n))] for n, name in enumerate(names, 1)]
    return Reply(f"{lead}\n\n{text}" if lead else text, keyboard(buttons))


def drafts_reply(drafts: list[DraftInfo], messages: Messages, *, deletable: bool) -> Reply:
    """Drafts as buttons (type, period, progress), each with a delete button when asked."""
    if not drafts:
        return Reply(
            messages.text("telegram.no_drafts"),
            keyboard([[(messages.text("telegram.button.new"), encode("new", 0))]]),
        )
    rows: list[list[Button]] = []
    for info in drafts:
        label = messages.text(
            "telegram.button.resume",
            name=info.type_name,
            period=info.period,
            answered=info.answered,
            total=info.total,
        )
        row = [(short(label, 40), encode("res", info.id))]
        if deletable:
            row.append((messages.text("telegram.button.delete"), encode("del", info.id)))
        rows.append(row)
    rows.append([(messages.text("telegram.button.new"), encode("new", 0))])
    return Reply(messages.text("telegram.drafts_title"), keyboard(rows))


def delete_reply(info: DraftInfo, messages: Messages) -> Reply:
    """Asks to confirm a deletion."""
    return Reply(
        messages.text("telegram.delete_ask", name=info.type_name, period=info.period),
        keyboard(
            [
                [
                    (
                        messages.text("telegram.button.confirm_delete"),
                        encode("delok", info.id),
                    ),
                    (messages.text("telegram.button.keep_report"), encode("delno", info.id)),
                ]
            ]
        ),
    )


def sections_reply(statuses: list[SectionStatus], report_id: int, messages: Messages) -> Reply:
    """Sections as buttons with their progress."""
    rows = [
        [
            (
                short(
                    messages.text(
                        "telegram.section_button",
                        number=s.number,
                        title=s.section.title,
                        answered=s.answered,
                        total=s.total,
                    ),
                    40,
                ),
                encode("sec", report_id, s.number),
            )
        ]
        for s in statuses
    ]
    return Reply(messages.text("telegram.sections_title"), keyboard(rows))
