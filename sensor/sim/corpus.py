"""Writing simulated sessions: one recording + truth, or a benchmark corpus with balanced coverage."""
from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from counting.events import EXERCISES, PLACEMENTS
from sensor.csv_reader import write_recording
from sensor.sim.session import SimResult, simulate_session
from sensor.sim.spec import DISTURBANCES, RATES_HZ, WRIST_MODES, SessionSpec, random_spec


def truth_path(csv_path: str | Path) -> Path:
    """OUT.csv -> OUT.truth.json (beside it)."""
    p = Path(csv_path)
    stem = p.name[:-4] if p.name.lower().endswith(".csv") else p.name
    return p.with_name(stem + ".truth.json")


def write_session(path: str | Path, spec: SessionSpec, decimals: int = 4) -> SimResult:
    """Simulate spec and write PATH (plain CSV, duplicates and jitter kept) and PATH.truth.json.

    decimals: digits after the point for acc/gyro (4 is below the simulated sensor noise).
    """
    res = simulate_session(spec)
    path = Path(path)
    write_recording(path, res.samples, decimals=decimals)
    with open(truth_path(path), "w") as fh:
        json.dump(res.truth, fh, indent=1)
        fh.write("\n")
    return res


# Disturbance mixes cycled through the corpus (each disturbance in half of the sessions).
_MIXES = [(), ("walking", "fidget"), ("sit_stand",), ("walking", "fidget", "sit_stand", "dumbbells"),
          ("fidget", "dumbbells"), ("walking",), ("fidget", "sit_stand"), ("walking", "dumbbells")]


def corpus_specs(n: int, seed: int = 0) -> list[SessionSpec]:
    """n specs covering placements x exercises evenly, cycling rates, gyro/no gyro (1 in 4 without),
    wrist modes and disturbance mixes; everything else from random_spec."""
    cells = list(itertools.product(PLACEMENTS, EXERCISES))
    rng = np.random.default_rng([int(seed), 424242])
    order = rng.permutation(len(cells))
    specs = []
    for i in range(n):
        placement, exercise = cells[order[i % len(cells)]]
        lap = i // len(cells)
        base = random_spec(seed * 100003 + i, placement=placement, exercise=exercise)
        specs.append(replace(
            base,
            rate_hz=RATES_HZ[(i + lap) % len(RATES_HZ)],
            has_gyro=(i + lap) % 4 != 3,
            wrist_mode=WRIST_MODES[(i // len(PLACEMENTS)) % len(WRIST_MODES)],
            disturbances=_MIXES[(i + 3 * lap) % len(_MIXES)],
        ))
    return specs


def write_corpus(directory: str | Path, n: int = 200, seed: int = 0) -> list[Path]:
    """Write n sessions NNN_<placement>_<exercise>.csv + .truth.json and an index.json; return the CSVs."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    out, index = [], []
    for i, spec in enumerate(corpus_specs(n, seed)):
        p = d / f"{i:03d}_{spec.placement}_{spec.exercise}.csv"
        res = write_session(p, spec)
        out.append(p)
        index.append({"file": p.name, "placement": spec.placement, "exercise": spec.exercise, "rate_hz": spec.rate_hz,
                      "has_gyro": spec.has_gyro, "wrist_mode": res.truth["wrist_mode"],
                      "disturbances": list(spec.disturbances), "sets": len(res.truth["sets"]),
                      "reps": [len(s["reps"]) for s in res.truth["sets"]], "seed": spec.seed,
                      "duration_s": res.truth["duration_s"]})
    with open(d / "index.json", "w") as fh:
        json.dump({"simulated": True, "seed": seed, "n": n, "sessions": index}, fh, indent=1)
        fh.write("\n")
    return out
