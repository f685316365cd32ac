"""SetTracker, summarize_set, infer_exercise and rep_from_movement on hand-built Movements."""
from __future__ import annotations

import math
from dataclasses import replace

import pytest

from counting.detect import Candidate
from counting.events import RepCompleted, RepTentative, SetEnded, SetStarted
from counting.measure import Movement
from counting.params import CounterParams
from counting.sets import SQUAT, SetTracker, infer_exercise, rep_from_movement, summarize_set

P = CounterParams()


def mv(start, amp=25.0, con=1.0, top=1.0, ecc=1.5, *, vertical_cm=3.0, rate=60.0, sway=0.5, drop=None):
    """A movement starting at `start` (10% crossing) with the given phase durations."""
    return Movement(
        start_s=start, rise_end_s=start + con, fall_start_s=start + con + top, end_s=start + con + top + ecc,
        peak_s=start + con + top / 2, amplitude_deg=amp, vertical_cm=vertical_cm, peak_rate_dps=rate,
        sway_deg=sway, hf_rms=0.1, gyro_hf_rms=None, drop_times=drop,
    )


def rising(cm: float) -> tuple[float, ...]:
    """measure.rise_terms of a rep whose height follows its tilt by `cm` at the extreme."""
    return (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, cm / 100.0, 0.0, 0.0)


def cand(m: Movement, reason=None) -> Candidate:
    return Candidate(m, reason, m.start_s, m.end_s)


def run(tracker: SetTracker, movements) -> list[list]:
    return [tracker.add(cand(m)) for m in movements]


def kinds(events) -> list[str]:
    return [type(e).__name__ for e in events]


def series(n, *, t0=10.0, period=4.5, **kw) -> list[Movement]:
    """n movements of 3.5 s each, one every `period` s (1 s bottom pause by default)."""
    return [mv(t0 + i * period, **kw) for i in range(n)]


# ---------------------------------------------------------------------------- SetTracker

def test_four_consistent_movements_make_a_set():
    tr = SetTracker(P, exercise=None, placement="foot")
    mvs = series(6)
    ev = run(tr, mvs)
    for i in range(3):  # tentative until min_set_reps
        assert kinds(ev[i]) == ["RepTentative"]
        assert ev[i][0].pending == i + 1 and ev[i][0].rep.index == i + 1
        assert ev[i][0].rep.start_s == mvs[i].start_s
    assert kinds(ev[3]) == ["SetStarted"] + ["RepCompleted"] * 4
    started = ev[3][0]
    assert started == SetStarted(0, mvs[0].start_s, "standing_calf_raise")
    assert [e.rep.index for e in ev[3][1:]] == [1, 2, 3, 4]
    assert [e.rep.start_s for e in ev[3][1:]] == [m.start_s for m in mvs[:4]]
    assert all(e.rep.set_index == 0 and not e.rep.partial for e in ev[3][1:])
    for i in (4, 5):
        assert kinds(ev[i]) == ["RepCompleted"] and ev[i][0].rep.index == i + 1
    assert tr.sets_ == []
    end = tr.finish()
    assert kinds(end) == ["SetEnded"]
    s = end[0].summary
    assert len(s.reps) == 6 and tr.sets_ == [s]
    assert s.start_s == 10.0 and s.end_s == mvs[-1].end_s
    assert s.rest_before_s is None


def test_min_set_reps_is_honoured():
    tr = SetTracker(CounterParams(min_set_reps=2), exercise=None, placement=None)
    ev = run(tr, series(2))
    assert kinds(ev[0]) == ["RepTentative"]
    assert kinds(ev[1]) == ["SetStarted", "RepCompleted", "RepCompleted"]


def test_three_movements_do_not_make_a_set():
    tr = SetTracker(P, exercise=None, placement=None)
    ev = run(tr, series(3))
    assert [kinds(e) for e in ev] == [["RepTentative"]] * 3
    assert tr.advance(100.0) == []
    assert tr.finish() == [] and tr.sets_ == []


def test_a_run_broken_by_a_long_pause_does_not_make_a_set():
    tr = SetTracker(P, exercise=None, placement=None)
    first = series(3, t0=10.0)
    second = series(3, t0=first[-1].end_s + P.set_gap_s + 0.5)
    ev = run(tr, first + second)
    assert [e[0].pending for e in ev] == [1, 2, 3, 1, 2, 3]
    assert tr.finish() == []


def test_inconsistent_amplitudes_do_not_confirm_a_set():
    # each movement is more than confirm_ratio (2x) off the running median: pending restarts
    tr = SetTracker(P, exercise=None, placement=None)
    amps = [10.0, 25.0, 60.0, 130.0]
    ev = run(tr, [mv(10.0 + 4.5 * i, amp=a) for i, a in enumerate(amps)])
    assert [e[0].pending for e in ev] == [1, 1, 1, 1]
    assert tr.finish() == []


def test_inconsistent_durations_do_not_confirm_a_set():
    tr = SetTracker(P, exercise=None, placement=None)
    a = mv(10.0)  # 3.5 s
    b = mv(a.end_s + 1.0, con=4.0, top=4.0, ecc=4.0)  # 12 s > 3 x 3.5 s
    ev = run(tr, [a, b])
    assert [e[0].pending for e in ev] == [1, 1]


def test_far_larger_movement_ends_the_set():
    tr = SetTracker(P, exercise=None, placement=None)
    mvs = series(5)
    run(tr, mvs)
    big = mv(mvs[-1].end_s + 1.0, amp=25.0 * P.keep_ratio * 1.2)  # 105 deg, in time
    ev = tr.add(cand(big))
    assert kinds(ev) == ["SetEnded", "RepTentative"]
    assert len(ev[0].summary.reps) == 5 and ev[0].summary.end_s == mvs[-1].end_s
    assert ev[1].pending == 1 and ev[1].rep.set_index == 1
    assert tr.finish() == []  # the big one alone is no set


def test_moderately_larger_movement_stays_in_the_set():
    tr = SetTracker(P, exercise=None, placement=None)
    mvs = series(5)
    run(tr, mvs)
    big = mv(mvs[-1].end_s + 1.0, amp=25.0 * 3.0)
    assert tr.add(cand(big)) == []  # in the set, shown once a rep follows (it might be the step off)
    assert tr.running().reps[-1].start_s == big.start_s
    ev = tr.add(cand(mv(big.end_s + 1.0)))
    assert kinds(ev) == ["RepCompleted"] * 2 and ev[0].rep.index == 6


