"""Every stored answer gets its reply: the reply is owed in the answer's transaction and sent
until Telegram accepts it — after an outage, at start-up, and when the update comes again."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from telegram.error import NetworkError
from telegram.request import RequestData

import bot.telegram.outbox
from bot.service.reports import Templates
from storage import ReplyAfterStep, Store
from tests.support.fakes import Call, RecordingRequest, texts
from tests.support.stores import committed_answers
from tests.support.telegram_app import Bot, make_bot

CURSOR = {"question": "b"}


def owed_on_disk(path: Path) -> dict[int, Any]:
    """Replies owed per update id, as another connection (or the disk after a crash) sees them."""
    with sqlite3.connect(path) as other:
        rows = other.execute("SELECT update_id, owed FROM processed_updates WHERE owed IS NOT NULL")
        return {int(u): json.loads(o) for u, o in rows}


def answers_on_disk(path: Path, owner: str) -> dict[str, Any]:
    return {q: json.loads(v) for q, v in committed_answers(path, owner).items()}


class Outage(RecordingRequest):
    """Telegram answers nothing but getMe while ``down``; records, per message sent, what was
    owed on disk at that moment."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.down = False
        self.owed_when_sent: list[tuple[str, list[str]]] = []  # text sent, texts owed on disk then

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if self.down and not url.endswith("/getMe"):
            raise NetworkError("Telegram is unreachable")
        if url.endswith("/sendMessage") and request_data is not None:
            owed = [i.get("text", "") for items in owed_on_disk(self.path).values() for i in items]
            self.owed_when_sent.append((str(request_data.parameters["text"]), owed))
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def wait_for_call(
    request: RecordingRequest, found: Callable[[Call], bool], timeout: float = 20
) -> Call:
    """The first recorded call that ``found`` accepts, waiting for it up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for call in request.calls:
            if found(call):
                return call
        await asyncio.sleep(0.01)
    raise AssertionError(f"no such call within {timeout} s; calls: {[c.method for c in request.calls[-8:]]}")


def sends(request: RecordingRequest, text: str) -> list[Call]:
    return [c for c in request.calls if c.method == "sendMessage" and text in str(c.params.get("text"))]


@pytest.fixture
def one_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give up on a call at once (the retries within one call are tested by their wait, 1.5 s)."""
    monkeypatch.setattr(bot.telegram.outbox, "ATTEMPTS", 1)


async def started(tmp_path: Path, templates: Templates, user: int) -> tuple[Bot, Outage]:
    request = Outage(tmp_path / "tg.db")
    b = await make_bot(tmp_path, templates, request=request)
    chat = b.chat(user)
    await chat.send("/new")
    await chat.press("理论学习中心组")
    return b, request


async def test_each_reply_is_on_disk_with_its_answer_before_it_is_sent(
    tmp_path: Path, templates: Templates
) -> None:
    b, request = await started(tmp_path, templates, 301)
    try:
        request.owed_when_sent.clear()
        calls = await b.chat(301).send("学习贯彻专题研讨会")
        question = texts(calls)
        assert "主讲人" in question or "发言人" in question
        # When the next question went out, it was owed on disk: a crash before it would not lose it.
        assert request.owed_when_sent and all(text in owed for text, owed in request.owed_when_sent)
        assert answers_on_disk(tmp_path / "tg.db", "tg:301") == {"meeting_name": "学习贯彻专题研讨会"}
    finally:
        await b.close()


async def test_an_outage_longer_than_the_retries_leaves_the_reply_owed_then_sends_it(
    tmp_path: Path, templates: Templates, one_attempt: None
) -> None:
    b, request = await started(tmp_path, templates, 302)
    try:
        request.down = True
        await b.chat(302).send("学习贯彻专题研讨会")
        assert answers_on_disk(tmp_path / "tg.db", "tg:302") == {"meeting_name": "学习贯彻专题研讨会"}
        [owed] = owed_on_disk(tmp_path / "tg.db").values()
        assert any("【第1/" in i.get("text", "") and "· 第2题" in i.get("text", "") for i in owed)
        request.down = False  # Telegram is back: the reply goes without the user doing anything
        await wait_for_call(request, lambda c: c.method == "sendMessage" and "【第" in str(c.params["text"]))
        deadline = time.monotonic() + 10
        while owed_on_disk(tmp_path / "tg.db") and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert owed_on_disk(tmp_path / "tg.db") == {}  # noted as sent, within about a second
    finally:
        await b.close()


