"""Small vectorised helpers: minimum-jerk profiles, rotations, band-limited noise.

Everything works on whole arrays so an hour of 100 Hz data takes milliseconds.
"""
from __future__ import annotations

import numpy as np


def minjerk(tau: np.ndarray) -> np.ndarray:
    """Minimum-jerk position profile s(tau) = 10 tau^3 - 15 tau^4 + 6 tau^5, tau clipped to [0, 1].

    Flash & Hogan (1985), "The coordination of arm movements: an experimentally confirmed
    mathematical model", J Neurosci 5(7):1688-1703: smooth point-to-point human movements
    minimise integrated squared jerk, which gives this quintic with zero velocity and
    acceleration at both ends.
    """
    x = np.clip(tau, 0.0, 1.0)
    return x * x * x * (10.0 + x * (-15.0 + 6.0 * x))


def minjerk_inverse(s: float) -> float:
    """tau at which minjerk(tau) == s (0 <= s <= 1), by bisection (exact to 1e-12)."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if minjerk(np.array(mid)) < s:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


TAU10 = minjerk_inverse(0.1)  # ~0.2466: 10% of a min-jerk movement is reached at 24.7% of its time
TAU90 = 1.0 - TAU10  # symmetric profile
CORE = TAU90 - TAU10  # fraction of a movement's duration spent between 10% and 90%


def bump(tau: np.ndarray) -> np.ndarray:
    """0 -> 1 -> 0 smooth bump over tau in [0, 1] (sin^2), 0 outside."""
    x = np.clip(tau, 0.0, 1.0)
    return np.sin(np.pi * x) ** 2


def rx(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def ry(a: np.ndarray) -> np.ndarray:
    """Rotation about the lateral (y) axis; with x forward and z up, +a tilts the top forward."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def rz(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def mv(R: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Apply (n,3,3) rotations to (n,3) or (3,) vectors."""
    if v.ndim == 1:
        return R @ v
    return np.einsum("nij,nj->ni", R, v)


def mm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return np.matmul(A, B)


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A uniformly distributed rotation matrix (Shoemake's quaternion method)."""
    u1, u2, u3 = rng.random(3)
    q = np.array([
        np.sqrt(1 - u1) * np.sin(2 * np.pi * u2), np.sqrt(1 - u1) * np.cos(2 * np.pi * u2),
        np.sqrt(u1) * np.sin(2 * np.pi * u3), np.sqrt(u1) * np.cos(2 * np.pi * u3),
    ])
    x, y, z, w = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def band_noise(rng: np.random.Generator, n: int, fs: float, f_lo: float, f_hi: float, rms: float,
               dims: int = 1) -> np.ndarray:
    """Gaussian noise band-limited to [f_lo, f_hi] Hz with the given RMS, shape (n,) or (n, dims).

    Built in the frequency domain (random phases, flat band), so it is smooth and costs one FFT.
    """
    if n == 0:
        return np.zeros((0,) if dims == 1 else (0, dims))
    m = max(n, 16)
    f = np.fft.rfftfreq(m, 1.0 / fs)
    band = (f >= f_lo) & (f <= f_hi)
    if not band.any():
        band[np.argmin(np.abs(f - 0.5 * (f_lo + f_hi)))] = True
    out = np.empty((n, dims))
    for d in range(dims):
        spec = np.zeros(f.shape, dtype=complex)
        k = int(band.sum())
        spec[band] = rng.normal(size=k) + 1j * rng.normal(size=k)
        x = np.fft.irfft(spec, m)[:n]
        s = x.std()
        out[:, d] = x * (rms / s) if s > 0 else 0.0
    return out[:, 0] if dims == 1 else out


def ramp_envelope(t: np.ndarray, t0: float, t1: float, ramp: float) -> np.ndarray:
    """1 inside [t0, t1], smooth min-jerk ramps of `ramp` s at both ends (inside the interval)."""
    ramp = max(1e-6, min(ramp, 0.5 * (t1 - t0)))
    return minjerk((t - t0) / ramp) * minjerk((t1 - t) / ramp)
