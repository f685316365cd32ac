"""Which channel's reps are reported live.

Both channels count reps as they come (counting.sets.SetTracker), but the final sets are
chosen between them only 20-35 s after a set (counting.merge). Live, the person wants the
count that the final choice will show. The arbiter follows both channels' sets in
progress, asks the merger's rule which one it would keep if they ended now, and reports
that channel's reps: the tilt channel's ~0.4 s after a rep ends, the vertical channel's
~0.4-0.9 s after (it looks at its window every vertical_hop_s). When the choice changes
during a set, the newly chosen channel's latest rep is reported with its own count: the
count shown is corrected, up or down.

The items come from both channels; each is taken in the order of the sample that made it
known (then tilt, vertical, decisions), so the events reported do not depend on how the
stream was chunked.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from counting.events import Event, RepCompleted, RepTentative, SetStarted, SetSummary
from counting.merge import SetMerger

TILT, VERTICAL, DECISION = "tilt", "vertical", "decision"


@dataclass(frozen=True)
class Item:
    """What one channel did when one candidate arrived, or a decision of the counter.

    key: (absolute grid index at which it was known, rank: 0 a candidate of the tilt
        channel, 1 of the vertical one, 2 a channel's sets timed out, 3 the merger's
        decision; sequence).
    channel: TILT, VERTICAL or DECISION.
    events: the channel's live events (RepTentative, SetStarted, RepCompleted), or the
        merger's SetEnded for a decision.
    running: the channel's set in progress after it (None: no set running).
    move: (start, end) in s of a movement the tilt channel found rep-like, if any.
    """

    key: tuple[int, int, int]
    channel: str
    events: tuple = ()
    running: SetSummary | None = None
    move: tuple[float, float] | None = None


@dataclass
class _Shown:
    channel: str
    count: int = 0


class LiveArbiter:
    """Feed Items in key order (take()); get the events to show live."""

    def __init__(self, merger: SetMerger) -> None:
        self._merger = merger
        self._running: dict[str, SetSummary | None] = {TILT: None, VERTICAL: None}
        self._reps: dict[str, list] = {TILT: [], VERTICAL: []}
        self._moves: deque[tuple[float, float]] = deque(maxlen=200)  # bounded: memory stays flat
        self._shown: _Shown | None = None  # the live set on show, if any
        self._opened = 0

    def take(self, item: Item) -> list[Event]:
        if item.channel == DECISION:
            return list(item.events)
        out: list[Event] = []
        c = item.channel
        if item.move is not None:
            self._moves.append(item.move)
        for e in item.events:
            if isinstance(e, SetStarted):
                self._reps[c] = []
            elif isinstance(e, RepCompleted):
                self._reps[c].append(e.rep)
            elif isinstance(e, RepTentative) and c == TILT and self._shown is None:
                out.append(e)  # before any set: the quick channel's provisional count
        self._running[c] = item.running
        if item.running is None:
            self._reps[c] = []
        return out + self._sync()

    def _sync(self) -> list[Event]:
        """Report what the chosen channel counted that was not shown yet."""
        chosen = self._chosen()
        shown = self._shown
        if chosen is None:
            if shown is not None and self._running[shown.channel] is None:
                self._shown = None  # its set is over; the final count comes with SetEnded
            return []
        reps = self._reps[chosen]
        run = self._running[chosen]
        assert run is not None
        out: list[Event] = []
        if shown is None:
            shown = self._shown = _Shown(chosen)
            out.append(SetStarted(self._opened, run.start_s, run.exercise))
            self._opened += 1
        if shown.channel != chosen:
            shown.channel = chosen
            if reps and reps[-1].index != shown.count:
                out.append(RepCompleted(reps[-1]))  # the count corrected to this channel's
                shown.count = reps[-1].index
            return out
        for r in reps:
            if r.index > shown.count:
                out.append(RepCompleted(r))
                shown.count = r.index
        return out

    def _chosen(self) -> str | None:
        """The channel whose set in progress the merger would keep if both ended now."""
        t, v = self._running[TILT], self._running[VERTICAL]
        if t is not None and v is not None and not (t.start_s <= v.end_s and v.start_s <= t.end_s):
            # not the same stretch: the later one is the set going on
            t, v = (t, None) if t.end_s >= v.end_s else (None, v)
        stretch = [(c, s) for c, s in ((TILT, t), (VERTICAL, v)) if s is not None]
        if not stretch:
            return None
        kept = self._merger.choose(stretch, self._moves)
        for c, s in stretch:
            if any(k is s for k in kept):
                return c
        return None
