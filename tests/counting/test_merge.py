"""SetMerger: choosing, stretch by stretch, between the tilt and the vertical channel's sets."""
from __future__ import annotations

from dataclasses import replace

import pytest

from counting.events import SetEnded
from counting.measure import Movement
from counting.merge import SetMerger
from counting.params import CounterParams
from counting.sets import summarize_set

P = CounterParams()


def tilt_mv(start: float, amp: float) -> Movement:
    """A 3.5 s tilt-channel rep (1 s up, 1 s hold, 1.5 s down)."""
    return Movement(start_s=start, rise_end_s=start + 1.0, fall_start_s=start + 2.0, end_s=start + 3.5,
                    peak_s=start + 1.5, amplitude_deg=amp, vertical_cm=4.0, peak_rate_dps=30.0,
                    sway_deg=0.5, hf_rms=0.1, gyro_hf_rms=None)


def vert_mv(start: float, cm: float = 4.0) -> Movement:
    """A 3.5 s rep found by the vertical channel: no tilt, `cm` of rise."""
    return Movement(start_s=start, rise_end_s=start + 1.0, fall_start_s=start + 2.0, end_s=start + 3.5,
                    peak_s=start + 1.5, amplitude_deg=0.0, vertical_cm=cm, peak_rate_dps=8.0,
                    sway_deg=0.0, hf_rms=0.1, gyro_hf_rms=None, channel="vertical")


def tilt_set(n: int, t0: float, amp: float, index: int = 0):
    return summarize_set(index, [tilt_mv(t0 + 4.5 * i, amp) for i in range(n)], exercise=None,
                         placement="shank", rest_before_s=None, params=P)


def vert_set(n: int, t0: float, index: int = 0, snr: float = 0.8, floor_snr: float | None = None):
    """A vertical-channel set; `snr` is its reps' median rise over the noise-bump size, for
    the noise around them (local_snr) and, unless `floor_snr` says otherwise, the sensor's floor."""
    s = summarize_set(index, [vert_mv(t0 + 4.5 * i, 4.0 + 0.1 * i) for i in range(n)], exercise=None,
                      placement="shank", rest_before_s=None, params=P)
    return replace(s, snr=snr if floor_snr is None else floor_snr, local_snr=snr)


def emitted(events) -> list:
    assert all(isinstance(e, SetEnded) for e in events)
    return [e.summary for e in events]


def test_small_tilts_give_way_to_more_vertical_reps():
    m = SetMerger(P)
    m.add("tilt", tilt_set(5, 14.5, amp=3.0))  # sway-sized tilts: reps 3-7 only
    v = vert_set(12, 10.0)
    m.add("vertical", v)
    (s,) = emitted(m.finish())
    assert len(s.reps) == 12 and s.rom_unit == "cm"
    assert (s.start_s, s.end_s) == (v.start_s, v.end_s)
    assert m.sets_ == [s]


def test_small_tilts_are_kept_when_the_vertical_channel_counts_no_more_and_is_not_clear():
    m = SetMerger(P)
    m.add("tilt", tilt_set(8, 10.0, amp=3.0))
    m.add("vertical", vert_set(8, 10.2, snr=0.5))
    (s,) = emitted(m.finish())
    assert len(s.reps) == 8 and s.rom_unit == "deg"


def test_a_clear_rise_beats_small_tilts_even_with_fewer_reps():
    # small tilts sway as much as a rep tilts them (extra "reps"); a rise well out of the noise does not
    m = SetMerger(P)
    m.add("tilt", tilt_set(11, 10.0, amp=2.5))
    m.add("vertical", vert_set(8, 12.0, snr=P.vertical_prefer_snr + 0.1))
    (s,) = emitted(m.finish())
    assert len(s.reps) == 8 and s.rom_unit == "cm"


def test_large_tilts_win_over_more_vertical_reps():
    m = SetMerger(P)
    m.add("tilt", tilt_set(8, 10.0, amp=25.0))
    m.add("vertical", vert_set(12, 10.0))
    (s,) = emitted(m.finish())
    assert len(s.reps) == 8 and s.rom_unit == "deg"
    assert s.reps[0].amplitude_deg == 25.0


def test_vertical_sets_of_a_stretch_are_all_kept():
    # the vertical channel split the set the tilt channel half-saw: both parts are taken
    m = SetMerger(P)
    m.add("vertical", vert_set(5, 10.0))
    m.add("vertical", vert_set(6, 40.0))
    m.add("tilt", tilt_set(5, 28.0, amp=3.0))  # 28-49.5 s: overlaps both
    got = emitted(m.finish())
    assert [len(s.reps) for s in got] == [5, 6]
    assert [s.index for s in got] == [0, 1]


