"""What a simulated session is: the SessionSpec, and random_spec for corpus coverage."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Union

import numpy as np

from counting.events import EXERCISES, PLACEMENTS, Tempo

RATES_HZ = (25.0, 50.0, 52.0, 100.0, 104.0, 200.0)
WRIST_MODES = ("free", "dumbbells", "wall")
DISTURBANCES = ("walking", "fidget", "sit_stand", "dumbbells")

# Tempo ranges (s) used when SessionSpec.tempo is None; see sensor/sim/kinematics.py.
CONCENTRIC_S = (0.5, 2.5)
TOP_HOLD_S = (0.0, 2.0)
ECCENTRIC_S = (0.8, 4.0)
BOTTOM_PAUSE_S = (0.0, 1.5)


@dataclass(frozen=True)
class SessionSpec:
    """One simulated training session as worn by one person.

    placement: where the sensor is worn (counting.events.PLACEMENTS).
    exercise: counting.events.EXERCISES (the same for every set).
    n_sets: number of sets. reps: reps per set, an int or a tuple with one entry per set.
    tempo: counting.events.Tempo (eccentric, bottom, concentric, top seconds) used as the TARGET
        of every set's phases (the concentric and eccentric are met before rep-to-rep variability,
        the holds as closely as the smooth movement allows: a hold can never be shorter than the
        slow ends of the movements on either side, about half their 10-90% durations);
        None = random per set.
    rate_hz: sample rate (25-200 Hz). has_gyro: False for an accelerometer-only device.
    wrist_mode: for placement "wrist": "free" (arms hang), "dumbbells" (holding weights),
        "wall" (a hand on a wall for balance: very little wrist motion).
    disturbances: what the person does between and around sets, any of DISTURBANCES.
    rest_s: rest between sets in s (None = random 30-90 s).
    artefacts: timestamp jitter, lost packets, duplicated samples (False = clean timestamps).
    seed: everything random derives from np.random.default_rng(seed).
    t0: time of the first sample (None = random 1000-50000 s).
    """

    placement: str = "foot"
    exercise: str = "standing_calf_raise"
    n_sets: int = 3
    reps: Union[int, tuple[int, ...]] = 15
    tempo: Tempo | None = None
    rate_hz: float = 100.0
    has_gyro: bool = True
    wrist_mode: str = "free"
    disturbances: tuple[str, ...] = ("walking", "fidget")
    rest_s: float | None = None
    artefacts: bool = True
    seed: int = 0
    t0: float | None = None

    def __post_init__(self) -> None:
        if self.placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {', '.join(PLACEMENTS)}, not {self.placement!r}")
        if self.exercise not in EXERCISES:
            raise ValueError(f"exercise must be one of {', '.join(EXERCISES)}, not {self.exercise!r}")
        if self.wrist_mode not in WRIST_MODES:
            raise ValueError(f"wrist_mode must be one of {', '.join(WRIST_MODES)}, not {self.wrist_mode!r}")
        if not isinstance(self.n_sets, (int, np.integer)) or not 1 <= self.n_sets <= 20:
            raise ValueError(f"n_sets must be 1-20, not {self.n_sets!r}")
        reps = self.reps_per_set()
        if len(reps) != self.n_sets:
            raise ValueError(f"reps has {len(reps)} entries but n_sets is {self.n_sets}")
        if any(not 1 <= r <= 100 for r in reps):
            raise ValueError("reps per set must be 1-100")
        if not 20.0 <= float(self.rate_hz) <= 400.0:
            raise ValueError(f"rate_hz must be 20-400 Hz, not {self.rate_hz!r}")
        disturbances = tuple(self.disturbances)
        bad = [d for d in disturbances if d not in DISTURBANCES]
        if bad:
            raise ValueError(f"unknown disturbance(s) {', '.join(map(str, bad))}; choose from {', '.join(DISTURBANCES)}")
        object.__setattr__(self, "disturbances", tuple(d for d in DISTURBANCES if d in disturbances))
        if self.rest_s is not None and not 3.0 <= self.rest_s <= 3600.0:
            raise ValueError("rest_s must be 3-3600 s")
        if self.tempo is not None and not isinstance(self.tempo, Tempo):
            raise ValueError("tempo must be a counting.events.Tempo or None")
        if self.tempo is not None and (self.tempo.concentric_s < 0.2 or self.tempo.eccentric_s < 0.2):
            raise ValueError("tempo: concentric and eccentric must be at least 0.2 s")

    def reps_per_set(self) -> tuple[int, ...]:
        if isinstance(self.reps, (int, np.integer)):
            return (int(self.reps),) * int(self.n_sets)
        return tuple(int(r) for r in self.reps)


def random_spec(seed: int, placement: str | None = None, exercise: str | None = None, **overrides) -> SessionSpec:
    """A randomised, realistic session for corpus coverage (deterministic from seed).

    Random: placement/exercise (unless given), 1-4 sets of 5-20 reps (sometimes a different count
    per set), random tempo per set (or sometimes a fixed prescribed tempo), rate from RATES_HZ,
    20% accelerometer-only, a random wrist mode, a random subset of disturbances, rest 20-90 s.
    `overrides` replace any field afterwards.
    """
    rng = np.random.default_rng([int(seed), 7919])
    placement = placement or str(rng.choice(PLACEMENTS))
    exercise = exercise or str(rng.choice(EXERCISES))
    n_sets = int(rng.integers(1, 5))
    if rng.random() < 0.3:
        reps: Union[int, tuple[int, ...]] = tuple(int(r) for r in rng.integers(5, 21, n_sets))
    else:
        reps = int(rng.integers(5, 21))
    tempo = None
    if rng.random() < 0.3:
        tempo = Tempo(float(rng.choice([1.0, 2.0, 3.0, 4.0])), float(rng.choice([0.0, 0.5, 1.0])),
                      float(rng.choice([0.5, 1.0, 2.0])), float(rng.choice([0.0, 1.0, 2.0])))
    dist = tuple(d for d in DISTURBANCES if rng.random() < 0.5)
    spec = SessionSpec(
        placement=placement, exercise=exercise, n_sets=n_sets, reps=reps, tempo=tempo,
        rate_hz=float(rng.choice(RATES_HZ)), has_gyro=bool(rng.random() >= 0.2),
        wrist_mode=str(rng.choice(WRIST_MODES)), disturbances=dist,
        rest_s=float(rng.uniform(20, 90)), seed=int(seed),
    )
    return replace(spec, **overrides) if overrides else spec
