"""Accuracy of the counting core on generated sessions and on recordings/.

    python -m benchmarks.accuracy [--n 120] [--seed 1000] [--placement-known] [--jobs 2] [--json]

Sessions are generated in memory by the simulator (sensor.sim) with balanced coverage
of placements, exercises, rates, gyro/no gyro and disturbances. Every figure is printed
for the TUNING half (even index) and the HELD-OUT half (odd index) separately: the
counter's parameters were only ever looked at against the tuning half.
"""
from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.scoring import Totals, score_session
from counting.counter import analyze
from counting.events import EXERCISES, PLACEMENTS, session_to_dict
from counting.params import CounterParams

ROOT = Path(__file__).resolve().parent.parent
SHORT_EX = {"standing_calf_raise": "standing", "step_calf_raise": "step", "single_leg_calf_raise": "1-leg",
            "raised_heel_squat": "squat"}


def run_counter(samples, placement: str | None, params: CounterParams | None = None) -> dict:
    """The counter's `analyze --json` document for one session."""
    return session_to_dict(analyze(samples, placement=placement, params=params))


def _one(args: tuple) -> tuple[int, str, dict, dict]:
    from sensor.sim import random_spec, simulate_session

    i, seed, placement_known, params = args
    spec = random_spec(seed + i)
    res = simulate_session(spec)
    pred = run_counter(res.samples, res.truth["placement"] if placement_known else None, params=params)
    return i, res.truth["placement"], pred, res.truth


def _recordings(placement_known: bool) -> list[tuple[str, str, dict, dict]]:
    from sensor.sources import open_recording

    out = []
    for truth_path in sorted((ROOT / "recordings").glob("*.truth.json")):
        csv = truth_path.with_name(truth_path.name.replace(".truth.json", ".csv"))
        if not csv.exists():
            continue
        truth = json.loads(truth_path.read_text())
        rec = open_recording(csv)
        placement = truth.get("placement") if placement_known else None
        out.append((csv.name, truth.get("placement", "?"), run_counter(rec.read_all(), placement), truth))
    return out


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:.1f}" if isinstance(v, float) else str(v)


def print_table(title: str, rows: dict[str, dict]) -> None:
    cols = ["sessions", "sets", "exact_pct", "within1_pct", "false_reps_per_h", "set_count_exact_pct",
            "mae_concentric_ms", "mae_top_hold_ms", "mae_eccentric_ms", "mae_bottom_pause_ms",
            "partial_precision_pct", "partial_recall_pct", "exercise_pct"]
    short = ["sess", "sets", "exact%", "+-1%", "FP/h", "setsOK%", "con", "top", "ecc", "bot", "pP%", "pR%", "ex%"]
    print(f"\n{title}")
    print(f"{'':10}" + "".join(f"{s:>8}" for s in short))
    for name, row in rows.items():
        print(f"{name:10}" + "".join(f"{_fmt(row[c]):>8}" for c in cols))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=120, help="generated sessions (default 120)")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--placement-known", action="store_true", help="declare the placement to the counter")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="override a CounterParams value (for tuning on the tuning half only)")
    ap.add_argument("--worst", type=int, default=0, help="list the N worst sessions")
    args = ap.parse_args(argv)

    overrides = {}
    for kv in args.param:
        k, _, v = kv.partition("=")
        if k not in CounterParams.names():
            ap.error(f"unknown parameter {k!r}")
        kind = type(getattr(CounterParams(), k))
        overrides[k] = v.lower() in ("1", "true", "yes") if kind is bool else kind(v)
    params = CounterParams(**overrides)
    jobs = [(i, args.seed, args.placement_known, params) for i in range(args.n)]
    with ProcessPoolExecutor(max_workers=args.jobs) as ex:
        results = sorted(ex.map(_one, jobs, chunksize=4))
    halves = {"tuning": Totals(), "held-out": Totals()}
    per_place = {h: {p: Totals() for p in PLACEMENTS} for h in halves}
    per_ex = {h: {e: Totals() for e in EXERCISES} for h in halves}
    scored = []
    for i, placement, pred, truth in results:
        h = "tuning" if i % 2 == 0 else "held-out"
        sc = score_session(pred, truth)
        halves[h].add(sc)
        per_place[h][placement].add(sc)
        per_ex[h][truth["exercise"]].add(sc)
        scored.append((i, placement, truth.get("exercise"), sc))
    rec_tot = Totals()
    rec_rows = {}
    for name, placement, pred, truth in _recordings(args.placement_known):
        sc = score_session(pred, truth)
        rec_tot.add(sc)
        rec_rows[name[:10]] = Totals()
        rec_rows[name[:10]].add(sc)
    report = {
        "placement_known": args.placement_known,
        "generated": {h: {"all": halves[h].row(), **{p: t.row() for p, t in per_place[h].items()},
                          **{e: t.row() for e, t in per_ex[h].items()}} for h in halves},
        "recordings": rec_tot.row(),
    }
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        print()
        return 0
    mode = "placement declared" if args.placement_known else "placement unknown"
    for h in halves:
        rows = {"ALL": halves[h].row(), **{p: per_place[h][p].row() for p in PLACEMENTS},
                **{SHORT_EX[e]: per_ex[h][e].row() for e in EXERCISES}}
        print_table(f"Generated sessions, {h} half ({mode}); phase MAE in ms", rows)
    print_table(f"recordings/ ({mode})", {"ALL": rec_tot.row(), **{k: v.row() for k, v in rec_rows.items()}})
    if args.worst:
        print("\nworst sessions (index, placement, exercise, count errors per set, false reps):")
        scored.sort(key=lambda s: -(sum(abs(e) for e in s[3].set_count_errors) + s[3].false_reps))
        for i, pl, exn, sc in scored[: args.worst]:
            print(f"  {i:4} {pl:6} {exn or '-':22} {sc.set_count_errors} fp={sc.false_reps}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
