"""A demo session log from simulated sessions, every one counted by the real counter.

    python -m sensor.sim.demo_log DEMO.db RECORDINGS_DIR [--weeks 6]

A person with a foot-mounted sensor trains 2-3 times a week for the last `weeks` weeks: 3 sets
of standing calf raises whose rep count grows week by week, with extra load in later weeks.
(Each session is a new simulated person, so the range of motion varies between sessions.)
Each session is simulated (sensor.sim), written as a plain CSV, analysed by the counter and
saved to the log with its date, so `soleus log/show/history/plot` show counted output.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from counting.counter import analyze
from sensor.csv_reader import read_recording, write_recording
from sensor.sim import SessionSpec, simulate_session
from sessionlog import save_session


def build(db: Path, out_dir: Path, *, weeks: int = 6, seed: int = 11) -> int:
    """Simulate, count and save the sessions; returns how many were saved."""
    out_dir.mkdir(parents=True, exist_ok=True)
    today = datetime.now(timezone.utc).replace(hour=18, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=today.weekday(), weeks=weeks - 1)  # Monday evenings, ending this week
    saved = 0
    for week in range(weeks):
        days = (0, 2, 4) if week % 2 == 0 else (1, 4)
        for j, day in enumerate(days):
            reps = 10 + 2 * week
            spec = SessionSpec(placement="foot", exercise="standing_calf_raise", n_sets=3, reps=reps,
                               rate_hz=52.0, disturbances=("walking", "fidget"), rest_s=60.0,
                               seed=seed + 10 * week + j)
            path = out_dir / f"week{week + 1}_day{day + 1}.csv"
            write_recording(path, simulate_session(spec).samples)
            sets = analyze(read_recording(path), placement="foot")
            when = start + timedelta(weeks=week, days=day)
            save_session(db, sets=sets, started_at=when, device="simulated foot IMU",
                         placement="foot", recording_path=path, source="analyze",
                         load_kg=0.0 if week < 3 else 5.0 * (week - 2), body_weight_kg=72.0)
            saved += 1
            if when.date() >= today.date():
                return saved
    return saved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("db", type=Path)
    ap.add_argument("recordings", type=Path)
    ap.add_argument("--weeks", type=int, default=6)
    args = ap.parse_args(argv)
    n = build(args.db, args.recordings, weeks=args.weeks)
    print(f"{n} counted sessions saved to {args.db} (recordings in {args.recordings})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
