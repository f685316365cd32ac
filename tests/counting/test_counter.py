"""Behaviour of the whole streaming counter on synthetic tilt signals."""
from __future__ import annotations

import numpy as np
import pytest

from counting.counter import RepCounter, analyze
from counting.events import RepCompleted, RepTentative, SetEnded, SetStarted
from counting.samples import Samples
from tests.counting.synth import tilt_session


def test_counts_every_rep_and_times_phases_within_30ms():
    smp, truth = tilt_session(reps=12, con=1.0, top=1.0, ecc=2.0, bot=0.5)
    sets = analyze(smp)
    assert len(sets) == 1
    reps = sets[0].reps
    assert len(reps) == 12
    for r, tr in zip(reps, truth):
        assert r.start_s == pytest.approx(tr["start_s"], abs=0.03)
        assert r.end_s == pytest.approx(tr["end_s"], abs=0.03)
        assert r.concentric_s == pytest.approx(tr["concentric_s"], abs=0.03)
        assert r.top_hold_s == pytest.approx(tr["top_hold_s"], abs=0.03)
        assert r.eccentric_s == pytest.approx(tr["eccentric_s"], abs=0.03)
    assert reps[-1].bottom_pause_s is None
    assert reps[0].bottom_pause_s == pytest.approx(truth[1]["start_s"] - truth[0]["end_s"], abs=0.03)
    assert sets[0].tempo.notation() == "1-1-0.5-1.5"  # bottom pause 1.24 s


@pytest.mark.parametrize("fs", [25.0, 52.0, 200.0])
def test_sample_rates(fs):
    smp, truth = tilt_session(fs=fs, reps=10, amp_deg=6.0, con=0.8, top=0.5, ecc=1.5, bot=0.3, seed=3)
    sets = analyze(smp)
    assert [len(s.reps) for s in sets] == [10]
    err = [abs(r.concentric_s - tr["concentric_s"]) for r, tr in zip(sets[0].reps, truth)]
    assert max(err) < 0.1  # the issue asks <= 100 ms (at >= 50 Hz)


def test_chunking_does_not_change_results():
    smp, _ = tilt_session(reps=6, amp_deg=4.0, seed=5, gyro=True)
    whole = analyze(smp)
    for size in (1, 7, 333):
        assert analyze(smp, chunk_size=size) == whole


def test_live_events_arrive_within_half_a_second_of_rep_end():
    smp, truth = tilt_session(reps=8, seed=2)
    counter = RepCounter()
    seen: dict[int, float] = {}
    tentative: list[float] = []
    for chunk in smp.chunks(5):  # 50 ms chunks at 100 Hz
        for e in counter.feed(chunk):
            if isinstance(e, RepTentative):
                tentative.append(float(chunk.t[-1]) - e.rep.end_s)
            if isinstance(e, RepCompleted) and e.rep.index not in seen:
                seen[e.rep.index] = float(chunk.t[-1]) - e.rep.end_s
    counter.finish()
    # reps before min_set_reps are shown tentatively until the set is confirmed
    n_tent = counter.params.min_set_reps - 1
    assert len(tentative) == n_tent
    assert max(tentative) < 0.5
    late = [seen[i] for i in range(n_tent + 1, 9)]
    assert max(late) < 0.5


def test_isolated_movements_are_not_reps():
    # two deep bends 30 s apart: each a clean excursion, but never a set
    smp, _ = tilt_session(reps=1, amp_deg=40.0, lead_s=5, tail_s=30, seed=1)
    t2 = smp.t + (smp.t[-1] - smp.t[0] + 0.01)
    both = Samples(np.concatenate([smp.t, t2]), np.vstack([smp.acc, smp.acc]))
    assert analyze(both) == []


