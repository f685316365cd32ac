"""The log commands through cli.main.main (in-process) on real SQLite files."""
import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from cli.main import main
from sessionlog import save_session
from sessionlog.synthetic import make_session, populate, write_recording_for


@pytest.fixture
def logdb(tmp_path):
    db = tmp_path / "log.db"
    populate(db, weeks=6, end=datetime.now(timezone.utc) - timedelta(days=1))
    sets = make_session(sets=2, reps=10, partial_every=4)
    rec = tmp_path / "rec.csv"
    write_recording_for(sets, rec)
    save_session(db, sets=sets, started_at=datetime.now(timezone.utc), recording_path=rec, source="replay",
                 device="Movesense", placement="shank", load_kg=10)
    return db


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_log_lists_sessions_json_and_table(capsys, logdb):
    code, out, _ = run(capsys, "log", "--db", logdb, "--json")
    doc = json.loads(out)
    assert code == 0 and len(doc["sessions"]) == 19 and doc["sessions"][0]["reps"] == 20
    code, out, _ = run(capsys, "log", "--db", logdb, "-n", "3")
    assert code == 0 and "Movesense" in out and out.count("standing calf raise") == 3


def test_show_last_session(capsys, logdb):
    code, out, _ = run(capsys, "show", "--db", logdb, "--json")
    d = json.loads(out)
    assert code == 0 and d["device"] == "Movesense" and len(d["sets"]) == 2
    assert d["sets"][0]["reps"][3]["flags"] == ["partial"]
    code, out, _ = run(capsys, "show", "--db", logdb)
    assert "Set 2: 10 reps" in out and "partial" in out and "tempo" in out


def test_history_weeks(capsys, logdb):
    code, out, _ = run(capsys, "history", "--db", logdb, "--weeks", "4", "--json")
    h = json.loads(out)
    assert code == 0 and len(h["weeks"]) == 4
    w = h["weeks"][-2]
    assert w["sessions"] >= 1 and w["reps"] > 0 and w["volume_load_kg"] > 0 and w["mean_tempo"]
    assert w["best_set"]["reps"] >= 15
    code, out, _ = run(capsys, "history", "--db", logdb)
    assert code == 0 and "target: 2-3 sessions a week" in out


def test_edit_then_show_keeps_the_counters_numbers(capsys, logdb):
    code, out, _ = run(capsys, "edit", "last", "--db", logdb, "--set", "1", "--reps", "11", "--json")
    assert code == 0 and json.loads(out)["changes"][0] == {"target": "set 1", "field": "rep_count", "old": 10, "new": 11}
    code, out, _ = run(capsys, "show", "--db", logdb, "--json")
    d = json.loads(out)
    assert d["rep_count"] == 21 and d["counter_said"]["rep_counts"] == [10, 10]
    code, out, _ = run(capsys, "show", "--db", logdb)
    assert "counter said 10" in out
    code, _, err = run(capsys, "edit", "last", "--db", logdb, "--reps", "3")
    assert code == 2 and "--set N" in err


def test_delete_needs_yes_and_keeps_recording(capsys, logdb, tmp_path):
    code, _, err = run(capsys, "delete", "last", "--db", logdb)
    assert code == 2 and "--yes" in err
    code, out, _ = run(capsys, "delete", "last", "--db", logdb, "--yes")
    assert code == 0 and "deleted session 19" in out
    assert (tmp_path / "rec.csv").exists()
    code, _, err = run(capsys, "show", "19", "--db", logdb)
    assert code == 2 and err.strip() == "soleus: error: no session with id 19 (see `soleus log`)"


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_formats(capsys, logdb, tmp_path, fmt):
    out_file = tmp_path / f"out.{fmt}"
    since = (datetime.now() - timedelta(days=8)).date().isoformat()
    code, _, _ = run(capsys, "export", "--db", logdb, "--format", fmt, "--since", since, "-o", out_file)
    assert code == 0
    df = {"csv": pd.read_csv, "json": pd.read_json, "parquet": pd.read_parquet}[fmt](out_file)
    assert {"session_id", "set_number", "rep_index", "eccentric_s", "rom", "partial"} <= set(df.columns)
    assert 0 < df["session_id"].nunique() < 19


def test_export_sets_to_stdout(capsys, logdb):
    code, out, _ = run(capsys, "export", "--db", logdb, "--level", "sets", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 18 * 4 + 2 and "tempo" in rows[0]


def test_plots_are_written(capsys, logdb, tmp_path):
    code, _, _ = run(capsys, "plot", "--db", logdb, "-o", tmp_path / "s.png")
    assert code == 0 and (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, _ = run(capsys, "plot", "--history", "--db", logdb, "-o", tmp_path / "h.png")
    assert code == 0 and (tmp_path / "h.png").stat().st_size > 10_000
    # a session without its recording still plots (reps only, with a note)
    code, _, _ = run(capsys, "plot", "1", "--db", logdb, "-o", tmp_path / "s1.png")
    assert code == 0 and (tmp_path / "s1.png").exists()


@pytest.mark.parametrize("argv, msg", [
    (["show", "12345"], "no session with id 12345"),
    (["show", "yesterday"], "not a session id"),
    (["log", "--since", "31/01/2026"], "does not parse"),
    (["export", "--format", "parquet"], "give a file"),
    (["plot", "-o", "x.jpg"], "png"),
])
def test_bad_input_one_line_exit_2(capsys, logdb, argv, msg):
    before = logdb.read_bytes()
    code, _, err = run(capsys, *argv, "--db", logdb)
    assert code == 2 and msg in err and err.count("\n") == 1
    assert logdb.read_bytes() == before


def test_foreign_and_corrupt_files(capsys, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00\x01 not sqlite" * 100)
    code, _, err = run(capsys, "log", "--db", junk)
    assert code == 2 and "not a soleus database" in err
    other = tmp_path / "other.db"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    code, _, err = run(capsys, "history", "--db", other)
    assert code == 2 and "another program" in err


def test_empty_log(capsys, tmp_path):
    db = tmp_path / "none.db"
    code, out, _ = run(capsys, "log", "--db", db)
    assert code == 0 and "no sessions logged yet" in out
    code, out, _ = run(capsys, "history", "--db", db, "--json")
    assert code == 0 and json.loads(out)["summary"]["sessions"] == 0
    code, _, err = run(capsys, "show", "--db", db)
    assert code == 2 and "no sessions yet" in err
    code, _, err = run(capsys, "edit", "last", "--notes", "x", "--db", db)
    assert code == 2 and "no sessions yet" in err
    assert not db.exists()  # reading never creates a log
