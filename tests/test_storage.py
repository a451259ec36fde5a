"""The SQLite store: schema, migrations, transactions, owner isolation, durability."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import stat
from pathlib import Path

import pytest

from storage import COMPLETE, DRAFT, AlreadyApplied, ChatState, ReportNotFound, Store
from storage.schema import SCHEMA_VERSION, connect, migrate, schema_version
from tests.support.tables import tables


def test_fresh_database(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "fresh.db"
    store = Store.open(path)
    assert schema_version(store.db) == SCHEMA_VERSION
    assert {"users", "reports", "answers", "schema_version"} <= set(tables(store).table_names())
    assert tables(store).journal_mode == "wal"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.list_reports("nobody") == []
    assert store.profile("nobody") == {}
    store.close()


def test_migration_from_version_1_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = connect(path, migrate_to=1)
    assert schema_version(db) == 1
    db.execute(
        "INSERT INTO users (id, profile, created) VALUES ('u', '{\"unit_name\": \"某局\"}', '2023-01-01')"
    )
    db.execute(
        "INSERT INTO reports (owner, type, status, cursor, created, updated) "
        "VALUES ('u', 'unit_periodic', 'draft', '{\"question\": \"year\"}', '2023-01-01', '2023-01-02')"
    )
    db.execute("INSERT INTO answers VALUES (1, 'unit_name', '\"某局\"', '2023-01-02')")
    db.close()

    store = Store.open(path)  # opening migrates forward
    assert schema_version(store.db) == SCHEMA_VERSION
    assert "idx_reports_owner_status" in {i.name for i in tables(store).table("reports").indexes}
    assert tables(store)["processed_updates"].exists() and store.active_report("u") is None
    report = store.load_report("u", 1)
    assert report.answers == {"unit_name": "某局"} and report.cursor == {"question": "year"}
    assert store.profile("u") == {"unit_name": "某局"}
    row = next(store.db.query("SELECT updated FROM users WHERE id = 'u'"))
    assert row["updated"] == "2023-01-01"
    assert migrate(store.db) == SCHEMA_VERSION  # idempotent
    store.close()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_migration_from_every_earlier_version(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.db"
    db = connect(path, migrate_to=version)
    db.execute(
        "INSERT INTO users (id, profile, created) VALUES ('u', '{\"unit_name\": \"甲局\"}', '2023-01-01')"
    )
    for n in (1, 2):
        db.execute(
            "INSERT INTO reports (owner, type, status, cursor, created, updated) "
            "VALUES ('u', 'study_speech', 'draft', '{\"question\": \"theme\"}', '2023-01-01', ?)",
            [f"2023-01-0{n}"],
        )
        db.execute("INSERT INTO answers VALUES (?, 'meeting_name', ?, '2023-01-02')", [n, f'"会{n}"'])
    db.close()
    store = Store.open(path)
    assert schema_version(store.db) == SCHEMA_VERSION
    assert store.integrity() == "ok"
    assert [r.id for r in store.list_reports("u")] == [2, 1]
    assert store.load_report("u", 1).answers == {"meeting_name": "会1"}
    assert store.profile("u") == {"unit_name": "甲局"}
    rid = store.create_report("u", "study_speech", {}, update_id=5)  # new structures work
    store.set_active_report("u", rid)
    assert store.active_report("u") == rid and store.applied(5)
    store.close()


def test_migration_to_chat_records_moves_each_users_chat_state(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    db = connect(path, migrate_to=4)
    for user in ("u", "v", "w"):
        db.execute("INSERT INTO users (id, profile, created) VALUES (?, '{}', '2023-01-01')", [user])
    db.execute(
        "INSERT INTO reports (owner, type, status, cursor, created, updated) "
        "VALUES ('u', 'study_speech', 'draft', '{}', '2023-01-01', '2023-01-01')"
    )
    db.execute("UPDATE users SET active_report = 1 WHERE id = 'u'")
    db.execute("UPDATE users SET editing = 'unit_name' WHERE id = 'v'")
    db.close()
    store = Store.open(path)
    assert store.chat("u") == ChatState(active_report=1)
    assert store.chat("v") == ChatState(editing="unit_name")
    assert store.chat("w") == ChatState()
    assert {"active_report", "editing"}.isdisjoint(tables(store)["users"].columns_dict)
    store.close()


def test_a_chat_record_holds_the_active_report_the_field_being_changed_and_the_buttons(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "c.db")
    rid = store.create_report("tg:1", "study_speech", {}, activate=True)
    store.set_editing("tg:1", "unit_name")
    store.set_buttons_message("tg:1", 42)
    assert store.chat("tg:1") == ChatState(active_report=rid, editing="unit_name", buttons_message=42)
    store.update_profile("tg:1", {"unit_name": "某局"})  # ends the change of the field
    store.delete_report("tg:1", rid)  # a deleted report is no chat's active report
    assert store.chat("tg:1") == ChatState(buttons_message=42)
    assert store.chat("tg:2") == ChatState()
    store.close()


def test_backup_while_another_connection_writes(tmp_path: Path) -> None:
    live = Store.open(tmp_path / "live.db")
    writer = Store.open(tmp_path / "live.db")
    rid = live.create_report("u", "study_speech", {})
    for n in range(50):
        writer.save_step("u", rid, {f"q{n}": "值" * 100}, {"question": f"q{n}"})
        if n == 25:
            live.backup(tmp_path / "copy.db")
    copy = Store.open(tmp_path / "copy.db")
    assert copy.integrity() == "ok"
    answers = copy.load_report("u", rid).answers
    assert len(answers) == 26 and answers["q25"] == "值" * 100
    assert stat.S_IMODE((tmp_path / "copy.db").stat().st_mode) == 0o600
    for s in (live, writer, copy):
        s.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = connect(path)
    db.execute("UPDATE schema_version SET version = 99")
    db.close()
    with pytest.raises(RuntimeError, match="newer than this program"):
        connect(path)


def test_save_step_stores_answers_cursor_status_and_profile(store: Store) -> None:
    rid = store.create_report("alice", "unit_periodic", {"question": "unit_name"})
    store.save_step("alice", rid, {"unit_name": "某局"}, {"question": "year"}, profile={"unit_name": "某局"})
    store.save_step(
        "alice",
        rid,
        {"year": 2023, "items": ["甲", "乙"], "note": None},
        {"question": None},
        status=COMPLETE,
    )
    report = store.load_report("alice", rid)
    assert report.answers == {
        "unit_name": "某局",
        "year": 2023,
        "items": ["甲", "乙"],
        "note": None,
    }
    assert report.cursor == {"question": None} and report.status == COMPLETE
    assert store.profile("alice") == {"unit_name": "某局"}
    raw = next(store.db.query("SELECT value FROM answers WHERE question_id = 'items'"))
    assert json.loads(raw["value"]) == ["甲", "乙"]


def test_answer_overwrite_is_one_row(store: Store) -> None:
    rid = store.create_report("alice", "unit_periodic", {})
    store.save_step("alice", rid, {"year": 2022}, {})
    store.save_step("alice", rid, {"year": 2023}, {})
    assert tables(store)["answers"].count == 1
    assert store.load_report("alice", rid).answers == {"year": 2023}


def test_save_step_is_atomic(store: Store) -> None:
    rid = store.create_report("alice", "unit_periodic", {"question": "a"})
    with pytest.raises(TypeError):
        # The second value cannot be stored; the first answer and the cursor must not be either.
        store.save_step("alice", rid, {"ok": 1, "bad": object()}, {"question": "b"})
    report = store.load_report("alice", rid)
    assert report.answers == {} and report.cursor == {"question": "a"}


def test_owner_isolation(store: Store) -> None:
    rid = store.create_report("alice", "unit_periodic", {})
    store.save_step("alice", rid, {"unit_name": "甲局"}, {})
    with pytest.raises(ReportNotFound):
        store.load_report("mallory", rid)
    with pytest.raises(ReportNotFound):
        store.save_step("mallory", rid, {"unit_name": "篡改"}, {})
    with pytest.raises(ReportNotFound):
        store.delete_report("mallory", rid)
    assert store.list_reports("mallory") == []
    assert store.latest_report("mallory", "unit_periodic") is None
    assert store.load_report("alice", rid).answers == {"unit_name": "甲局"}


def test_report_survives_closing_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "durable.db"
    store = Store.open(path)
    rid = store.create_report("alice", "leader_personal", {"question": "x"})
    store.save_step("alice", rid, {"leader_name": "张三"}, {"question": "y"})
    store.close()
    # A plain sqlite3 connection sees the committed data too (nothing left only in memory).
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM answers").fetchone() == (1,)
    reopened = Store.open(path)
    report = reopened.load_report("alice", rid)
    assert report.answers == {"leader_name": "张三"} and report.cursor == {"question": "y"}
    reopened.close()


def test_several_drafts_newest_first_and_delete(tmp_path: Path) -> None:
    times = iter(dt.datetime(2023, 10, d, tzinfo=dt.UTC) for d in range(1, 20))
    store = Store.open(tmp_path / "d.db", clock=lambda: next(times))
    first = store.create_report("alice", "unit_periodic", {})
    second = store.create_report("alice", "self_inspection", {})
    done = store.create_report("alice", "study_speech", {})
    store.save_step("alice", done, {}, {}, status=COMPLETE)
    store.save_step("alice", first, {"year": 2023}, {})  # touched last
    assert [r.id for r in store.list_reports("alice")] == [first, second]
    assert [r.id for r in store.list_reports("alice", status=None)] == [first, done, second]
    assert store.list_reports("alice", status=COMPLETE)[0].status == COMPLETE
    store.delete_report("alice", first)
    assert [r.id for r in store.list_reports("alice", DRAFT)] == [second]
    assert tables(store)["answers"].count == 0
    store.close()


def test_latest_report_prefers_complete(store: Store) -> None:
    done = store.create_report("alice", "unit_periodic", {})
    store.save_step("alice", done, {"unit_name": "旧"}, {}, status=COMPLETE)
    draft = store.create_report("alice", "unit_periodic", {})
    current = store.create_report("alice", "unit_periodic", {})
    latest = store.latest_report("alice", "unit_periodic", exclude=current)
    assert latest is not None and latest.id == done and latest.answers == {"unit_name": "旧"}
    assert draft != done


def test_unknown_status_rejected(store: Store) -> None:
    rid = store.create_report("alice", "unit_periodic", {})
    with pytest.raises(ValueError):
        store.save_step("alice", rid, {}, {}, status="weird")


def test_update_applied_once(store: Store) -> None:
    rid = store.create_report("alice", "unit_periodic", {}, update_id=1)
    store.save_step("alice", rid, {"items": ["甲"]}, {"question": "x"}, update_id=2)
    with pytest.raises(AlreadyApplied):
        store.save_step("alice", rid, {"items": ["甲", "甲"]}, {"question": "y"}, update_id=2)
    with pytest.raises(AlreadyApplied):
        store.create_report("alice", "unit_periodic", {}, update_id=1)
    report = store.load_report("alice", rid)
    assert report.answers == {"items": ["甲"]} and report.cursor == {"question": "x"}
    assert len(store.list_reports("alice")) == 1
    assert store.applied(2) and not store.applied(3)
    store.record_applied(3)
    store.record_applied(3)
    assert store.applied(3)


def test_active_report(store: Store) -> None:
    assert store.active_report("bob") is None
    rid = store.create_report("bob", "unit_periodic", {})
    store.set_active_report("bob", rid)
    assert store.active_report("bob") == rid
    store.set_active_report("bob", None)
    assert store.active_report("bob") is None
