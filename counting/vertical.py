"""Streaming detection of heel raises as bumps in the sensor's height.

A heel raise lifts the whole body by ~0.75 of the heel travel (4-8 cm), whatever the
segment the sensor sits on; postural sway and breathing tilt the trunk, shank and
thigh by about as much as a rep does, but barely move them up and down. So, beside the
tilt detector, this one follows the sensor's height:

    |acc| -> centred median (impacts out) -> causal low-pass -> sliding window
          -> double integration, rest pinned at both window ends -> bumps

Every `hop` the last `window` seconds are integrated (the arithmetic of
counting.measure.vertical_curve, many windows at once) and each bump that lies wholly
inside the window, away from its pinned edges, is timed on its 10%/90% crossings from
the line through its bottoms (measure.time_from_bottoms) and handed on as a Candidate,
once, in time order, with its snr (rise over the size of the bumps the sensor's noise floor
makes) and its local snr (the same against the noise band around it).
"""
from __future__ import annotations

import bisect
import math

import numpy as np
from scipy import ndimage, signal

from counting.detect import Candidate, History, reject_reason
from counting.measure import Movement, percentile, rms, time_excursion, time_from_bottoms
from counting.params import CounterParams
from counting.resample import Uniform


NOISE_BLOCK_S = 2.0  # the noise floor's blocks (s) ...
NOISE_BLOCKS = 90  # ... and how many of them (3 minutes: a set and the rest after it) ...
NOISE_PCT = 10.0  # ... and which percentile of their powers is the floor
NOISE_PCT_TO_MEAN = 2.85  # white noise: mean over that percentile of the block powers (measured)
DIRECTION_AVG_S = 0.5  # moving mean of acc giving the gravity direction for turn_deg (s)
HOLD_TAU_S = 2.0  # time constant of the running mean of |acc| held across a bridged hole (s)
HOLD_MIN_HOLE_S = 1.0  # shorter holes are bridged by the resampler's straight line (s)
GAP_SETTLE_S = 1.0  # after a bridged hole the band filter is still settling from the straight line


