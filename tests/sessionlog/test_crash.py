"""Kill a real process in the middle of saving: the log must hold no half-written session."""
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sessionlog import connect, save_session
from sessionlog.store import list_sessions
from sessionlog.synthetic import make_set

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import sys, time
    import sessionlog.store as store
    from sessionlog.synthetic import make_session
    real = store._insert_set
    calls = {"n": 0}
    def slow_insert(conn, session_id, s):
        set_id = real(conn, session_id, s)
        calls["n"] += 1
        if calls["n"] == 2:                     # session row + 2 sets written, not committed
            print("MIDWAY", flush=True)
            time.sleep(60)
        return set_id
    store._insert_set = slow_insert
    store.save_session(sys.argv[1], sets=make_session(sets=4, reps=15), started_at=1.7e9, source="live")
""")


def test_sigkill_mid_save_leaves_no_half_session(tmp_path):
    db = tmp_path / "log.db"
    save_session(db, sets=[make_set(reps=12)], started_at=1.6e9)  # an earlier, complete session
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], stdout=subprocess.PIPE, cwd=ROOT, text=True)
    try:
        assert proc.stdout.readline().strip() == "MIDWAY"
        # the uncommitted rows really are in the WAL / cache of the child right now
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    conn = connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    sessions = list_sessions(conn)
    assert [(s["id"], s["reps"]) for s in sessions] == [(1, 12)]
    assert conn.execute("SELECT count(*) FROM sets").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM reps").fetchone()[0] == 12
    # and the log keeps working afterwards
    res = save_session(conn, sets=[make_set(reps=7)], started_at=1.7e9)
    assert res.created and len(list_sessions(conn)) == 2


def test_two_processes_saving_at_once(tmp_path):
    db = tmp_path / "log.db"
    connect(db).close()
    code = ("import sys; from sessionlog import save_session; from sessionlog.synthetic import make_session\n"
            "for i in range(15): save_session(sys.argv[1], sets=make_session(sets=2, reps=10, seed=i), started_at=1.7e9+i)")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(db)], cwd=ROOT) for _ in range(2)]
    assert [p.wait(60) for p in procs] == [0, 0]
    conn = connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(list_sessions(conn)) == 30
    assert conn.execute("SELECT count(*) FROM reps").fetchone()[0] == 30 * 20
