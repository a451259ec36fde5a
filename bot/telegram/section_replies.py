"""The section texts' part of ordinary replies: a section's text after its last answer, the
question after an answer changed in a rewritten section, the new text a user typed, the
sections listed under /review."""

from __future__ import annotations

from bot.interview.engine import Step
from bot.service.sections import SectionUnavailable
from bot.telegram.context import BotState
from bot.telegram.outbox import Item, message
from bot.telegram.section_views import changed_reply, sections_list_reply, view_replies
from bot.telegram.sending import messages_of
from bot.telegram.views import Reply
from storage import Report, ReportNotFound


def after_step_items(state: BotState, owner: str, before: Report, operation: str, step: Step) -> list[Item]:
    """What to say about sections after a step, before the step's own reply."""
    state.drafts.moved_on(owner)
    completed, touched = state.drafts.after_step(before, operation, step)
    replies: list[Reply] = []
    for number in touched:
        replies.append(changed_reply(state.drafts.view(owner, before.id, number), state.messages))
    if completed is not None:
        try:
            view = state.drafts.view(owner, before.id, completed)
        except SectionUnavailable:
            view = None  # a section printing no text of its own (the basic facts)
        if view is not None:
            lead = state.messages.text(view.key("section.done_hint"), title=view.section.title)
            replies += view_replies(view, state.messages, polish=state.polisher is not None, lead=lead)
    return messages_of(replies)


def followed_by(followups: list[Item], items: list[Item]) -> list[Item]:
    """``followups`` before a step's ``items``, but after the clearing of the last question's
    buttons that a finished report's items start with (it would clear the section's own)."""
    if items and items[0].get("clear", False) is None and "text" not in items[0]:
        return [items[0], *followups, *items[1:]]
    return [*followups, *items]


def rewritten_items(
    state: BotState, owner: str, target: tuple[int, int], text: str, update_id: int
) -> list[Item]:
    """Store a section's new text typed by the user; what to reply (a refusal keeps them rewriting)."""
    report_id, number = target
    try:
        view = state.drafts.replace(owner, report_id, number, text, "hand", update_id=update_id)
    except ReportNotFound:
        state.drafts.end_rewrite(owner)  # the report was deleted meanwhile
        return [message(state.messages.text("section.rewrite_cancelled"))]
    except SectionUnavailable as exc:
        if exc.key in ("section.rewrite_empty", "section.rewrite_too_long"):
            return [message(state.messages.text(exc.key, **exc.params))]
        state.drafts.end_rewrite(owner)
        return [message(state.messages.text(exc.key, **exc.params))]
    saved = state.messages.text("section.rewritten", number=number, title=view.section.title)
    return [
        message(saved),
        *messages_of(view_replies(view, state.messages, polish=state.polisher is not None)),
    ]


def sections_list_items(state: BotState, owner: str, report_id: int) -> list[Item]:
    """Under /review: a button per section that prints a text of its own."""
    numbered = [(n, s.title) for n, s in state.drafts.numbers_with_text(owner, report_id)]
    if not numbered:
        return []
    return messages_of([sections_list_reply(numbered, report_id, state.messages)])
