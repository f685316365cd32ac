"""The live path on generated sessions: `python -m benchmarks.live [--n 120] [--seed 1000]`.

Each session is fed to the streaming counter in chunks of --chunk seconds, as a live session
would be. Prints, over the held-out half (odd index) by default:
- the count shown live at each true set's end (the last RepCompleted of the live set that
  holds most of its reps) against the true count, and the final count (SetEnded) likewise;
- the latency of each true rep's first live report (the time of the newest sample fed when
  its RepCompleted came, minus the rep's true end), by channel, for all reps and for those
  after the set was confirmed (the first min_set_reps of a set are reported together when
  it is confirmed, by design).
"""
from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from benchmarks.scoring import overlap
from counting.counter import RepCounter
from counting.events import RepCompleted, SetEnded
from counting.params import CounterParams
from counting.samples import Samples


def _one(args: tuple[int, int, float]) -> tuple[list[tuple[bool, bool]], list[tuple[str, int, float]]]:
    from sensor.sim import random_spec, simulate_session

    i, seed, chunk_s = args
    res = simulate_session(random_spec(seed + i))
    s = res.samples
    counter = RepCounter()
    shown: dict[int, list] = {}  # live set number -> [(time fed, Rep)]
    finals = []

    def take(events, now: float) -> None:
        for e in events:
            if isinstance(e, RepCompleted):
                shown.setdefault(e.rep.set_index, []).append((now, e.rep))
            elif isinstance(e, SetEnded):
                finals.append(e.summary)

    edges = np.append(np.searchsorted(s.t, np.arange(s.t[0], s.t[-1], chunk_s)), len(s.t))
    for a, b in zip(edges[:-1], edges[1:]):
        if b > a:
            take(counter.feed(Samples(s.t[a:b], s.acc[a:b], None if s.gyro is None else s.gyro[a:b])),
                 float(s.t[b - 1]))
    take(counter.finish(), float(s.t[-1]))

    true_reps = [r for ts in res.truth["sets"] for r in ts["reps"]]
    reported: set[int] = set()
    latency = []
    for lst in shown.values():
        for now, r in lst:
            hits = [j for j, tr in enumerate(true_reps)
                    if overlap(r.start_s, r.end_s, tr["start_s"], tr["end_s"]) > 0.5 * (r.end_s - r.start_s)]
            if hits and hits[0] not in reported:
                reported.add(hits[0])
                latency.append(("rise" if not r.amplitude_deg else "tilt", r.index, now - true_reps[hits[0]]["end_s"]))
    sets = []
    for ts in res.truth["sets"]:
        n = len(ts["reps"])
        a, b = ts["start_s"] - 1.0, ts["end_s"] + 1.0
        best = max(((sum(overlap(r.start_s, r.end_s, a, b) > 0 for _, r in lst), lst[-1][1].index)
                    for lst in shown.values()), default=(0, 0))
        live = best[1] if best[0] else 0
        final = sum(overlap(r.start_s, r.end_s, a, b) > 0 for f in finals for r in f.reps)
        sets.append((live == n, final == n))
    return sets, latency


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=240, help="generated sessions, both halves (default 240)")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--half", choices=["held-out", "tuning"], default="held-out")
    ap.add_argument("--chunk", type=float, default=0.1, help="seconds of samples per feed (default 0.1)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    first = 1 if args.half == "held-out" else 0
    jobs = [(i, args.seed, args.chunk) for i in range(first, args.n, 2)]
    with ProcessPoolExecutor(max_workers=args.jobs) as ex:
        results = list(ex.map(_one, jobs, chunksize=2))
    sets = [x for s, _ in results for x in s]
    lat = [x for _, lat in results for x in lat]
    print(f"{args.half} half: {len(jobs)} sessions, {len(sets)} true sets, chunks of {args.chunk} s")
    print(f"count shown live at the set's end exact: {100 * np.mean([a for a, _ in sets]):.1f}%")
    print(f"final count (SetEnded) exact:            {100 * np.mean([b for _, b in sets]):.1f}%")
    confirmed = CounterParams().min_set_reps
    print("first report of each true rep, s after its end (median / p90; share within 0.5 s / 1 s):")
    for ch in ("tilt", "rise"):
        for name, keep in (("all", lambda k: True), ("after confirmation", lambda k: k > confirmed)):
            v = np.array([d for c, k, d in lat if c == ch and keep(k)])
            if len(v):
                print(f"  {ch:4} {name:18} {len(v):5} reps  {np.median(v):5.2f} / {np.percentile(v, 90):5.2f}"
                      f"   {100 * np.mean(v <= 0.5):5.1f}% / {100 * np.mean(v <= 1.0):5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
