"""Session log benchmarks: `python -m benchmarks.sessionlog [--quick]`.

1. saving a 30-minute session (12 sets x 25 reps, with hashing its 100 Hz recording);
2. `history` over 5 years of sessions (3 a week, 4 sets, 15 reps): must answer < 200 ms;
3. batch replay of 100 recordings across all cores: wall time and CPU utilisation.
Sets are constructed (sessionlog.synthetic), not detected; batch replay runs the real
counter on synthetic recordings. Prints the figures; exits 1 if the history budget is missed.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HISTORY_BUDGET_MS = 200.0


def bench_save(tmp: Path, runs: int) -> dict:
    from sessionlog import connect, save_session
    from sessionlog.synthetic import make_session, write_recording_for

    sets = make_session(sets=12, reps=25, rest_s=60.0, seed=7)
    dur = sets[-1].end_s - sets[0].start_s
    rec = tmp / "thirty_min.csv"
    write_recording_for(sets, rec, rate_hz=100.0)
    times, times_hash = [], []
    for i in range(runs):
        db = tmp / f"save{i}.db"
        conn = connect(db)
        t0 = time.perf_counter()
        save_session(conn, sets=sets, started_at=datetime.now(timezone.utc), source="replay")
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        save_session(conn, sets=sets, started_at=datetime.now(timezone.utc), source="replay", recording_path=rec)
        times_hash.append(time.perf_counter() - t0)
        conn.close()
    return {"session_min": dur / 60, "sets": len(sets), "reps": sum(len(s.reps) for s in sets),
            "recording_mb": rec.stat().st_size / 1e6, "save_ms": 1000 * statistics.median(times),
            "save_with_hash_ms": 1000 * statistics.median(times_hash)}


def bench_history(tmp: Path, runs: int) -> dict:
    from sessionlog import connect
    from sessionlog.queries import history
    from sessionlog.synthetic import populate

    db = tmp / "five_years.db"
    conn = connect(db)
    t0 = time.perf_counter()
    n = populate(None, weeks=5 * 52, per_week=3, sets=4, reps=15, conn=conn, seed=5)
    fill_s = time.perf_counter() - t0
    reps = conn.execute("SELECT count(*) FROM reps").fetchone()[0]
    conn.close()
    calls = []
    for _ in range(runs):
        c = connect(db)
        t0 = time.perf_counter()
        h = history(c, weeks=None)
        calls.append(time.perf_counter() - t0)
        c.close()
    env = dict(os.environ, SOLEUS_DB=str(db))
    cli = []
    for _ in range(max(3, runs // 4)):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli.main", "history", "--weeks", "0", "--json"], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        cli.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.perf_counter() - t0
    return {"sessions": n, "reps": reps, "weeks": len(h["weeks"]), "fill_s": fill_s,
            "db_mb": db.stat().st_size / 1e6, "history_ms": 1000 * statistics.median(calls),
            "history_max_ms": 1000 * max(calls), "cli_ms": 1000 * statistics.median(cli),
            "python_startup_ms": 1000 * bare}


def _children_cpu(ppid: int) -> dict[int, float]:
    """CPU seconds used so far by each child process of `ppid` (Linux /proc; {} elsewhere)."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return out
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                f = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(f[1]) == ppid:
            out[pid] = (int(f[11]) + int(f[12])) / tick
    return out


def bench_batch(tmp: Path, n: int) -> dict:
    from sessionlog.synthetic import make_session, write_recording_for

    d = tmp / "recs"
    d.mkdir()
    t0 = time.perf_counter()
    for i in range(n):
        write_recording_for(make_session(sets=4, reps=15, rest_s=60, seed=i), d / f"rec{i:03d}.csv", seed=i)
    gen_s = time.perf_counter() - t0
    out = {"recordings": n, "generate_s": gen_s, "cores": os.cpu_count()}
    for jobs in (1, os.cpu_count() or 1):
        db = tmp / f"batch{jobs}.db"
        env = dict(os.environ, SOLEUS_DB=str(db))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        load0 = os.getloadavg()[0]
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "replay", str(d), "--jobs", str(jobs), "--json"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        workers: dict[int, float] = {}
        busy = []
        while proc.poll() is None:
            kids = _children_cpu(proc.pid)
            for pid, cpu in kids.items():
                workers[pid] = max(cpu, workers.get(pid, 0.0))
            busy.append(sum(1 for _ in kids))
            time.sleep(0.1)
        stdout = proc.stdout.read()
        wall = time.perf_counter() - t0
        p = subprocess.CompletedProcess(proc.args, proc.returncode, stdout)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        import json

        doc = json.loads(p.stdout)
        out[f"jobs{jobs}"] = {"wall_s": wall, "cpu_s": cpu, "cpu_util_pct": 100 * cpu / (wall * (os.cpu_count() or 1)),
                              "cores_busy": cpu / wall, "analysed": doc["analysed"], "failed": doc["failed"],
                              "exit": p.returncode, "worker_cpu_s": sorted(workers.values(), reverse=True),
                              "load_before": load0}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs and 20 recordings (CI smoke)")
    a = ap.parse_args(argv)
    runs = 5 if a.quick else 20
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        s = bench_save(tmp, 3 if a.quick else 10)
        print(f"save a {s['session_min']:.0f}-minute session ({s['sets']} sets, {s['reps']} reps): "
              f"{s['save_ms']:.1f} ms; with hashing its {s['recording_mb']:.1f} MB recording: {s['save_with_hash_ms']:.1f} ms")
        h = bench_history(tmp, runs)
        ok = h["history_ms"] < HISTORY_BUDGET_MS
        print(f"history over 5 years ({h['sessions']} sessions, {h['reps']} reps, {h['weeks']} weeks, "
              f"db {h['db_mb']:.1f} MB, filled in {h['fill_s']:.1f} s): query {h['history_ms']:.1f} ms median "
              f"(max {h['history_max_ms']:.1f}) [{'OK' if ok else 'OVER'} < {HISTORY_BUDGET_MS:.0f} ms]; "
              f"`soleus history --weeks 0 --json` end to end {h['cli_ms']:.0f} ms (bare python start {h['python_startup_ms']:.0f} ms)")
        b = bench_batch(tmp, 20 if a.quick else 100)
        print(f"batch replay of {b['recordings']} recordings (4 sets x 15 reps each, about 6 min at 50 Hz, real counter, saved to a log) "
              f"on {b['cores']} cores:")
        for k in sorted(k for k in b if k.startswith("jobs")):
            r = b[k]
            print(f"  --jobs {k[4:]}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, {r['cores_busy']:.2f} cores busy "
                  f"({r['cpu_util_pct']:.0f}% of all cores), {r['analysed']} analysed, {r['failed']} failed; "
                  f"CPU per worker process: {', '.join(f'{c:.1f} s' for c in r['worker_cpu_s']) or '-'}; "
                  f"machine load average before: {r['load_before']:.1f}")
        j1, jn = b.get("jobs1"), b.get(f"jobs{b['cores']}")
        if j1 and jn and jn is not j1:
            print(f"  speed-up with all cores: x{j1['wall_s'] / jn['wall_s']:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