def test_far_smaller_wobble_is_ignored_inside_a_set():
    tr = SetTracker(P, exercise=None, placement=None)
    mvs = series(5)
    run(tr, mvs)
    wobble = mv(mvs[-1].end_s + 0.5, amp=25.0 / P.keep_ratio * 0.8, con=0.5, top=0.0, ecc=0.7)
    assert tr.add(cand(wobble)) == []
    nxt = mv(mvs[-1].end_s + 2.0)
    ev = tr.add(cand(nxt))
    assert kinds(ev) == ["RepCompleted"] and ev[0].rep.index == 6
    s = tr.finish()[0].summary
    assert len(s.reps) == 6
    assert s.reps[4].bottom_pause_s == pytest.approx(2.0)  # the wobble is not a rep start


def test_partial_rep_is_kept_and_flagged_live():
    tr = SetTracker(P, exercise=None, placement=None)
    mvs = series(5)
    run(tr, mvs)
    ev = tr.add(cand(mv(mvs[-1].end_s + 1.0, amp=10.0)))  # 40% of the median: partial, kept
    assert kinds(ev) == ["RepCompleted"] and ev[0].rep.partial
    s = tr.finish()[0].summary
    assert [r.partial for r in s.reps] == [False] * 5 + [True]


def test_far_smaller_wobble_is_ignored_while_confirming():
    tr = SetTracker(P, exercise=None, placement=None)
    a, b = series(2)
    wobble = mv(b.end_s + 0.3, amp=25.0 / P.confirm_ratio * 0.8, con=0.4, top=0.0, ecc=0.5)
    c, d = series(2, t0=b.end_s + 1.0)
    ev = run(tr, [a, b, wobble, c, d])
    assert ev[2] == []
    assert kinds(ev[4])[:1] == ["SetStarted"] and len(ev[4]) == 5


def test_duration_twitch_inside_a_set_is_ignored():
    tr = SetTracker(P, exercise=None, placement=None)
    mvs = series(5)
    run(tr, mvs)
    twitch = mv(mvs[-1].end_s + 0.5, amp=25.0, con=0.3, top=0.0, ecc=0.4)  # 0.7 s < 3.5 / 3
    assert tr.add(cand(twitch)) == []


def test_rejected_candidate_resets_confirmation_but_not_a_running_set():
    tr = SetTracker(P, exercise=None, placement=None)
    a, b, c = series(3)
    run(tr, [a, b])
    assert tr.add(cand(c, reason="impacts (0.90 m/s^2)")) == []
    ev = run(tr, series(2, t0=c.end_s + 1.0))
    assert [e[0].pending for e in ev] == [1, 2]  # a and b were forgotten

    tr = SetTracker(P, exercise=None, placement=None)
    mvs = series(5)
    run(tr, mvs)
    assert tr.add(Candidate(None, "no clean return to rest", 40.0, 41.0)) == []
    ev = tr.add(cand(mv(mvs[-1].end_s + 1.0)))
    assert kinds(ev) == ["RepCompleted"] and ev[0].rep.index == 6


def test_set_times_out_via_advance():
    tr = SetTracker(P, exercise=None, placement="foot")
    mvs = series(4)
    run(tr, mvs)
    last_end = mvs[-1].end_s
    assert tr.advance(last_end + 1.0) == []
    assert tr.advance(last_end + P.set_gap_s) == []  # exactly set_gap_s: still open
    ev = tr.advance(last_end + P.set_gap_s + 0.01)
    assert kinds(ev) == ["SetEnded"] and len(ev[0].summary.reps) == 4
    assert tr.advance(last_end + 100.0) == []
    assert tr.finish() == []
    # the next set knows the rest before it
    nxt = series(4, t0=last_end + 60.0)
    ev = run(tr, nxt)
    assert ev[3][0] == SetStarted(1, nxt[0].start_s, "standing_calf_raise")
    s2 = tr.finish()[0].summary
    assert s2.index == 1 and all(r.set_index == 1 for r in s2.reps)
    assert s2.rest_before_s == pytest.approx(60.0)


def test_advance_forgets_stale_pending_movements():
    tr = SetTracker(P, exercise=None, placement=None)
    first = series(3)
    run(tr, first)
    assert tr.advance(first[-1].end_s + P.set_gap_s + 0.01) == []
    # a rep arriving in time for the stale ones would otherwise confirm a set
    ev = tr.add(cand(mv(first[-1].end_s + 1.0)))
    assert kinds(ev) == ["RepTentative"] and ev[0].pending == 1


def test_movement_after_set_gap_closes_set_and_starts_pending():
    tr = SetTracker(P, exercise=None, placement=None)
    mvs = series(4)
    run(tr, mvs)
    late = mv(mvs[-1].end_s + P.set_gap_s + 1.0)
    ev = tr.add(cand(late))
    assert kinds(ev) == ["SetEnded", "RepTentative"]


def test_given_exercise_is_used_for_set_and_reps():
    tr = SetTracker(P, exercise=SQUAT, placement="thigh")
    mvs = series(4, amp=50.0, vertical_cm=-30.0, drop=None)
    ev = run(tr, mvs)
    assert ev[3][0].exercise == SQUAT
    assert all(e.rep.exercise == SQUAT for e in ev[3][1:])


def test_isolated_large_movement_does_not_swallow_the_following_set():
    tr = SetTracker(P, exercise=None, placement=None)
    big = mv(0.0, amp=60.0, con=2.0, top=4.0, ecc=2.0)  # ends at 8 s, e.g. stepping onto a box
    reps = series(5, t0=big.end_s + 2.0, period=4.0)  # 25 deg reps from 10 s, 0.5 s pauses
    run(tr, [big] + reps)
    sets = [e for e in tr.finish() if isinstance(e, SetEnded)]
    assert len(sets) == 1  # got 0: reps 1-2 ignored, 3-5 only reach pending=3
    assert len(sets[0].summary.reps) == 5


def squat_mv(s0):
    """A squat movement whose hip-drop timing starts 0.3 s after its tilt timing."""
    return mv(s0, amp=50.0, con=1.0, top=1.0, ecc=1.5, vertical_cm=-35.0,
              drop=(s0 + 0.3, s0 + 1.5, s0 + 2.0, s0 + 3.3))


def test_squat_set_starts_at_its_first_reps_start():
    tr = SetTracker(P, exercise=SQUAT, placement="thigh")
    ev = run(tr, [squat_mv(10.0 + 6 * i) for i in range(4)])
    started, first = ev[3][0], ev[3][1].rep
    assert first.start_s == 10.3
    assert started.start_s == first.start_s  # got 10.0


