"""simulate_session: one whole simulated training session and its exact truth."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from counting.samples import Samples
from sensor.sim.body import Body, chain
from sensor.sim.imu import Device, ideal, measure, mounting_filter
from sensor.sim.mathutil import qmul, qrot, qx, qy, qz
from sensor.sim.plan import Block, RepPlan, plan_session, truth_set
from sensor.sim.render import Tracks, render
from sensor.sim.spec import SessionSpec

ACTIVITY_KINDS = ("walking", "fidget", "sit_stand", "dumbbells_pick_up", "dumbbells_put_down", "step_on",
                  "step_off", "heels_up", "heels_down", "hand_to_wall", "hand_off_wall", "hands_to_hips", "hands_off_hips")


@dataclass(frozen=True, eq=False)
class SimResult:
    """A simulated session.

    samples: what the device reports (sensor frame, with noise, jitter, gaps and duplicates).
    truth:   the `soleus analyze --json` document of the session plus extra keys (see README of
             docs/simulator.md): per rep rom_cm and partial, per set exercise, top-level
             placement, exercise, rate_hz, has_gyro, wrist_mode, disturbances, seed, duration_s,
             activities, non_set_s, gaps.
    curve_t, curve: the generated movement curve (heel rise, or hip drop for squats; m; 0 at
             rest) on the internal uniform grid, on the recording's t axis.
    clean:   noise-free, artefact-free Samples on the internal grid (same mounting), for tests.
    """

    spec: SessionSpec
    samples: Samples
    truth: dict
    curve_t: np.ndarray
    curve: np.ndarray
    clean: Samples
    blocks: list = field(default_factory=list)


def _internal_factor(rate: float) -> int:
    return max(1, int(np.ceil(100.0 / rate - 1e-9)))


def _compose(tr: Tracks, body: Body, placement: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World orientation q (4,n), sensor position p (3,n) and extra acceleration (3,n), from the tracks."""
    qc, pc, pivot = chain(body, placement, tr.J, tr.wall_w, tr.hips_w)
    qdev = qmul(qz(tr.dev_rot[2]), qmul(qy(tr.dev_rot[1]), qx(tr.dev_rot[0])))
    p_loc = pivot + tr.dev_pos + qrot(qdev, pc - pivot)
    q_loc = qmul(qdev, qc)
    qpsi = qz(tr.psi)
    P = np.zeros_like(p_loc)
    P[0] = np.cumsum(tr.vel * np.cos(tr.psi)) / tr.fs
    P[1] = np.cumsum(tr.vel * np.sin(tr.psi)) / tr.fs
    return qmul(qpsi, q_loc), P + qrot(qpsi, p_loc), qrot(qpsi, tr.a_extra)


