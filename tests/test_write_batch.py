"""The write batch: steps of users in flight share one commit, and no reply gets ahead of the disk."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from telegram.request import RequestData

from bot.service.reports import Templates
from storage import AlreadyApplied, ReportNotFound, Store
from tests.support.fakes import RecordingRequest
from tests.support.interviews import full_script
from tests.support.stores import CURSOR, batched, commit_refused, committed_answers
from tests.support.telegram_app import Bot, make_bot


def two_reports(tmp_path: Path, kept: int = 10) -> tuple[Store, int, int]:
    """A store keeping up to ``kept`` reports in memory, with a report of "a" and one of "b"."""
    store = Store.open(tmp_path / "g.db")
    store.keep_recent(kept)
    return store, store.create_report("a", "t", CURSOR), store.create_report("b", "t", CURSOR)


def test_batched_steps_are_stored_together_on_commit(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "g.db")
    first = store.create_report("a", "t", CURSOR)
    second = store.create_report("b", "t", CURSOR)
    batched(store)
    store.save_step("a", first, {"q": "甲"}, CURSOR, update_id=1)
    store.save_step("b", second, {"q": "乙"}, CURSOR, update_id=2)
    assert store.batch.uncommitted and store.batch.steps == 2
    assert committed_answers(tmp_path / "g.db", "a") == {}  # not on disk yet
    assert store.load_report("a", first).answers == {"q": "甲"}  # the bot itself reads its writes
    store.batch.commit()
    assert not store.batch.uncommitted
    assert committed_answers(tmp_path / "g.db", "a") == {"q": '"甲"'}
    assert committed_answers(tmp_path / "g.db", "b") == {"q": '"乙"'}
    store.close()


def test_a_failing_step_is_undone_alone(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "g.db")
    rid = store.create_report("a", "t", CURSOR)
    batched(store)
    store.save_step("a", rid, {"q": "甲"}, CURSOR, update_id=1)
    with pytest.raises(AlreadyApplied):
        store.save_step("a", rid, {"q": "重复", "r": "不该保存"}, {"question": "r"}, update_id=1)
    store.batch.commit()
    report = store.load_report("a", rid)
    assert report.answers == {"q": "甲"} and report.cursor == CURSOR
    store.close()


@pytest.mark.parametrize("kept", [0, 10], ids=["nothing-kept", "users-kept"])
def test_batched_steps_after_a_refused_one_are_stored(tmp_path: Path, kept: int) -> None:
    store, rid, other = two_reports(tmp_path, kept)
    assert store.applied(5) is False
    batched(store)
    store.save_step("a", rid, {"q": "甲"}, CURSOR, update_id=5)
    with pytest.raises(AlreadyApplied):
        store.save_step("a", rid, {"q": "重复"}, {"question": "r"}, update_id=5)
    with pytest.raises(ReportNotFound):
        store.save_step("a", other, {"q": "别人的"}, CURSOR, update_id=6)  # b's report
    store.save_step("b", other, {"q": "乙"}, {"question": "r"}, status="complete", update_id=7)
    store.record_applied(8)
    store.batch.commit()
    assert committed_answers(tmp_path / "g.db", "a") == {"q": '"甲"'}
    assert committed_answers(tmp_path / "g.db", "b") == {"q": '"乙"'}
    with sqlite3.connect(tmp_path / "g.db") as disk:
        assert disk.execute("SELECT status, cursor FROM reports WHERE id = ?", [other]).fetchone() == (
            "complete",
            '{"question":"r"}',
        )
        assert [u for (u,) in disk.execute("SELECT update_id FROM processed_updates")] == [5, 7, 8]
    store.close()


def test_a_batch_that_cannot_be_written_is_not_stored_at_all(tmp_path: Path) -> None:
    store, rid, other = two_reports(tmp_path)
    assert store.applied(1) is False
    batched(store)
    store.save_step("a", rid, {"q": "甲"}, CURSOR, update_id=1)  # in the batch
    store.update_profile("a", {"unit": "某单位"})  # written at once, into the batch's transaction
    store.save_step("b", other, {"q": "乙"}, CURSOR, update_id=2)
    with commit_refused(store), pytest.raises(sqlite3.OperationalError):
        store.batch.commit()
    assert committed_answers(tmp_path / "g.db", "a") == {}
    assert committed_answers(tmp_path / "g.db", "b") == {}
    assert store.profile("a") == {} and store.load_report("b", other).answers == {}
    assert store.applied(1) is False and store.applied(2) is False
    store.save_step("b", other, {"q": "乙"}, CURSOR, update_id=2)  # and the store goes on
    store.batch.commit()
    assert committed_answers(tmp_path / "g.db", "b") == {"q": '"乙"'}
    store.close()


@pytest.mark.parametrize("kept", [0, 10], ids=["nothing-kept", "users-kept"])
def test_a_batch_sqlite_gave_up_fails_as_a_whole(tmp_path: Path, kept: int) -> None:
    store, rid, other = two_reports(tmp_path, kept)
    batched(store)
    store.save_step("a", rid, {"q": "甲"}, CURSOR)
    store.update_profile("a", {"unit": "某单位"})  # into the batch's transaction, with a's step
    store.db.conn.execute("ROLLBACK")  # what SQLite does on some I/O errors or a full disk
    store.save_step("b", other, {"q": "乙"}, CURSOR)
    with pytest.raises(sqlite3.OperationalError):
        store.batch.commit()  # "a" was lost, so the batch must not report success
    assert committed_answers(tmp_path / "g.db", "a") == {}
    assert committed_answers(tmp_path / "g.db", "b") == {}
    store.save_step("b", other, {"q": "乙"}, CURSOR)  # and the store goes on
    store.batch.commit()
    assert committed_answers(tmp_path / "g.db", "b") == {"q": '"乙"'}
    store.close()


class DiskProbe(RecordingRequest):
    """Records, for each message sent, how many answers of that chat another connection sees."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.seen_on_disk: list[tuple[int, str, int]] = []  # chat, text, answers committed

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage") and request_data is not None:
            chat_id = int(str(request_data.parameters["chat_id"]))
            committed = committed_answers(self.path, f"tg:{chat_id}")
            self.seen_on_disk.append((chat_id, str(request_data.parameters["text"]), len(committed)))
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def started(bot: Bot, users: range) -> list[Any]:
    chats = [bot.chat(uid) for uid in users]
    for chat in chats:
        await chat.send("/new")
        await chat.press("理论学习中心组")
    return chats


