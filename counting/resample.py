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
    """

    index: np.ndarray
    t: np.ndarray
    acc: np.ndarray
    gyro: np.ndarray | None
    gap: np.ndarray

    def __len__(self) -> int:
        return int(self.index.shape[0])


class Resampler:
    """Turn irregular Samples chunks into a uniform stream at `fs` Hz.

    Duplicated and out-of-order samples (t not after the previous one) are dropped and
    counted in `dropped_`. Gaps are bridged by interpolation and flagged.
    """

    def __init__(self, fs: float = 50.0, max_gap_s: float = 0.25) -> None:
        self.fs = float(fs)
        self.max_gap_s = float(max_gap_s)
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
        # keep strictly increasing times only (duplicates / repeats / backwards steps)
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
        pos = np.clip(np.searchsorted(t, tg, side="left"), 1, len(t) - 1)
        span = t[pos] - t[pos - 1]
        on_sample = (t[pos] == tg) | (t[pos - 1] == tg)
        gap = (span > self.max_gap_s) & ~on_sample
        if len(t) == 1:
            gap = np.zeros(len(tg), dtype=bool)
        return Uniform(ks, tg, out_acc, out_gyro, gap)

    def _empty(self) -> Uniform:
        return Uniform(
            np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 3)),
            np.zeros((0, 3)) if self.has_gyro_ else None, np.zeros(0, dtype=bool),
        )
