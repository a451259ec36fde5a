"""What the bot keeps in memory while it is the one writer: it always matches what is stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage import AlreadyApplied, ReportNotFound, Store
from storage.recent import PER_USER
from tests.support.stores import CURSOR, batched, commit_refused


def kept_store(tmp_path: Path) -> Store:
    """The test database, opened by a store that keeps up to 10 reports in memory."""
    store = Store.open(tmp_path / "g.db")
    store.keep_recent(10)
    return store


def test_recent_reports_follow_every_write_of_their_one_writer(tmp_path: Path) -> None:
    store = kept_store(tmp_path)
    rid = store.create_report("a", "t", CURSOR)
    store.save_step("a", rid, {"q": "甲"}, {"question": "r"}, status="complete")
    report = store.load_report("a", rid)
    assert (report.answers, report.cursor, report.status) == ({"q": "甲"}, {"question": "r"}, "complete")
    with pytest.raises(ReportNotFound):
        store.load_report("b", rid)  # another user's id is refused from memory too
    with pytest.raises(AlreadyApplied):
        store.save_step("a", rid, {"q": "乙"}, CURSOR, update_id=7)
        store.save_step("a", rid, {"q": "丙"}, CURSOR, update_id=7)
    assert store.load_report("a", rid).answers == {"q": "乙"}  # the refused step left no trace
    store.delete_report("a", rid)
    with pytest.raises(ReportNotFound):
        store.load_report("a", rid)
    store.close()


def test_recent_reports_forget_a_failed_batch(tmp_path: Path) -> None:
    store = kept_store(tmp_path)
    rid = store.create_report("a", "t", CURSOR)
    batched(store)
    store.save_step("a", rid, {"q": "甲"}, CURSOR)
    assert store.load_report("a", rid).answers == {"q": "甲"}
    with commit_refused(store), pytest.raises(sqlite3.OperationalError):
        store.batch.commit()
    assert store.load_report("a", rid).answers == {}  # as stored, not as it was about to be
    store.close()


def test_without_keeping_reports_another_writer_is_seen(tmp_path: Path) -> None:
    reader, writer = Store.open(tmp_path / "g.db"), Store.open(tmp_path / "g.db")
    rid = writer.create_report("a", "t", CURSOR)
    assert reader.load_report("a", rid).answers == {}
    writer.save_step("a", rid, {"q": "甲"}, CURSOR)
    assert reader.load_report("a", rid).answers == {"q": "甲"}
    reader.close()
    writer.close()


def test_kept_active_reports_follow_every_change(tmp_path: Path) -> None:
    store = kept_store(tmp_path)
    first = store.create_report("a", "t", CURSOR, activate=True)
    assert store.active_report("a") == first
    second = store.create_report("a", "t", CURSOR)
    assert store.active_report("a") == first  # not activated
    store.set_active_report("a", second)
    assert store.active_report("a") == second
    store.delete_report("a", second)
    assert store.active_report("a") is None  # a deleted report is no one's active report
    batched(store)
    store.set_active_report("a", first)
    store.db.conn.execute("ROLLBACK")  # what SQLite does on some I/O errors or a full disk
    with pytest.raises(sqlite3.OperationalError):
        store.batch.commit()
    assert store.active_report("a") is None  # as stored
    store.close()


@pytest.mark.parametrize("batch", [False, True], ids=["one-commit-a-step", "batched"])
def test_carried_over_answers_match_the_database_after_every_change(tmp_path: Path, batch: bool) -> None:
    kept, plain = kept_store(tmp_path), Store.open(tmp_path / "g.db")
    old = kept.create_report("a", "t", CURSOR)
    new = kept.create_report("a", "t", CURSOR)
    other_type = kept.create_report("a", "u", CURSOR)
    if batch:
        batched(kept)  # steps wait for the commit (the plain store sees them after it)

    def same() -> None:
        kept.batch.commit()
        for q in ("q", "r"):
            for exclude in (old, new, other_type):
                for type_id in ("t", "u"):
                    expected = plain.previous_answers("a", type_id, exclude=exclude).get(q)
                    assert kept.previous_answers("a", type_id, exclude=exclude).get(q) == expected

    same()
    kept.save_step("a", old, {"q": "旧"}, CURSOR)
    same()
    kept.save_step("a", other_type, {"q": "别的类型"}, CURSOR)
    same()
    kept.save_step("a", new, {"q": "新", "r": "乙"}, CURSOR)  # newer, but a draft
    same()
    kept.save_step("a", old, {"r": None}, CURSOR, status="complete")  # complete ones come first
    same()
    kept.delete_report("a", old)
    same()
    assert kept.previous_answers("b", "t", exclude=new).get("q") is None  # nobody else's
    kept.close()
    plain.close()


def test_update_ids_above_every_stored_one_are_new(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "g.db")
    rid = store.create_report("a", "t", CURSOR)
    store.save_step("a", rid, {"q": "甲"}, CURSOR, update_id=50)
    store.record_applied(40)
    store.close()
    store = kept_store(tmp_path)
    assert store.applied(50) and store.applied(40)
    assert not store.applied(45) and not store.applied(51)
    store.record_applied(60)
    store.save_step("a", rid, {"q": "乙"}, CURSOR, update_id=55)
    assert store.applied(60) and store.applied(55) and not store.applied(61)
    store.close()


def test_reads_from_the_database_see_steps_waiting_for_the_commit(tmp_path: Path) -> None:
    store = kept_store(tmp_path)
    first = store.create_report("a", "t", CURSOR)
    second = store.create_report("a", "t", CURSOR)
    assert store.applied(1) is False
    batched(store)
    store.save_step("a", first, {"q": "甲"}, {"question": "r"}, status="complete", update_id=1)
    store.record_applied(2)
    assert store.batch.uncommitted
    # Not from memory: these go to the database, before the batch is committed.
    [complete] = store.list_reports("a", status="complete")
    assert (complete.id, complete.answers, complete.cursor) == (first, {"q": "甲"}, {"question": "r"})
    assert store.count_reports("a") == 1
    assert store.previous_answers("a", "t", exclude=second).get("q") == "甲"
    store.keep_recent(10)  # forget what is kept: the watermark is read from the database again
    assert store.applied(1) and store.applied(2) and not store.applied(3)
    store.close()


@pytest.mark.parametrize("batch", [False, True], ids=["one-commit-a-step", "batched"])
def test_kept_profiles_match_the_database_after_every_change(tmp_path: Path, batch: bool) -> None:
    kept, plain = kept_store(tmp_path), Store.open(tmp_path / "g.db")
    rid = kept.create_report("a", "t", CURSOR)
    assert kept.applied(1) is False
    if batch:
        batched(kept)

    def same(expected: dict[str, str]) -> None:
        kept.batch.commit()
        assert kept.profile("a") == plain.profile("a") == expected

    kept.save_step("a", rid, {"unit": "甲单位"}, CURSOR, profile={"unit": "甲单位"}, update_id=2)
    same({"unit": "甲单位"})
    kept.update_profile("a", {"leader": "张三"})
    same({"unit": "甲单位", "leader": "张三"})
    with pytest.raises(AlreadyApplied):  # refused: the profile stays as stored
        kept.save_step("a", rid, {"unit": "乙单位"}, CURSOR, profile={"unit": "乙单位"}, update_id=2)
    same({"unit": "甲单位", "leader": "张三"})
    kept.profile("a")["unit"] = "改了返回的字典"  # a caller's copy, not what is kept
    same({"unit": "甲单位", "leader": "张三"})
    if batch:
        kept.save_step("a", rid, {"unit": "丙单位"}, CURSOR, profile={"unit": "丙单位"}, update_id=3)
        with commit_refused(kept), pytest.raises(sqlite3.OperationalError):
            kept.batch.commit()
        same({"unit": "甲单位", "leader": "张三"})  # the failed batch's profile is forgotten
    kept.close()
    plain.close()


def test_what_is_kept_is_bounded_by_users_and_by_reports_per_user(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "g.db")
    store.keep_recent(3)
    reports = [store.create_report("a", "t", CURSOR) for _ in range(PER_USER + 3)]
    for rid in reports:
        assert store.load_report("a", rid).id == rid
    kept = store.recent.get("a")
    assert kept is not None and list(kept.reports) == reports[-PER_USER:]  # the most recent ones
    for user in ("b", "c", "d", "e"):
        store.set_active_report(user, None)
        store.profile(user)
    assert store.recent.size == 3 and store.recent.get("a") is None  # the least recent user went
    assert store.load_report("a", reports[0]).id == reports[0]  # read again from the database
    store.close()