def test_squat_rest_before_is_the_time_between_sets():
    tr = SetTracker(P, exercise=SQUAT, placement="thigh")
    run(tr, [squat_mv(10.0 + 6 * i) for i in range(4)])
    s1 = tr.finish()[0].summary
    run(tr, [squat_mv(80.0 + 6 * i) for i in range(4)])
    s2 = tr.finish()[0].summary
    assert (s1.end_s, s2.start_s) == (31.3, 80.3)
    assert s2.rest_before_s == pytest.approx(s2.start_s - s1.end_s)  # 49.0, got 48.7


def test_calf_raise_rest_before_is_the_time_between_sets():
    tr = SetTracker(P, exercise="standing_calf_raise", placement="shank")
    run(tr, series(4, t0=10.0))
    s1 = tr.finish()[0].summary
    run(tr, series(4, t0=70.0))
    s2 = tr.finish()[0].summary
    assert s2.rest_before_s == pytest.approx(s2.start_s - s1.end_s) == pytest.approx(70.0 - 27.0)


# ---------------------------------------------------------------------------- tail trim

def _closed(movements, params=P) -> list:
    """Run `movements` through a tracker and return the reps of its one finished set."""
    tr = SetTracker(params, exercise=None, placement=None)
    run(tr, movements)
    (ended,) = tr.finish()
    return list(ended.summary.reps)


@pytest.mark.parametrize("last", [
    dict(amp=50.0),  # 2x bigger: stepping off the block
    dict(con=0.5, top=0.5, ecc=0.75),  # half as long (1.75 s): the heels dropping
    dict(pause=6.0),  # after a 6 s pause (set_gap_s is 9): putting the weights down
], ids=["bigger", "quicker", "later"])
def test_unlike_last_rep_is_trimmed_when_the_set_closes(last):
    body = series(6)  # 25 deg, 3.5 s, 1 s pauses
    pause = last.pop("pause", 1.0)
    tail = mv(body[-1].end_s + pause, **last)
    tr = SetTracker(P, exercise=None, placement=None)
    run(tr, body)
    # it passes the running checks and joins the set, but is not shown live: were the set to
    # end now, it would not be one of its reps (the count at the set's end would be one over)
    assert tr.add(cand(tail)) == []
    assert len(tr.running().reps) == 7
    (ended,) = tr.finish()
    s = ended.summary
    assert len(s.reps) == 6
    assert s.end_s == body[-1].end_s and s.reps[-1].bottom_pause_s is None
    assert tr.sets_ == [s]


def test_an_unlike_rep_is_shown_once_a_rep_like_the_sets_follows_it():
    body = series(6)
    big = mv(body[-1].end_s + 1.0, amp=50.0)  # 2x the set's tilt: would be trimmed as the last
    after = mv(big.end_s + 1.0)
    tr = SetTracker(P, exercise=None, placement=None)
    run(tr, body)
    assert tr.add(cand(big)) == []
    ev = tr.add(cand(after))
    assert kinds(ev) == ["RepCompleted", "RepCompleted"]
    assert [(e.rep.index, e.rep.start_s) for e in ev] == [(7, big.start_s), (8, after.start_s)]
    (ended,) = tr.finish()
    assert len(ended.summary.reps) == 8


def test_tired_last_rep_is_kept():
    body = series(6)
    tired = mv(body[-1].end_s + 1.0, amp=15.0, con=1.3, top=1.3, ecc=1.95)  # 0.6x the tilt, 1.3x slower
    reps = _closed(body + [tired])
    assert len(reps) == 7
    assert reps[-1].start_s == tired.start_s and reps[-1].partial  # kept, flagged partial


def test_just_inside_the_tail_ratios_is_kept():
    body = series(6)  # median 25 deg, 3.5 s, 1 s pause
    edge = mv(body[-1].end_s + 2.9, amp=34.0, con=0.8, top=0.8, ecc=0.8)  # 1.36x, 2.4 s (0.69x), 2.9 x pause
    assert len(_closed(body + [edge])) == 7


def test_several_trailing_reps_are_trimmed_in_turn():
    body = series(6)
    big1 = mv(body[-1].end_s + 1.0, amp=50.0)
    big2 = mv(big1.end_s + 1.0, amp=50.0)
    reps = _closed(body + [big1, big2])
    assert len(reps) == 6 and reps[-1].start_s == body[-1].start_s


def test_tail_trim_stops_at_min_set_reps():
    body = series(4)
    assert len(_closed(body + [mv(body[-1].end_s + 1.0, amp=50.0)])) == 4
    three = series(3)
    reps = _closed(three + [mv(three[-1].end_s + 1.0, amp=50.0)])
    assert len(reps) == 4 and reps[-1].rom == 50.0  # a set of min_set_reps is never cut


@pytest.mark.parametrize("pause, kept", [(6.0, False), (2.9, True)])
def test_first_rep_set_apart_is_trimmed_when_the_set_closes(pause, kept):
    # stepping onto the block, then the reps in rhythm (1 s pauses): a first movement 6 s
    # before them is not one (set_gap_s is 9, so it passed the running checks)
    body = series(6, t0=30.0)
    first = mv(body[0].start_s - pause - 3.5)
    reps = _closed([first] + body)
    assert len(reps) == (7 if kept else 6)
    assert reps[0].start_s == (first if kept else body[0]).start_s


def test_first_rep_of_a_set_with_short_pauses_is_kept_a_second_apart():
    # reps with 0.2 s pauses: a 1.5 s pause after the first is a slower start, not a step
    body = series(6, t0=30.0, period=3.7)
    first = mv(body[0].start_s - 1.5 - 3.5)
    assert len(_closed([first] + body)) == 7
    assert len(_closed([mv(body[0].start_s - 3.5 - 3.5)] + body)) == 6  # 3.5 s: set apart


def test_bigger_first_rep_in_rhythm_is_kept():
    body = series(6, t0=30.0)
    fresh = mv(body[0].start_s - 4.5, amp=40.0)  # 1.6x the tilt, 1 s before the next
    reps = _closed([fresh] + body)
    assert len(reps) == 7 and reps[0].rom == 40.0


# ---------------------------------------------------------------------------- vertical channel sets

def vmv(start, cm=4.0, dur=3.5, speed=8.0):
    """A rep found by the vertical channel: no tilt, `cm` of rise, `dur` s long, peaking at `speed` cm/s."""
    return Movement(start_s=start, rise_end_s=start + dur * 0.3, fall_start_s=start + dur * 0.5, end_s=start + dur,
                    peak_s=start + dur * 0.4, amplitude_deg=0.0, vertical_cm=cm, peak_rate_dps=speed, sway_deg=0.0,
                    hf_rms=0.1, gyro_hf_rms=None, channel="vertical")


