"""Presses on a section's buttons: 保留, 改写, 润色, 恢复, 采用/不用, and the choice after an answer
changed in a rewritten section. Synchronous like every press handler: what a press stores and
the reply it is owed are recorded together."""

from __future__ import annotations

from collections.abc import Callable

from bot.service.reports import DraftInfo
from bot.service.sections import SectionUnavailable
from bot.telegram.buttons import REPORT_PRESSES, Press
from bot.telegram.outbox import Item, answer, clear, message
from bot.telegram.section_views import polish_notice_reply, view_replies
from bot.telegram.sending import messages_of


def _unavailable(p: Press, exc: SectionUnavailable) -> list[Item]:
    return [p.done, message(p.text(exc.key, **exc.params))]


def _show(p: Press, info: DraftInfo) -> list[Item]:
    """See a section's printed text."""
    try:
        view = p.state.drafts.view(p.owner, info.id, p.key.args[1])
    except SectionUnavailable as exc:
        return _unavailable(p, exc)
    return [p.done, *messages_of(view_replies(view, p.state.messages, polish=p.state.polisher is not None))]


def _keep(p: Press, info: DraftInfo) -> list[Item]:
    """保留: nothing changes."""
    return [answer(p.query_id, p.text("section.kept")), clear(p.pressed)]


def _rewrite(p: Press, info: DraftInfo) -> list[Item]:
    """改写: the next typed message is the section's text."""
    try:
        view = p.state.drafts.start_rewrite(p.owner, info.id, p.key.args[1])
    except SectionUnavailable as exc:
        return _unavailable(p, exc)
    return [
        p.done,
        message(p.text(view.key("section.rewrite_ask"), number=view.number, title=view.section.title)),
    ]


def _restore(p: Press, info: DraftInfo) -> list[Item]:
    """恢复 or 按新回答重新生成: back to the generated text."""
    number = p.key.args[1]
    try:
        view = p.state.drafts.view(p.owner, info.id, number)
        restored = p.state.drafts.restore(p.owner, info.id, number, update_id=p.update_id)
    except SectionUnavailable as exc:
        return _unavailable(p, exc)
    key = "section.restored" if restored else "section.not_changed"
    return [p.done, clear(p.pressed), message(p.text(key, number=number, title=view.section.title))]


def _keep_own(p: Press, info: DraftInfo) -> list[Item]:
    """保留我的文字 after an answer changed."""
    try:
        view = p.state.drafts.view(p.owner, info.id, p.key.args[1])
    except SectionUnavailable as exc:
        return _unavailable(p, exc)
    return [
        p.done,
        clear(p.pressed),
        message(p.text("section.kept_own", number=view.number, title=view.section.title)),
    ]


def _polish(p: Press, info: DraftInfo) -> list[Item]:
    """润色 (or 重试): the first time, say where the text goes and ask; then start the request."""
    polisher = p.state.polisher
    if polisher is None:
        return [answer(p.query_id, p.text("section.polish_off"))]
    number, attempt = p.key.args[1], min(max(p.key.args[2], 1), 2)
    try:
        view = p.state.drafts.view(p.owner, info.id, number)
    except SectionUnavailable as exc:
        return _unavailable(p, exc)
    confirmed = p.key.op == "spk"
    if confirmed:
        p.reports.store.set_polish_told(p.owner)
    elif not p.reports.store.polish_told(p.owner):
        reply = polish_notice_reply(view, polisher.llm.host, attempt, p.state.messages)
        return [p.done, message(reply.text, reply.keyboard)]
    working = p.text("section.polish_working", number=number, title=view.section.title)
    start: Item = {"polish": info.id, "section": number, "attempt": attempt}
    return [p.done, *([clear(p.pressed)] if confirmed or attempt > 1 else []), message(working), start]


def _decline(p: Press, info: DraftInfo) -> list[Item]:
    """The notice declined: nothing is sent."""
    return [p.done, clear(p.pressed), message(p.text("section.console_cancelled"))]


def _adopt(p: Press, info: DraftInfo) -> list[Item]:
    """采用: the polished text replaces the section's text."""
    number = p.key.args[1]
    polisher = p.state.polisher
    text = polisher.take(p.owner, info.id, number) if polisher is not None else None
    if text is None:
        return [p.done, clear(p.pressed), message(p.text("section.polish_gone"))]
    try:
        view = p.state.drafts.replace(p.owner, info.id, number, text, "polish", update_id=p.update_id)
    except SectionUnavailable as exc:
        return _unavailable(p, exc)
    adopted = p.text("section.polish_adopted", number=number, title=view.section.title)
    return [p.done, clear(p.pressed), message(adopted)]


def _drop(p: Press, info: DraftInfo) -> list[Item]:
    """不用: the polished text is forgotten, nothing changes."""
    number = p.key.args[1]
    if p.state.polisher is not None:
        p.state.polisher.take(p.owner, info.id, number)
    try:
        view = p.state.drafts.view(p.owner, info.id, number)
    except SectionUnavailable as exc:
        return _unavailable(p, exc)
    return [
        p.done,
        clear(p.pressed),
        message(p.text("section.polish_dropped", number=number, title=view.section.title)),
    ]


SECTION_PRESSES: dict[str, Callable[[Press, DraftInfo], list[Item]]] = {
    "sv": _show,
    "skp": _keep,
    "srw": _rewrite,
    "srs": _restore,
    "srg": _restore,
    "sko": _keep_own,
    "spo": _polish,
    "spk": _polish,
    "spx": _decline,
    "sad": _adopt,
    "sdr": _drop,
}


def register() -> None:
    """Add the section presses to the press handlers (called when the handlers are wired)."""
    REPORT_PRESSES.update(SECTION_PRESSES)