def test_set_events_order():
    smp, _ = tilt_session(reps=5, seed=4)
    counter = RepCounter()
    events = list(counter.feed(smp)) + counter.finish()
    kinds = [type(e).__name__ for e in events]
    n_tent = counter.params.min_set_reps - 1
    assert kinds[:n_tent] == ["RepTentative"] * n_tent
    assert kinds[n_tent] == "SetStarted"
    assert kinds.count("RepCompleted") == 5
    assert kinds[-1] == "SetEnded"
    assert isinstance(events[-1], SetEnded) and len(events[-1].summary.reps) == 5
    assert isinstance(events[n_tent], SetStarted)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="placement"):
        RepCounter(placement="pocket")


def test_rhythmic_tilt_without_lift_is_not_a_set():
    # a chest strap tilting 2.5 deg with every breath: regular, but the body does not rise
    breathing, _ = tilt_session(reps=10, amp_deg=2.5, con=1.2, top=0.2, ecc=1.5, bot=0.3, rise_cm=0.0, seed=6)
    assert analyze(breathing) == []
    raises, _ = tilt_session(reps=10, amp_deg=2.5, con=1.2, top=0.2, ecc=1.5, bot=0.3, rise_cm=5.0, seed=6)
    assert [len(s.reps) for s in analyze(raises)] == [10]


def _shifted(smp: Samples, dt: float) -> Samples:
    return Samples(smp.t + dt, smp.acc, smp.gyro)


def test_a_long_hole_between_sets_is_not_made_up():
    # two sets with the sensor off for 50 minutes in between (a BLE link lost for good,
    # then a new recording appended): both sets are found, nothing is invented in the hole
    a, _ = tilt_session(reps=8, seed=7)
    b, _ = tilt_session(reps=6, seed=8)
    both = Samples.concat([a, _shifted(b, a.t[-1] - b.t[0] + 3000.0)])
    sets = analyze(both)
    assert [len(s.reps) for s in sets] == [8, 6]
    assert sets[1].rest_before_s > 3000.0


def test_a_short_dropout_inside_a_set_keeps_the_set():
    # 1.5 s of lost packets during a bottom pause: bridged, counting resumes in the same set
    smp, truth = tilt_session(reps=10, con=1.0, top=1.0, ecc=2.0, bot=2.0, seed=9)
    hole = (smp.t > truth[4]["end_s"] + 0.2) & (smp.t < truth[4]["end_s"] + 1.7)
    cut = Samples(smp.t[~hole], smp.acc[~hole])
    assert [len(s.reps) for s in analyze(cut)] == [10]


def test_a_nan_from_a_live_stream_does_not_stop_counting():
    smp, _ = tilt_session(reps=8, seed=10)
    acc = smp.acc.copy()
    acc[1500, 1] = np.nan  # one corrupt sample from a device, early in the set
    counter = RepCounter()
    for chunk in Samples(smp.t, acc).chunks(50):
        counter.feed(chunk)
    counter.finish()
    assert [len(s.reps) for s in counter.sets_] == [8]


def test_rises_without_tilt_are_counted_by_the_vertical_channel():
    # 0.3 deg of tilt is lost in sway; the 5 cm rise of the body is not
    smp, truth = tilt_session(fs=50.0, reps=12, amp_deg=0.3, rise_cm=5.0, seed=4)
    counter = RepCounter()
    events = list(counter.feed(smp)) + counter.finish()
    sets = counter.sets_
    assert [len(s.reps) for s in sets] == [12]
    s = sets[0]
    assert s.rom_unit == "cm" and s.exercise == "standing_calf_raise"
    assert 3.5 <= s.mean_rom <= 6.0
    assert all(r.vertical_cm == r.rom and r.amplitude_deg == 0.0 for r in s.reps)
    assert [r.set_index for r in s.reps] == [0] * 12 and s.index == 0
    for r, tr in zip(s.reps, truth):
        assert r.start_s == pytest.approx(tr["start_s"], abs=0.6)
    # the tilt channel saw nothing: the vertical channel's reps are the ones reported live,
    # each within a second of its end (the window is looked at every 0.5 s)
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["SetStarted"] + ["RepCompleted"] * 12 + ["SetEnded"]
    live = [e.rep for e in events if isinstance(e, RepCompleted)]
    assert [r.index for r in live] == list(range(1, 13))
    assert [(r.start_s, r.end_s) for r in live] == [(r.start_s, r.end_s) for r in s.reps]
    assert events[-1].summary == s