def _artefacts(rng: np.random.Generator, t: np.ndarray, set_spans: list[tuple[float, float]], period: float
               ) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Row indices to keep (with duplicates repeated) and the lost-packet gaps (first lost, first kept).

    Lost packets: on average one gap per 90 s, 0.05-1 s long; 15% are long (2-5 s) and those are
    kept outside sets (a gap of seconds inside a set would swallow whole reps). Duplicates: a row
    repeated with the same timestamp about once per 2000 samples.
    """
    n = len(t)
    keep = np.ones(n, dtype=bool)
    dur = t[-1] - t[0]
    gaps = []
    n_gaps = rng.poisson(dur / 90.0)
    for _ in range(n_gaps):
        long = rng.random() < 0.15
        L = rng.uniform(2.0, 5.0) if long else rng.uniform(0.05, 1.0)
        a = rng.uniform(t[0] + 3.0, max(t[0] + 3.0, t[-1] - 3.0 - L))
        if long and any(s - 1 < a + L and a < e + 1 for s, e in set_spans):
            L = rng.uniform(0.05, 1.0)
        i0, i1 = int(np.searchsorted(t, a)), int(np.searchsorted(t, a + L))
        if i1 - i0 >= 1 and i0 > 0 and i1 < n:
            keep[i0:i1] = False
    idx = np.flatnonzero(keep)
    lost = np.flatnonzero(np.diff(idx) > 1)
    gaps = [(int(idx[j] + 1), int(idx[j + 1])) for j in lost]
    n_dup = rng.binomial(len(idx), 1.0 / 2000.0)
    if n_dup:
        dup = rng.choice(len(idx), size=n_dup, replace=False)
        idx = np.sort(np.concatenate([idx, idx[dup]]), kind="stable")
    return idx, gaps


def simulate_session(spec: SessionSpec) -> SimResult:
    """Simulate one session (deterministic from spec.seed). See SimResult and docs/simulator.md."""
    rng = np.random.default_rng([int(spec.seed), 1])
    body = Body.random(rng)
    dev = Device.random(rng)
    t0 = spec.t0 if spec.t0 is not None else float(np.round(rng.uniform(1000.0, 50000.0), 3))
    blocks, sets, duration = plan_session(rng, body, spec)
    k = _internal_factor(spec.rate_hz)
    # The device's oscillator is off by up to +-0.3% when artefacts are on: the samples come at
    # rate_hz * (1 + error) on the t axis (real time), as with a host-timestamped BLE stream.
    rate = spec.rate_hz * (1.0 + (dev.rate_error if spec.artefacts else 0.0))
    fs = rate * k
    m = int(np.floor(duration * rate))
    n = m * k
    tr = render(spec, body, blocks, sets, fs, n, rng)
    R, p, a_extra = _compose(tr, body, spec.placement)
    resonance = mounting_filter(spec.placement, np.random.default_rng([int(spec.seed), 2]))
    acc_i, gyro_i = ideal(R, p, a_extra, fs, dev, resonance)
    acc, gyro = measure(acc_i, gyro_i, k, dev, rng, fs)
    # Sample j averages internal samples [jk, jk+k): it stands for their mid time.
    t_true = t0 + (np.arange(m) * k + 0.5 * (k - 1)) / fs
    t_rep = t_true.copy()
    gaps_truth = []
    idx = np.arange(m)
    if spec.artefacts:
        if dev.jitter_s > 0:
            lim = 0.3 / rate
            t_rep = t_true + np.clip(rng.normal(0, dev.jitter_s, m), -lim, lim)
        spans = [(t0 + r[0].t_away, t0 + r[-1].t_end) for r in sets]
        idx, gaps = _artefacts(rng, t_true, spans, 1.0 / rate)
        gaps_truth = [{"start_s": round(float(t_rep[a - 1]), 4), "end_s": round(float(t_rep[b]), 4)} for a, b in gaps]
    samples = Samples(t_rep[idx], acc[idx], gyro[idx] if spec.has_gyro else None)
    t_int = t0 + np.arange(n) / fs
    clean = Samples(t_int, acc_i.T, gyro_i.T if spec.has_gyro else None)
    set_truth = [truth_set(reps, spec.exercise, t0) for reps in sets]
    in_sets = sum(s["end_s"] - s["start_s"] for s in set_truth)
    activities = [{"kind": b.kind, "start_s": round(float(t0 + b.start), 4), "end_s": round(float(t0 + b.end), 4)}
                  for b in blocks if b.kind in ACTIVITY_KINDS]
    truth = {
        "sets": set_truth,
        "placement": spec.placement, "exercise": spec.exercise, "rate_hz": spec.rate_hz,
        "has_gyro": spec.has_gyro, "wrist_mode": spec.wrist_mode if spec.placement == "wrist" else None,
        "disturbances": list(spec.disturbances), "seed": spec.seed,
        "t0_s": round(float(t_rep[0]), 4), "duration_s": round(float(t_rep[-1] - t_rep[0]), 4),
        "activities": activities, "non_set_s": round(float(t_rep[-1] - t_rep[0] - in_sets), 4),
        "gaps": gaps_truth, "simulated": True,
        "rom_unit": "cm", "rom_kind": "hip_drop" if spec.exercise == "raised_heel_squat" else "heel_rise",
    }
    return SimResult(spec=spec, samples=samples, truth=truth, curve_t=t_int, curve=tr.curve, clean=clean, blocks=blocks)
