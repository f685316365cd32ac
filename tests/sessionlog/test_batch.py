"""Batch replay and analyze --save, end to end through the CLI, on real files and a real log.

The counting core is replaced by a stand-in that reports one constructed set per recording
(the session log is tested here, not detection); worker processes inherit it by fork."""
import json
import os
import time
from pathlib import Path

import pytest

import counting.counter
from cli.main import main
from counting.events import SetEnded
from sessionlog import connect
from sessionlog.store import list_sessions, session_dict
from sessionlog.synthetic import make_session, make_set, write_recording_for

PIDS = None


class StandInCounter:
    def __init__(self, *, placement=None, exercise=None, live_order=True):
        self.n = 0

    def feed(self, chunk):
        self.n += len(chunk)
        return []

    def finish(self):
        if PIDS is not None:
            with open(PIDS, "a") as fh:
                fh.write(f"{os.getpid()}\n")
            time.sleep(0.15)
        return [SetEnded(make_set(0, reps=8 + self.n % 5))]


@pytest.fixture
def standin(monkeypatch, tmp_path):
    global PIDS
    # the CLI imports RepCounter from counting.counter when a command runs
    monkeypatch.setattr(counting.counter, "RepCounter", StandInCounter)
    PIDS = None
    yield
    PIDS = None


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "recs"
    d.mkdir()
    for i in range(4):
        write_recording_for(make_session(sets=1, reps=5 + i, seed=i), d / f"day{i}.csv", seed=i)
    (d / "broken.csv").write_text("t,ax,ay\n1,2,3\n")
    (d / "notes.md").write_text("not a recording")
    return d


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_replay_folder_saves_each_and_skips_the_broken_one(capsys, standin, folder, tmp_path):
    db = tmp_path / "log.db"
    before = (folder / "broken.csv").read_bytes()
    code, out, err = run(capsys, "replay", folder, "--db", db, "--json")
    doc = json.loads(out)
    assert code == 2 and doc["analysed"] == 4 and doc["failed"] == 1
    assert "broken.csv" in err and "could not be analysed" in err
    assert (folder / "broken.csv").read_bytes() == before
    conn = connect(db)
    sessions = list_sessions(conn)
    assert len(sessions) == 4 and all(s["source"] == "replay" and s["recording_path"] for s in sessions)
    # again: nothing is duplicated
    code, out, _ = run(capsys, "replay", folder, "--db", db, "--json")
    assert [r["saved"] for r in json.loads(out)["recordings"] if r["ok"]] == [False] * 4
    assert len(list_sessions(conn)) == 4


def test_replay_several_files_table_and_no_save(capsys, standin, folder, tmp_path):
    db = tmp_path / "log.db"
    code, out, err = run(capsys, "replay", folder / "day0.csv", folder / "day1.csv", "--db", db, "--no-save")
    assert code == 0 and "day0.csv" in out and "day1.csv" in out
    assert not db.exists()


def test_batch_uses_several_processes(capsys, standin, folder, tmp_path):
    global PIDS
    PIDS = tmp_path / "pids.txt"
    code, _, _ = run(capsys, "replay", *sorted(folder.glob("day*.csv")), "--no-save", "--jobs", "2")
    pids = set(PIDS.read_text().split())
    assert code == 0 and len(pids) == 2 and str(os.getpid()) not in pids


def test_analyze_save_keeps_json_clean(capsys, standin, folder, tmp_path):
    db = tmp_path / "log.db"
    code, out, err = run(capsys, "analyze", folder / "day2.csv", "--json", "--save", "--db", db, "--load", "12.5",
                         "--notes", "morning")
    assert code == 0 and json.loads(out)["sets"][0]["rep_count"] >= 8
    assert "saved as session 1" in err
    d = session_dict(connect(db), 1)
    assert d["load_kg"] == 12.5 and d["notes"] == "morning" and d["source"] == "analyze"
    assert Path(d["recording_path"]) == (folder / "day2.csv").resolve()
    code, _, err = run(capsys, "analyze", folder / "day2.csv", "--save", "--db", db)
    assert "already in the log as session 1" in err


def test_batch_refuses_a_foreign_log_before_any_work(capsys, standin, folder, tmp_path):
    db = tmp_path / "other.db"
    db.write_bytes(b"hello" * 100)
    code, _, err = run(capsys, "replay", folder, "--db", db)
    assert code == 2 and "not a soleus database" in err and db.read_bytes() == b"hello" * 100


def test_replay_imports_app_export_folder(capsys, standin, tmp_path):
    src = Path(__file__).parents[1] / "sensor" / "importers" / "data"
    db = tmp_path / "log.db"
    code, out, err = run(capsys, "replay", src / "sensor_logger_android", src / "polar", "--db", db, "--json")
    doc = json.loads(out)
    assert code == 0, err
    assert [r["format"] for r in doc["recordings"]] == ["sensor-logger", "polar-sensor-logger"]
    ss = list_sessions(connect(db))
    assert {s["device"] for s in ss} == {"Pixel 8", "Polar H10 A1B2C3D4"}
    assert all(s["started_at"].startswith("2026-03-10") for s in ss)


def test_single_replay_saves_only_when_asked(capsys, standin, folder, tmp_path):
    db = tmp_path / "log.db"
    code, out, err = run(capsys, "replay", folder / "day1.csv", "--db", db)
    assert code == 0 and not db.exists()
    code, out, err = run(capsys, "replay", folder / "day1.csv", "--db", db, "--save", "--notes", "evening")
    assert code == 0 and "saved as session 1" in err
    assert session_dict(connect(db), 1)["source"] == "replay"
