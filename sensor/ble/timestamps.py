"""Per-sample times for BLE streams: device timestamps, sequence numbers, gaps,
duplicates, and device-vs-host clock drift.

Output axis: seconds on the host's session clock (0 = session start), built from the
DEVICE clock so sample spacing is as exact as the device's, then corrected for drift
against the host clock (a crystal is off by tens of ppm: ~0.2 s per hour).

Policy per frame, by what the profile provides:
- device time of the last sample (Polar PMD, soleus IMU): samples are spaced by the
  device-clock interval since the previous frame divided by n (or the running rate
  estimate after a gap); a frame whose time does not advance is a duplicate (dropped).
- device time per sample (NUS lines): used as is; non-advancing samples dropped.
- sequence number (soleus IMU): a repeated number is a duplicate, a jump is lost packets.
- nothing (InfiniTime): samples are spaced at the rate measured from host arrivals, and
  a silence longer than a few sample periods re-anchors on host time and records a gap.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

MAX_DRIFT = 1e-3  # a real clock is within +-1000 ppm; a larger ratio is not drift (e.g. accelerated replay)


@dataclass
class Gap:
    """Samples missing between t_before and t_after (session seconds)."""

    t_before: float
    t_after: float
    lost_estimate: int
    reason: str = "gap"

    @property
    def duration_s(self) -> float:
        return self.t_after - self.t_before


class DriftTracker:
    """Running linear fit host_t = a + b * device_t on the lower envelope of arrivals.

    Each notification's host arrival = device time mapped + latency (>= 0, jittery). Per
    window (default 5 s of device time) the pair with the smallest host - device keeps the
    least-delayed arrival; a least-squares line through those minima estimates the ratio b.
    """

    def __init__(self, window_s: float = 5.0, max_windows: int = 1000) -> None:
        self.window_s = window_s
        self._mins: deque[tuple[float, float]] = deque(maxlen=max_windows)
        self._cur: tuple[float, float] | None = None
        self._cur_start: float | None = None

    def add(self, device_t: float, host_t: float) -> None:
        if self._cur_start is None or device_t - self._cur_start >= self.window_s:
            if self._cur is not None:
                self._mins.append(self._cur)
            self._cur_start = device_t
            self._cur = (device_t, host_t)
        elif host_t - device_t < self._cur[1] - self._cur[0]:
            self._cur = (device_t, host_t)

    def ratio(self) -> float | None:
        """host seconds per device second, or None until there are 3 windows."""
        pts = list(self._mins) + ([self._cur] if self._cur else [])
        if len(pts) < 3:
            return None
        d = np.array([p[0] for p in pts])
        h = np.array([p[1] for p in pts])
        if d[-1] - d[0] <= 0:
            return None
        b = np.polyfit(d - d[0], h - h[0], 1)[0]
        return float(b)

    def drift_ppm(self) -> float | None:
        r = self.ratio()
        return None if r is None else (r - 1.0) * 1e6


@dataclass
class StreamStats:
    samples: int = 0
    duplicates: int = 0
    lost_packets: int = 0
    lost_samples_estimate: int = 0
    gaps: list[Gap] = field(default_factory=list)
    clock_resets: int = 0


class StreamClock:
    """Turns frames of one stream into per-sample session times.

    `host_t0` is the host (time.monotonic) time of session start. Call frame() for every
    decoded frame with its host arrival time; returns (times, keep) where keep masks out
    duplicated samples.
    """

    def __init__(self, host_t0: float, nominal_rate_hz: float | None = None, gap_factor: float = 1.5,
                 drift_update_s: float = 10.0, follow: "StreamClock | None" = None,
                 host_time_scale: float = 1.0) -> None:
        self.host_t0 = host_t0
        # host-timed streams only: session seconds per host second (a virtual device replayed
        # at N x real time has host_time_scale N, so its samples keep their own spacing)
        self.host_time_scale = host_time_scale
        # another stream of the same device clock (Polar gyro follows ACC): share its mapping
        self.follow = follow
        self.rate = nominal_rate_hz
        self.gap_factor = gap_factor
        self.stats = StreamStats()
        self.drift = DriftTracker()
        self.drift_update_s = drift_update_s
        self._last_dev: float | None = None  # device time of last emitted sample
        self._last_t: float | None = None  # session time of last emitted sample
        self._seq: int | None = None
        # device -> session mapping, piecewise linear and continuous
        self._anchor_dev: float | None = None
        self._anchor_t = 0.0
        self._slope = 1.0
        self._next_update: float | None = None
        # host-only streams
        self._host_last: float | None = None
        self._host_intervals: deque[float] = deque(maxlen=200)
        self._relinked = False

    def link_lost(self) -> None:
        """The link dropped and came back: the samples due meanwhile were never sent. A
        host-timed stream cannot see that in the data when the reconnection was quick
        (a few sample periods), so its next frame re-anchors on host time and records a gap,
        unless that would put it before the last sample (host-timed clocks run ahead of late
        arrivals): then the timeline just carries on."""
        self._relinked = True

    # ---------------------------------------------------------- mapping
    def _map(self, dev: np.ndarray) -> np.ndarray:
        f = self.follow
        if f is not None and f._anchor_dev is not None:
            return f._anchor_t + (dev - f._anchor_dev) * f._slope
        return self._anchor_t + (dev - self._anchor_dev) * self._slope

    def _update_slope(self, dev_now: float) -> None:
        if self._next_update is None:
            self._next_update = dev_now + self.drift_update_s
            return
        if dev_now < self._next_update:
            return
        self._next_update = dev_now + self.drift_update_s
        r = self.drift.ratio()
        if r is None or abs(r - 1.0) > MAX_DRIFT:
            return
        # re-anchor at the current point so the mapping stays continuous
        t_now = float(self._map(np.array([dev_now]))[0])
        self._anchor_dev, self._anchor_t, self._slope = dev_now, t_now, r

    def drift_ppm(self) -> float | None:
        r = self.drift.ratio()
        if r is None or abs(r - 1.0) > MAX_DRIFT:
            return None
        return (r - 1.0) * 1e6

    # ---------------------------------------------------------- frames
    def _seq_check(self, seq: int | None, modulo: int, n: int) -> bool:
        """False when the packet is a duplicate by sequence number."""
        if seq is None:
            return True
        if self._seq is not None:
            step = (seq - self._seq) % modulo
            if step == 0:
                return False
            if step > modulo // 2:  # old packet re-sent
                return False
            if step > 1:
                self.stats.lost_packets += step - 1
        self._seq = seq
        return True

    def frame(self, n: int, host_t: float, *, device_t_last: float | None = None,
              device_t: np.ndarray | None = None, seq: int | None = None, seq_modulo: int = 65536,
              rate_hz: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        if rate_hz:
            self.rate = self.rate or rate_hz
        keep = np.ones(n, dtype=bool)
        if n == 0:
            return np.zeros(0), keep
        if not self._seq_check(seq, seq_modulo, n):
            self.stats.duplicates += n
            return np.full(n, np.nan), np.zeros(n, dtype=bool)
        if device_t is not None:
            dev = np.asarray(device_t, dtype=float)
        elif device_t_last is not None:
            dev = self._spread(n, device_t_last)
        else:
            return self._host_only(n, host_t)
        if self._last_dev is not None and dev[-1] < self._last_dev - 60.0:
            # the device clock went back a long way: it rebooted. Start a new segment.
            self.stats.clock_resets += 1
            self._anchor_dev = None
            self._last_dev = None
        if self._anchor_dev is None:
            self._anchor_dev = float(dev[0])
            self._anchor_t = (host_t - self.host_t0) - (dev[-1] - dev[0]) if self._last_t is None else self._last_t + (1.0 / (self.rate or 50.0))
        if self._last_dev is not None:
            keep &= dev > self._last_dev + 1e-9
            if not keep.any():
                self.stats.duplicates += n
                return self._map(dev), keep
            self.stats.duplicates += int((~keep).sum())
            first = dev[keep][0]
            period = 1.0 / self.rate if self.rate else None
            if period and first - self._last_dev > self.gap_factor * period:
                lost = int(round((first - self._last_dev) / period)) - 1
                self.stats.lost_samples_estimate += lost
                g = self._map(np.array([self._last_dev, first]))
                self.stats.gaps.append(Gap(float(g[0]), float(g[1]), lost))
        self.drift.add(float(dev[-1]), host_t - self.host_t0)
        self._update_slope(float(dev[-1]))
        t = self._map(dev)
        self._last_dev = float(dev[keep][-1])
        self._last_t = float(t[keep][-1])
        self.stats.samples += int(keep.sum())
        return t, keep

    def _spread(self, n: int, t_last: float) -> np.ndarray:
        """Per-sample device times for a frame that carries its last sample's time."""
        period = 1.0 / self.rate if self.rate else None
        if self._last_dev is not None and t_last > self._last_dev:
            span = t_last - self._last_dev
            per = span / n
            if period is None or abs(per - period) <= 0.25 * period:
                if period is not None:
                    # follow the device's actual rate (EMA), ignore gaps
                    self.rate = 1.0 / (0.95 * period + 0.05 * per)
                return t_last - per * np.arange(n - 1, -1, -1)
        if period is None:
            period = 0.02
        return t_last - period * np.arange(n - 1, -1, -1)

    def measured_rate_hz(self) -> float | None:
        """Sample rate measured from host arrivals (host-timed streams)."""
        if not self._host_intervals:
            return None
        return 1.0 / max(float(np.median(self._host_intervals)), 1e-6)

    def _host_only(self, n: int, host_t: float) -> tuple[np.ndarray, np.ndarray]:
        ht = (host_t - self.host_t0) * self.host_time_scale
        if self._host_last is not None and not self._relinked:
            self._host_intervals.append((ht - self._host_last) / n)
        self._host_last = ht
        if self._host_intervals:
            period = float(np.median(self._host_intervals))
        else:
            period = 1.0 / self.rate if self.rate else 0.02
        period = max(period, 1e-3)
        if self._last_t is None:
            t = ht - period * np.arange(n - 1, -1, -1)
        else:
            t = self._last_t + period * np.arange(1, n + 1)
            relinked = self._relinked and ht - period * (n - 1) > self._last_t + period
            if ht - t[-1] > 5 * period or relinked:
                # silence: samples were lost (or the link dropped); re-anchor on host time
                t_new = ht - period * np.arange(n - 1, -1, -1)
                lost = max(0, int(round((t_new[0] - self._last_t) / period)) - 1)
                self.stats.gaps.append(Gap(self._last_t, float(t_new[0]), lost))
                self.stats.lost_samples_estimate += lost
                t = t_new
            elif ht - t[-1] > 2 * period:
                t = t + 0.1 * (ht - t[-1])  # slew gently toward host time
            t = np.maximum(t, self._last_t + 1e-4 * np.arange(1, n + 1))
        self._relinked = False
        self._last_t = float(t[-1])
        self.stats.samples += n
        return t, np.ones(n, dtype=bool)
