"""LiveArbiter: which channel's reps are reported live (counting.arbiter), through the counter."""
from __future__ import annotations

import pytest

from counting.counter import RepCounter
from counting.events import RepCompleted, SetEnded, SetStarted
from sensor.sim import SessionSpec, simulate_session


def live_run(spec: SessionSpec, chunk_s: float = 0.1):
    """Feed a simulated session live-size; the events with the time of the newest sample fed."""
    res = simulate_session(spec)
    counter = RepCounter()
    n = max(1, int(round(spec.rate_hz * chunk_s)))
    out = []
    for chunk in res.samples.chunks(n):
        out += [(float(chunk.t[-1]), e) for e in counter.feed(chunk)]
    out += [(float("inf"), e) for e in counter.finish()]
    return res.truth, out, counter.sets_


def live_counts(events) -> list[list[int]]:
    """The counts shown live, set by set (a SetStarted opens a new list)."""
    counts: list[list[int]] = []
    for _, e in events:
        if isinstance(e, SetStarted):
            counts.append([])
        elif isinstance(e, RepCompleted) and counts:
            counts[-1].append(e.rep.index)
    return counts


@pytest.mark.parametrize("seed", [11, 21])
def test_chest_strap_live_count_ends_on_the_final_count(seed):
    # on a chest strap breathing tilts the sensor as much as a rep: the tilt channel alone
    # counted 12 live where there were 8 (the old demo). The vertical channel's count takes
    # over once its set is confirmed, and the count shown at the end is the final one
    spec = SessionSpec(placement="chest", exercise="standing_calf_raise", n_sets=2, reps=8, rest_s=40.0,
                       rate_hz=50.0, disturbances=(), artefacts=False, seed=seed, t0=0.0)
    truth, events, sets = live_run(spec)
    assert [len(s.reps) for s in sets] == [8, 8]
    counts = live_counts(events)
    assert [c[-1] for c in counts] == [8, 8]
    for c in counts:
        # at most one correction per set (when the other channel takes over), else one by one
        steps = [b - a for a, b in zip(c[:-1], c[1:])]
        assert sum(1 for d in steps if d != 1) <= 1, c
    rise_reps = [e.rep for _, e in events if isinstance(e, RepCompleted) and e.rep.amplitude_deg == 0.0]
    assert rise_reps, "the vertical channel's reps are reported live"


def test_vertical_reps_are_reported_within_a_second():
    spec = SessionSpec(placement="chest", exercise="standing_calf_raise", n_sets=1, reps=10, rest_s=30.0,
                       rate_hz=50.0, disturbances=(), artefacts=False, seed=5, t0=0.0)
    _, events, _ = live_run(spec)
    seen = set()
    lat = []
    for t_fed, e in events:
        if isinstance(e, RepCompleted) and e.rep.amplitude_deg == 0.0:
            key = (e.rep.start_s, e.rep.end_s)
            if key not in seen and e.rep.index > 4:  # not the reps of the set's confirmation
                seen.add(key)
                lat.append((t_fed - e.rep.end_s, t_fed))
    assert len(lat) >= 4
    # the window is looked at every 0.5 s and pinned 0.3 s past the rep, behind a 0.12 s median
    prompt = [d for d, _ in lat if d <= 1.05]
    assert len(prompt) >= len(lat) - 1 and min(prompt) >= 0.3
    # ... except a rise measured far bigger than the set's (here rep 9: 10.8 cm, 2.2x), which
    # the set would not keep as its last: it is shown with the rep after it, which confirms it
    for (d, t), (_, t_next) in zip(lat, lat[1:] + [(None, None)]):
        assert d <= 1.05 or t == t_next


def test_foot_reps_stay_on_the_tilt_channel():
    # the foot tilts 20-35 deg in a heel raise: the tilt channel times it far better than the
    # rise, and its reps are the ones shown live, whatever the vertical channel counts
    spec = SessionSpec(placement="foot", exercise="standing_calf_raise", n_sets=2, reps=10, rest_s=40.0,
                       rate_hz=50.0, disturbances=(), artefacts=False, seed=4, t0=0.0)
    _, events, sets = live_run(spec)
    # the rise channel may confirm the set first (its first four reps), the tilt channel
    # takes over as soon as it has its own set, with no change in the count
    live = [e.rep for _, e in events if isinstance(e, RepCompleted)]
    assert live and all(r.amplitude_deg > 0.0 for r in live if r.index > 4)
    for c in live_counts(events):
        assert c == list(range(1, len(c) + 1))
    assert [c[-1] for c in live_counts(events)] == [len(s.reps) for s in sets] == [10, 10]
    assert sum(isinstance(e, SetEnded) for _, e in events) == 2
