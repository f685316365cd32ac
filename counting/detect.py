"""Streaming detection of movements away from a rest posture and back.

The detection signal is the tilt of the sensor away from its rest orientation: the
angle between the causally low-passed acceleration ("up" in the sensor frame) and the
rest "up". A heel raise tilts every body segment (the foot by 20-35 deg, shank, thigh and
trunk by a few degrees), so this works for any placement and any mounting. When a
movement has left rest and come back, it is handed to counting.measure for exact
timing and to the caller as a Candidate (accepted or rejected with a reason).
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy import signal

from counting.measure import Movement, gravity_direction, rms, tilt_curve, time_excursion, vertical_travel_cm
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
        self._zi_det: np.ndarray | None = None
        self._zi_hp: np.ndarray | None = None
        self._zi_ghp: np.ndarray | None = None
        # columns: t, acc xyz, gyro xyz, hf, gyro hf
        self._hist = _History(9, int((p.max_rep_s + 20.0) * fs))
        self._state = REST
        self._r: list[float] | None = None
        self._r_onset: list[float] | None = None
        self._noise2 = 0.0
        self._hf_env = 0.0
        self._recent: deque[tuple[float, float, float]] = deque(maxlen=6)
        self._exc_k = 0
        self._peak_k = 0
        self._theta_max = 0.0
        self._still_since: int | None = None
        self._due: list[tuple[int, int, int, list[float]]] = []  # (due_k, onset_k, end_k, rest)
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
        oldest = min([self._exc_k] + [d[1] for d in self._due]) - int(3 * self.p.fs_hz)
        self._hist.append(int(u.index[0]), rows, oldest)
        norm = np.linalg.norm(lp, axis=1)
        up = lp / np.maximum(norm, 1e-9)[:, None]
        return self._run(u.index.tolist(), up.tolist(), hf.tolist())

    def flush(self) -> list[Candidate]:
        """End of stream: measure what is still waiting for its margin."""
        out = []
        for due in self._due:
            out.append(self._measure(*due[1:]))
        self._due = []
        if self._state == EXCURSION:
            t0 = self._t_of(self._exc_k)
            out.append(Candidate(None, "unfinished at end of recording", t0, self._t_of(self._k)))
            self._state = REST
        return out

    # ------------------------------------------------------------------ internals
    def _t_of(self, k: int) -> float:
        w = self._hist.window(k, k + 1)
        return float(w[0, 0]) if len(w) else float("nan")

    def _run(self, ks: list[int], ups: list[list[float]], hfs: list[float]) -> list[Candidate]:
        p = self.p
        fs = p.fs_hz
        out: list[Candidate] = []
        beta = 1.0 / (2.0 * fs)  # rest tracking, 2 s time constant
        gamma = 1.0 / (5.0 * fs)  # rest wobble estimate, 5 s
        env_a = 1.0 / (0.5 * fs)
        margin = int(round(0.25 * fs))
        still_n = int(round(1.0 * fs))
        for k, (ux, uy, uz), hf in zip(ks, ups, hfs):
            self._k = k
            if self._r is None:
                self._r = [ux, uy, uz]
            self._hf_env += env_a * (hf * hf - self._hf_env)
            self._recent.append((ux, uy, uz))
            ox, oy, oz = self._recent[0]
            rate = math.degrees(math.acos(max(-1.0, min(1.0, ux * ox + uy * oy + uz * oz)))) * fs / max(1, len(self._recent) - 1)
            still = rate < 5.0 and self._hf_env < 0.09
            rx, ry, rz = self._r
            theta = math.degrees(math.acos(max(-1.0, min(1.0, ux * rx + uy * ry + uz * rz))))
            t_on = max(p.onset_min_deg, p.onset_noise_k * math.sqrt(self._noise2))
            st = self._state
            if st == REST:
                if theta > t_on:
                    self._state = EXCURSION
                    self._exc_k = self._peak_k = k
                    self._theta_max = theta
                    self._r_onset = list(self._r)
                    self._t_on_at_onset = t_on
                elif still:
                    self._track_rest(ux, uy, uz, beta)
                    self._noise2 += gamma * (theta * theta - self._noise2)
            elif st == EXCURSION:
                if theta > self._theta_max:
                    self._theta_max = theta
                    self._peak_k = k
                t_on0 = self._t_on_at_onset
                if theta < max(0.1 * self._theta_max, 0.5 * t_on0):
                    # the tail of the return is still moving: re-arm only at rest or at a
                    # clear new rise (a rep that follows with no bottom pause)
                    self._state = REARM
                    self._rearm_min = theta
                    self._rearm_rise = max(t_on0, 0.2 * self._theta_max)
                    if self._theta_max >= 2.0 * t_on0:
                        self._due.append((k + margin, self._exc_k, k, self._r_onset))
                elif (k - self._exc_k) > p.max_rep_s * fs:
                    out.append(Candidate(None, "long posture change", self._t_of(self._exc_k), self._t_of(k)))
                    self._state = SETTLE
                    self._still_since = None
            elif st == REARM:
                if theta < self._rearm_min:
                    self._rearm_min = theta
                    self._rearm_k = k
                if theta < 0.5 * t_on:
                    self._state = REST
                elif still and theta < t_on:
                    # settled slightly off the old rest (a shifted stance): follow it
                    self._track_rest(ux, uy, uz, beta)
                elif theta > self._rearm_min + self._rearm_rise:
                    self._state = EXCURSION
                    self._exc_k = self._peak_k = k
                    self._theta_max = theta
                    self._r_onset = list(self._r)
                    self._t_on_at_onset = t_on
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
                due = self._due.pop(0)
                out.append(self._measure(*due[1:]))
        return out

    def _track_rest(self, ux: float, uy: float, uz: float, beta: float) -> None:
        rx, ry, rz = self._r
        nx, ny, nz = rx + beta * (ux - rx), ry + beta * (uy - ry), rz + beta * (uz - rz)
        n = math.sqrt(nx * nx + ny * ny + nz * nz)
        self._r = [nx / n, ny / n, nz / n]

    def _measure(self, onset_k: int, end_k: int, rest: list[float]) -> Candidate:
        p = self.p
        fs = p.fs_hz
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
        rest_level = max(float(along[: peak_i + 1].min()), float(along[peak_i:].min()))
        timed = time_excursion(t, along, rest_level, peak_i)
        if timed is None:
            return Candidate(None, "no clean return to rest", t_on, t_end)
        start, rise_end, fall_start, end, amp = timed
        i0 = int(np.searchsorted(t, start))
        i1 = int(np.searchsorted(t, end)) + 1
        vert = vertical_travel_cm(t, mag, float(np.mean(mag[i0:i1])) if i1 > i0 else 9.81, i0, i1)
        rate = np.abs(np.gradient(along[i0:i1], t[i0:i1])) if i1 - i0 > 2 else np.zeros(1)
        hf = rms(w[i0:i1, 7])
        ghf = rms(w[i0:i1, 8]) if self.has_gyro else None
        mv = Movement(
            start_s=start, rise_end_s=rise_end, fall_start_s=fall_start, end_s=end, peak_s=float(t[peak_i]),
            amplitude_deg=amp, vertical_cm=vert, peak_rate_dps=float(rate.max()),
            sway_deg=float(np.std(across[i0:i1])) if i1 > i0 else 0.0, hf_rms=hf, gyro_hf_rms=ghf,
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

    def horizon_s(self) -> float:
        """No candidate still to come can start before this time (s)."""
        ks = [self._k] + [d[1] for d in self._due]
        if self._state == EXCURSION:
            ks.append(self._exc_k)
        t = self._t_of(min(ks))
        return t - 1.5 - 1.0 / self.p.fs_hz if t == t else float("-inf")
