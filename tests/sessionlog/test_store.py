import sqlite3
from datetime import datetime, timezone

import pytest

from sessionlog import LogError, connect, save_session
from sessionlog.db import APPLICATION_ID, guard, MIGRATIONS, SCHEMA_VERSION
from sessionlog.store import (delete_session, edit_session, list_sessions, original_counts,
                              resolve_session_id, session_dict)
from sessionlog.synthetic import make_session, make_set

T0 = datetime(2026, 11, 2, 18, 30, tzinfo=timezone.utc)


def test_save_and_read_back_every_metric(db):
    sets = make_session(sets=3, reps=12)
    res = save_session(db, sets=sets, started_at=T0, device="Movesense 123", placement="shank",
                       source="replay", load_kg=10, body_weight_kg=70, notes="felt good")
    assert res.created and res.session_id == 1
    conn = connect(db)
    d = session_dict(conn, res.session_id)
    assert d["started_at"] == T0.isoformat() and d["device"] == "Movesense 123"
    assert [s["rep_count"] for s in d["sets"]] == [12, 12, 12]
    s0, orig = d["sets"][1], sets[1]
    assert s0["tempo"] == orig.tempo.notation()
    assert s0["time_under_tension_s"] == pytest.approx(orig.time_under_tension_s)
    assert s0["rest_before_s"] == orig.rest_before_s and s0["rom_loss_pct"] == pytest.approx(orig.rom_loss_pct)
    r, o = s0["reps"][-1], orig.reps[-1]
    for k in ("start_s", "end_s", "peak_s", "concentric_s", "top_hold_s", "eccentric_s", "rom",
              "peak_velocity", "sway_deg"):
        assert r[k] == pytest.approx(getattr(o, k)), k
    assert r["bottom_pause_s"] is None and r["partial"] is False and r["rom_unit"] == "cm"


def test_schema_version_wal_and_application_id(db):
    save_session(db, sets=[make_set()], started_at=T0)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_same_recording_twice_is_not_duplicated(db, tmp_path):
    rec = tmp_path / "r.csv"
    rec.write_text("t,ax,ay,az\n0,0,0,9.8\n")
    a = save_session(db, sets=[make_set()], started_at=T0, recording_path=rec, source="replay")
    b = save_session(db, sets=[make_set()], started_at=T0, recording_path=rec, source="replay")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(rec.read_bytes())  # same content under another name: still the same recording
    c = save_session(db, sets=[make_set()], started_at=T0, recording_path=copy, source="replay")
    assert a.created and not b.created and not c.created and a.session_id == b.session_id == c.session_id
    assert len(list_sessions(connect(db))) == 1


def test_migration_from_v1_keeps_data(db):
    conn = connect(db, target_version=1)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name='audit'").fetchone()
    save_session(conn, sets=[make_set(reps=9)], started_at=T0)
    conn.close()
    conn = connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    assert session_dict(conn, 1)["rep_count"] == 9


def test_garbage_file_is_refused_and_left_intact(db):
    db.write_bytes(b"this is my shopping list\n" * 10)
    before = db.read_bytes()
    with pytest.raises(LogError, match="not a soleus database"):
        save_session(db, sets=[make_set()], started_at=T0)
    assert db.read_bytes() == before


def test_foreign_sqlite_database_is_refused_and_left_intact(db):
    other = sqlite3.connect(db)
    other.execute("CREATE TABLE photos (id INTEGER, name TEXT)")
    other.execute("INSERT INTO photos VALUES (1, 'cat')")
    other.commit()
    other.close()
    before = db.read_bytes()
    with pytest.raises(LogError, match="another program"):
        connect(db)
    assert db.read_bytes() == before


def test_corrupt_soleus_database_gives_one_line_error(db):
    save_session(db, sets=make_session(sets=4, reps=20), started_at=T0)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # smash every page after the first
    db.write_bytes(bytes(data))
    with pytest.raises(LogError) as ei, guard(db, "reading"):
        c = connect(db)
        list_sessions(c)
        session_dict(c, 1)
    assert "\n" not in str(ei.value)


