"""Streaming resampling onto a uniform clock.

Real devices jitter, drop packets and repeat samples; every later stage wants one
sample every 1/fs seconds. The resampler interpolates linearly between the input
samples that bracket each grid time, so the output does not depend on how the
input was chunked: a replay reproduces a live session sample for sample.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from counting.samples import Samples


@dataclass(frozen=True, eq=False)
class Uniform:
    """Resampled chunk on the grid t0 + k / fs.

    index: (n,) absolute grid indices k (int64).
    t:     (n,) seconds on the recording's axis.
    acc:   (n, 3) m/s^2, sensor frame.
    gyro:  (n, 3) rad/s, sensor frame, or None.
    gap:   (n,) True where the grid time fell inside a gap of the input longer than max_gap_s.
    restart: (n,) True on the first sample after a hole longer than max_bridge_s: the signal
        before and after it is not continuous.
    hole_s: (n,) length (s) of the flagged input gap each grid time fell in, 0 elsewhere.
    """

    index: np.ndarray
    t: np.ndarray
    acc: np.ndarray
    gyro: np.ndarray | None
    gap: np.ndarray
    restart: np.ndarray | None = None
    hole_s: np.ndarray | None = None

    def part(self, a: int, b: int) -> "Uniform":
        """Rows [a, b)."""
        return Uniform(self.index[a:b], self.t[a:b], self.acc[a:b],
                       None if self.gyro is None else self.gyro[a:b], self.gap[a:b],
                       None if self.restart is None else self.restart[a:b],
                       None if self.hole_s is None else self.hole_s[a:b])

    def __len__(self) -> int:
        return int(self.index.shape[0])


class Resampler:
    """Turn irregular Samples chunks into a uniform stream at `fs` Hz.

    Duplicated and out-of-order samples (t not after the previous one) and rows with a
    non-finite value are dropped and counted in `dropped_`. Gaps up to max_bridge_s are bridged by interpolation and
    flagged (gap > max_gap_s); after a longer hole the grid restarts at the next sample, so
    the grid index stays contiguous while `t` jumps.
    """

    def __init__(self, fs: float = 50.0, max_gap_s: float = 0.25, max_bridge_s: float = 5.0) -> None:
        self.fs = float(fs)
        self.max_gap_s = float(max_gap_s)
        self.max_bridge_s = float(max_bridge_s)
        self.t0_: float | None = None
        self.dropped_ = 0
        self._next_k = 0
        self._last: tuple[float, np.ndarray, np.ndarray | None] | None = None
        self.has_gyro_: bool | None = None

    def feed(self, chunk: Samples) -> Uniform:
        t = chunk.t
        acc = chunk.acc
        gyro = chunk.gyro
        if self.has_gyro_ is None and len(chunk):
            self.has_gyro_ = gyro is not None
        if self.has_gyro_ and gyro is None:
            # A device that stops sending gyro mid-stream: carry on without it.
            gyro = np.zeros_like(acc)
        if not self.has_gyro_:
            gyro = None
        if self._last is not None:
            t = np.concatenate([[self._last[0]], t])
            acc = np.vstack([self._last[1][None, :], acc])
            if gyro is not None:
                gyro = np.vstack([self._last[2][None, :], gyro])
        if len(t) == 0:
            return self._empty()
        # keep finite rows with strictly increasing times only (duplicates / repeats /
        # backwards steps); one NaN would otherwise poison every filter state for good
        finite = np.isfinite(t) & np.isfinite(acc).all(axis=1)
        if gyro is not None:
            finite &= np.isfinite(gyro).all(axis=1)
        if not finite.all():
            self.dropped_ += int((~finite).sum())
            t, acc = t[finite], acc[finite]
            gyro = None if gyro is None else gyro[finite]
            if len(t) == 0:
                return self._empty()
        keep = np.ones(len(t), dtype=bool)
        running = np.maximum.accumulate(t)
        keep[1:] = t[1:] > running[:-1]
        n_drop = int((~keep).sum())
        self.dropped_ += n_drop
        if n_drop:
            t, acc = t[keep], acc[keep]
            if gyro is not None:
                gyro = gyro[keep]
        if self.t0_ is None:
            self.t0_ = float(t[0])
        self._last = (float(t[-1]), acc[-1].copy(), None if gyro is None else gyro[-1].copy())
        # a hole longer than max_bridge_s is not interpolated (minutes of made-up data would
        # look like standing still): the grid restarts on the first sample after it
        breaks = np.flatnonzero(np.diff(t) > self.max_bridge_s) + 1
        parts = []
        for a, b in zip(np.concatenate([[0], breaks]), np.concatenate([breaks, [len(t)]])):
            if a > 0:
                self.t0_ = float(t[a]) - self._next_k / self.fs
            part = self._grid(t[a:b], acc[a:b], None if gyro is None else gyro[a:b])
            if a > 0 and len(part):
                part.restart[0] = True
            parts.append(part)
        if len(parts) == 1:
            return parts[0]
        return Uniform(
            np.concatenate([p.index for p in parts]), np.concatenate([p.t for p in parts]),
            np.concatenate([p.acc for p in parts]),
            None if gyro is None else np.concatenate([p.gyro for p in parts]),
            np.concatenate([p.gap for p in parts]), np.concatenate([p.restart for p in parts]),
            np.concatenate([p.hole_s for p in parts]),
        )

    def _grid(self, t: np.ndarray, acc: np.ndarray, gyro: np.ndarray | None) -> Uniform:
        """Grid points of one stretch without long holes (t strictly increasing)."""
        k_hi = int(np.floor((t[-1] - self.t0_) * self.fs + 1e-9))
        ks = np.arange(self._next_k, k_hi + 1, dtype=np.int64)
        tg = self.t0_ + ks / self.fs
        # a grid time even one ulp past the last sample waits for the next chunk, so the
        # output never depends on where the chunks were cut
        inside = tg <= t[-1]
        ks, tg = ks[inside], tg[inside]
        if len(ks) == 0:
            return self._empty()
        self._next_k = int(ks[-1]) + 1
        out_acc = np.column_stack([np.interp(tg, t, acc[:, j]) for j in range(3)])
        out_gyro = None
        if gyro is not None:
            out_gyro = np.column_stack([np.interp(tg, t, gyro[:, j]) for j in range(3)])
        no = np.zeros(len(tg), dtype=bool)
        if len(t) == 1:
            return Uniform(ks, tg, out_acc, out_gyro, no, no.copy(), np.zeros(len(tg)))
        pos = np.clip(np.searchsorted(t, tg, side="left"), 1, len(t) - 1)
        span = t[pos] - t[pos - 1]
        on_sample = (t[pos] == tg) | (t[pos - 1] == tg)
        gap = (span > self.max_gap_s) & ~on_sample
        return Uniform(ks, tg, out_acc, out_gyro, gap, no, np.where(gap, span, 0.0))

    def _empty(self) -> Uniform:
        return Uniform(
            np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 3)),
            np.zeros((0, 3)) if self.has_gyro_ else None, np.zeros(0, dtype=bool), np.zeros(0, dtype=bool),
            np.zeros(0),
        )