def test_vertical_reps_are_compared_on_their_peak_speed():
    # integrated heights scatter ~2x rep to rep; peak speeds, integrated once, much less
    tr = SetTracker(P, exercise=None, placement="shank")
    cms = [4.0, 2.1, 6.5, 3.0, 4.2]
    mvs = [vmv(10.0 + 4.5 * i, cm, speed=v) for i, (cm, v) in enumerate(zip(cms, [8.0, 8.4, 7.6, 8.2, 8.0]))]
    ev = run(tr, mvs)
    assert kinds(ev[3])[0] == "SetStarted"
    # 4.5x the median rise at the set's speed: a rep (shown at once)
    assert kinds(tr.add(cand(vmv(mvs[-1].end_s + 1.0, 18.0, speed=8.1)))) == ["RepCompleted"]
    # 2.4x the speed: inside vertical_keep_ratio (2.6), joins; not shown while it trails
    assert tr.add(cand(vmv(mvs[-1].end_s + 5.5, 5.0, speed=19.2))) == []
    assert (tr.running().reps[-1].rom, tr.running().reps[-1].rom_unit) == (5.0, "cm")
    # 2.8x: ends the set
    ev = tr.add(cand(vmv(mvs[-1].end_s + 10.5, 5.0, speed=22.4)))
    assert kinds(ev)[0] == "SetEnded"
    s = ev[0].summary
    assert len(s.reps) == 6  # the quick one trailed the set: trimmed as unlike (quicker)
    assert s.rom_unit == "cm" and s.exercise == "standing_calf_raise"
    assert s.mean_rom == pytest.approx((sum(cms) + 18.0) / 6)


def test_vertical_reps_keep_a_tighter_tempo():
    # 2.5x the set's duration: a tilt rep may drift that far (dur_ratio 3), a vertical one may not (2)
    def with_slow_rep(make, **kw):
        tr = SetTracker(P, exercise=None, placement="shank")
        mvs = [make(10.0 + 4.5 * i, **kw) for i in range(5)]
        run(tr, mvs)
        return kinds(tr.add(cand(make(mvs[-1].end_s + 1.0, **{**kw, "dur": 8.75}))))

    def tilt(start, dur):
        return mv(start, amp=8.0, con=dur * 0.3, top=dur * 0.2, ecc=dur * 0.5, vertical_cm=4.0)

    assert with_slow_rep(tilt, dur=3.5) == ["RepCompleted"]
    assert with_slow_rep(vmv, dur=3.5) == []


@pytest.mark.parametrize("cm, speed, kept", [(7.6, 8.0, True), (10.0, 11.2, True), (5.0, 13.6, False)])
def test_a_vertical_sets_last_rise_is_trimmed_only_when_far_quicker(cm, speed, kept):
    # rises of 4 cm at 8 cm/s: a last one read 2.5x as high at the set's speed, or 1.4x as
    # quick, is still a rep; 1.7x as quick (past vertical_tail_size_ratio 1.6) is the step off
    body = [vmv(10.0 + 4.5 * i) for i in range(6)]
    reps = _closed(body + [vmv(body[-1].end_s + 1.0, cm=cm, speed=speed)])
    assert len(reps) == (7 if kept else 6)


# ---------------------------------------------------------------------------- summarize_set

def test_summary_fills_bottom_pauses_from_gaps():
    starts = [10.0, 14.5, 19.25, 24.0]
    mvs = [mv(s) for s in starts]  # each 3.5 s
    s = summarize_set(0, mvs, exercise="standing_calf_raise", placement="shank", rest_before_s=42.0, params=P)
    pauses = [r.bottom_pause_s for r in s.reps]
    assert pauses[:3] == pytest.approx([1.0, 1.25, 1.25])
    assert pauses[3] is None
    assert [r.top_hold_s for r in s.reps] == pytest.approx([1.0] * 4)
    assert [r.index for r in s.reps] == [1, 2, 3, 4]
    assert s.start_s == 10.0 and s.end_s == 27.5 and s.duration_s == 17.5
    assert s.time_under_tension_s == pytest.approx(14.0)
    assert s.rest_before_s == 42.0
    assert s.rom_unit == "deg" and s.mean_rom == pytest.approx(25.0)
    assert s.tempo.bottom_s == pytest.approx((1.0 + 1.25 + 1.25) / 3)


def test_summary_flags_partial_reps_against_the_median():
    amps = [25.0, 24.0, 17.0, 26.0, 17.5, 25.0]  # median 24.5 -> partial under 17.15
    mvs = [mv(10.0 + 4.5 * i, amp=a) for i, a in enumerate(amps)]
    s = summarize_set(0, mvs, exercise=None, placement=None, rest_before_s=None, params=P)
    assert [r.partial for r in s.reps] == [False, False, True, False, False, False]
    assert s.mean_rom == pytest.approx(sum(amps) / 6)


def test_a_rise_is_partial_by_its_peak_speed_well_under_its_sets():
    # the rise channel's heights scatter ~2x; at a set's tempo a short rise is also a slow one,
    # and the speed (integrated once) scatters less: it decides, where height and speed disagree
    cms = [4.0, 4.2, 1.5, 3.8, 4.0, 4.0, 3.9]
    speeds = [8.0, 8.6, 8.0, 8.3, 3.5, 7.9, 4.4]  # median 8.0 -> partial under 4.0 cm/s
    mvs = [vmv(10.0 + 4.5 * i, cm=c, speed=v) for i, (c, v) in enumerate(zip(cms, speeds))]
    s = summarize_set(0, mvs, exercise=None, placement=None, rest_before_s=None, params=P)
    # 1.5 cm (under half the median height) at a full rep's speed is a full rep read low; 4 cm at
    # 3.5 cm/s is short; 4.4 cm/s (0.55x) is within the scatter
    assert [r.partial for r in s.reps] == [False, False, False, False, True, False, False]
    assert [r.rom for r in s.reps] == cms  # the ROM stays the measured rise
    tr = SetTracker(P, exercise=None, placement=None)
    live = [e.rep.partial for ev in run(tr, mvs) for e in ev if isinstance(e, RepCompleted)]
    assert live == [False, False, False, False, True, False, False]  # the same live