async def test_the_same_update_delivered_again_gets_its_owed_reply_once_and_changes_nothing(
    tmp_path: Path, templates: Templates, one_attempt: None
) -> None:
    b, request = await started(tmp_path, templates, 303)
    chat = b.chat(303)
    try:
        update = chat.message_update("学习贯彻专题研讨会")
        request.down = True
        await chat.deliver(update)
        before = b.reports.store.list_reports("tg:303")[0]
        request.down = False
        seen = len(request.calls)
        await chat.deliver(update)  # Telegram delivers it again: the reply, not silence
        replies = [c for c in request.calls[seen:] if c.method == "sendMessage"]
        assert replies and "【第" in texts(replies)
        after = b.reports.store.list_reports("tg:303")[0]
        assert after.answers == before.answers and after.cursor == before.cursor
        await chat.deliver(update)  # a third delivery: already answered, so nothing more
        question = str(replies[-1].params["text"])
        assert len(sends(request, question)) == 1
    finally:
        await b.close()


async def test_replies_owed_when_the_process_ended_are_sent_at_start_up(
    tmp_path: Path, templates: Templates, one_attempt: None
) -> None:
    b, request = await started(tmp_path, templates, 304)
    request.down = True
    await b.chat(304).send("学习贯彻专题研讨会")
    await b.close()  # ends with the reply still owed, as a crash between commit and reply does
    assert len(owed_on_disk(tmp_path / "tg.db")) == 1
    again = await make_bot(tmp_path, templates)
    try:
        call = await wait_for_call(again.request, lambda c: c.method == "sendMessage")
        assert int(call.params["chat_id"]) == 304 and "【第" in str(call.params["text"])
        # The user's next message follows on from there: nothing was lost or applied twice.
        await again.chat(304).send("张三")
        [report] = again.reports.store.list_reports("tg:304")
        assert report.answers["meeting_name"] == "学习贯彻专题研讨会"
        assert list(report.answers.values()).count("张三") == 1
    finally:
        await again.close()


async def test_a_users_older_owed_reply_goes_before_the_reply_to_their_new_message(
    tmp_path: Path, templates: Templates, one_attempt: None
) -> None:
    b, request = await started(tmp_path, templates, 305)
    chat = b.chat(305)
    try:
        request.down = True
        await chat.send("学习贯彻专题研讨会")
        request.down = False
        seen = len(request.calls)
        await chat.send("张三")
        sent = [str(c.params["text"]) for c in request.calls[seen:] if c.method == "sendMessage"]
        first_question = next(i for i, t in enumerate(sent) if "【第" in t)
        assert "· 第2题" in sent[first_question] and any("· 第3/" in t for t in sent[first_question + 1 :])
    finally:
        await b.close()


def test_a_reply_recorded_after_its_step_was_committed_is_refused(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "g.db")
    store.keep_recent(10)
    report = store.create_report("a", "t", CURSOR)
    store.batch.start()
    store.save_step("a", report, {"q": "甲"}, CURSOR, update_id=7)
    store.owe(7, 1, [{"text": "下一题"}])  # in the step's batch: one transaction
    store.batch.commit()
    assert owed_on_disk(tmp_path / "g.db") == {7: [{"text": "下一题"}]}
    store.save_step("a", report, {"q": "乙"}, CURSOR, update_id=8)
    store.batch.commit()
    with pytest.raises(ReplyAfterStep):
        store.owe(8, 1, [{"text": "下一题"}])  # a crash before this would have lost the reply
    store.delivered(7)
    store.batch.commit_soon()
    store.batch.commit()
    assert owed_on_disk(tmp_path / "g.db") == {}
    store.close()


async def test_a_reply_that_cannot_be_made_is_apologised_for_and_holds_nothing_back(
    tmp_path: Path, templates: Templates, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    b, _ = await started(tmp_path, templates, 306)
    chat = b.chat(306)
    try:
        outbox = b.app.bot_data["reportbot"].outbox

        async def broken(*args: Any) -> Any:
            raise RuntimeError("composer on fire")

        monkeypatch.setattr(outbox, "docx", broken)
        with caplog.at_level(logging.ERROR):
            calls = await chat.send("/preview")
        assert "抱歉，处理这条消息时出了问题" in texts(calls)
        assert "composer on fire" in caplog.text
        assert b.reports.store.all_owed() == []  # nothing stuck to be tried again and again
        calls = await chat.send("学习贯彻专题研讨会")
        assert "【第" in texts(calls)
    finally:
        await b.close()


async def test_after_a_restart_the_chats_live_buttons_are_still_cleared(
    tmp_path: Path, templates: Templates
) -> None:
    b, request = await started(tmp_path, templates, 307)
    with_buttons = [c for c in request.calls if c.method == "sendMessage" and c.params.get("reply_markup")]
    live = with_buttons[-1].message_id
    await b.close()
    again = await make_bot(tmp_path, templates)  # a new process: a new store on the same file
    try:
        calls = await again.chat(307).send("/cancel")
        cleared = [c for c in calls if c.method == "editMessageReplyMarkup"]
        assert [int(c.params["message_id"]) for c in cleared] == [live]
    finally:
        await again.close()
