"""Speed and memory of the counting path.

    python -m benchmarks.speed [--hours 2] [--rate 100]

Prints: wall time and times-real-time for analysing a long recording from its CSV
file (parsing included, one process, one core), the per-chunk cost of the streaming
counter for 0.1 s chunks, and peak Python memory (tracemalloc) of the streaming path
for a 10-minute and a long session (it must not grow with the session length).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from counting.counter import RepCounter
from counting.samples import Samples
from sensor.csv_reader import iter_recording, write_recording


def long_session(hours: float, rate: float, seed: int = 7) -> Samples:
    """Repeat simulated sessions end to end until `hours` are covered."""
    from sensor.sim import SessionSpec, simulate_session

    parts, t_end, i = [], 0.0, 0
    while t_end < hours * 3600:
        res = simulate_session(SessionSpec(placement="shank", n_sets=4, reps=15, rate_hz=rate,
                                           disturbances=("walking", "fidget"), seed=seed + i))
        s = res.samples
        t = s.t - s.t[0] + t_end + 1.0 / rate
        parts.append(Samples(t, s.acc, s.gyro))
        t_end = float(t[-1])
        i += 1
    whole = Samples.concat(parts)
    keep = whole.t <= hours * 3600
    return Samples(whole.t[keep], whole.acc[keep], None if whole.gyro is None else whole.gyro[keep])


def analyse_file(path: Path) -> int:
    counter = RepCounter(live_order=False)  # file analysis: the sets, as `soleus analyze`
    for chunk in iter_recording(path):
        counter.feed(chunk)
    counter.finish()
    return sum(len(s.reps) for s in counter.sets_)


def peak_memory_mb(path: Path) -> float:
    tracemalloc.start()
    analyse_file(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--rate", type=float, default=100.0)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        long_path, short_path = Path(d) / "long.csv", Path(d) / "short.csv"
        samples = long_session(args.hours, args.rate)
        write_recording(long_path, samples)
        n10 = int(np.searchsorted(samples.t, 600.0))
        write_recording(short_path, samples.slice(0, n10))
        size_mb = long_path.stat().st_size / 1e6
        print(f"recording: {args.hours:g} h at {args.rate:g} Hz, {len(samples)} samples, {size_mb:.0f} MB CSV")

        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            reps = analyse_file(long_path)
            times.append(time.perf_counter() - t0)
        best = min(times)
        print(f"analyse file (parse + count): best {best:.2f} s of 3, {args.hours * 3600 / best:.0f}x real time, {reps} reps")

        counter = RepCounter()
        per_chunk = []
        step = int(round(0.1 * args.rate))
        for i in range(0, min(len(samples), int(600 * args.rate)), step):
            c = samples.slice(i, i + step)
            t0 = time.perf_counter()
            counter.feed(c)
            per_chunk.append(time.perf_counter() - t0)
        per_chunk_us = [x * 1e6 for x in per_chunk]
        print(f"streaming, 0.1 s chunks: median {statistics.median(per_chunk_us):.0f} us, "
              f"p99 {np.percentile(per_chunk_us, 99):.0f} us, max {max(per_chunk_us):.0f} us per chunk")

        m_short = peak_memory_mb(short_path)
        m_long = peak_memory_mb(long_path)
        print(f"peak memory, streaming file analysis: 10 min {m_short:.1f} MB, {args.hours:g} h {m_long:.1f} MB "
              f"(ratio {m_long / m_short:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