def test_partial_reps_do_not_count_in_the_tempo():
    mvs = [mv(10.0 + 5 * i) for i in range(5)]
    mvs[2] = mv(20.0, amp=10.0, con=0.4, top=0.1, ecc=0.5)  # a quick half rep
    s = summarize_set(0, mvs, exercise="standing_calf_raise", placement=None, rest_before_s=None, params=P)
    assert s.reps[2].partial
    assert s.tempo.concentric_s == pytest.approx(1.0)
    assert s.tempo.top_s == pytest.approx(1.0)
    assert s.tempo.eccentric_s == pytest.approx(1.5)
    assert s.tempo.bottom_s == pytest.approx(1.5)  # reps 1, 2, 4 (5 is last): all 1.5 s


@pytest.mark.parametrize("con,top,ecc,pause,notation", [
    (1.0, 2.0, 3.0, 1.0, "3-1-1-2"),
    (0.6, 0.0, 1.3, 0.55, "1.5-0.5-0.5-0"),
    (2.0, 0.9, 4.1, 2.2, "4-2-2-1"),
])
def test_tempo_notation(con, top, ecc, pause, notation):
    dur = con + top + ecc
    mvs = [mv(10.0 + i * (dur + pause), con=con, top=top, ecc=ecc) for i in range(5)]
    s = summarize_set(0, mvs, exercise="standing_calf_raise", placement=None, rest_before_s=None, params=P)
    assert s.tempo.eccentric_s == pytest.approx(ecc)
    assert s.tempo.bottom_s == pytest.approx(pause)
    assert s.tempo.concentric_s == pytest.approx(con)
    assert s.tempo.top_s == pytest.approx(top)
    assert s.tempo.notation() == notation
    assert s.to_dict()["tempo"] == notation


def test_fatigue_rom_loss_and_tempo_change_on_a_decline():
    # reps get smaller and slower: first three 30 deg in 3 s, last three 24 deg in 4 s
    amps = [30.0, 30.0, 30.0, 28.0, 24.0, 24.0, 24.0]
    eccs = [1.0, 1.0, 1.0, 1.5, 2.0, 2.0, 2.0]
    mvs, t = [], 10.0
    for a, e in zip(amps, eccs):
        mvs.append(mv(t, amp=a, con=1.0, top=1.0, ecc=e))
        t = mvs[-1].end_s + 1.0
    s = summarize_set(0, mvs, exercise=None, placement=None, rest_before_s=None, params=P)
    assert s.rom_loss_pct == pytest.approx(20.0)
    assert s.tempo_change_s == pytest.approx(1.0)
    assert s.to_dict()["rom_loss_pct"] == 20.0


def test_fatigue_with_four_reps_compares_halves_and_none_below_four():
    mvs = [mv(10.0, amp=20.0), mv(15.0, amp=20.0), mv(20.0, amp=18.0, ecc=2.5), mv(26.0, amp=16.0, ecc=2.5)]
    s = summarize_set(0, mvs, exercise=None, placement=None, rest_before_s=None, params=P)
    assert s.rom_loss_pct == pytest.approx(15.0)  # (20 - 17) / 20
    assert s.tempo_change_s == pytest.approx(1.0)
    s3 = summarize_set(0, mvs[:3], exercise=None, placement=None, rest_before_s=None, params=P)
    assert s3.rom_loss_pct is None and s3.tempo_change_s is None


def test_squat_summary_fills_top_holds_and_times_on_the_drop():
    mvs = []
    for i in range(4):
        s0 = 10.0 + 6.0 * i
        # tilt timing (unused for squats) vs hip-drop timing: start, bottom reached, rise starts, end
        mvs.append(mv(s0, amp=60.0, con=1.0, top=1.0, ecc=1.5, vertical_cm=-35.0,
                      drop=(s0 + 0.1, s0 + 1.6, s0 + 2.1, s0 + 3.3)))
    s = summarize_set(0, mvs, exercise=None, placement="thigh", rest_before_s=None, params=P)
    assert s.exercise == SQUAT
    r0 = s.reps[0]
    assert (r0.start_s, r0.end_s) == (10.1, 13.3)
    assert r0.eccentric_s == pytest.approx(1.5)  # going down: 10% -> 90% of the drop
    assert r0.bottom_pause_s == pytest.approx(0.5)  # beyond 90%
    assert r0.concentric_s == pytest.approx(1.2)  # coming up: 90% -> 10%
    assert [r.top_hold_s for r in s.reps[:3]] == pytest.approx([6.0 - 3.2] * 3)
    assert s.reps[-1].top_hold_s is None
    assert s.tempo.notation() == "1.5-0.5-1-3"


# ---------------------------------------------------------------------------- rep_from_movement

def test_calf_raise_phases_follow_interface_section_3():
    m = mv(5.0, amp=28.0, con=0.8, top=1.7, ecc=2.4, rate=55.0, sway=1.25,
           drop=(5.5, 6.0, 7.0, 9.0))
    r = rep_from_movement(m, set_index=2, index=7, exercise="standing_calf_raise", placement="shank", params=P)
    assert (r.set_index, r.index) == (2, 7)
    assert (r.start_s, r.end_s, r.peak_s) == (m.start_s, m.end_s, m.peak_s)  # tilt timing, not drop
    assert r.concentric_s == pytest.approx(0.8)  # 10% -> 90% going up
    assert r.top_hold_s == pytest.approx(1.7)  # beyond 90%
    assert r.eccentric_s == pytest.approx(2.4)  # 90% -> 10% going down
    assert r.bottom_pause_s is None  # filled from the next rep by summarize_set
    assert (r.rom, r.rom_unit, r.peak_velocity) == (28.0, "deg", 55.0)
    assert r.sway_deg == 1.25 and r.amplitude_deg == 28.0 and r.vertical_cm == 3.0
    assert r.partial is False and r.exercise == "standing_calf_raise"


@pytest.mark.parametrize("exercise", [None, "step_calf_raise", "single_leg_calf_raise"])
def test_every_calf_raise_variant_is_timed_like_a_calf_raise(exercise):
    m = mv(5.0, con=0.8, top=1.7, ecc=2.4)
    r = rep_from_movement(m, set_index=0, index=1, exercise=exercise, placement=None, params=P)
    assert (r.concentric_s, r.top_hold_s, r.eccentric_s, r.bottom_pause_s) == pytest.approx(
        (0.8, 1.7, 2.4, None))


