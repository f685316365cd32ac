"""Streaming detection of movements away from a rest posture and back: the tilt channel.

The detector follows the angle between the causally low-passed acceleration ("up" in the
sensor frame) and the rest "up", scaled by its onset threshold so that 1.0 means
"clearly moved". A heel raise tilts the foot by 20-35 deg and the shank, thigh and
trunk by a few degrees, whatever the mounting. When a movement has left rest and come
back, it is handed to counting.measure for exact timing and to the caller as a
Candidate (accepted or rejected with a reason). The sensor's height is the other
channel, counting/vertical.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import ndimage, signal

from counting.measure import (Movement, gravity_direction, percentile, rise_of_set, rise_terms, rms, tilt_curve,
                              time_excursion, time_from_bottoms, vertical_curve, zero_phase)
from counting.params import CounterParams
from counting.resample import Uniform

REST, EXCURSION, SETTLE, REARM = 0, 1, 2, 3
RATE_LAG = 5  # samples over which the turn rate for "still" is measured (0.1 s at 50 Hz)
QUIET_HF2 = 0.09  # (m/s^2)^2: impact energy of quiet standing and controlled reps stays below


@dataclass(frozen=True)
class Candidate:
    """A movement away from rest and back. `reason` is None when it may be a rep.
    known_k: the absolute grid index of the sample whose arrival made it known (-1: unset)."""

    movement: Movement | None
    reason: str | None
    start_s: float
    end_s: float
    known_k: int = -1

    @property
    def ok(self) -> bool:
        return self.reason is None and self.movement is not None


class _Onset(NamedTuple):
    """What a movement is measured against, fixed when it starts: its onset threshold (deg),
    the rest "up" (sensor frame), the set's direction if inside a set, and the tilt of the rep
    that set that direction (deg)."""

    t_on: float
    rest: list[float]
    axis: list[float] | None
    axis_amp: float


class History:
    """The last few tens of seconds of the uniform stream, by absolute grid index."""

    def __init__(self, ncols: int, keep: int) -> None:
        self.keep = keep
        self.data = np.zeros((4 * keep, ncols))
        self.first = 0  # absolute index of row 0
        self.n = 0

    def append(self, first_index: int, rows: np.ndarray, oldest_needed: int) -> None:
        if self.n == 0:
            self.first = first_index
        m = len(rows)
        if self.n + m > len(self.data):
            drop = max(0, min(self.n, max(self.n + m - self.keep, 0), oldest_needed - self.first))
            self.data[: self.n - drop] = self.data[drop: self.n]
            self.n -= drop
            self.first += drop
            if self.n + m > len(self.data):
                grown = np.zeros((max(2 * len(self.data), self.n + m), self.data.shape[1]))
                grown[: self.n] = self.data[: self.n]
                self.data = grown
        self.data[self.n: self.n + m] = rows
        self.n += m

    def window(self, a: int, b: int) -> np.ndarray:
        a = max(a, self.first)
        b = min(b, self.first + self.n)
        return self.data[a - self.first: b - self.first]


class ExcursionDetector:
    """Feed uniform chunks; get Candidates back, each exactly once, in time order."""

    def __init__(self, params: CounterParams, has_gyro: bool) -> None:
        p = self.p = params
        fs = p.fs_hz
        self.has_gyro = has_gyro
        self._sos_det = signal.butter(2, p.detect_lp_hz, fs=fs, output="sos")
        self._sos_hp = signal.butter(2, p.hf_hp_hz, btype="highpass", fs=fs, output="sos")
        self._sos_measure = signal.butter(2, p.measure_lp_hz, fs=fs, output="sos")
        self._zi_measure = signal.sosfilt_zi(self._sos_measure)
        self._despike_n = int(round(0.25 * fs)) | 1
        self._sos_bias = signal.butter(1, p.gyro_bias_hz, fs=fs, output="sos")
        self._zi_bias: np.ndarray | None = None
        self._g: list[float] | None = None
        self._env_b, self._env_a = [1.0 / (0.5 * fs)], [1.0, -(1.0 - 1.0 / (0.5 * fs))]
        self._zi_det: np.ndarray | None = None
        self._zi_hp: np.ndarray | None = None
        self._zi_ghp: np.ndarray | None = None
        # columns: t, acc xyz, gyro xyz, hf, gyro hf, detection "up" xyz (gyro-fused if use_gyro)
        self._hist = History(12, int((p.max_rep_s + 20.0) * fs))
        self._state = REST
        self._r: list[float] | None = None
        self._noise2 = 0.0
        self._axis: list[float] | None = None
        self._axis_amp = 0.0  # tilt of the rep that set the axis (deg)
        self._axis_far = 0.0  # how far past rest on the other side the axis holds (deg)
        self._axis_until_k = -1
        self._base = 0.0
        self._up_tail = np.empty((0, 3))  # the last RATE_LAG "up" rows, for the turn rate
        self._exc_k = 0
        self._c_max = 0.0
        self._onset = _Onset(0.0, [0.0, 0.0, 1.0], None, 0.0)
        self._still_since: int | None = None
        self._due: list[tuple] = []  # (due_k, onset_k, end_k, onset info): measured at due_k
        self._k = -1

    # ------------------------------------------------------------------ streaming
    def feed(self, u: Uniform) -> list[Candidate]:
        if len(u) == 0:
            return []
        acc = u.acc
        if self._zi_det is None:
            self._zi_det = signal.sosfilt_zi(self._sos_det)[:, :, None] * acc[0][None, None, :]
            self._zi_hp = np.zeros((self._sos_hp.shape[0], 2, 3))
            self._zi_ghp = np.zeros((self._sos_hp.shape[0], 2, 3))
            self._zi_env = np.zeros(1)
        lp, self._zi_det = signal.sosfilt(self._sos_det, acc, axis=0, zi=self._zi_det)
        hp, self._zi_hp = signal.sosfilt(self._sos_hp, acc, axis=0, zi=self._zi_hp)
        hf = np.linalg.norm(hp, axis=1)
        if u.gyro is not None:
            ghp, self._zi_ghp = signal.sosfilt(self._sos_hp, u.gyro, axis=0, zi=self._zi_ghp)
            ghf = np.linalg.norm(ghp, axis=1)
            gyro = u.gyro
        else:
            ghf = np.zeros(len(u))
            gyro = np.zeros((len(u), 3))
        norm = np.linalg.norm(lp, axis=1)
        env, self._zi_env = signal.lfilter(self._env_b, self._env_a, hf * hf, zi=self._zi_env)
        up = lp / np.maximum(norm, 1e-9)[:, None]
        if u.gyro is not None and self.p.use_gyro:
            if self._zi_bias is None:
                self._zi_bias = signal.sosfilt_zi(self._sos_bias)[:, :, None] * u.gyro[0][None, None, :]
            bias, self._zi_bias = signal.sosfilt(self._sos_bias, u.gyro, axis=0, zi=self._zi_bias)
            up = self._fuse(up, u.gyro - bias)
        rows = np.column_stack([u.t, acc, gyro, hf, ghf, up])
        # keep what a movement still to be measured needs (its onset), not more: a long quiet
        # stretch must not pile up
        anchor = self._exc_k if self._state == EXCURSION else int(u.index[0])
        oldest = min([anchor] + [d[1] for d in self._due]) - int(3 * self.p.fs_hz)
        self._hist.append(int(u.index[0]), rows, oldest)
        return self._run(u.index.tolist(), up.tolist(), self._still(up, env).tolist())

    def _still(self, up: np.ndarray, env: np.ndarray) -> np.ndarray:
        """Per sample: turning slower than 5 deg/s (over the last RATE_LAG samples) and no
        impacts. Vectorised over the chunk; the tail carried over keeps it chunk-invariant."""
        both = np.vstack([self._up_tail, up])
        j = np.arange(len(self._up_tail), len(both))
        lag = np.minimum(j, RATE_LAG)
        cosang = np.einsum("ij,ij->i", both[j], both[j - lag])
        # rate < 5 deg/s over `lag` samples <=> the angle < 5 lag / fs deg
        limit = np.cos(np.radians(5.0 * np.maximum(lag, 1) / self.p.fs_hz))
        self._up_tail = both[-RATE_LAG:]
        return (cosang > limit) & (env < QUIET_HF2)

    def _fuse(self, up: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Complementary filter: "up" in the sensor frame turned by the (bias-free) gyro,
        pulled towards the accelerometer's "up" with time constant fuse_tau_s. At rep
        frequencies the tilt then comes from the gyro, free of the linear acceleration
        that the accelerometer mixes into it."""
        dt = 1.0 / self.p.fs_hz
        alpha = dt / self.p.fuse_tau_s
        g = self._g if self._g is not None else list(up[0])
        gx, gy, gz = g
        out = np.empty_like(up)
        for i, ((ax, ay, az), (wx, wy, wz)) in enumerate(zip(up.tolist(), w.tolist())):
            # d(up)/dt = -w x up (a world-fixed vector seen from the turning sensor)
            cx, cy, cz = wy * gz - wz * gy, wz * gx - wx * gz, wx * gy - wy * gx
            gx, gy, gz = gx - dt * cx, gy - dt * cy, gz - dt * cz
            gx, gy, gz = gx + alpha * (ax - gx), gy + alpha * (ay - gy), gz + alpha * (az - gz)
            n = math.sqrt(gx * gx + gy * gy + gz * gz)
            gx, gy, gz = gx / n, gy / n, gz / n
            out[i] = (gx, gy, gz)
        self._g = [gx, gy, gz]
        return out

    def flush(self) -> list[Candidate]:
        """End of stream: measure what is still waiting for its margin."""
        out = [self._measure(self._k + 1, *due[1:]) for due in self._due]
        self._due = []
        if self._state == EXCURSION:
            t0 = self._t_of(self._exc_k)
            out.append(Candidate(None, "unfinished at end of recording", t0, self._t_of(self._k), self._k + 1))
            self._state = REST
        return out

    def horizon_s(self) -> float:
        """No candidate still to come can start before this time (s)."""
        ks = [self._k] + [d[1] for d in self._due]
        if self._state == EXCURSION:
            ks.append(self._exc_k)
        t = self._t_of(min(ks))
        # a rep's timed start is never earlier than its measuring window, 1.5 s before the
        # onset; 0.5 s more keeps the bound safe whatever the timing does
        return t - 2.0 if t == t else float("-inf")

    # ------------------------------------------------------------------ internals
    def _t_of(self, k: int) -> float:
        w = self._hist.window(k, k + 1)
        return float(w[0, 0]) if len(w) else float("nan")

    def _run(self, ks: list[int], ups: list[list[float]], stills: list[bool]) -> list[Candidate]:
        p = self.p
        fs = p.fs_hz
        out: list[Candidate] = []
        beta = 1.0 / (2.0 * fs)  # rest tracking, 2 s time constant
        gamma = 1.0 / (5.0 * fs)  # rest wobble estimate, 5 s
        margin = int(round(0.25 * fs))
        still_n = int(round(1.0 * fs))
        acos, deg = math.acos, 180.0 / math.pi
        for k, (ux, uy, uz), still in zip(ks, ups, stills):
            if self._r is None:
                self._r = [ux, uy, uz]
            rx, ry, rz = self._r
            st = self._state
            axis = self._axis if k <= self._axis_until_k else None
            if axis is not None:
                # inside a set: the signed tilt along the set's own direction, measured from
                # the lowest point since the last rep (the bottom): sway across it and the
                # far side of rest (a step's stretched bottom) do not count
                ax_, ay_, az_ = axis
                sgn = deg * ((ux - rx) * ax_ + (uy - ry) * ay_ + (uz - rz) * az_)
                if st == REST and -sgn > self._axis_far:
                    # far beyond rest on the other side, by more than that set's reps ever
                    # took it: not that set's bottom but a movement of its own (a squat after
                    # a fidget that set the direction): follow it from rest, unsigned
                    axis = self._axis = None
                elif st != EXCURSION and sgn < self._base:
                    self._base = sgn
                x = sgn - self._base
            if axis is None:
                d = ux * rx + uy * ry + uz * rz
                x = deg * acos(d) if -1.0 < d < 1.0 else (0.0 if d >= 1.0 else 180.0)
                self._base = 0.0
            if st == EXCURSION or st == REARM:
                t_on = self._onset.t_on
            else:
                t_on = max(p.onset_min_deg, p.onset_noise_k * math.sqrt(self._noise2))
            c = x / t_on
            if st == REST:
                if c > 1.0:
                    self._start_excursion(k, c, t_on, axis, self._axis_amp)
                elif c < 0.5:
                    # only clearly-at-rest samples teach the wobble and the rest posture: the
                    # slow start of a rep must feed neither (it would raise the threshold that
                    # is meant to catch it)
                    self._noise2 += gamma * (x * x - self._noise2)
                    if still:
                        self._track_rest(ux, uy, uz, beta)
                        self._base += beta * (0.0 - self._base) if axis is not None else 0.0
            elif st == EXCURSION:
                if c > self._c_max:
                    self._c_max = c
                    self._valley_c, self._valley_k = c, k
                elif c < self._valley_c:
                    self._valley_c, self._valley_k = c, k
                if (self._valley_c < p.valley_frac * self._c_max
                        and c > self._valley_c + p.valley_rise_frac * self._c_max
                        and self._c_max >= p.min_peak_ratio):
                    # came most of the way back, then rose again: the stance shifted a little
                    # during the rep, so it never got within 10% of the old rest. Split at the
                    # valley: one rep ends there, the next one has begun.
                    self._due.append((k + margin, self._exc_k, self._valley_k, self._onset))
                    self._start_excursion(self._valley_k, c, self._onset.t_on, self._onset.axis, self._onset.axis_amp)
                elif c < max(0.1 * self._c_max, 0.5):
                    # the tail of the return may still be moving: re-arm only at rest or at
                    # a clear new rise (a rep that follows with no bottom pause)
                    self._state = REARM
                    self._rearm_min = c
                    self._rearm_rise = max(1.0, 0.2 * self._c_max)
                    if self._c_max >= p.min_peak_ratio:
                        self._due.append((k + margin, self._exc_k, k, self._onset))
                elif (k - self._exc_k) > p.max_rep_s * fs:
                    out.append(Candidate(None, "long posture change", self._t_of(self._exc_k), self._t_of(k), k))
                    self._state = SETTLE
                    self._axis = None
                    self._still_since = None
            elif st == REARM:
                if c < self._rearm_min:
                    self._rearm_min = c
                if c < 0.5:
                    self._state = REST
                elif still and c < 1.0:
                    # settled slightly off the old rest (a shifted stance): follow it
                    self._track_rest(ux, uy, uz, beta)
                elif c > self._rearm_min + self._rearm_rise:
                    self._start_excursion(k, c, t_on, axis, self._axis_amp)
            else:  # SETTLE: wait for a new posture to be held, then make it the rest
                if still:
                    if self._still_since is None:
                        self._still_since = k
                    elif k - self._still_since >= still_n:
                        self._r = [ux, uy, uz]
                        self._noise2 = 0.0
                        self._state = REST
                else:
                    self._still_since = None
            while self._due and self._due[0][0] <= k:
                self._k = k
                due = self._due.pop(0)
                out.append(self._measure(k, *due[1:]))
        self._k = ks[-1]
        return out

    def _start_excursion(self, k: int, c: float, t_on: float, axis: list[float] | None, axis_amp: float) -> None:
        self._state = EXCURSION
        self._exc_k = k
        self._c_max = c
        self._valley_c, self._valley_k = c, k
        self._onset = _Onset(t_on, list(self._r), axis, axis_amp)

    def _track_rest(self, ux: float, uy: float, uz: float, beta: float) -> None:
        rx, ry, rz = self._r
        nx, ny, nz = rx + beta * (ux - rx), ry + beta * (uy - ry), rz + beta * (uz - rz)
        n = math.sqrt(nx * nx + ny * ny + nz * nz)
        self._r = [nx / n, ny / n, nz / n]

    def _measure(self, known_k: int, onset_k: int, end_k: int, onset: _Onset) -> Candidate:
        p = self.p
        fs = p.fs_hz
        t_on_deg, rest, axis, axis_amp = onset
        pre = int(1.5 * fs)
        w = self._hist.window(onset_k - pre, end_k + int(round(0.25 * fs)) + 1)
        t_on, t_end = self._t_of(onset_k), self._t_of(end_k)
        if len(w) < 8:
            return Candidate(None, "too little data", t_on, t_end, known_k)
        t = w[:, 0]
        # the gravity direction, as in gravity_direction
        lp = zero_phase(self._sos_measure, self._zi_measure, w[:, 1:4], int(fs))
        u = lp / np.maximum(np.linalg.norm(lp, axis=1), 1e-9)[:, None]
        if self.has_gyro and p.use_gyro:
            u, _ = gravity_direction(w[:, 9:12], fs, self._sos_measure, self._zi_measure)
        i_on = int(np.searchsorted(t, t_on))
        i_end = min(len(t) - 1, int(np.searchsorted(t, t_end)))
        rest_v = np.asarray(rest)
        if axis is not None:
            score = (u - rest_v) @ np.asarray(axis)
        else:
            score = np.degrees(np.arccos(np.clip(u @ rest_v, -1, 1)))
        peak_i = i_on + int(np.argmax(score[i_on: i_end + 1]))
        along, across, direction = tilt_curve(u, rest_v, peak_i)
        # the rest level is where the rep left from; only if the return has not reached it
        # inside the window (a shifted stance) fall back to where the return got to
        rest_level = percentile(along[: peak_i + 1], 5)
        timed = time_excursion(t, along, rest_level, peak_i)
        if timed is None:
            rest_level = max(rest_level, float(along[peak_i:].min()))
            timed = time_excursion(t, along, rest_level, peak_i)
        if timed is None:
            return Candidate(None, "no clean return to rest", t_on, t_end, known_k)
        start, rise_end, fall_start, end, amp_deg = timed
        if amp_deg >= p.tilt_timing_deg and end - start < p.min_rep_s:
            # too quick (a step in walking: most movements of a walk), and a large tilt is
            # never re-timed on the height: the rest of the measurement would go unused
            mv = Movement.timed_only(start, rise_end, fall_start, end, float(t[peak_i]), amplitude_deg=amp_deg)
            return Candidate(mv, reject_reason(mv, p), start, end, known_k)
        # the vertical acceleration is read from the magnitude with short impacts (the heel
        # meeting the floor, a knock) taken out first: their area would integrate into metres
        raw = np.linalg.norm(w[:, 1:4], axis=1)
        despiked = ndimage.median_filter(raw, size=self._despike_n, mode="nearest")
        mag = zero_phase(self._sos_measure, self._zi_measure, despiked, int(fs))
        # In a squat the hips drop by L (cos(b0) - cos(b0 + turn)) of each segment, so the drop
        # curve is not the tilt itself: time that one for squats. The shank and trunk turn in
        # proportion to the thigh (~0.6x, ~0.4x), so in units of its own full turn any
        # segment's turn is the thigh's; the thigh starts from soft knees (b0) and turns by
        # squat_turn_deg, so the drop starts linearly in the turn.
        b0, full = np.radians(p.squat_stance_deg), np.radians(p.squat_turn_deg)
        turn = full * (along - rest_level) / max(amp_deg, 1e-9)
        drop = np.cos(b0) - np.cos(b0 + turn)
        squat_times = time_excursion(t, drop, 0.0, peak_i)
        vert = None
        j0 = int(np.searchsorted(t, start - 0.5))
        z = vertical_curve(t, mag, j0, len(t))
        if z is not None:
            ext = z[int(np.searchsorted(t, start)) - j0: int(np.searchsorted(t, end)) + 1 - j0]
            if len(ext):
                vert = float((ext.max() if ext.max() >= -ext.min() else ext.min()) * 100.0)
        # large tilts only: where it tells a foot in a heel raise from a squat (sets.infer_exercise)
        terms = rise = None
        if z is not None and amp_deg >= p.tilt_timing_deg:
            # on the tilt itself (rad), not on its shape scaled to each rep's extreme: the
            # rise per radian and the sensor's errors along the path are what a set's reps share
            terms = rise_terms(t[j0:], z, np.radians(along[j0:] - rest_level))
            rise = (rise_of_set([terms]) or 0.0) * math.radians(amp_deg)
        if vert is not None and amp_deg < p.tilt_timing_deg and abs(vert) >= p.vertical_timing_cm:
            # segments that tilt only a few degrees sway by a good part of that, while the
            # body's rise is sway-free: time the phases on the sensor's height instead
            zt = np.zeros(len(t))
            zt[j0:] = z * (1.0 if vert > 0 else -1.0)
            a0 = max(i_on, j0)
            zi = int(np.argmax(zt[a0: i_end + 1])) + a0 if i_end >= a0 else j0
            zt[:j0] = zt[j0]
            timed_z = time_from_bottoms(t, zt, zi, j0)
            if timed_z is not None and abs(timed_z[0] - start) < 1.0 and abs(timed_z[3] - end) < 1.0:
                start, rise_end, fall_start, end, _ = timed_z
        i0 = int(np.searchsorted(t, start))
        i1 = int(np.searchsorted(t, end)) + 1
        rate = np.abs(np.gradient(along[i0:i1], t[i0:i1])) if i1 - i0 > 2 else np.zeros(1)
        hf = rms(w[i0:i1, 7])
        ghf = rms(w[i0:i1, 8]) if self.has_gyro else None
        mv = Movement(
            start_s=start, rise_end_s=rise_end, fall_start_s=fall_start, end_s=end, peak_s=float(t[peak_i]),
            amplitude_deg=amp_deg, vertical_cm=vert, peak_rate_dps=float(rate.max()),
            sway_deg=float(np.std(across[i0:i1])) if i1 > i0 else 0.0, hf_rms=hf, gyro_hf_rms=ghf,
            drop_times=None if squat_times is None else squat_times[:4],
            rise_with_tilt_cm=rise, rise_terms=terms,
            direction=(float(direction[0]), float(direction[1]), float(direction[2])),
        )
        reason = reject_reason(mv, p)
        if (reason is None and axis is not None and float(np.dot(direction, axis)) < p.min_axis_cos
                and amp_deg <= p.keep_ratio * axis_amp):
            reason = "moved in another direction than the set's reps"
        if reason is None:
            # later reps of this set are looked for along this rep's direction; a small tilt
            # that took the body down was the way back from a rep (rest is the other end, as
            # on a step where the heels rest below it), so look the other way
            flip = amp_deg < p.tilt_timing_deg and vert is not None and vert < -p.min_set_rise_cm
            # (the movement's own direction stays as measured: turned the other way from the
            # set's later reps, sets._same_direction keeps it out of their set. Giving it the
            # flipped direction, so that it joins them, lost 1.5-1.7 points of exact counts on
            # the tuning halves: it is the way back from a rep, not a rep)
            self._axis = [float(-x if flip else x) for x in direction]
            self._axis_amp = amp_deg
            self._axis_far = p.axis_far_ratio * amp_deg + p.onset_min_deg  # (read per sample)
            self._axis_until_k = end_k + int(p.set_gap_s * fs)
        return Candidate(mv, reason, start, end, known_k)


def reject_reason(mv: Movement, p: CounterParams) -> str | None:
    """Why a timed movement cannot be a controlled rep, or None."""
    if mv.duration_s < p.min_rep_s:
        return f"too quick ({mv.duration_s:.2f} s)"
    if mv.duration_s > p.max_rep_s:
        return f"too slow ({mv.duration_s:.1f} s)"
    if mv.hf_rms > p.max_hf_rms:
        return f"impacts ({mv.hf_rms:.2f} m/s^2)"
    if mv.gyro_hf_rms is not None and mv.gyro_hf_rms > p.max_gyro_hf_rms:
        return f"shaky rotation ({mv.gyro_hf_rms:.2f} rad/s)"
    return None
