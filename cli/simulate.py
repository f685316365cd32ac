"""`soleus simulate`: write a simulated session (CSV + truth) or a benchmark corpus."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from counting.events import EXERCISES, PLACEMENTS, Tempo
from sensor.errors import SoleusError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate", help="write a simulated session (OUT.csv + OUT.truth.json) or a corpus (--corpus DIR)",
        description="Simulate a wearable IMU during a calf-raise session and write a plain recording CSV "
                    "with its exact truth (OUT.truth.json beside it), or a benchmark corpus with --corpus.")
    p.add_argument("out", nargs="?", help="output CSV (OUT.truth.json is written beside it)")
    p.add_argument("--placement", default="foot", help=f"one of {', '.join(PLACEMENTS)} (default foot)")
    p.add_argument("--exercise", default="standing_calf_raise", help=f"one of {', '.join(EXERCISES)}")
    p.add_argument("--sets", default="3", help="number of sets (default 3)")
    p.add_argument("--reps", default="15", help="reps per set, N or N,N,N (default 15)")
    p.add_argument("--tempo", help="eccentric-bottom-concentric-top seconds, e.g. 3-1-1-2 (default: random per set)")
    p.add_argument("--rate", default="100", help="sample rate in Hz (default 100)")
    p.add_argument("--no-gyro", action="store_true", help="accelerometer-only device")
    p.add_argument("--wrist-mode", default="free", help="free, dumbbells or wall (placement wrist)")
    p.add_argument("--disturbances", default="walking,fidget",
                   help="comma list of walking,fidget,sit_stand,dumbbells, or none (default walking,fidget)")
    p.add_argument("--rest", help="rest between sets in s (default random 30-90)")
    p.add_argument("--clean", action="store_true", help="no timestamp jitter, lost packets or duplicates")
    p.add_argument("--seed", default="0", help="random seed (default 0)")
    p.add_argument("--corpus", metavar="DIR", help="write a benchmark corpus into DIR instead")
    p.add_argument("--n", default="200", help="corpus size (default 200)")
    p.set_defaults(func=run_simulate)


def _number(name: str, text: str, lo: float, hi: float, kind: type = float):
    """The option's value as `kind` (int or float) within [lo, hi], or a one-line error."""
    try:
        v = kind(text)
    except ValueError:
        raise SoleusError(f"--{name} must be {'a whole number' if kind is int else 'a number'}, not {text!r}") from None
    if not lo <= v <= hi:
        span = f"{lo}-{hi}, not {v}" if kind is int else f"{lo:g}-{hi:g}, not {text}"
        raise SoleusError(f"--{name} must be {span}")
    return v


def build_spec(args: argparse.Namespace):
    from sensor.sim import DISTURBANCES, WRIST_MODES, SessionSpec

    if args.placement not in PLACEMENTS:
        raise SoleusError(f"--placement must be one of {', '.join(PLACEMENTS)}, not {args.placement!r}")
    if args.exercise not in EXERCISES:
        raise SoleusError(f"--exercise must be one of {', '.join(EXERCISES)}, not {args.exercise!r}")
    if args.wrist_mode not in WRIST_MODES:
        raise SoleusError(f"--wrist-mode must be one of {', '.join(WRIST_MODES)}, not {args.wrist_mode!r}")
    n_sets = _number("sets", args.sets, 1, 20, int)
    parts = [x for x in args.reps.split(",") if x.strip()]
    reps = [_number("reps", x.strip(), 1, 100, int) for x in parts] or [0]
    if len(reps) == 1:
        reps_v: int | tuple[int, ...] = reps[0]
    elif len(reps) == n_sets:
        reps_v = tuple(reps)
    else:
        raise SoleusError(f"--reps lists {len(reps)} sets but --sets is {n_sets}")
    tempo = None
    if args.tempo:
        try:
            tempo = Tempo.parse(args.tempo)
        except ValueError as exc:
            raise SoleusError(f"--tempo: {exc}") from None
        if tempo.concentric_s < 0.2 or tempo.eccentric_s < 0.2:
            raise SoleusError("--tempo: concentric and eccentric must be at least 0.2 s")
    rate = _number("rate", args.rate, 20, 400)
    dist_text = args.disturbances.strip()
    dist = () if dist_text in ("", "none") else tuple(d.strip() for d in dist_text.split(","))
    bad = [d for d in dist if d not in DISTURBANCES]
    if bad:
        raise SoleusError(f"--disturbances: unknown {', '.join(bad)}; choose from {', '.join(DISTURBANCES)} or none")
    rest = None if args.rest is None else _number("rest", args.rest, 3, 3600)
    seed = _number("seed", args.seed, 0, 2**63 - 1, int)
    return SessionSpec(placement=args.placement, exercise=args.exercise, n_sets=n_sets, reps=reps_v, tempo=tempo,
                       rate_hz=rate, has_gyro=not args.no_gyro, wrist_mode=args.wrist_mode, disturbances=dist,
                       rest_s=rest, artefacts=not args.clean, seed=seed)


def run_simulate(args: argparse.Namespace) -> int:
    from sensor.sim import write_corpus
    from sensor.sim.corpus import truth_path, write_session

    if args.corpus:
        if args.out:
            raise SoleusError("give either OUT.csv or --corpus DIR, not both")
        n = _number("n", args.n, 1, 100000, int)
        seed = _number("seed", args.seed, 0, 2**63 - 1, int)
        d = Path(args.corpus)
        if d.exists() and not d.is_dir():
            raise SoleusError(f"{d}: exists and is not a directory")
        try:
            files = write_corpus(d, n=n, seed=seed)
        except OSError as exc:
            raise SoleusError(f"{d}: {exc.strerror or exc}") from None
        print(f"wrote {len(files)} simulated sessions (+ .truth.json, index.json) to {d}", file=sys.stderr)
        return 0
    if not args.out:
        raise SoleusError("give an output file OUT.csv (or --corpus DIR)")
    out = Path(args.out)
    if out.is_dir():
        raise SoleusError(f"{out}: is a directory; give a file name like {out / 'session.csv'}")
    if not out.parent.exists():
        raise SoleusError(f"{out.parent}: no such directory")
    spec = build_spec(args)
    try:
        res = write_session(out, spec)
    except OSError as exc:
        raise SoleusError(f"{out}: {exc.strerror or exc}") from None
    reps = [len(s["reps"]) for s in res.truth["sets"]]
    print(f"wrote {out} ({len(res.samples)} samples, {res.truth['duration_s']:.0f} s, sets {reps}) "
          f"and {truth_path(out)}", file=sys.stderr)
    return 0