def test_chunking_does_not_change_vertical_channel_sets():
    smp, _ = tilt_session(fs=50.0, reps=12, amp_deg=0.3, rise_cm=5.0, seed=4)
    whole = analyze(smp)
    assert [len(s.reps) for s in whole] == [12]
    for size in (1, 7, 333):
        assert analyze(smp, chunk_size=size) == whole, size


def test_a_long_quiet_stream_does_not_pile_up_history():
    # streaming memory must not grow with session length: 20 still minutes, fed live-size
    rng = np.random.default_rng(0)
    counter = RepCounter()
    for s in range(20 * 60):
        t = np.arange(s, s + 1.0, 0.02)
        counter.feed(Samples(t, np.array([0.0, 0.0, 9.81]) + rng.normal(0.0, 0.02, (len(t), 3)), None))
    hist = counter._tilt._hist
    assert hist.n <= 4 * hist.keep  # ~3 min of rows at most, not 20
    assert counter._vert._hist.n <= 4 * counter._vert._hist.keep


def _event_log(samples, size, **kw):
    counter = RepCounter(**kw)
    events = []
    for chunk in ([samples] if size is None else samples.chunks(size)):
        events += counter.feed(chunk)
    events += counter.finish()
    return [(type(e).__name__, e.rep if hasattr(e, "rep") else getattr(e, "summary", getattr(e, "start_s", None)))
            for e in events], counter.sets_


def test_events_come_out_in_the_same_order_for_any_chunking():
    # a replay must print what a live session printed: late set summaries (chosen between the
    # two channels) fall at the same place among the next set's live events
    from sensor.sim import SessionSpec, simulate_session

    res = simulate_session(SessionSpec(placement="chest", exercise="standing_calf_raise", n_sets=2, reps=8,
                                       rest_s=15.0, rate_hz=50.0, seed=11))
    whole, sets = _event_log(res.samples, None)
    kinds = [k for k, _ in whole]
    assert "SetEnded" in kinds and kinds.count("RepTentative") + kinds.count("RepCompleted") > 0
    # both channels' reps are among the live ones (counting.arbiter picks between them): the
    # quick tilt channel's before a set is confirmed, the rise channel's in the chest's sets
    assert any(k == "RepTentative" and r.amplitude_deg > 0.0 for k, r in whole)
    assert any(k == "RepCompleted" and r.amplitude_deg == 0.0 for k, r in whole)
    for size in (1, 7, 333):
        assert _event_log(res.samples, size) == (whole, sets)
    # deciding at chunk ends only (file analysis) gives the same sets
    assert _event_log(res.samples, 333, live_order=False)[1] == sets


