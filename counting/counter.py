"""The streaming rep counter: the one entry point of the counting core.

feed() chunks of Samples, get events back; finish() flushes the end of the session.
Analysing a file is feeding it the whole file, so live and replay agree exactly:
every decision is taken per sample of an internal uniform clock, never per chunk.

    Samples -> Resampler (uniform fs) -+-> ExcursionDetector (tilt)   -> SetTracker -+-> SetMerger -> sets
                                       +-> VerticalDetector (height) -> SetTracker -+-> LiveArbiter -> live reps

Reps are reported live (RepTentative, SetStarted, RepCompleted) from the channel whose
set in progress the final choice would keep (counting.arbiter): within ~0.4 s of a rep's
end from the tilt channel, ~0.4-0.9 s from the vertical one (a rep the set would trim were
it to end there waits for the next rep: counting.sets.SetTracker._show). The final sets (SetEnded)
are chosen between the two channels once neither can still change them (counting.merge),
typically 20-35 s after a set's last rep. Neither the sets nor the order of the events
depend on how the stream is chunked (see live_order).
"""
from __future__ import annotations

from collections import deque

import numpy as np

from counting.arbiter import DECISION, TILT, VERTICAL, Item, LiveArbiter
from counting.detect import ExcursionDetector
from counting.events import EXERCISES, PLACEMENTS, Event, SetEnded, SetSummary
from counting.merge import SetMerger
from counting.params import CounterParams
from counting.resample import Resampler, Uniform
from counting.samples import Samples
from counting.sets import SetTracker
from counting.vertical import VerticalDetector


