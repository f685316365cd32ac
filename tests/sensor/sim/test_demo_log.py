"""The counted demo log: simulated sessions, analysed by the counter, saved with their dates."""
import sqlite3

from sensor.sim.demo_log import build


def test_demo_log_saves_counted_sessions(tmp_path):
    n = build(tmp_path / "demo.db", tmp_path / "recs", weeks=1)
    assert n >= 1
    con = sqlite3.connect(tmp_path / "demo.db")
    sessions = con.execute("select count(*) from sessions").fetchone()[0]
    reps = con.execute("select count(*) from reps").fetchone()[0]
    assert sessions == n
    # 3 sets of 10 reps per session, counted by the real counter (foot sensor): within one rep a set
    assert abs(reps - 30 * n) <= 3 * n
    assert len(list((tmp_path / "recs").glob("*.csv"))) == n
