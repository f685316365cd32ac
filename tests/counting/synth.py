"""Small synthetic signals for unit tests of the counting core (no simulator needed).

A sensor tilts by `amp_deg` about a horizontal axis and rises by `rise_cm` following a
minimum-jerk heel-height curve; the mounting rotation is random. Returns the Samples and the exact phase truth.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from counting.samples import Samples

G = 9.81


def min_jerk(x: np.ndarray) -> np.ndarray:
    return 10 * x**3 - 15 * x**4 + 6 * x**5


def mj_inverse(level: float) -> float:
    """x in [0, 1] where min_jerk(x) == level."""
    xs = np.linspace(0, 1, 100001)
    return float(xs[np.searchsorted(min_jerk(xs), level)])


def tilt_session(*, fs: float = 100.0, reps: int = 12, con: float = 1.0, top: float = 1.0, ecc: float = 2.0,
                 bot: float = 0.5, amp_deg: float = 25.0, lead_s: float = 10.0, tail_s: float = 10.0,
                 noise: float = 0.03, t0: float = 1000.0, seed: int = 0, gyro: bool = False,
                 rise_cm: float = 5.0):
    rng = np.random.default_rng(seed)
    period = con + top + ecc + bot
    t = np.arange(0, lead_s + reps * period + tail_s, 1 / fs)
    h = np.zeros_like(t)
    x10, x90 = mj_inverse(0.1), mj_inverse(0.9)
    truth = []
    s = lead_s
    for _ in range(reps):
        m = (t >= s) & (t < s + con)
        h[m] = min_jerk((t[m] - s) / con)
        h[(t >= s + con) & (t < s + con + top)] = 1.0
        m = (t >= s + con + top) & (t < s + con + top + ecc)
        h[m] = 1 - min_jerk((t[m] - s - con - top) / ecc)
        truth.append({
            "start_s": t0 + s + x10 * con, "end_s": t0 + s + con + top + x90 * ecc,
            "concentric_s": (x90 - x10) * con, "top_hold_s": top + (1 - x90) * con + x10 * ecc,
            "eccentric_s": (x90 - x10) * ecc,
        })
        s += period
    pitch = np.radians(amp_deg) * h
    # the body rises with the heels: vertical acceleration of a rise_cm lift along the curve
    zdd = np.gradient(np.gradient(rise_cm / 100.0 * h, t), t)
    g = np.stack([np.sin(pitch), np.zeros_like(pitch), np.cos(pitch)], 1) * (G + zdd)[:, None]
    rot = Rotation.random(random_state=seed)
    acc = rot.apply(g) + rng.normal(0, noise, g.shape)
    gy = None
    if gyro:
        w = np.gradient(pitch, t)
        gy = rot.apply(np.stack([np.zeros_like(w), w, np.zeros_like(w)], 1)) + rng.normal(0, 0.005, g.shape)
    return Samples(t + t0, acc, gy), truth