class RepCounter:
    """Streaming calf-raise counter.

    placement: one of counting.events.PLACEMENTS or None (unknown); exercise: one of
    EXERCISES or None (recognised per set). Feed Samples (t in s, acc in m/s^2, gyro in
    rad/s, sensor frame) in chunks of any size; results do not depend on the chunking.
    Attributes after feeding: sets_ (finished SetSummary list), candidates_ (the last
    200 movements looked at by either channel, accepted or not, for diagnostics).
    live_order: sets are decided at fixed points of the sample clock, so the events come
    out in the same order for any chunking (a replay prints what a live session did).
    Without it they are decided at the end of each chunk: the same sets and reps, events
    in a chunk-dependent order, and a whole file is analysed ~10% faster (analyze()).
    """

    def __init__(self, *, placement: str | None = None, exercise: str | None = None,
                 params: CounterParams | None = None, live_order: bool = True) -> None:
        if placement is not None and placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {', '.join(PLACEMENTS)}")
        if exercise is not None and exercise not in EXERCISES:
            raise ValueError(f"exercise must be one of {', '.join(EXERCISES)}")
        self.placement = placement
        self.exercise = exercise
        self.params = p = params or CounterParams()
        self._resampler = Resampler(p.fs_hz, p.max_gap_s)
        self._tilt: ExcursionDetector | None = None
        self._vert: VerticalDetector | None = None
        self._tilt_sets = SetTracker(p, exercise=exercise, placement=placement)
        self._vert_sets = SetTracker(p, exercise=exercise, placement=placement)
        self._merger = SetMerger(p)
        self._arbiter = LiveArbiter(self._merger)
        self._queue: list[Item] = []
        self._seq = 0
        self.candidates_: deque = deque(maxlen=200)  # bounded: memory stays flat
        self.live_order = live_order

    @property
    def sets_(self) -> list[SetSummary]:
        return self._merger.sets_

    def feed(self, chunk: Samples) -> list[Event]:
        """Process a chunk (t in s, acc in m/s^2, gyro in rad/s, sensor frame)."""
        u = self._resampler.feed(chunk)
        if len(u) == 0:
            return []
        # after a long hole the signal is not continuous (the strap may even sit differently):
        # finish what the old detectors saw and start fresh ones. Sets are decided only at
        # fixed points of the sample clock (every decide_every_s), never at a chunk's end, so
        # the events come out in the same order however the stream is chunked.
        every = max(1, int(round(self.params.decide_every_s * self.params.fs_hz)))
        due = np.flatnonzero((u.index + 1) % every == 0) + 1 if self.live_order else np.empty(0, int)
        cuts = sorted({0, len(u), *np.flatnonzero(u.restart).tolist(), *due.tolist()})
        for a, b in zip(cuts[:-1], cuts[1:]):
            if b <= a:
                continue
            if self._tilt is not None and u.restart[a]:
                self._flush_detectors()
            self._detect(u.part(a, b))
            if self.live_order and (int(u.index[b - 1]) + 1) % every == 0:
                self._decide(int(u.index[b - 1]))
        if not self.live_order:
            self._decide(int(u.index[-1]))
        return self._report()

    def _report(self) -> list[Event]:
        """The live events of what happened since the last call, in sample-clock order."""
        items, self._queue = sorted(self._queue, key=lambda it: it.key), []
        out: list[Event] = []
        for it in items:
            out += self._arbiter.take(it)
        return out

    def _item(self, k: int, rank: int, channel: str, events: list[Event], running=None, move=None) -> None:
        self._seq += 1
        self._queue.append(Item((k, rank, self._seq), channel, tuple(events), running, move))

    def _decide(self, k: int) -> None:
        """At grid index k: close what has timed out in both channels and choose the sets
        that are settled."""
        assert self._tilt is not None and self._vert is not None
        for channel, det, tracker in self._channels():
            closed = tracker.advance(det.horizon_s())
            for e in closed:
                self._merger.add(channel, e.summary)
            if closed:
                self._item(k, 2, channel, [], tracker.running())
        settled = min(self._tilt_sets.settled_s(self._tilt.horizon_s()),
                      self._vert_sets.settled_s(self._vert.horizon_s()))
        ended = self._merger.advance(settled)
        if ended:
            self._item(k, 3, DECISION, ended)

    def _channels(self):
        return ((TILT, self._tilt, self._tilt_sets), (VERTICAL, self._vert, self._vert_sets))

    def _detect(self, u: Uniform) -> None:
        if self._tilt is None or self._vert is None:
            self._tilt = ExcursionDetector(self.params, has_gyro=u.gyro is not None)
            self._vert = VerticalDetector(self.params)
        self._add(TILT, self._tilt.feed(u))
        self._add(VERTICAL, self._vert.feed(u))

    def _flush_detectors(self) -> None:
        assert self._tilt is not None and self._vert is not None
        self._add(TILT, self._tilt.flush())
        self._add(VERTICAL, self._vert.flush())
        self._tilt = self._vert = None

    def _add(self, channel: str, candidates: list) -> None:
        tracker = self._tilt_sets if channel == TILT else self._vert_sets
        for cand in candidates:
            self.candidates_.append(cand)
            move = None
            if channel == TILT and cand.ok:
                move = (cand.start_s, cand.end_s)
                self._merger.note_tilt_move(*move)
            live = []
            for e in tracker.add(cand):
                if isinstance(e, SetEnded):
                    self._merger.add(channel, e.summary)  # finished sets go to the merger
                else:
                    live.append(e)
            self._item(cand.known_k, 0 if channel == TILT else 1, channel, live, tracker.running(), move)

    def finish(self) -> list[Event]:
        """End of stream: measure what is pending, close open sets, choose the last sets."""
        if self._tilt is not None:
            self._flush_detectors()
        end = 1 << 62  # after everything
        for channel, _, tracker in self._channels():
            for e in tracker.finish():
                self._merger.add(channel, e.summary)
            self._item(end, 2, channel, [], None)
        ended = self._merger.finish()
        if ended:
            self._item(end, 3, DECISION, ended)
        return self._report()


def analyze(samples: Samples, *, placement: str | None = None, exercise: str | None = None,
            chunk_size: int | None = None, params: CounterParams | None = None) -> list[SetSummary]:
    """Offline analysis = the streaming counter fed the whole recording."""
    counter = RepCounter(placement=placement, exercise=exercise, params=params, live_order=False)
    chunks = [samples] if chunk_size is None else samples.chunks(chunk_size)
    for c in chunks:
        counter.feed(c)
    counter.finish()
    return list(counter.sets_)