@pytest.mark.parametrize("stance_deg", [6.0, 14.0])
def test_squat_from_soft_knees_is_timed_on_the_hip_drop(stance_deg):
    # A two-link leg (shank lean = 0.6 x thigh angle) squats from a soft-kneed stance; the
    # hips follow a minimum-jerk drop of 35 cm. A shank sensor only sees the shank's lean,
    # which starts fast (from a leaning stance the hips drop linearly in the turn, not as
    # 1 - cos): the reps must still start and end at the hip drop's 10% crossings.
    from tests.counting.synth import min_jerk, mj_inverse

    fs, shank, thigh, k, b0 = 100.0, 0.45, 0.45, 0.6, np.radians(stance_deg)
    ecc, bot, con, top, lead = 2.0, 0.5, 1.5, 1.5, 10.0
    period = ecc + bot + con + top
    t = np.arange(0.0, lead + 8 * period + 10.0, 1 / fs)
    d = np.zeros_like(t)
    starts, ends = [], []
    x10 = mj_inverse(0.1)
    for i in range(8):
        s = lead + i * period
        m = (t >= s) & (t < s + ecc)
        d[m] = min_jerk((t[m] - s) / ecc)
        d[(t >= s + ecc) & (t < s + ecc + bot)] = 1.0
        m = (t >= s + ecc + bot) & (t < s + ecc + bot + con)
        d[m] = 1.0 - min_jerk((t[m] - s - ecc - bot) / con)
        starts.append(1000.0 + s + x10 * ecc)
        ends.append(1000.0 + s + ecc + bot + (1.0 - x10) * con)
    beta = np.linspace(b0, 1.9, 4000)
    drop_of = (shank * np.cos(k * b0) + thigh * np.cos(b0)) - (shank * np.cos(k * beta) + thigh * np.cos(beta))
    alpha = k * np.interp(0.35 * d, drop_of, beta)  # shank lean from vertical
    acc = 9.81 * np.stack([np.sin(alpha), np.zeros_like(alpha), np.cos(alpha)], 1)
    acc += np.random.default_rng(1).normal(0, 0.02, acc.shape)
    sets = analyze(Samples(t + 1000.0, acc, None), placement="shank", exercise="raised_heel_squat")
    reps = [r for s in sets for r in s.reps]
    assert len(reps) == 8
    err_start = np.array([r.start_s for r in reps]) - starts
    err_end = np.array([r.end_s for r in reps]) - ends
    assert np.abs(err_start).max() < 0.08 and np.abs(err_end).max() < 0.08


@pytest.mark.parametrize("seed", [5, 6])
def test_rises_under_a_chest_straps_sway_are_counted(seed):
    # 9 rises of 5 cm that barely tilt the sensor, with 1.5-2.5 Hz sway of 0.045 m/s^2 RMS
    # during the set (a chest strap's, ~6x the quiet floor): against the noise around them
    # the rises look like noise, against the sensor's quiet floor they do not
    from scipy import signal

    smp, truth = tilt_session(fs=50.0, reps=9, con=1.2, top=1.0, ecc=2.0, bot=1.3, amp_deg=0.3, rise_cm=5.0,
                              lead_s=120.0, tail_s=30.0, seed=seed)
    rng = np.random.default_rng(seed)
    sway = signal.sosfiltfilt(signal.butter(4, [1.5, 2.5], btype="bandpass", fs=50.0, output="sos"),
                              rng.normal(0.0, 1.0, len(smp.t)))
    inset = (smp.t > truth[0]["start_s"] - 1) & (smp.t < truth[-1]["end_s"] + 1)
    sway = sway / sway[inset].std() * 0.045 * inset
    up = smp.acc / np.linalg.norm(smp.acc, axis=1)[:, None]
    (s,) = analyze(Samples(smp.t, smp.acc + sway[:, None] * up))
    assert len(s.reps) == 9
    for r, tr in zip(s.reps, truth):
        assert r.end_s == pytest.approx(tr["end_s"], abs=0.8)


@pytest.mark.parametrize("placement", ["thigh", "chest"])
def test_single_leg_sets_are_told_from_two_legged_ones_by_the_sway(placement):
    # whole pipeline, placement and exercise unknown: the body sways about twice as much on
    # one leg, and a thigh or trunk sensor sways with it (sets.infer_exercise)
    from sensor.sim import SessionSpec, simulate_session

    right = total = 0
    for exercise in ("standing_calf_raise", "single_leg_calf_raise"):
        for seed in (1, 2, 3):
            res = simulate_session(SessionSpec(placement=placement, exercise=exercise, n_sets=2, reps=10,
                                               rest_s=30.0, rate_hz=50.0, seed=seed))
            sets = analyze(res.samples)
            assert len(sets) == 2
            right += sum(s.exercise == exercise for s in sets)
            total += len(sets)
    assert right >= 0.75 * total  # thigh 11, chest 10 of 12; before stop 15 only the 6 two-legged
