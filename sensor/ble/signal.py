"""Signals for virtual devices: the simulator's when available, else a built-in demo set."""
from __future__ import annotations

import numpy as np

from counting.samples import Samples

G = 9.80665


def _rotation(seed: int) -> np.ndarray:
    """A fixed, arbitrary mounting orientation."""
    rng = np.random.default_rng(seed)
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def demo_signal(*, rate_hz: float = 100.0, reps: int = 10, tempo=(2.0, 1.0, 1.0, 1.0), rest_s: float = 4.0,
                rise_m: float = 0.06, tilt_deg: float = 20.0, noise: float = 0.05, seed: int = 7) -> Samples:
    """Rest, one set of calf raises, rest: heel height h(t) with smooth (cosine) phases.

    tempo = eccentric, bottom pause, concentric, top hold (s). The sensor sees vertical
    acceleration h''(t) plus gravity, tilted by tilt_deg * h/rise about its lateral axis,
    in an arbitrary fixed orientation; gyro is the tilt rate.
    """
    ecc, bottom, con, top = tempo
    rep_s = con + top + ecc + bottom
    total = 2 * rest_s + reps * rep_s
    t = np.arange(0, total, 1.0 / rate_hz)
    h = np.zeros_like(t)
    for k in range(reps):
        s = rest_s + k * rep_s
        u = t - s
        up = (u >= 0) & (u < con)
        h[up] = 0.5 * (1 - np.cos(np.pi * u[up] / con))
        hold = (u >= con) & (u < con + top)
        h[hold] = 1.0
        dn = (u >= con + top) & (u < con + top + ecc)
        h[dn] = 0.5 * (1 + np.cos(np.pi * (u[dn] - con - top) / ecc))
    h *= rise_m
    dt = 1.0 / rate_hz
    a_vert = np.gradient(np.gradient(h, dt), dt)
    theta = np.deg2rad(tilt_deg) * h / rise_m
    omega = np.gradient(theta, dt)
    # body frame: z up, tilt about x
    f_body = np.stack([np.zeros_like(t), (G + a_vert) * np.sin(theta), (G + a_vert) * np.cos(theta)], axis=1)
    w_body = np.stack([omega, np.zeros_like(t), np.zeros_like(t)], axis=1)
    R = _rotation(seed)
    rng = np.random.default_rng(seed + 1)
    acc = f_body @ R.T + rng.normal(0, noise, f_body.shape)
    gyro = w_body @ R.T + rng.normal(0, 0.01, w_body.shape)
    return Samples(t, acc, gyro)


PLACEMENT_OF = {"polar-h10": "chest", "verity-sense": "shank", "pinetime": "wrist", "nus": "shank",
                "soleus-imu": "foot"}


def device_session(kind: str, *, rate_hz: float, reps: int = 10, seed: int = 7, placement: str | None = None,
                   exercise: str | None = None, tempo=(2.0, 1.0, 1.0, 1.0), n_sets: int = 1,
                   rest_s: float | None = None, has_gyro: bool = True,
                   pad_s: float | None = None) -> tuple[Samples, dict | None]:
    """Samples (and the simulator's truth, when it is used) for a virtual device.

    Uses sensor.sim (clean timestamps: the BLE layer adds its own link artefacts), with
    the placement a device of this kind is worn at; falls back to demo_signal.
    pad_s: keep only this much quiet time before the first set and after the last one.
    """
    try:
        from counting.events import Tempo
        from sensor.sim import SessionSpec, simulate_session

        spec = SessionSpec(placement=placement or PLACEMENT_OF.get(kind, "shank"),
                           exercise=exercise or "standing_calf_raise", n_sets=n_sets, reps=reps,
                           tempo=Tempo(*tempo), rate_hz=max(20.0, float(rate_hz)), has_gyro=has_gyro,
                           disturbances=(), rest_s=rest_s, artefacts=False, seed=seed, t0=0.0)
        res = simulate_session(spec)
        samples = res.samples
        if pad_s is not None and res.truth and res.truth.get("sets"):
            a = res.truth["sets"][0]["start_s"] - pad_s
            b = res.truth["sets"][-1]["end_s"] + pad_s
            i0, i1 = np.searchsorted(samples.t, [a, b])
            samples = samples.slice(int(i0), int(i1))
        if len(samples) > 0:
            return samples, res.truth
    except ImportError:
        pass
    return demo_signal(rate_hz=rate_hz, reps=reps, seed=seed, tempo=tempo), None


def device_signal(kind: str, **kw) -> Samples:
    return device_session(kind, **kw)[0]
