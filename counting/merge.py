"""Choose, stretch by stretch, between the sets of the tilt and the vertical channel.

The tilt channel is exact where the sensor tilts a lot in a rep (the foot, a squat) and
misses reps where the segment tilts by about as much as it sways (shank, thigh, trunk,
a hanging arm). The vertical channel sees the body rise in those cases but its
rep-by-rep heights are noisy. Each channel groups its own reps into sets; sets of the
two channels that overlap in time form a stretch, and for each stretch one channel's
sets are kept:
- only one channel has a set there: that one. A vertical-only set must have at least
  `vertical_only_min_reps` reps (4), and its reps must stand out of the bumps that double
  integration makes of noise: median local snr (against the noise around the reps) >=
  vertical_set_snr, or vertical_backed_snr where the tilt channel saw rep-like movements
  at most of its reps, or median snr against the sensor's own floor >= vertical_floor_snr
  (crisp reps raise the noise around them); a still sensor with 0.05 m/s^2 of noise
  otherwise makes sets out of nothing. Sets of
  dips (squats, counting.vertical) are far past what noise makes and need no such check;
- both: the vertical sets if the tilt set's reps are small tilts (< tilt_timing_deg)
  and the vertical channel counted more reps or its rises stand clearly out of the noise
  (local snr >= vertical_prefer_snr); otherwise the tilt sets.
A stretch is decided once neither channel can still add a set overlapping it.
"""
from __future__ import annotations

from collections import deque
from dataclasses import replace
from statistics import median

from counting.events import SetEnded, SetSummary
from counting.params import CounterParams


class SetMerger:
    """Collects finished sets of both channels; emits the chosen ones as SetEnded, in order."""

    def __init__(self, params: CounterParams) -> None:
        self.p = params
        self.sets_: list[SetSummary] = []
        self._held: list[tuple[str, SetSummary]] = []
        # movements the tilt channel took for reps, grouped into a set or not; those that end
        # before anything still undecided are dropped (by time, so chunking changes nothing)
        self._tilt_moves: deque[tuple[float, float]] = deque()

    def note_tilt_move(self, start_s: float, end_s: float) -> None:
        """A movement the tilt channel found rep-like (s), whether or not it made a set."""
        self._tilt_moves.append((start_s, end_s))

    def add(self, channel: str, summary: SetSummary) -> None:
        self._held.append((channel, summary))

    def advance(self, settled_s: float) -> list[SetEnded]:
        """No set still to come from either channel starts before `settled_s` (s)."""
        out: list[SetEnded] = []
        while True:
            stretch = self._first_stretch()
            if not stretch or max(s.end_s for _, s in stretch) >= settled_s:
                break
            for item in stretch:
                self._held.remove(item)
            out += self._emit(self.choose(stretch, self._tilt_moves))
        oldest = min([settled_s] + [s.start_s for _, s in self._held])
        while self._tilt_moves and self._tilt_moves[0][1] < oldest:
            self._tilt_moves.popleft()
        return out

    def finish(self) -> list[SetEnded]:
        return self.advance(float("inf"))

    def _first_stretch(self) -> list[tuple[str, SetSummary]]:
        held = sorted(self._held, key=lambda cs: cs[1].start_s)
        if not held:
            return []
        stretch = [held[0]]
        end = held[0][1].end_s
        for cs in held[1:]:
            if cs[1].start_s > end:
                break
            stretch.append(cs)
            end = max(end, cs[1].end_s)
        return stretch

    def choose(self, stretch: list[tuple[str, SetSummary]], tilt_moves) -> list[SetSummary]:
        """The sets kept of a stretch of (channel, set) that overlap in time; `tilt_moves`:
        (start, end) of the movements the tilt channel found rep-like around them (s)."""
        tilt = [s for c, s in stretch if c == "tilt"]
        # vertical sets that do not stand out of the integrated noise are not evidence at all
        vert = [s for c, s in stretch if c == "vertical" and (_dips(s) or self._out_of_noise(s, tilt_moves))]
        if not tilt:
            return [s for s in vert if len(s.reps) >= self.p.vertical_only_min_reps]
        if not vert:
            return tilt
        small = self.small_tilts(tilt)
        more = sum(len(s.reps) for s in vert) > sum(len(s.reps) for s in tilt)
        clear = all(_dips(s) or (s.local_snr or 0.0) >= self.p.vertical_prefer_snr for s in vert)
        covers = _span(vert) >= self.p.vertical_cover_ratio * _span(tilt)
        return vert if small and (more or (clear and covers)) else tilt

    def small_tilts(self, tilt: list[SetSummary]) -> bool:
        """Are these tilt sets' reps small tilts (median < tilt_timing_deg)?"""
        return median(r.amplitude_deg or 0.0 for s in tilt for r in s.reps) < self.p.tilt_timing_deg

    def _out_of_noise(self, s: SetSummary, tilt_moves) -> bool:
        """Do the set's rises stand out of the bumps that integrated noise makes? Against the
        noise around them (which stepping, fidgeting and the reps' own quick parts raise), or
        well out of the sensor's floor (crisp reps of a quiet sensor)."""
        p, local = self.p, s.local_snr or 0.0
        if (s.snr or 0.0) >= p.vertical_floor_snr or local >= p.vertical_set_snr:
            return True
        return local >= p.vertical_backed_snr and _backed(s, tilt_moves)  # (the slow check last)

    def _emit(self, chosen: list[SetSummary]) -> list[SetEnded]:
        out = []
        for s in sorted(chosen, key=lambda s: s.start_s):
            index = len(self.sets_)
            rest = s.start_s - self.sets_[-1].end_s if self.sets_ else None
            s = replace(s, index=index, rest_before_s=rest,
                        reps=tuple(replace(r, set_index=index) for r in s.reps))
            self.sets_.append(s)
            out.append(SetEnded(s))
        return out


def _backed(s: SetSummary, tilt_moves) -> bool:
    """Did the tilt channel see rep-like movements (start, end in s) at most of this set's
    reps? (Noise that integrates into bumps does not also tilt the sensor in step with them.)"""
    near = [(a, b) for a, b in tilt_moves if a < s.end_s and s.start_s < b]
    hits = sum(any(a < r.end_s and r.start_s < b for a, b in near) for r in s.reps)
    return hits >= 0.5 * len(s.reps)


def _span(sets: list[SetSummary]) -> float:
    """Time the sets span from their first rep's start to their last rep's end (s)."""
    return sum(s.end_s - s.start_s for s in sets)


def _dips(s: SetSummary) -> bool:
    """A vertical set of squats: dips past vertical_squat_cm, eight times the 2-3 cm bumps that
    double integration makes of a sensor's noise, so no noise gate applies to them."""
    return median(r.vertical_cm or 0.0 for r in s.reps) < 0.0
