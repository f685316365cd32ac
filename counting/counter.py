"""The streaming rep counter: the one entry point of the counting core.

feed() chunks of Samples, get events back; finish() flushes the end of the session.
Analysing a file is feeding it the whole file, so live and replay agree exactly:
every decision is taken per sample of an internal uniform clock, never per chunk.

    Samples -> Resampler (uniform fs) -> ExcursionDetector (tilt from rest, candidates)
            -> SetTracker (reps, sets, summaries)
"""
from __future__ import annotations

from collections import deque

import numpy as np

from counting.detect import ExcursionDetector
from counting.events import EXERCISES, PLACEMENTS, Event, SetSummary
from counting.params import CounterParams
from counting.resample import Resampler
from counting.samples import Samples
from counting.sets import SetTracker


class RepCounter:
    """Streaming calf-raise counter.

    placement: one of counting.events.PLACEMENTS or None (unknown); exercise: one of
    EXERCISES or None (recognised per set). Feed Samples (t in s, acc in m/s^2, gyro in
    rad/s, sensor frame) in chunks of any size; results do not depend on the chunking.
    Attributes after feeding: sets_ (finished SetSummary list), candidates_ (the last
    200 movements looked at, accepted or not, for diagnostics).
    """

    def __init__(self, *, placement: str | None = None, exercise: str | None = None,
                 params: CounterParams | None = None) -> None:
        if placement is not None and placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {', '.join(PLACEMENTS)}")
        if exercise is not None and exercise not in EXERCISES:
            raise ValueError(f"exercise must be one of {', '.join(EXERCISES)}")
        self.placement = placement
        self.exercise = exercise
        self.params = params or CounterParams()
        self._resampler = Resampler(self.params.fs_hz, self.params.max_gap_s)
        self._detector: ExcursionDetector | None = None
        self._sets = SetTracker(self.params, exercise=exercise, placement=placement)
        self.candidates_: deque = deque(maxlen=200)  # bounded: memory stays flat

    @property
    def sets_(self) -> list[SetSummary]:
        return self._sets.sets_

    def feed(self, chunk: Samples) -> list[Event]:
        """Process a chunk (t in s, acc in m/s^2, gyro in rad/s, sensor frame)."""
        u = self._resampler.feed(chunk)
        if len(u) == 0:
            return []
        events: list[Event] = []
        # after a long hole the signal is not continuous (the strap may even sit differently):
        # finish what the old detector saw and start a fresh one
        cuts = [0] + [int(i) for i in np.flatnonzero(u.restart)] + [len(u)]
        for a, b in zip(cuts[:-1], cuts[1:]):
            if b <= a:
                continue
            if self._detector is not None and u.restart[a]:
                events += self._add(self._detector.flush())
                self._detector = None
            if self._detector is None:
                self._detector = ExcursionDetector(self.params, has_gyro=u.gyro is not None)
            events += self._add(self._detector.feed(u.part(a, b)))
        events += self._sets.advance(self._detector.horizon_s())
        return events

    def _add(self, candidates: list) -> list[Event]:
        events: list[Event] = []
        for cand in candidates:
            self.candidates_.append(cand)
            events += self._sets.add(cand)
        return events

    def finish(self) -> list[Event]:
        """End of stream: measure what is pending and close any open set."""
        events: list[Event] = []
        if self._detector is not None:
            events += self._add(self._detector.flush())
        return events + self._sets.finish()


def analyze(samples: Samples, *, placement: str | None = None, exercise: str | None = None,
            chunk_size: int | None = None, params: CounterParams | None = None) -> list[SetSummary]:
    """Offline analysis = the streaming counter fed the whole recording."""
    counter = RepCounter(placement=placement, exercise=exercise, params=params)
    chunks = [samples] if chunk_size is None else samples.chunks(chunk_size)
    for c in chunks:
        counter.feed(c)
    counter.finish()
    return list(counter.sets_)
