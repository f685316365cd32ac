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


def _summary(n: int, start: float):
    from counting.measure import Movement
    from counting.params import CounterParams
    from counting.sets import summarize_set
    mvs = [Movement(start_s=start + 5 * i, rise_end_s=start + 5 * i + 1, fall_start_s=start + 5 * i + 2,
                    end_s=start + 5 * i + 4, peak_s=start + 5 * i + 1.5, amplitude_deg=25.0, vertical_cm=3.0,
                    peak_rate_dps=50.0, sway_deg=0.5, hf_rms=0.1, gyro_hf_rms=None) for i in range(n)]
    return summarize_set(0, mvs, exercise=None, placement=None, rest_before_s=None, params=CounterParams())


def test_set_end_says_when_the_final_count_differs_from_the_live_one():
    from cli.render import LiveSetCounts
    counts = LiveSetCounts()
    counts.started(10.0)
    for k in range(1, 8):
        counts.rep(k)  # 7 shown live, among them a first movement the closed set dropped
    counts.started(100.0)  # the next set is under way when the first one's summary comes
    counts.rep(1)
    assert counts.ended(_summary(6, 15.0)) == " (counted 7 live)"
    counts.rep(2)
    assert counts.ended(_summary(2, 100.0)) == ""  # the second set's own live count
    assert counts.ended(_summary(5, 200.0)) == " (found afterwards, from the body's rise)"
