"""LiveView (cli/live.py): what `soleus live` prints, fed the counter's real events."""
from __future__ import annotations

import io

from cli.live import LiveView
from counting.counter import RepCounter
from counting.events import RepCompleted, SetEnded
from sensor.sim import SessionSpec, simulate_session


def test_corrected_counts_are_marked_and_the_totals_follow_them():
    # a chest strap: the tilt channel counts breathing with the reps, then the rise channel's
    # set takes over and the count shown drops back to its own (counting/arbiter.py)
    res = simulate_session(SessionSpec(placement="chest", exercise="standing_calf_raise", n_sets=2, reps=8,
                                       rest_s=40.0, rate_hz=50.0, disturbances=(), artefacts=False, seed=4, t0=0.0))
    counter = RepCounter()
    view = LiveView(target=None, out=io.StringIO())
    events = []
    for chunk in res.samples.chunks(5):
        events += counter.feed(chunk)
    events += counter.finish()
    lines = [line for e in events for line in view.event(e)]
    shown = [e.rep.index for e in events if isinstance(e, RepCompleted)]
    jumps = [(a, b) for a, b in zip(shown[:-1], shown[1:]) if b != a + 1 and b != 1]
    marked = [line for line in lines if "(count corrected from" in line]
    assert jumps == [(5, 4)] and len(marked) == 1 and "(count corrected from 5)" in marked[0]
    final = [len(e.summary.reps) for e in events if isinstance(e, SetEnded)]
    assert view.reps_total == sum(final) == 16  # not 17: the corrected rep is not counted twice
    assert view.sets_done == 2
    assert not any("counted" in line and "live" in line for line in lines)  # live counts were right