async def test_users_in_flight_share_commits_and_replies_follow_the_disk(
    tmp_path: Path, templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = DiskProbe(tmp_path / "tg.db")
    bot = await make_bot(tmp_path, templates, request=probe)
    store = bot.reports.store
    commits: list[int] = []
    commit = store.batch.commit

    def counted_commit() -> None:
        commits.append(1)
        commit()

    monkeypatch.setattr(store.batch, "commit", counted_commit)
    try:
        chats = await started(bot, range(100, 108))
        lines = full_script(templates.interview("study_speech"))[:3]
        for answered, line in enumerate(lines, 1):
            probe.seen_on_disk.clear()
            before = len(commits)
            await asyncio.gather(*(chat.deliver(chat.message_update(line)) for chat in chats))
            replies = {chat_id: n for chat_id, _, n in probe.seen_on_disk}
            # Every user got the next question, and only once their answer was on disk.
            assert replies == {uid: answered for uid in range(100, 108)}
            assert len(commits) - before < len(chats)  # fewer syncs than answers
        for uid in range(100, 108):
            [report] = store.list_reports(f"tg:{uid}")
            assert [report.answers[q] for q in ("meeting_name", "speaker_name", "speaker_title")] == lines
    finally:
        await bot.app.shutdown()
        store.close()


async def test_a_failed_batch_commit_tells_every_user_in_it(
    tmp_path: Path, templates: Templates, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    probe = DiskProbe(tmp_path / "tg.db")
    bot = await make_bot(tmp_path, templates, request=probe)
    store = bot.reports.store
    commit = store.batch.commit
    failures = [1]

    def failing_once() -> None:
        if failures:
            failures.pop()
            with commit_refused(store):  # the batch's writes fail for real
                commit()
        else:
            commit()

    try:
        chats = await started(bot, range(200, 205))
        monkeypatch.setattr(store.batch, "commit", failing_once)
        probe.seen_on_disk.clear()
        with caplog.at_level(logging.ERROR):
            await asyncio.gather(*(chat.deliver(chat.message_update("学习会")) for chat in chats))
        told = {chat_id: text for chat_id, text, _ in probe.seen_on_disk}
        assert set(told) == set(range(200, 205))
        assert all("服务器存储出错，这条消息没有保存" in text for text in told.values())
        assert "could not commit write batch" in caplog.text
        assert all(committed_answers(tmp_path / "tg.db", f"tg:{uid}") == {} for uid in range(200, 205))
        assert all(store.list_reports(f"tg:{uid}")[0].answers == {} for uid in range(200, 205))
        probe.seen_on_disk.clear()
        await asyncio.gather(*(chat.deliver(chat.message_update("学习会")) for chat in chats))
        assert {chat_id: n for chat_id, _, n in probe.seen_on_disk} == {uid: 1 for uid in range(200, 205)}
    finally:
        await bot.app.shutdown()
        store.close()
