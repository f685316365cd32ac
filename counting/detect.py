"""Streaming detection of movements away from a rest posture and back.

Two channels, each measured against the rest posture and scaled by its own onset
threshold, so that 1.0 means "clearly moved" on either:
- tilt: the angle between the causally low-passed acceleration ("up" in the sensor
  frame) and the rest "up". A heel raise tilts the foot by 20-35 deg and the shank and
  thigh by a few degrees, whatever the mounting.
- vertical: the sensor's height from the acceleration magnitude integrated twice
  through a high-pass (drift-free). The trunk barely tilts in some people but always
  rises with the heels (~0.75 of the heel travel). When a
movement has left rest and come back, it is handed to counting.measure for exact
timing and to the caller as a Candidate (accepted or rejected with a reason).
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy import signal

from counting.measure import Movement, gravity_direction, rms, tilt_curve, time_excursion, vertical_curve
from counting.params import CounterParams
from counting.resample import Uniform

REST, EXCURSION, SETTLE, REARM = 0, 1, 2, 3


@dataclass(frozen=True)
class Candidate:
    """A movement away from rest and back. `reason` is None when it may be a rep."""

    movement: Movement | None
    reason: str | None
    start_s: float
    end_s: float

    @property
    def ok(self) -> bool:
        return self.reason is None and self.movement is not None


class _History:
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
        # double integrator behind a 3rd-order Butterworth high-pass, s / ((s + w)(s^2 + w s + w^2)):
        # position from acceleration, blind to a constant (gravity, bias) and drift-free
        w = 2 * math.pi * p.vertical_hp_hz
        b, a = signal.bilinear([1.0, 0.0], np.polymul([1.0, w], [1.0, w, w * w]), fs=fs)
        self._sos_z = signal.tf2sos(b, a)
        self._zi_det: np.ndarray | None = None
        self._zi_hp: np.ndarray | None = None
        self._zi_ghp: np.ndarray | None = None
        self._zi_z: np.ndarray | None = None
        self._g0 = 9.80665
        # columns: t, acc xyz, gyro xyz, hf, gyro hf
        self._hist = _History(9, int((p.max_rep_s + 20.0) * fs))
        self._state = REST
        self._r: list[float] | None = None
        self._zr = 0.0
        self._noise2 = 0.0
        self._znoise2 = 0.0
        self._hf_env = 0.0
        self._recent: deque[tuple[float, float, float]] = deque(maxlen=6)
        self._exc_k = 0
        self._c_max = 0.0
        self._tilt_max = 0.0
        self._z_max = 0.0
        self._onset: tuple = ()
        self._still_since: int | None = None
        self._last_end_k = -(10**9)
        self._due: list[tuple] = []  # (due_k, onset_k, end_k, prev_end_k, onset info)
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
            self._g0 = float(np.linalg.norm(acc[0]))
            self._zi_z = np.zeros((self._sos_z.shape[0], 2))
            self._k0 = int(u.index[0])
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
        rows = np.column_stack([u.t, acc, gyro, hf, ghf])
        oldest = min([self._exc_k] + [d[1] for d in self._due]) - int(5 * self.p.fs_hz)
        self._hist.append(int(u.index[0]), rows, oldest)
        norm = np.linalg.norm(lp, axis=1)
        z, self._zi_z = signal.sosfilt(self._sos_z, norm - self._g0, zi=self._zi_z)
        up = lp / np.maximum(norm, 1e-9)[:, None]
        return self._run(u.index.tolist(), up.tolist(), hf.tolist(), z.tolist())

    def flush(self) -> list[Candidate]:
        """End of stream: measure what is still waiting for its margin."""
        out = [self._measure(*due[1:]) for due in self._due]
        self._due = []
        if self._state == EXCURSION:
            t0 = self._t_of(self._exc_k)
            out.append(Candidate(None, "unfinished at end of recording", t0, self._t_of(self._k)))
            self._state = REST
        return out

    def horizon_s(self) -> float:
        """No candidate still to come can start before this time (s)."""
        ks = [self._k] + [d[1] for d in self._due]
        if self._state == EXCURSION:
            ks.append(self._exc_k)
        t = self._t_of(min(ks))
        return t - 1.5 - 1.0 / self.p.fs_hz if t == t else float("-inf")

    # ------------------------------------------------------------------ internals
    def _t_of(self, k: int) -> float:
        w = self._hist.window(k, k + 1)
        return float(w[0, 0]) if len(w) else float("nan")

    def _run(self, ks: list[int], ups: list[list[float]], hfs: list[float], zs: list[float]) -> list[Candidate]:
        p = self.p
        fs = p.fs_hz
        out: list[Candidate] = []
        beta = 1.0 / (2.0 * fs)  # rest tracking, 2 s time constant
        gamma = 1.0 / (5.0 * fs)  # rest wobble estimate, 5 s
        env_a = 1.0 / (0.5 * fs)
        margin = int(round(0.25 * fs))
        still_n = int(round(1.0 * fs))
        z_min = p.onset_min_cm / 100.0
        gate = p.tilt_gate_deg
        warm = self._k0 + int(1.0 / p.vertical_hp_hz * fs)  # the vertical filter settles first
        for k, (ux, uy, uz), hf, z in zip(ks, ups, hfs, zs):
            self._k = k
            if self._r is None:
                self._r = [ux, uy, uz]
                self._zr = z
            self._hf_env += env_a * (hf * hf - self._hf_env)
            self._recent.append((ux, uy, uz))
            ox, oy, oz = self._recent[0]
            rate = math.degrees(math.acos(max(-1.0, min(1.0, ux * ox + uy * oy + uz * oz)))) * fs / max(1, len(self._recent) - 1)
            still = rate < 5.0 and self._hf_env < 0.09
            rx, ry, rz = self._r
            theta = math.degrees(math.acos(max(-1.0, min(1.0, ux * rx + uy * ry + uz * rz))))
            dz = abs(z - self._zr)
            st = self._state
            if st == EXCURSION or st == REARM:
                t_on, z_on = self._onset[0], self._onset[1]
            else:
                t_on = max(p.onset_min_deg, p.onset_noise_k * math.sqrt(self._noise2))
                z_on = max(z_min, p.onset_noise_k * math.sqrt(self._znoise2))
            ct = theta / t_on
            cz = dz / z_on if theta < gate and k >= warm else 0.0
            c = ct if ct > cz else cz
            if st == REST:
                if c > 1.0:
                    self._start_excursion(k, c, ct, cz, t_on, z_on)
                elif still:
                    self._track_rest(ux, uy, uz, z, beta)
                    self._noise2 += gamma * (theta * theta - self._noise2)
                    self._znoise2 += gamma * (dz * dz - self._znoise2)
            elif st == EXCURSION:
                if c > self._c_max:
                    self._c_max = c
                if ct > self._tilt_max:
                    self._tilt_max = ct
                if cz > self._z_max:
                    self._z_max = cz
                if c < max(0.1 * self._c_max, 0.5):
                    # the tail of the return may still be moving: re-arm only at rest or at
                    # a clear new rise (a rep that follows with no bottom pause)
                    self._state = REARM
                    self._rearm_min = c
                    self._rearm_rise = max(1.0, 0.2 * self._c_max)
                    if self._c_max >= 2.0:
                        self._due.append((k + margin, self._exc_k, k, self._last_end_k,
                                          self._onset + (self._tilt_max, self._z_max)))
                        self._last_end_k = k
                elif (k - self._exc_k) > p.max_rep_s * fs:
                    out.append(Candidate(None, "long posture change", self._t_of(self._exc_k), self._t_of(k)))
                    self._state = SETTLE
                    self._still_since = None
            elif st == REARM:
                if c < self._rearm_min:
                    self._rearm_min = c
                if c < 0.5:
                    self._state = REST
                elif still and c < 1.0:
                    # settled slightly off the old rest (a shifted stance): follow it
                    self._track_rest(ux, uy, uz, z, beta)
                elif c > self._rearm_min + self._rearm_rise:
                    self._start_excursion(k, c, ct, cz, t_on, z_on)
            else:  # SETTLE: wait for a new posture to be held, then make it the rest
                if still:
                    if self._still_since is None:
                        self._still_since = k
                    elif k - self._still_since >= still_n:
                        self._r = [ux, uy, uz]
                        self._zr = z
                        self._noise2 = self._znoise2 = 0.0
                        self._state = REST
                else:
                    self._still_since = None
            while self._due and self._due[0][0] <= k:
                due = self._due.pop(0)
                out.append(self._measure(*due[1:]))
        return out

    def _start_excursion(self, k: int, c: float, ct: float, cz: float, t_on: float, z_on: float) -> None:
        self._state = EXCURSION
        self._exc_k = k
        self._c_max, self._tilt_max, self._z_max = c, ct, cz
        self._onset = (t_on, z_on, list(self._r))

    def _track_rest(self, ux: float, uy: float, uz: float, z: float, beta: float) -> None:
        rx, ry, rz = self._r
        nx, ny, nz = rx + beta * (ux - rx), ry + beta * (uy - ry), rz + beta * (uz - rz)
        n = math.sqrt(nx * nx + ny * ny + nz * nz)
        self._r = [nx / n, ny / n, nz / n]
        self._zr += beta * (z - self._zr)

    def _measure(self, onset_k: int, end_k: int, prev_end_k: int, onset: tuple) -> Candidate:
        p = self.p
        fs = p.fs_hz
        t_on_deg, z_on_m, rest, tilt_score, z_score = onset
        pre = int(1.5 * fs)
        w = self._hist.window(onset_k - pre, end_k + int(round(0.25 * fs)) + 1)
        t_on, t_end = self._t_of(onset_k), self._t_of(end_k)
        if len(w) < 8:
            return Candidate(None, "too little data", t_on, t_end)
        t = w[:, 0]
        u, mag = gravity_direction(w[:, 1:4], fs, self._sos_measure)
        i_on = int(np.searchsorted(t, t_on))
        i_end = min(len(t) - 1, int(np.searchsorted(t, t_end)))
        rest_v = np.asarray(rest)
        theta = np.degrees(np.arccos(np.clip(u @ rest_v, -1, 1)))
        peak_i = i_on + int(np.argmax(theta[i_on: i_end + 1]))
        along, across = tilt_curve(u, rest_v, peak_i)
        # the vertical curve needs rest at both ends: start after the previous rep
        i_v0 = max(0, int(np.searchsorted(t, self._t_of(prev_end_k))) if prev_end_k >= onset_k - pre else 0)
        z = vertical_curve(t, mag, i_v0, len(t))
        use_z = z is not None and z_score > tilt_score
        if use_z:
            zz = np.zeros(len(t))
            zz[i_v0:] = z
            seg = zz[i_on: i_end + 1]
            sign = 1.0 if seg.max() >= -seg.min() else -1.0
            curve = sign * zz
            peak_i = i_on + int(np.argmax(curve[i_on: i_end + 1]))
            lo = max(i_v0, 0)
        else:
            curve, lo = along, 0
        rest_level = max(float(curve[lo: peak_i + 1].min()), float(curve[peak_i:].min()))
        timed = time_excursion(t[lo:], curve[lo:], rest_level, peak_i - lo)
        if timed is None:
            return Candidate(None, "no clean return to rest", t_on, t_end)
        start, rise_end, fall_start, end, _ = timed
        i0 = int(np.searchsorted(t, start))
        i1 = int(np.searchsorted(t, end)) + 1
        amp_deg = float(along[peak_i] - min(along[: peak_i + 1].min(), along[peak_i:].min()))
        vert = None
        if z is not None:
            zz = np.zeros(len(t))
            zz[i_v0:] = z
            seg = zz[i0:i1] if i1 > i0 else zz
            vert = float((seg.max() if seg.max() >= -seg.min() else seg.min()) * 100.0)
        rate = np.abs(np.gradient(along[i0:i1], t[i0:i1])) if i1 - i0 > 2 else np.zeros(1)
        hf = rms(w[i0:i1, 7])
        ghf = rms(w[i0:i1, 8]) if self.has_gyro else None
        mv = Movement(
            start_s=start, rise_end_s=rise_end, fall_start_s=fall_start, end_s=end, peak_s=float(t[peak_i]),
            amplitude_deg=max(amp_deg, 0.0), vertical_cm=vert, peak_rate_dps=float(rate.max()),
            sway_deg=float(np.std(across[i0:i1])) if i1 > i0 else 0.0, hf_rms=hf, gyro_hf_rms=ghf,
            channel="vertical" if use_z else "tilt",
        )
        return Candidate(mv, self._reject_reason(mv), start, end)

    def _reject_reason(self, mv: Movement) -> str | None:
        p = self.p
        if mv.duration_s < p.min_rep_s:
            return f"too quick ({mv.duration_s:.2f} s)"
        if mv.duration_s > p.max_rep_s:
            return f"too slow ({mv.duration_s:.1f} s)"
        if mv.hf_rms > p.max_hf_rms:
            return f"impacts ({mv.hf_rms:.2f} m/s^2)"
        if mv.gyro_hf_rms is not None and mv.gyro_hf_rms > p.max_gyro_hf_rms:
            return f"shaky rotation ({mv.gyro_hf_rms:.2f} rad/s)"
        return None