def test_squat_phases_follow_interface_section_3():
    m = mv(5.0, amp=50.0, con=1.0, top=1.0, ecc=1.5, drop=(5.2, 6.9, 7.3, 8.2))
    r = rep_from_movement(m, set_index=0, index=1, exercise=SQUAT, placement="thigh", params=P)
    assert (r.start_s, r.end_s) == (5.2, 8.2)  # timed on the hip drop
    assert r.eccentric_s == pytest.approx(1.7)  # 10% -> 90% going down
    assert r.bottom_pause_s == pytest.approx(0.4)  # beyond 90%
    assert r.concentric_s == pytest.approx(0.9)  # 90% -> 10% coming up
    assert r.top_hold_s is None  # filled from the next rep by summarize_set
    assert (r.rom, r.rom_unit) == (50.0, "deg")
    # without a drop curve, the tilt timing is used
    m2 = mv(5.0, amp=50.0, con=1.0, top=0.5, ecc=1.5)
    r2 = rep_from_movement(m2, set_index=0, index=1, exercise=SQUAT, placement="thigh", params=P)
    assert (r2.eccentric_s, r2.bottom_pause_s, r2.concentric_s) == pytest.approx((1.0, 0.5, 1.5))


def test_foot_placement_gives_rom_in_cm():
    m = mv(5.0, amp=30.0, rate=90.0)
    r = rep_from_movement(m, set_index=0, index=1, exercise=None, placement="foot", params=P)
    assert r.rom_unit == "cm"
    assert r.rom == pytest.approx(0.175 * 0.5 * 100)  # 8.75 cm: lever x sin(30 deg)
    assert r.peak_velocity == pytest.approx(90.0 * 8.75 / 30.0)
    assert r.amplitude_deg == 30.0
    p20 = CounterParams(foot_lever_m=0.20)
    r20 = rep_from_movement(mv(5.0, amp=90.0), set_index=0, index=1, exercise=None, placement="foot", params=p20)
    assert r20.rom == pytest.approx(20.0)
    # squats on the foot and calf raises elsewhere stay in degrees
    rs = rep_from_movement(m, set_index=0, index=1, exercise=SQUAT, placement="foot", params=P)
    assert rs.rom_unit == "deg" and rs.rom == 30.0
    rw = rep_from_movement(m, set_index=0, index=1, exercise=None, placement="shank", params=P)
    assert rw.rom_unit == "deg"


def test_foot_summary_partial_and_mean_in_cm():
    mvs = [mv(10.0 + 4.5 * i, amp=a) for i, a in enumerate([30.0, 30.0, 12.0, 30.0])]
    s = summarize_set(0, mvs, exercise=None, placement="foot", rest_before_s=None, params=P)
    assert s.rom_unit == "cm"
    cm = [0.175 * math.sin(math.radians(a)) * 100 for a in (30.0, 30.0, 12.0, 30.0)]
    assert [r.rom for r in s.reps] == pytest.approx(cm)
    assert [r.partial for r in s.reps] == [False, False, True, False]  # 3.64 cm < 0.7 x 8.75
    assert s.mean_rom == pytest.approx(sum(cm) / 4)


# ---------------------------------------------------------------------------- infer_exercise

def test_infer_exercise():
    def at(amp, n=4):
        return [mv(10.0 + 6 * i, amp=amp) for i in range(n)]

    # only the foot tilts more than 15 deg in a heel raise
    assert infer_exercise(at(8.0), "shank", P) == "standing_calf_raise"
    assert infer_exercise(at(8.0), None, P) == "standing_calf_raise"
    assert infer_exercise(at(15.0), "thigh", P) == "standing_calf_raise"
    assert infer_exercise(at(45.0), "thigh", P) == SQUAT
    assert infer_exercise(at(25.0), "shank", P) == SQUAT
    assert infer_exercise(at(45.0), None, P) is None  # a foot in a raise or a thigh in a squat
    # on the foot: heel rise = 0.175 m x sin(tilt); past 10.5 cm it is a step
    assert infer_exercise(at(25.0), "foot", P) == "standing_calf_raise"  # 7.4 cm
    assert infer_exercise(at(40.0), "foot", P) == "step_calf_raise"  # 11.2 cm
    assert infer_exercise(at(36.0), "foot", P) == "standing_calf_raise"  # 10.29 cm
    assert infer_exercise(at(38.0), "foot", P) == "step_calf_raise"  # 10.77 cm
    # the median decides: one odd rep does not
    assert infer_exercise(at(8.0, 3) + at(45.0, 1), "shank", P) == "standing_calf_raise"


def test_large_tilts_that_take_the_sensor_down_are_a_squat_even_with_placement_unknown():
    # the hips drop 30-45 cm in a squat; a heel raise lowers no sensor by more than ~8 cm
    down = [mv(10.0 + 5 * i, amp=30.0, vertical_cm=-28.0) for i in range(5)]
    below_step = [mv(10.0 + 5 * i, amp=30.0, vertical_cm=-6.0) for i in range(5)]
    assert infer_exercise(down, None, P) == SQUAT
    assert infer_exercise(below_step, None, P) is None


# ---------------------------------------------------------------------------- taking back the first reps

def test_reps_lost_while_the_pattern_restarted_are_taken_back():
    # two big movements (stepping onto the block) make the first two reps look like
    # wobbles beside them; once the set is confirmed those two reps are its first ones
    d1, d2 = mv(0.0, amp=80.0), mv(4.0, amp=80.0)
    reps = series(8, t0=d2.end_s + 1.0)
    tr = SetTracker(P, exercise=None, placement="foot")
    events = [e for es in run(tr, [d1, d2] + reps) for e in es]
    started = [e for e in events if isinstance(e, SetStarted)]
    assert len(started) == 1 and started[0].start_s == reps[0].start_s
    (ended,) = tr.finish()
    assert [r.start_s for r in ended.summary.reps] == [m.start_s for m in reps]
    # the live events carry the same reps, numbered from 1
    done = [e.rep for e in events if isinstance(e, RepCompleted)]
    assert [r.index for r in done] == list(range(1, 9)) and done[0].start_s == reps[0].start_s


def test_a_bigger_movement_before_a_set_is_not_taken_back():
    step_on = mv(5.0, amp=60.0)  # 2.4x the reps: restarts the pattern, and is past the tail limit
    reps = series(6, t0=step_on.end_s + 1.0)
    assert [r.start_s for r in _closed([step_on] + reps)] == [m.start_s for m in reps]


