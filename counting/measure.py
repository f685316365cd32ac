"""Per-rep measurement on a short window of buffered samples (pure functions).

Once the detector has seen a movement away from rest and back, this module times it
precisely: a zero-phase low-pass of the acceleration gives the gravity direction in
the sensor frame; the rep's movement curve is the tilt along the rep's own rotation
direction, and the 10%/90% crossings of its amplitude give the phases
(shared/interface.md section 3).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy import signal


@dataclass(frozen=True)
class Movement:
    """One excursion from rest and back, timed on the 10%/90% crossings.

    Times are seconds on the recording axis. `hold_s` is the time beyond 90%;
    `rise_s` rest->extreme (10->90%), `fall_s` extreme->rest (90->10%).
    amplitude_deg: tilt of the sensor between rest and extreme (deg).
    vertical_cm: signed vertical travel of the sensor at the extreme (+ up), or None.
    peak_rate_dps: largest tilt rate during the rep (deg/s); for the vertical channel the
        largest vertical speed (cm/s).
    sway_deg: RMS tilt across the rep's movement direction (deg).
    hf_rms: RMS of the high-passed acceleration magnitude during the rep (m/s^2).
    gyro_hf_rms: the same for the gyro (rad/s), or None without gyro.
    drop_times: (start, rise_end, fall_start, end) timed on 1 - cos(tilt), the shape of the
        hip drop in a squat (s), or None.
    channel: "tilt" (found and timed on the tilt) or "vertical" (on the height curve).
    snr: vertical channel only: the rise over the size of the bumps that the sensor's own
        noise makes when integrated over the rep's duration (noise RMS x duration^1.5), the
        noise being the sensor's floor (the quiet between sets).
    local_snr: the same with the noise band's mean over the rep's 10 s window, which the
        rep's own quick parts and any stepping or fidgeting around it raise.
    rise_with_tilt_cm: tilt channel, tilts of tilt_timing_deg or more: the sensor's rise (cm,
        + up) at the tilt's extreme, from the part of its height curve that follows the tilt
        (this rep's rise_terms fitted alone); else None.
    rise_terms: the same movements: rise_terms of the rep on its tilt in radians, to fit a
        set's reps together (sets.goes_down).
    turn_deg: vertical channel only: how far the sensor turned during the rise (deg, the
        largest angle of its low-passed gravity direction from where it was at the start).
    direction: tilt channel, measured movements: the unit vector (sensor frame) along which
        "up" moved from rest towards the extreme (zero if it did not move); else None (the
        vertical channel, movements too quick to be measured).
    """

    start_s: float
    rise_end_s: float
    fall_start_s: float
    end_s: float
    peak_s: float
    amplitude_deg: float
    vertical_cm: float | None
    peak_rate_dps: float
    sway_deg: float
    hf_rms: float
    gyro_hf_rms: float | None
    drop_times: tuple[float, float, float, float] | None = None
    channel: str = "tilt"
    snr: float | None = None
    local_snr: float | None = None
    rise_with_tilt_cm: float | None = None
    turn_deg: float | None = None
    direction: tuple[float, float, float] | None = None
    rise_terms: tuple[float, ...] | None = None

    @classmethod
    def timed_only(cls, start_s: float, rise_end_s: float, fall_start_s: float, end_s: float, peak_s: float, *,
                   amplitude_deg: float = 0.0, vertical_cm: float | None = None, channel: str = "tilt") -> "Movement":
        """A movement timed but not measured further (rate, sway, impacts left at zero): one
        already known to be too quick for a rep, kept for what the candidate says."""
        return cls(start_s=start_s, rise_end_s=rise_end_s, fall_start_s=fall_start_s, end_s=end_s, peak_s=peak_s,
                   amplitude_deg=amplitude_deg, vertical_cm=vertical_cm, peak_rate_dps=0.0, sway_deg=0.0,
                   hf_rms=0.0, gyro_hf_rms=None, channel=channel)

    def as_squat(self) -> "Movement":
        """The same movement timed on its hip-drop shape (see drop_times)."""
        if self.drop_times is None:
            return self
        a, b, c, d = self.drop_times
        return replace(self, start_s=a, rise_end_s=b, fall_start_s=c, end_s=d)

    @property
    def size(self) -> float:
        """The movement's size: the tilt (deg), or the rise or drop (cm) for movements found by
        the vertical channel (sets.likeness says what reps of a set are compared on)."""
        return abs(self.vertical_cm) if self.channel == "vertical" and self.vertical_cm is not None else self.amplitude_deg

    @property
    def rise_s(self) -> float:
        return self.rise_end_s - self.start_s

    @property
    def hold_s(self) -> float:
        return self.fall_start_s - self.rise_end_s

    @property
    def fall_s(self) -> float:
        return self.end_s - self.fall_start_s

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def _crossing(t: np.ndarray, y: np.ndarray, i: int, level: float) -> float:
    """Time where y crosses `level` between samples i-1 and i (linear interpolation)."""
    if i <= 0:
        return float(t[0])
    y0, y1 = y[i - 1], y[i]
    if y1 == y0:
        return float(t[i])
    f = (level - y0) / (y1 - y0)
    return float(t[i - 1] + min(max(f, 0.0), 1.0) * (t[i] - t[i - 1]))


def time_excursion(t: np.ndarray, y: np.ndarray, rest: float, peak_i: int) -> tuple[float, float, float, float, float] | None:
    """10%/90% crossing times of an excursion of `y` above `rest` around sample `peak_i`.

    Returns (start, rise_end, fall_start, end, amplitude) or None when the curve does not
    leave and return through the 10% level inside the window.
    """
    amp = float(y[peak_i] - rest)
    if amp <= 0:
        return None
    lo, hi = rest + 0.1 * amp, rest + 0.9 * amp
    below_lo = np.flatnonzero(y[: peak_i + 1] < lo)
    if below_lo.size == 0:
        return None
    i_start = int(below_lo[-1]) + 1
    above_hi = np.flatnonzero(y[i_start: peak_i + 1] >= hi)
    i_r90 = i_start + int(above_hi[0])
    after_lo = np.flatnonzero(y[peak_i:] < lo)
    if after_lo.size == 0:
        return None
    i_end = peak_i + int(after_lo[0])
    after_hi = np.flatnonzero(y[peak_i:i_end] >= hi)
    i_f90 = peak_i + int(after_hi[-1]) + 1
    start = _crossing(t, y, i_start, lo)
    rise_end = _crossing(t, y, i_r90, hi)
    fall_start = _crossing(t, y, i_f90, hi)
    end = _crossing(t, y, i_end, lo)
    return start, rise_end, fall_start, end, amp


def percentile(x: np.ndarray, q: float) -> float:
    """np.percentile(x, q) (linear interpolation, the same arithmetic), without its overhead:
    it runs once per rep."""
    n = len(x)
    v = q / 100.0 * (n - 1)
    lo = int(math.floor(v))
    hi = min(lo + 1, n - 1)
    part = np.partition(x, [lo, hi] if hi != lo else lo)
    a, b = float(part[lo]), float(part[hi])
    t = v - lo
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def time_from_bottoms(t: np.ndarray, y: np.ndarray, peak_i: int, lo: int = 0, hi: int | None = None,
                      il: int | None = None, ir: int | None = None) -> tuple[float, float, float, float, float] | None:
    """time_excursion of the peak at `peak_i` measured from the straight line through the
    lowest points before it (from `lo`, at `il` if the caller knows it) and after it (up to
    `hi`, at `ir`).

    A curve that ends lower than it began (what is left of a drift, a stance that
    settled) would otherwise be measured from the higher bottom, which cuts the rep's
    start and end short and its top hold too."""
    hi = len(y) if hi is None else hi
    il = lo + int(np.argmin(y[lo: peak_i + 1])) if il is None else il
    ir = peak_i + int(np.argmin(y[peak_i:hi])) if ir is None else ir
    base = np.interp(np.arange(lo, hi), [il, ir], [y[il], y[ir]])
    return time_excursion(t[lo:hi], y[lo:hi] - base, 0.0, peak_i - lo)


def zero_phase(sos: np.ndarray, zi: np.ndarray, x: np.ndarray, pad: int) -> np.ndarray:
    """Forward-backward filtering of x (n,) or (n, k) along axis 0, as scipy's sosfiltfilt
    with odd padding of `pad` samples, with the filter's unit initial state `zi`
    (signal.sosfilt_zi(sos)) computed once by the caller: this runs once per rep."""
    pad = min(pad, len(x) - 1)
    if pad < 1:
        return x.copy()
    ext = np.concatenate([2 * x[:1] - x[pad:0:-1], x, 2 * x[-1:] - x[-2: -pad - 2: -1]])
    y = _cascade(sos, zi, ext)
    y = _cascade(sos, zi, y[::-1])
    return y[::-1][pad: len(ext) - pad]


def _cascade(sos: np.ndarray, zi: np.ndarray, x: np.ndarray) -> np.ndarray:
    """signal.sosfilt(sos, x, axis=0, zi=zi * x[0]) section by section: lfilter's fixed
    cost is a third of sosfilt's, and this runs twice per rep on short windows."""
    x0 = x[0]  # sosfilt_zi's states already carry the gain of the sections before them
    for (b, a), z in zip(zip(sos[:, :3], sos[:, 3:]), zi):
        x, _ = signal.lfilter(b, a, x, axis=0, zi=(z if x.ndim == 1 else z[:, None]) * x0)
    return x


def gravity_direction(acc: np.ndarray, fs: float, sos: np.ndarray,
                      zi: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Zero-phase low-passed acceleration (filter `sos` at `fs` Hz, unit initial state
    `zi` = signal.sosfilt_zi(sos) if the caller has it): unit direction of "up" (n,3)
    and magnitude (n,) m/s^2."""
    lp = zero_phase(sos, signal.sosfilt_zi(sos) if zi is None else zi, acc, int(fs))
    mag = np.linalg.norm(lp, axis=1)
    return lp / np.maximum(mag, 1e-9)[:, None], mag


def tilt_curve(u: np.ndarray, rest: np.ndarray, peak_i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tilt from `rest` along the direction of the excursion at `peak_i`, and across it (deg).

    Returns (along, across, direction): along is signed (+ towards the peak), across is the
    tilt at right angles to it; direction is the unit vector (sensor frame) of the excursion.
    """
    d = u - rest[None, :]
    axis = d[peak_i] - rest * float(d[peak_i] @ rest)
    n = float(np.linalg.norm(axis))
    if n < 1e-12:
        return np.zeros(len(u)), np.zeros(len(u)), np.zeros(3)
    axis /= n
    along = d @ axis
    across_vec = d - along[:, None] * axis[None, :] - (d @ rest)[:, None] * rest[None, :]
    across = np.linalg.norm(across_vec, axis=1)
    return np.degrees(np.arcsin(np.clip(along, -1, 1))), np.degrees(across), axis


def vertical_curve(t: np.ndarray, mag: np.ndarray, i0: int, i1: int) -> np.ndarray | None:
    """Vertical position (m, + up) of the sensor over samples [i0, i1), zero at both ends.

    The low-passed acceleration magnitude minus its mean is the vertical linear
    acceleration (taking the magnitude removes the tilt; removing the mean makes the
    velocity zero at both ends, where the body is at rest). Integrating twice and
    pinning both ends to zero removes the remaining drift linearly.
    """
    if i1 - i0 < 5:
        return None
    n = i1 - i0
    a = mag[i0:i1] - float(mag[i0:i1].sum()) / n
    ramp = np.arange(n) * (1.0 / (n - 1))
    step = np.diff(t[i0:i1], prepend=t[i0])
    v = np.cumsum(a * step)
    v -= ramp * v[-1]
    z = np.cumsum(v * step)
    z -= ramp * z[-1]
    return z


def rise_terms(t: np.ndarray, z: np.ndarray, shape: np.ndarray) -> tuple[float, ...]:
    """The normal equations (A 3x3 then b 3, flattened) of how the height curve `z` (m)
    follows the tilt `shape` along the rep's path (0 at rest; rad, or 0-1 of the extreme):
    the sensor's rise per unit of it, and the double integrals of shape and shape^2, with
    the rep's own parabola taken out.

    A tilting accelerometer's magnitude is not g: per-axis bias (10-60 mg) and scale
    errors (1-3%) make it a function of the orientation, and on the height curve that
    error is the tilt shape integrated twice, which over a 2 s hold is as big as the rep's
    rise. Along one rep's path the error is a quadratic in the shape, so its double
    integrals are fitted along with it, and so is a parabola: vertical_curve took the mean
    out of the acceleration and pinned both ends, which turns any error into one. The
    parabola is the rep's own; with the shape in radians the rise per radian and the error
    terms are the same for every rep of a set (one device, one path, whatever each rep's
    extreme), so the terms of a set's reps add up (rise_of_set).
    """
    dt = np.diff(t, prepend=t[0])
    tt = t - t[0]
    x1 = np.column_stack([shape, np.cumsum(np.cumsum(shape * dt) * dt), np.cumsum(np.cumsum(shape * shape * dt) * dt)])
    q, _ = np.linalg.qr(np.column_stack([np.ones(len(t)), tt, tt * tt]))
    x1 = x1 - q @ (q.T @ x1)  # the parabola projected out (the same fit as with it, Frisch-Waugh)
    zp = z - q @ (q.T @ z)
    return tuple((x1.T @ x1).ravel().tolist() + (x1.T @ zp).tolist())


def rise_of_set(terms: list[tuple[float, ...]]) -> float | None:
    """The rise with the tilt (cm per unit of the shape, + up) fitted over reps together:
    their rise_terms summed."""
    if not terms:
        return None
    tot = np.sum(np.asarray(terms), axis=0)
    a, b = tot[:9].reshape(3, 3), tot[9:]
    try:
        coef = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        coef, *_ = np.linalg.lstsq(a, b, rcond=None)
    return float(coef[0] * 100.0)


def vertical_travel_cm(t: np.ndarray, mag: np.ndarray, i0: int, i1: int) -> float | None:
    """Signed vertical travel (cm, + up) of the sensor at its extreme inside [i0, i1)."""
    z = vertical_curve(t, mag, i0, i1)
    if z is None:
        return None
    k = int(np.argmax(np.abs(z)))
    return float(z[k] * 100.0)


def rms(x: np.ndarray) -> float:
    return float(math.sqrt(float(np.mean(np.square(x))))) if len(x) else 0.0