def test_newer_schema_is_refused(db):
    connect(db).close()
    c = sqlite3.connect(db)
    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    c.commit()
    c.close()
    with pytest.raises(LogError, match="newer soleus"):
        connect(db)


def test_full_disk_saves_nothing(db, monkeypatch):
    save_session(db, sets=[make_set()], started_at=T0)
    conn = connect(db)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 1}")  # what a full disk looks like to SQLite
    with pytest.raises(LogError, match="disk is full.*nothing was saved|nothing was saved.*disk is full"):
        save_session(conn, sets=make_session(sets=4, reps=400), started_at=T0)
    conn.close()
    assert len(list_sessions(connect(db))) == 1


def test_read_only_database(db):
    save_session(db, sets=[make_set()], started_at=T0)
    conn = connect(db)
    conn.execute("PRAGMA query_only = ON")  # a read-only file/medium as SQLite reports it
    with pytest.raises(LogError, match="nothing was saved"):
        save_session(conn, sets=[make_set()], started_at=T0)


def test_resolve_session_ids(db):
    for i in range(3):
        save_session(db, sets=[make_set(reps=10 + i)], started_at=T0.replace(day=2 + i))
    conn = connect(db)
    assert resolve_session_id(conn, None) == 3
    assert resolve_session_id(conn, "-2") == 2
    assert resolve_session_id(conn, "1") == 1
    with pytest.raises(LogError, match="no session with id 99"):
        resolve_session_id(conn, "99")
    with pytest.raises(LogError, match="not a session id"):
        resolve_session_id(conn, "yesterday")


def test_edit_keeps_audit_of_what_the_counter_said(db):
    save_session(db, sets=make_session(sets=2, reps=15), started_at=T0)
    conn = connect(db)
    edit_session(conn, 1, set_index=2, changes={"rep_count": 14, "load_kg": 12.5})
    edit_session(conn, 1, changes={"notes": "left calf tight"})
    d = session_dict(conn, 1)
    assert d["sets"][1]["rep_count"] == 14 and d["sets"][1]["counted_reps"] == 15 and d["sets"][1]["edited"]
    assert d["rep_count"] == 29 and d["notes"] == "left calf tight"
    assert [(e["target"], e["field"]) for e in d["edits"]] == [("set 2", "rep_count"), ("set 2", "load_kg"), ("session", "notes")]
    orig = original_counts(conn, 1)
    assert [s["rep_count"] for s in orig["sets"]] == [15, 15] and orig["notes"] is None
    with pytest.raises(LogError, match="has no set 5"):
        edit_session(conn, 1, set_index=5, changes={"rep_count": 3})
    with pytest.raises(LogError, match="exercise"):
        edit_session(conn, 1, set_index=1, changes={"exercise": "bench_press"})


def test_delete_removes_everything_but_keeps_an_audit(db):
    save_session(db, sets=make_session(sets=2), started_at=T0)
    conn = connect(db)
    snap = delete_session(conn, 1)
    assert snap["rep_count"] == 30
    for table in ("sessions", "sets", "reps"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert conn.execute("SELECT action FROM audit WHERE session_id = 1").fetchone()[0] == "delete"


def test_two_connections_write_without_corruption(db):
    a, b = connect(db), connect(db)
    for i in range(20):
        save_session(a if i % 2 else b, sets=[make_set(reps=5)], started_at=T0)
    assert a.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(list_sessions(a)) == 20


def test_bad_values_are_refused(db):
    with pytest.raises(LogError, match="start time"):
        save_session(db, sets=[make_set()], started_at="last tuesday")
    with pytest.raises(LogError, match="load"):
        save_session(db, sets=[make_set()], started_at=T0, load_kg=-5)