def test_large_tilts_with_the_placement_unknown_go_by_which_way_the_sensor_moves():
    def at(rise_cm, amp=30.0, drop_cm=-3.0):
        return [replace(mv(10.0 + 5 * i, amp=amp, vertical_cm=drop_cm), rise_with_tilt_cm=rise_cm,
                        rise_terms=None if rise_cm is None else rising(rise_cm)) for i in range(5)]

    assert infer_exercise(at(-4.5), None, P) == SQUAT  # a shank: the knee goes down a few cm
    assert infer_exercise(at(2.5), None, P) == "standing_calf_raise"  # the laces go up: a foot
    assert infer_exercise(at(4.0, amp=40.0), None, P) == "step_calf_raise"  # 11.2 cm of heel rise
    # the sensor's extreme height decides only where the rise with the tilt could not be
    # fitted: a tilting accelerometer's bias and scale errors can fake a deep drop
    assert infer_exercise(at(2.5, drop_cm=-28.0), None, P) == "standing_calf_raise"
    assert infer_exercise(at(None, drop_cm=-28.0), None, P) == SQUAT
    assert infer_exercise(at(None, drop_cm=-3.0), None, P) is None


def test_rises_tell_one_leg_by_the_body_sway_and_a_step_by_the_lift():
    def rises(cm: float, sways: list[float]) -> list[Movement]:
        return [replace(rise(10.0 + 5 * i, turn=3.0, cm=cm), sway_deg=sw) for i, sw in enumerate(sways)]

    two_legs = [0.5, 0.7, 0.6, 0.55, 0.65]  # on the toes the body sways ~1.3x quiet stance
    one_leg = [1.1, 0.9, 1.3, 1.0, 0.8]  # about twice that again
    for placement in (None, "shank", "thigh", "chest", "wrist"):
        assert infer_exercise(rises(4.5, two_legs), placement, P) == "standing_calf_raise"
        assert infer_exercise(rises(4.5, one_leg), placement, P) == "single_leg_calf_raise"
    # the median decides: two wobbly reps do not make a set single-leg
    assert infer_exercise(rises(4.5, [0.5, 1.4, 0.6, 1.5, 0.6]), None, P) == "standing_calf_raise"
    # a lift past a standing raise's is a step, however it sways; dips are squats
    assert infer_exercise(rises(9.0, one_leg), None, P) == "step_calf_raise"
    assert infer_exercise(rises(6.5, two_legs), "thigh", P) == "step_calf_raise"  # the channel reads ~0.75
    assert infer_exercise(rises(-30.0, one_leg), None, P) == SQUAT
    # the limit is a parameter
    assert infer_exercise(rises(4.5, one_leg), None, replace(P, single_leg_sway_deg=1.5)) == "standing_calf_raise"


def test_reps_that_go_down_first_are_timed_as_lowerings_whatever_the_exercise():
    # a foot on a step seen from the top: away from rest = heels going down (eccentric, 1.5 s
    # here), the bottom held 1 s, back up (concentric, 1 s); the rest between reps is at the top
    down = [replace(mv(10.0 + 5 * i, amp=30.0, con=1.5, top=1.0, ecc=1.0), rise_with_tilt_cm=-3.0,
                    rise_terms=rising(-3.0)) for i in range(5)]
    s = summarize_set(0, down, exercise="step_calf_raise", placement="foot", rest_before_s=None, params=P)
    assert s.exercise == "step_calf_raise"
    for r in s.reps:
        assert (r.eccentric_s, r.bottom_pause_s, r.concentric_s) == pytest.approx((1.5, 1.0, 1.0))
    assert [r.top_hold_s for r in s.reps[:-1]] == pytest.approx([1.5] * 4) and s.reps[-1].top_hold_s is None
    up = [replace(m, rise_with_tilt_cm=3.0, rise_terms=rising(3.0)) for m in down]  # going up: a raise
    r = summarize_set(0, up, exercise="step_calf_raise", placement="foot", rest_before_s=None, params=P).reps[0]
    assert (r.concentric_s, r.top_hold_s, r.eccentric_s, r.bottom_pause_s) == pytest.approx((1.5, 1.0, 1.0, 1.5))


def test_settled_time_waits_for_movements_a_set_may_still_take_back():
    # two big movements restart the pattern; the first reps after them sit in the tracker's
    # memory only: until a set is confirmed, nothing from them on may be decided elsewhere
    d1, d2 = mv(0.0, amp=80.0), mv(4.0, amp=80.0)
    reps = series(3, t0=d2.end_s + 1.0)
    tr = SetTracker(P, exercise=None, placement="foot")
    run(tr, [d1, d2] + reps)
    assert tr.settled_s(1e9) <= reps[0].start_s


def test_take_back_skips_a_movement_overlapping_the_rep_after_it():
    d1, d2 = mv(0.0, amp=80.0), mv(4.0, amp=80.0)
    reps = series(8, t0=d2.end_s + 1.0)
    overlapping = mv(reps[0].start_s - 1.0)  # ends 2.5 s into the first rep
    tr = SetTracker(P, exercise=None, placement="foot")
    run(tr, [d1, d2, overlapping] + reps)
    (ended,) = tr.finish()
    starts = [r.start_s for r in ended.summary.reps]
    assert overlapping.start_s not in starts and starts[0] == reps[0].start_s


def test_vertical_dips_are_timed_as_lowerings_whatever_the_declared_exercise():
    dips = [replace(mv(10.0 + 5 * i, amp=0.0, con=1.5, top=1.0, ecc=1.0, vertical_cm=-30.0), channel="vertical")
            for i in range(5)]
    r = summarize_set(0, dips, exercise="standing_calf_raise", placement=None, rest_before_s=None, params=P).reps[0]
    assert (r.eccentric_s, r.bottom_pause_s, r.concentric_s) == pytest.approx((1.5, 1.0, 1.0))


def rise(start: float, turn: float, cm: float = 4.5) -> Movement:
    """A 3.5 s rise found by the vertical channel, during which the sensor turned `turn` deg."""
    return replace(mv(start, amp=0.0, vertical_cm=cm, rate=8.0, sway=0.0), channel="vertical", turn_deg=turn,
                   snr=1.0, local_snr=0.8)


