"""What the chat shows of a section's printed text: the text (split under Telegram's limit) and
its buttons. Pure functions, like bot/telegram/views.py."""

from __future__ import annotations

from bot.interview.messages import Messages
from bot.service.sections import SectionView, view_text
from bot.telegram.client import Button, Keyboard
from bot.telegram.keys import encode
from bot.telegram.views import Reply, in_rows, short, split_text


def pieces(text: str, keyboard: Keyboard | None) -> list[Reply]:
    """``text`` in messages under Telegram's limit, the keyboard on the last."""
    parts = split_text(text)
    return [*(Reply(p) for p in parts[:-1]), Reply(parts[-1], keyboard)]


def view_replies(view: SectionView, messages: Messages, *, polish: bool, lead: str = "") -> list[Reply]:
    """The section as it will print, with 保留 / 改写 / 润色 (a model configured) / 恢复 (changed)."""
    text = view_text(view, messages)
    if lead:
        text = f"{lead}\n\n{text}"
    rid, n = view.report_id, view.number
    buttons: list[Button] = [
        (messages.text("section.button.keep"), encode("skp", rid, n)),
        (messages.text("section.button.rewrite"), encode("srw", rid, n)),
    ]
    if polish:
        buttons.append((messages.text("section.button.polish"), encode("spo", rid, n, 1)))
    if view.origin is not None:
        buttons.append((messages.text("section.button.restore"), encode("srs", rid, n)))
    return pieces(text, (tuple(buttons),))


def changed_reply(view: SectionView, messages: Messages) -> Reply:
    """An answer changed in a section whose text was replaced: keep the text, or regenerate."""
    origin = messages.text(f"section.origin_{view.origin or 'hand'}")
    text = messages.text(
        "section.answer_changed", number=view.number, title=view.section.title, origin=origin
    )
    rid, n = view.report_id, view.number
    keyboard = (
        (
            (messages.text("section.button.keep_own"), encode("sko", rid, n)),
            (messages.text("section.button.regenerate"), encode("srg", rid, n)),
        ),
    )
    return Reply(text, keyboard)


def sections_list_reply(numbered: list[tuple[int, str]], report_id: int, messages: Messages) -> Reply:
    """A button per section that prints a text of its own, to see it."""
    buttons = [
        (short(messages.text("section.button.show", number=n, title=title)), encode("sv", report_id, n))
        for n, title in numbered
    ]
    return Reply(messages.text("section.list_title"), in_rows(buttons, 2))


def polish_notice_reply(view: SectionView, host: str, attempt: int, messages: Messages) -> Reply:
    """Where polish sends the text, asked to confirm the first time."""
    text = messages.text("section.polish_notice", number=view.number, title=view.section.title, host=host)
    rid, n = view.report_id, view.number
    keyboard = (
        (
            (messages.text("section.button.confirm_polish"), encode("spk", rid, n, attempt)),
            (messages.text("section.button.cancel_polish"), encode("spx", rid, n)),
        ),
    )
    return Reply(text, keyboard)


def offer_replies(view: SectionView, candidate: str, messages: Messages) -> list[Reply]:
    """The polished text beside the current one, with 采用 / 不用."""
    offer = messages.text("section.polish_offer", number=view.number, title=view.section.title)
    current = messages.text("section.polish_current")
    text = f"{offer}\n\n{candidate}\n\n{current}\n{view.text}"
    rid, n = view.report_id, view.number
    keyboard = (
        (
            (messages.text("section.button.adopt"), encode("sad", rid, n)),
            (messages.text("section.button.drop"), encode("sdr", rid, n)),
        ),
    )
    return pieces(text, keyboard)


def rejected_reply(view: SectionView, reason: str, attempt: int, messages: Messages) -> Reply:
    """A polish the fact lock refused, with one retry offered after the first attempt."""
    text = messages.text("section.polish_rejected", reason=reason)
    if attempt > 1:
        return Reply(text)
    text = f"{text}\n{messages.text('section.polish_retry_hint')}"
    retry = messages.text("section.button.retry")
    return Reply(text, (((retry, encode("spo", view.report_id, view.number, 2)),),))
