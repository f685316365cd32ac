"""Small vectorised helpers: minimum-jerk profiles, rotations, band-limited noise.

Everything works on whole arrays so an hour of 100 Hz data takes milliseconds.
"""
from __future__ import annotations

import numpy as np
from scipy.fft import irfft, next_fast_len


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


def _rot(a: np.ndarray, i: int, j: int, k: int, sign: float) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    c, s = np.cos(a), np.sin(a)
    R = np.zeros(a.shape + (3, 3))
    R[..., i, i] = 1.0
    R[..., j, j] = c
    R[..., k, k] = c
    R[..., j, k] = -sign * s
    R[..., k, j] = sign * s
    return R


def rx(a: np.ndarray) -> np.ndarray:
    return _rot(a, 0, 1, 2, 1.0)


def ry(a: np.ndarray) -> np.ndarray:
    """Rotation about the lateral (y) axis; with x forward and z up, +a tilts the top forward."""
    return _rot(a, 1, 0, 2, -1.0)


def rz(a: np.ndarray) -> np.ndarray:
    return _rot(a, 2, 0, 1, 1.0)


def mv(R: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Apply (n,3,3) rotations to (n,3) or (3,) vectors."""
    if v.ndim == 1:
        return R @ v
    return np.einsum("nij,nj->ni", R, v)


# Quaternions (w, x, y, z) and vectors are stored COMPONENT-FIRST: q has shape (4, n), vectors
# (3, n), so every component is a contiguous array; composing and applying them costs a few
# elementwise products (much cheaper than stacks of 3x3 matrices for hour-long sessions).
def _q_axis(a: np.ndarray, axis: int) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    q = np.zeros((4,) + a.shape)
    q[0] = np.cos(0.5 * a)
    q[1 + axis] = np.sin(0.5 * a)
    return q


def qx(a: np.ndarray) -> np.ndarray:
    return _q_axis(a, 0)


def qy(a: np.ndarray) -> np.ndarray:
    """Rotation about the lateral (y) axis; with x forward and z up, +a tilts the top forward."""
    return _q_axis(a, 1)


def qz(a: np.ndarray) -> np.ndarray:
    return _q_axis(a, 2)


def qmul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product p * q (apply q first, then p); shapes (4, n)."""
    pw, px, py, pz = p
    qw, qx_, qy_, qz_ = q
    out = np.empty(np.broadcast_shapes(p.shape, q.shape))
    out[0] = pw * qw - px * qx_ - py * qy_ - pz * qz_
    out[1] = pw * qx_ + px * qw + py * qz_ - pz * qy_
    out[2] = pw * qy_ - px * qz_ + py * qw + pz * qx_
    out[3] = pw * qz_ + px * qy_ - py * qx_ + pz * qw
    return out


def qconj(q: np.ndarray) -> np.ndarray:
    out = -q
    out[0] = q[0]
    return out


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    u0, u1, u2 = u
    v0, v1, v2 = v
    out = np.empty(np.broadcast_shapes(u.shape, v.shape))
    out[0] = u1 * v2 - u2 * v1
    out[1] = u2 * v0 - u0 * v2
    out[2] = u0 * v1 - u1 * v0
    return out


def qrot(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v (3, n) or (3,) by unit quaternions q (4, n); returns (3, n)."""
    if v.ndim == 1 and q.ndim == 2:
        v = v[:, None]
    w = q[0]
    u = q[1:]
    t = 2.0 * _cross(u, v)
    return v + w * t + _cross(u, t)


def colmat(M: np.ndarray, a: np.ndarray) -> np.ndarray:
    """M @ a for a (3,3) matrix and component-first vectors a (3, n), without BLAS."""
    return M[:, 0:1] * a[0] + M[:, 1:2] * a[1] + M[:, 2:3] * a[2]


def qmat(q: np.ndarray) -> np.ndarray:
    """Rotation matrix of a single unit quaternion (4,)."""
    w, x, y, z = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


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
    """Gaussian noise band-limited to [f_lo, f_hi] Hz with the given RMS, shape (n,) or (dims, n).

    Built in the frequency domain (random phases, flat band), so it is smooth and costs one FFT.
    """
    if n == 0:
        return np.zeros((0,) if dims == 1 else (dims, 0))
    m = next_fast_len(max(n, 16), real=True)
    f = np.fft.rfftfreq(m, 1.0 / fs)
    band = (f >= f_lo) & (f <= f_hi) & (f > 0)
    if not band.any():  # too short for the band: use the lowest non-zero frequency
        band[1 + np.argmin(np.abs(f[1:] - 0.5 * (f_lo + f_hi)))] = True
    out = np.empty((dims, n))
    for d in range(dims):
        spec = np.zeros(f.shape, dtype=complex)
        k = int(band.sum())
        spec[band] = rng.normal(size=k) + 1j * rng.normal(size=k)
        x = irfft(spec, m)[:n]
        s = x.std()
        out[d] = x * (rms / s) if s > 1e-12 else 0.0
    return out[0] if dims == 1 else out


def ramp_envelope(t: np.ndarray, t0: float, t1: float, ramp: float) -> np.ndarray:
    """1 inside [t0, t1], smooth min-jerk ramps of `ramp` s at both ends (inside the interval)."""
    ramp = max(1e-6, min(ramp, 0.5 * (t1 - t0)))
    return minjerk((t - t0) / ramp) * minjerk((t1 - t) / ramp)