def test_a_rise_that_turns_the_sensor_far_is_no_edge_rep():
    # bending down to put the weights away (or stepping off a block) lifts a chest strap about
    # as much as a rep, with about a rep's duration, right after the set; but the trunk turns
    # by tens of degrees where a rep turns it by 2-5
    tr = SetTracker(P, exercise=None, placement=None)
    reps = [rise(10.0 + 4.5 * i, turn=3.0 + 0.3 * (i % 3)) for i in range(8)]
    ev = run(tr, reps + [rise(10.0 + 4.5 * 8, turn=35.0)])
    ev.append(tr.finish())
    [ended] = [e for evs in ev for e in evs if isinstance(e, SetEnded)]
    assert len(ended.summary.reps) == 8
    assert ended.summary.end_s == reps[-1].end_s
    # ... and a first rise like that too (stepping onto the block), while reps that turn
    # about as much as each other all stay
    tr = SetTracker(P, exercise=None, placement=None)
    ev = run(tr, [rise(5.5, turn=28.0)] + reps)
    ev.append(tr.finish())
    [ended] = [e for evs in ev for e in evs if isinstance(e, SetEnded)]
    assert ended.summary.start_s == reps[0].start_s and len(ended.summary.reps) == 8
    tr = SetTracker(P, exercise=None, placement=None)
    ev = run(tr, [rise(10.0 + 4.5 * i, turn=4.0 + 2.0 * (i % 2)) for i in range(8)])
    ev.append(tr.finish())
    assert [len(e.summary.reps) for evs in ev for e in evs if isinstance(e, SetEnded)] == [8]


@pytest.mark.parametrize("edge", ["first", "last"])
@pytest.mark.parametrize("rate, hf, dropped", [(8.0, 0.1, False), (11.0, 0.1, False), (15.0, 0.1, True),
                                               (22.0, 0.1, True), (8.0, 0.14, False), (8.0, 0.17, True)])
def test_a_rise_far_quicker_or_shakier_than_the_reps_is_no_edge_rep(edge, rate, hf, dropped):
    # stepping onto or off the block moves the body 15-20 cm in under a second and lands a
    # foot: its peak speed is 3-4x a controlled rep's, its impacts higher; the pinned window
    # makes it look as big and as long as a rep. The reps are compared on their speed
    # (sets.likeness): 1.4x the median is a rep, 1.9x is past vertical_tail_size_ratio (1.6)
    reps = [replace(rise(10.0 + 4.5 * i, turn=3.0), peak_rate_dps=8.0 * (0.8 + 0.2 * (i % 3))) for i in range(8)]
    t = reps[0].start_s - 4.5 if edge == "first" else reps[-1].start_s + 4.5
    odd = replace(rise(t, turn=3.0), peak_rate_dps=rate, hf_rms=hf)
    tr = SetTracker(P, exercise=None, placement=None)
    run(tr, [odd] + reps if edge == "first" else reps + [odd])
    tr.finish()
    assert len(tr.sets_) == 1 and len(tr.sets_[0].reps) == (8 if dropped else 9)


def test_a_tilt_the_other_way_before_the_reps_is_not_their_first_rep():
    # on a step the heels first drop from level to the stretch (foot turned one way), then
    # every rep lifts them (turned the other way): the drop is no rep, live or at the end,
    # even when it is as big as the reps
    up, down = (1.0, 0.0, 0.0), (-0.98, 0.2, 0.0)
    drop = replace(mv(10.0), direction=down)
    reps = [replace(m, direction=up) for m in series(8, t0=14.5)]
    tr = SetTracker(P, exercise=None, placement="foot")
    events = [e for evs in run(tr, [drop, *reps]) for e in evs] + tr.finish()
    assert [e.rep.start_s for e in events if isinstance(e, RepCompleted)] == [m.start_s for m in reps]
    assert tr.sets_[0].start_s == reps[0].start_s and len(tr.sets_[0].reps) == 8
    # turned within 90 deg of the reps' way it may be one of them
    tr = SetTracker(P, exercise=None, placement="foot")
    run(tr, [replace(drop, direction=(0.3, 0.95, 0.0)), *reps])
    tr.finish()
    assert len(tr.sets_[0].reps) == 9


def test_a_tilt_the_other_way_inside_a_set_is_not_a_rep():
    up, down = (0.0, 0.0, 1.0), (0.0, 0.1, -0.99)
    reps = [replace(m, direction=up) for m in series(8)]
    other = replace(mv(reps[4].end_s + 0.2, con=0.5, top=0.3, ecc=0.6), direction=down)
    tr = SetTracker(P, exercise=None, placement="thigh")
    events = [e for evs in run(tr, [*reps[:5], other, *reps[5:]]) for e in evs] + tr.finish()
    assert [e.rep.start_s for e in events if isinstance(e, RepCompleted)] == [m.start_s for m in reps]
    assert len(tr.sets_) == 1 and len(tr.sets_[0].reps) == 8


def test_a_foot_held_up_is_not_taken_for_a_squat_for_its_sensor_errors():
    # a foot tilting 25 deg and held up 5 s, its accelerometer 3% over-scaled and 31 mg biased
    # along the way it tilts: the magnitude then reads as if the sensor dropped ~19 cm every
    # rep (the squat limit is 15). Which way it rose as it tilted still says heel raise
    import numpy as np
    from scipy.spatial.transform import Rotation

    from counting.counter import analyze
    from counting.samples import Samples
    from tests.counting.synth import tilt_session

    smp, _ = tilt_session(fs=50.0, reps=10, con=1.0, top=5.0, ecc=2.0, bot=1.0, amp_deg=25.0, rise_cm=5.0, seed=3)
    ax = Rotation.random(random_state=3).apply([1.0, 0.0, 0.0])  # tilt_session tilts about body y
    acc = smp.acc @ (np.eye(3) + 0.03 * np.outer(ax, ax)).T + 0.3 * ax
    (s,) = analyze(Samples(smp.t, acc))
    assert np.median([r.vertical_cm for r in s.reps]) < -15.0  # the drop it seems to make
    assert len(s.reps) == 10 and s.exercise == "standing_calf_raise"


def test_every_rep_a_set_keeps_is_shown_live():
    # a first rise set apart by a pause (the step onto the block: trimmed when the set closes)
    # and a last one that turns the sensor 3x as far as the others: were the set to end with
    # it, the set without its first rise is too short for that last to be dropped, so it
    # stays. What is held back live is what the closing set would drop, nothing else
    tr = SetTracker(P, exercise=None, placement=None)
    reps = [rise(2.0, turn=3.0)] + [rise(10.0 + 4.5 * i, turn=3.0) for i in range(3)] + [rise(23.5, turn=10.0)]
    ev = run(tr, reps)
    ev.append(tr.finish())
    shown = {e.rep.start_s for evs in ev for e in evs if isinstance(e, RepCompleted)}
    [ended] = [e for evs in ev for e in evs if isinstance(e, SetEnded)]
    assert [r.start_s for r in ended.summary.reps] == [m.start_s for m in reps[1:]]
    assert {r.start_s for r in ended.summary.reps} <= shown