class VerticalDetector:
    """Feed uniform chunks (acc in m/s^2); get Candidates whose size is the rise in cm."""

    def __init__(self, params: CounterParams) -> None:
        p = self.p = params
        fs = p.fs_hz
        self._sos = signal.butter(2, p.measure_lp_hz, fs=fs, output="sos")
        # low-frequency group delay of that filter: sqrt(2) / (2 pi fc) for a 2nd-order Butterworth
        self._delay_s = float(np.sqrt(2.0) / (2.0 * np.pi * p.measure_lp_hz))
        self._n_med = int(round(0.25 * fs)) | 1
        self._tail_t = np.empty(0)
        self._tail_k = np.empty(0, dtype=np.int64)
        self._tail_a = np.empty((0, 3))
        self._n_dir = max(1, int(round(DIRECTION_AVG_S * fs)))
        self._tail_g = np.empty((0, 2), dtype=bool)
        self._last_gap_k = -(1 << 62)  # absolute index of the last sample bridged over a hole
        self._gap_settle = int(round(GAP_SETTLE_S * fs))
        self._zi: np.ndarray | None = None
        # the level of |acc| last heard before a hole (m/s^2): the state of a slow running mean
        self._hold_a = 1.0 - np.exp(-1.0 / (HOLD_TAU_S * fs))
        self._hold = np.zeros(1)
        self._win = int(round(p.vertical_window_s * fs))
        self._hop = max(1, int(round(p.vertical_hop_s * fs)))
        # t, low-passed |acc|, raw |acc|, noise band power, acc xyz (for turn_deg and sway_deg)
        self._hist = History(7, self._win)
        # white sensor noise is as strong at 1.5-2.5 Hz (where reps have little) as at the
        # 0.1-0.5 Hz of a rep, where double integration turns it into slow false bumps
        self._sos_band = signal.butter(2, [1.5, 2.5], btype="bandpass", fs=fs, output="sos")
        self._zi_band: np.ndarray | None = None
        # the noise floor: band power in 2 s blocks (aligned to the absolute sample index, so
        # chunking changes nothing), a low percentile over the last three minutes' blocks (the
        # quiet between sets). The window's own mean (local_snr) also rises with stepping or
        # fidgeting around a rep, but with the reps' own quick parts too (a 0.8 s rise has much
        # of its energy at 1.5-2.5 Hz): crisp reps looked noisy against it
        self._blk_n = int(round(NOISE_BLOCK_S * fs))
        self._blk_end: list[int] = []  # absolute index just past each finished block
        self._blk_pow: list[float] = []
        self._blk_acc: tuple[int, list[np.ndarray]] = (-1, [])  # the block being filled: id, values
        self._k = -1  # last absolute index in the history
        self._next_k: int | None = None
        self._last_end = float("-inf")

    def feed(self, u: Uniform) -> list[Candidate]:
        if len(u) == 0:
            return []
        t = np.concatenate([self._tail_t, u.t])
        k = np.concatenate([self._tail_k, u.index])
        acc = np.concatenate([self._tail_a, u.acc])
        m = np.linalg.norm(acc, axis=1)
        # per row: bridged over a hole (no noise to hear), over a long one (hold the level)
        long_hole = u.gap if u.hole_s is None else u.hole_s > HOLD_MIN_HOLE_S
        # (after a hole too long to bridge the counter starts fresh detectors: nothing to flag)
        g = np.concatenate([self._tail_g, np.column_stack([u.gap, long_hole])])
        h = self._n_med // 2
        keep = self._n_med - 1
        self._tail_t, self._tail_a, self._tail_k, self._tail_g = t[-keep:], acc[-keep:], k[-keep:], g[-keep:]
        if len(m) < self._n_med:
            return []
        # centred median: each value is exact once h later samples have arrived, so the
        # output lags the input by h samples but is not shifted in time
        med = ndimage.median_filter(m, size=self._n_med, mode="nearest")[h: len(m) - h]
        if self._zi is None:
            self._zi = signal.sosfilt_zi(self._sos) * med[0]
            self._hold = np.array([(1.0 - self._hold_a) * float(med[0])])
        lp = self._lowpass(med, g[h: len(m) - h, 1])
        if self._zi_band is None:
            self._zi_band = signal.sosfilt_zi(self._sos_band) * lp[0]  # at rest on gravity: no ringing
        band, self._zi_band = signal.sosfilt(self._sos_band, lp, zi=self._zi_band)
        ks = k[h: len(m) - h]
        p2 = np.where(self._unheard(ks, g[h: len(m) - h, 0]), np.nan, band * band)
        rows = np.column_stack([t[h: len(m) - h], lp, m[h: len(m) - h], p2, acc[h: len(m) - h]])
        self._add_blocks(ks, p2)
        if self._next_k is None:
            self._next_k = int(ks[0]) + int(4 * self.p.fs_hz)
        # keep what the windows still to be looked at need
        self._hist.append(int(ks[0]), rows, min(self._next_k, int(ks[-1])) - self._win)
        last = int(ks[-1])
        ends = list(range(self._next_k, last + 1, self._hop))
        self._next_k += self._hop * len(ends)
        self._k = last
        out = self._analyse(ends)
        # blocks no window still to come looks at
        cut = bisect.bisect_right(self._blk_end, self._next_k - self._hop - self._blk_n * NOISE_BLOCKS)
        del self._blk_end[:cut], self._blk_pow[:cut]
        return out

    def _lowpass(self, med: np.ndarray, gap: np.ndarray) -> np.ndarray:
        """Causal low-pass of |acc| (m/s^2), holding the last heard level across bridged holes.

        The resampler draws a straight line between the two samples either side of a hole:
        their noise, held for seconds, integrates into a bump of centimetres (a 0.05 m/s^2
        offset held 3 s makes ~6 cm), and so does the low-passed level's own wander. A
        running mean over seconds before the hole is the steadiest guess of no vertical
        acceleration that the stream has."""
        out = np.empty_like(med)
        cuts = (np.flatnonzero(np.diff(gap)) + 1).tolist()
        for a, b in zip([0, *cuts], [*cuts, len(med)]):
            if gap[a]:
                x = np.full(b - a, float(self._hold[0]) / (1.0 - self._hold_a))
            else:
                x = med[a:b]
                _, self._hold = signal.lfilter([self._hold_a], [1.0, self._hold_a - 1.0], x, zi=self._hold)
            out[a:b], self._zi = signal.sosfilt(self._sos, x, zi=self._zi)
        return out

    def _unheard(self, ks: np.ndarray, gap: np.ndarray) -> np.ndarray:
        """Samples whose noise band says nothing of the sensor's noise: interpolated across a
        hole (a straight line has none) and the settling after it. Carried across chunks."""
        last = np.maximum(np.maximum.accumulate(np.where(gap, ks, -(1 << 62))), self._last_gap_k)
        self._last_gap_k = int(last[-1])
        return ks - last <= self._gap_settle

    def _add_blocks(self, ks: np.ndarray, p2: np.ndarray) -> None:
        ids = ks // self._blk_n
        cur, parts = self._blk_acc
        cuts = np.flatnonzero(np.diff(ids)) + 1
        for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), len(ids)]):
            bid = int(ids[a])
            if bid != cur and parts:
                self._close_block(cur, np.concatenate(parts))
                parts = []
            cur = bid
            parts.append(p2[a:b])
        self._blk_acc = (cur, parts)

    def _close_block(self, bid: int, p2: np.ndarray) -> None:
        # the whole block is summed at once: the same bits however the stream was chunked
        p2 = p2[~np.isnan(p2)]
        if len(p2) >= self._blk_n // 2:  # a block mostly lost to a gap says little
            self._blk_end.append((bid + 1) * self._blk_n)
            self._blk_pow.append(float(p2.mean()))

    def _noise(self, k1: int, w: np.ndarray) -> float:
        """RMS of the noise band (m/s^2) at the sensor's floor, for the window ending at
        absolute index k1: sets the size of the bumps that integration makes of its noise."""
        # the blocks that ended in the 3 minutes of the sample grid before k1 (by index, not
        # by count: blocks lost to gaps must not reach further back than what is kept)
        i = bisect.bisect_right(self._blk_end, k1 - NOISE_BLOCKS * self._blk_n)
        j = bisect.bisect_right(self._blk_end, k1)
        pows = self._blk_pow[i: j]
        if len(pows) < 5:
            return self._local(w)  # the first seconds of a stream
        return float(np.sqrt(percentile(np.asarray(pows), NOISE_PCT) * NOISE_PCT_TO_MEAN))

    def _directions(self, acc: np.ndarray, i0: int, i1: int) -> np.ndarray:
        """Unit gravity directions (a 0.5 s moving mean of acc) ending at rows i0..i1-1 of a
        window (from row n-1 on, if i0 is nearer the window's start than the mean's n rows;
        a single row if the window is shorter). Asked only per bump: cheap, and the same for
        any chunking (it only reads the window)."""
        n = self._n_dir
        a = max(0, i0 - n + 1)
        c = np.cumsum(np.vstack([np.zeros((1, 3)), acc[a:i1]]), axis=0)
        g = c[n:] - c[:-n] if len(c) > n else c[-1:] - c[:1]
        return g / np.maximum(np.linalg.norm(g, axis=1), 1e-9)[:, None]

    @staticmethod
    def _turn(g: np.ndarray) -> float:
        """How far the gravity directions `g` turned from the first one (deg)."""
        return float(np.degrees(np.arccos(np.clip((g @ g[0]).min(), -1.0, 1.0))))

    @staticmethod
    def _sway(g: np.ndarray, h: np.ndarray) -> float:
        """RMS wobble (deg) of the gravity directions `g` that is not the rep's own tilt: a
        rise tilts shank, thigh and trunk by a few degrees in step with the height `h` (same
        rows); rolling, buckling or swaying does not follow it. The largest principal RMS of
        what is left, comparable to the tilt channel's sway_deg (the RMS across its axis)."""
        mx, my, mz = (float(v) for v in g.sum(axis=0))
        n = max(math.sqrt(mx * mx + my * my + mz * mz), 1e-9)
        mx, my, mz = mx / n, my / n, mz / n
        # two axes across the mean direction (a cross product with the axis it is least along)
        ax, ay, az = (0.0, -mz, my) if abs(mx) < 0.9 else (mz, 0.0, -mx)
        n = math.sqrt(ax * ax + ay * ay + az * az)
        e1 = np.array([ax / n, ay / n, az / n])
        e2 = np.array([my * e1[2] - mz * e1[1], mz * e1[0] - mx * e1[2], mx * e1[1] - my * e1[0]])
        hc = h - h.mean()
        hh = max(float(hc @ hc), 1e-18)
        # the tilt in the plane across gravity (two axes, rad), less its straight-line fit on h
        x, y = g @ e1, g @ e2
        x = x - x.mean() - hc * (float(hc @ x) / hh)
        y = y - y.mean() - hc * (float(hc @ y) / hh)
        a, b, c = float(x @ x), float(x @ y), float(y @ y)
        big = 0.5 * (a + c) + np.sqrt(0.25 * (a - c) ** 2 + b * b)  # the 2x2 scatter's larger eigenvalue
        return float(np.degrees(np.sqrt(big / len(x))))

    @staticmethod
    def _local(w: np.ndarray) -> float:
        """RMS of the noise band (m/s^2) over window rows `w`, holes left out."""
        heard = w[:, 3][~np.isnan(w[:, 3])]
        return float(np.sqrt(heard.mean())) if len(heard) else float("inf")  # no evidence: no pass

    def flush(self) -> list[Candidate]:
        """End of stream: look at the window that ends at the last sample."""
        if self._k < 0:
            return []
        return self._analyse([self._k + 1])

    def horizon_s(self) -> float:
        """No candidate still to come can start before this time (s)."""
        w = self._hist.window(self._k - self._win, self._k + 1)
        if not len(w):
            return float("-inf")
        return max(float(w[0, 0]) + self.p.vertical_lead_s - self._delay_s, self._last_end - 0.2)

    def _analyse(self, ends: list[int]) -> list[Candidate]:
        """Bumps inside the windows of samples [k1 - window, k1), k1 in `ends` (ascending).

        Full-length windows are integrated together (one numpy call for many windows:
        a whole file is fast), each window alone with the same arithmetic, so the result
        does not depend on how the stream was chunked."""
        out: list[Candidate] = []
        fs = self.p.fs_hz
        full = [k1 for k1 in ends if k1 - self._win >= self._hist.first]
        for k1 in ends[: len(ends) - len(full)]:  # the first seconds of the stream
            w = self._hist.window(k1 - self._win, k1)
            if len(w) >= 4 * fs:
                out += self._bumps(w, self._heights(w[None, :, 1])[0], k1)
        for b in range(0, len(full), 64):
            batch = full[b: b + 64]
            block = self._hist.window(batch[0] - self._win, batch[-1])
            starts = [k1 - batch[0] for k1 in batch]
            # only the low-passed |acc| is copied out; each window's rows are views
            z = self._heights(np.lib.stride_tricks.sliding_window_view(block[:, 1], self._win)[starts])
            for i, s0 in enumerate(starts):
                out += self._bumps(block[s0: s0 + self._win], z[i], batch[i])
        return out

    def _heights(self, lp: np.ndarray) -> np.ndarray:
        """Height curves (m) of windows of low-passed |acc| (rows, m/s^2), pinned to zero
        at both ends: counting.measure.vertical_curve for many windows of a uniform grid at
        once (there, removing the mean already brings the velocity back to zero)."""
        n = lp.shape[1]
        dt = 1.0 / self.p.fs_hz
        a = lp - (lp.sum(axis=1) / n)[:, None]
        z = np.cumsum(np.cumsum(a, axis=1), axis=1) * (dt * dt)
        z -= (np.arange(n) * (1.0 / (n - 1)))[None, :] * z[:, -1:]
        return z

    def _inside(self, timed: tuple, t_lo: float, t_hi: float) -> bool:
        """Is a bump timed (start, .., end) on the window's clock wholly inside its usable
        part [t_lo, t_hi], and after the last bump handed on?"""
        return not (timed[0] < t_lo or timed[3] > t_hi or timed[0] - self._delay_s <= self._last_end - 0.2)

    def _bumps(self, w: np.ndarray, z: np.ndarray, k1: int) -> list[Candidate]:
        """Bumps of height curve `z` over window rows `w` (t, low-passed |acc|, raw |acc|,
        noise band power) handed on now."""
        p = self.p
        fs = p.fs_hz
        t, lp, raw = w[:, 0], w[:, 1], w[:, 2]
        noise: float | None = None
        local = 0.0
        t_lo = t[0] + p.vertical_lead_s
        t_hi = t[-1] - p.vertical_tail_s
        # only the part after the last bump handed on can hold a new one
        j0 = int(np.searchsorted(t, max(t_lo, self._last_end + self._delay_s - 1.0)))
        j1 = int(np.searchsorted(t, t_hi))
        if j1 - j0 < p.min_rep_s * fs or t_hi - max(t_lo, self._last_end - 0.2) < p.min_rep_s:
            return []  # no room yet for a whole new rep
        min_m = p.vertical_min_cm / 100.0
        squat_m = p.vertical_squat_cm / 100.0
        span = float(np.ptp(z))
        if span < min_m:
            return []  # quiet: no bump this big can be in here
        # bumps up are heel raises; dips deeper than any heel raise lifts the body are squats
        # (the hips drop 30-45 cm and an arm or trunk sensor with them), and the bumps
        # between those dips are the standing between squats, not reps
        d = np.diff(z[j0: j1 + 1])
        tops = np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0)) + 1 + j0
        tops = tops[t[tops] - self._delay_s > self._last_end]  # (those handed on already: out at once)
        bottoms = (np.flatnonzero((d[:-1] < 0) & (d[1:] >= 0)) + 1 + j0).tolist() if span >= squat_m else []
        extrema = sorted([(k, 1.0) for k in tops.tolist()] + [(k, -1.0) for k in bottoms])
        reach = int(p.max_rep_s * fs / 2)
        neg = -z if bottoms else z  # dips are bumps of the negated curve (negated once)
        out: list[Candidate] = []
        for pk, sign in extrema:
            if t[pk] > t_hi or t[pk] - self._delay_s <= self._last_end:
                continue  # not yet wholly inside, or already handed on
            zs = z if sign > 0 else neg
            a, b = max(0, pk - reach), min(len(zs), pk + reach)
            il = a + int(np.argmin(zs[a: pk + 1]))
            ir = pk + int(np.argmin(zs[pk:b]))
            rest = max(float(zs[il]), float(zs[ir]))
            amp = float(zs[pk]) - rest
            if amp < (min_m if sign > 0 else squat_m):
                continue  # has not come back yet, or too small (a dip: no squat)
            if sign > 0 and float(zs[pk]) - min(float(zs[il]), float(zs[ir])) >= squat_m:
                # standing up out of a squat's dip on either side (or from a chair): no heel
                # raise. Measured from the shallower side alone, quick squats' short standing
                # came under the limit and was handed on in place of the next dip
                continue
            # the bottoms before and after the rep differ: time the phases from the line through
            # both, if the curve leaves and comes back through the 10% level from its higher one
            timed = time_from_bottoms(t, zs, pk, a, b, il, ir)
            if timed is not None and not self._inside(timed, t_lo, t_hi):
                continue  # (most bumps: not wholly inside the window yet; checked before the next)
            flat = time_excursion(t[a:b], zs[a:b], rest, pk - a)
            if flat is None:
                continue
            timed = timed or flat
            if not self._inside(timed, t_lo, t_hi):
                continue
            # the causal low-pass delayed everything by its group delay: take it back off
            start, rise_end, fall_start, end = (x - self._delay_s for x in timed[:4])
            i0 = int(np.searchsorted(t, start + self._delay_s))
            i1 = int(np.searchsorted(t, end + self._delay_s)) + 1
            if i1 - i0 < 3 or int(np.argmax(zs[i0:i1])) + i0 != pk:
                continue  # a wiggle on the flank of a bigger bump: that one is the rep
            self._last_end = end
            known = k1 + self._n_med // 2  # once the centred median had the window's last sample
            if end - start < p.min_rep_s:  # too quick: the rest of the measurement would go unused
                mv = Movement.timed_only(start, rise_end, fall_start, end, float(t[pk]) - self._delay_s,
                                         vertical_cm=sign * amp * 100.0, channel="vertical")
                out.append(Candidate(mv, reject_reason(mv, p), start, end, known))
                continue
            if noise is None:  # once per window: the floor, and the band around the reps
                noise, local = self._noise(k1, w), self._local(w)
            snr = amp / max(noise * (end - start) ** 1.5, 1e-12)
            local_snr = amp / max(local * (end - start) ** 1.5, 1e-12)
            speed = np.abs(np.gradient(z[i0:i1], t[i0:i1]))
            g = self._directions(w[:, 4:7], i0, i1)
            sway = self._sway(g, zs[i1 - len(g): i1])
            mv = Movement(
                start_s=start, rise_end_s=rise_end, fall_start_s=fall_start, end_s=end,
                peak_s=float(t[pk]) - self._delay_s, amplitude_deg=0.0, vertical_cm=sign * amp * 100.0,
                peak_rate_dps=float(speed.max() * 100.0), sway_deg=sway, hf_rms=rms(raw[i0:i1] - lp[i0:i1]),
                gyro_hf_rms=None, channel="vertical", snr=snr, local_snr=local_snr, turn_deg=self._turn(g),
            )
            out.append(Candidate(mv, reject_reason(mv, p), start, end, known))
        return out

