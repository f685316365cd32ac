"""Which channel's reps are reported live.

Both channels count reps as they come (counting.sets.SetTracker), but the final sets are
chosen between them only 20-35 s after a set (counting.merge). Live, the person wants the
count that the final choice will show. The arbiter follows both channels' sets in
progress, asks (a steadier form of) the merger's rule which one it would keep, and reports
that channel's reps: the tilt channel's ~0.4 s after a rep ends, the vertical channel's
~0.4-0.9 s after (it looks at its window every vertical_hop_s); a rep its set would trim
were it to end there, with the next rep (counting.sets.SetTracker._show). When the choice changes
during a set (typically once, when the vertical channel confirms its set), the newly
chosen channel's latest rep is reported with its own count: the count shown is corrected.

The items come from both channels; each is taken in the order of the sample that made it
known (then tilt, vertical, decisions), so the events reported do not depend on how the
stream was chunked.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

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
    """The live set on show: whose count, and the span (s) of the sets it was counted from."""

    channel: str
    start_s: float
    end_s: float
    count: int = 0


class LiveArbiter:
    """Feed Items in key order (take()); get the events to show live."""

    def __init__(self, merger: SetMerger) -> None:
        self._merger = merger
        self._running: dict[str, SetSummary | None] = {TILT: None, VERTICAL: None}
        self._reps: dict[str, list] = {TILT: [], VERTICAL: []}
        self._moves: deque[tuple[float, float]] = deque(maxlen=200)  # bounded: memory stays flat
        self._shown: _Shown | None = None  # the live set on show, if any
        self._last_tilt: SetSummary | None = None  # the tilt channel's latest set in progress
        # per channel, the start (s) of a set in progress passed over for the other's: not shown
        self._spent: dict[str, float | None] = {TILT: None, VERTICAL: None}
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
        if c == TILT and item.running is not None:
            self._last_tilt = item.running
        if item.running is None:
            self._reps[c] = []
        return out + self._sync()

    def _sync(self) -> list[Event]:
        """Report what the chosen channel counted that was not shown yet."""
        chosen = self._chosen()
        shown = self._shown
        if shown is not None and self._running[shown.channel] is None and chosen != shown.channel:
            shown = self._shown = None  # its set is over; the final count comes with SetEnded
        if chosen is None:
            return []
        reps = self._reps[chosen]
        run = self._running[chosen]
        assert run is not None
        out: list[Event] = []
        if shown is not None and run.start_s > shown.end_s:
            shown = None  # the next set, not this one seen by the other channel
        if shown is None:
            shown = self._shown = _Shown(chosen, run.start_s, run.end_s)
            out.append(SetStarted(self._opened, run.start_s, run.exercise))
            self._opened += 1
        shown.end_s = max(shown.end_s, run.end_s)
        # the other channel's set in progress beside this one is not shown now or later (it
        # may run on across the rest into the next set: breathing tilts between sets)
        other = VERTICAL if chosen == TILT else TILT
        o = self._running[other]
        if o is not None and o.start_s <= shown.end_s and shown.start_s <= o.end_s:
            self._spent[other] = o.start_s
        if shown.channel != chosen:
            shown.channel = chosen
            if reps and reps[-1].index != shown.count:
                out.append(self._rep(reps[-1]))  # the count corrected to this channel's
                shown.count = reps[-1].index
            return out
        for r in reps:
            if r.index > shown.count:
                out.append(self._rep(r))
                shown.count = r.index
        return out

    def _rep(self, r) -> RepCompleted:
        return RepCompleted(replace(r, set_index=self._opened - 1))  # the live set's number

    def _chosen(self) -> str | None:
        """The channel to report live: the vertical one while its set in progress would be
        kept on its own (enough reps, out of the noise) and the tilt one's reps are small
        tilts (which sway as much as a rep tilts them) or it has none; otherwise the tilt
        one. This is the merger's rule without its whole-set terms (which channel counted
        more, or spans more): those flip back and forth while two sets grow rep by rep."""
        t, v = (None if s is None or s.start_s == self._spent[c] else s
                for c, s in ((TILT, self._running[TILT]), (VERTICAL, self._running[VERTICAL])))
        if t is not None and v is not None and not (t.start_s <= v.end_s and v.start_s <= t.end_s):
            # not the same stretch: the later one is the set going on
            t, v = (t, None) if t.end_s >= v.end_s else (None, v)
        v_ok = v is not None and bool(self._merger.choose([(VERTICAL, v)], self._moves))
        # a tilt set that just closed still says how much this stretch's reps tilt
        last_t = self._last_tilt
        t_ref = t if t is not None else (last_t if v is not None and last_t is not None
                                         and last_t.end_s >= v.start_s else None)
        if v_ok and (t_ref is None or self._merger.small_tilts([t_ref])):
            return VERTICAL
        return TILT if t is not None else None