@pytest.mark.parametrize("n, kept", [(3, []), (4, [4])])
def test_vertical_only_set_needs_min_reps(n, kept):
    assert P.vertical_only_min_reps == 4
    m = SetMerger(P)
    m.add("vertical", vert_set(n, 10.0))
    assert [len(s.reps) for s in emitted(m.finish())] == kept
    assert m.finish() == []  # decided once


def test_tilt_only_set_is_kept_whatever_its_size():
    m = SetMerger(P)
    m.add("tilt", tilt_set(4, 10.0, amp=3.0))
    assert [len(s.reps) for s in emitted(m.finish())] == [4]


def test_a_set_goes_out_once_settled_past_its_end():
    m = SetMerger(P)
    t = tilt_set(6, 10.0, amp=25.0)  # 10-36 s
    m.add("tilt", t)
    assert m.advance(20.0) == []
    assert m.advance(t.end_s) == []  # a vertical set could still start at its very end
    (s,) = emitted(m.advance(t.end_s + 0.01))
    assert s.start_s == t.start_s and len(s.reps) == 6
    assert m.advance(1000.0) == [] and m.finish() == []


def test_a_stretch_waits_for_the_lagging_channel():
    # the vertical channel reports its set later than the tilt one, but it started earlier
    # (its open set holds settled_s back at its first rep)
    m = SetMerger(P)
    m.add("tilt", tilt_set(6, 14.5, amp=3.0))  # 14.5-40 s
    assert m.advance(9.5) == []
    v = vert_set(9, 9.5)  # 9.5-49 s
    m.add("vertical", v)
    assert m.advance(45.0) == []  # the tilt set has ended, but the stretch has not
    assert m.advance(v.end_s) == []
    (s,) = emitted(m.advance(v.end_s + 0.01))
    assert len(s.reps) == 9 and s.rom_unit == "cm"
    assert m.finish() == []


def test_an_earlier_stretch_goes_out_while_a_later_one_waits():
    m = SetMerger(P)
    a = tilt_set(6, 10.0, amp=25.0)  # ends 36 s
    b = tilt_set(6, 100.0, amp=25.0)  # ends 126 s
    m.add("tilt", a)
    m.add("tilt", b)
    assert [s.start_s for s in emitted(m.advance(60.0))] == [a.start_s]
    assert [s.start_s for s in emitted(m.advance(130.0))] == [b.start_s]


def test_emitted_sets_are_renumbered_with_rests_between_them():
    m = SetMerger(P)
    first = tilt_set(6, 10.0, amp=25.0, index=3)  # 10-36 s; channel-side numbering differs
    dropped = vert_set(3, 60.0, index=7)  # vertical only, too few reps: no number, no rest
    second = vert_set(8, 120.0, index=2)  # 120-155 s
    for ch, s in (("vertical", second), ("tilt", first), ("vertical", dropped)):
        m.add(ch, s)
    got = emitted(m.finish())
    assert [s.index for s in got] == [0, 1]
    assert [len(s.reps) for s in got] == [6, 8]
    assert [{r.set_index for r in s.reps} for s in got] == [{0}, {1}]
    assert [r.index for r in got[1].reps] == list(range(1, 9))
    assert got[0].rest_before_s is None
    assert got[1].rest_before_s == pytest.approx(120.0 - 36.0)
    assert m.sets_ == got


def test_vertical_only_set_within_the_noise_is_dropped():
    # a still sensor's noise integrates into sets with a median snr of 0.10-0.31
    m = SetMerger(P)
    m.add("vertical", vert_set(10, 10.0, snr=0.25))
    m.add("vertical", vert_set(10, 200.0, snr=0.5))
    (s,) = emitted(m.finish())
    assert s.start_s == 200.0 and len(s.reps) == 10


def test_crisp_rises_well_out_of_the_sensor_floor_count():
    # quick rises raise the noise band around them (local snr 0.2), but stand far out of
    # what the sensor's own noise makes
    m = SetMerger(P)
    m.add("vertical", vert_set(10, 10.0, snr=0.2, floor_snr=P.vertical_floor_snr + 0.1))
    m.add("vertical", vert_set(10, 200.0, snr=0.2, floor_snr=P.vertical_floor_snr - 0.1))
    (s,) = emitted(m.finish())
    assert s.start_s == 10.0 and len(s.reps) == 10


def test_a_weaker_vertical_only_set_counts_when_the_tilt_channel_saw_its_reps():
    m = SetMerger(P)
    backed = vert_set(8, 10.0, snr=0.25)
    for r in backed.reps[:5]:  # the tilt channel found rep-like movements, but no set, at 5 of 8
        m.note_tilt_move(r.start_s + 0.2, r.end_s - 0.2)
    m.add("vertical", backed)
    m.add("vertical", vert_set(8, 200.0, snr=0.25))  # the same, unbacked
    (s,) = emitted(m.finish())
    assert s.start_s == 10.0 and len(s.reps) == 8
