"""CounterParams: every field documented, defaults inside the physically stated ranges."""
from __future__ import annotations

import dataclasses
import math
import re

import pytest

from counting.detect import QUIET_HF2
from counting.params import CounterParams
from counting.sets import SQUAT_TILT_DEG

P = CounterParams()
DOC = CounterParams.__doc__ or ""


def documented_names() -> list[str]:
    """Names that open an entry of the docstring's list: `name:` or `a / b:` at 4 spaces."""
    names = []
    for line in DOC.splitlines():
        m = re.match(r"^    ([a-z_][a-z0-9_]*(?: / [a-z_][a-z0-9_]*)*):\s+\S", line)
        if m:
            names += m.group(1).split(" / ")
    return names


def test_every_field_is_documented_once_and_nothing_else():
    fields = CounterParams.names()
    doc = documented_names()
    missing = sorted(set(fields) - set(doc))
    stale = sorted(set(doc) - set(fields))
    assert not missing, f"fields without a docstring entry: {missing}"
    assert not stale, f"docstring entries for no field: {stale}"
    assert len(doc) == len(set(doc)), "a field is documented twice"


@pytest.mark.parametrize("name", CounterParams.names())
def test_each_field_entry_says_something(name):
    # the entry's text (up to the next entry) is a real sentence, not just the name
    lines = DOC.splitlines()
    i = next(k for k, ln in enumerate(lines) if re.match(rf"^    (?:\S+ / )*{name}(?: / \S+)*:", ln))
    text = lines[i].split(":", 1)[1]
    for ln in lines[i + 1:]:
        if not ln.startswith("        "):
            break
        text += " " + ln.strip()
    assert len(text.split()) >= 4, f"{name}: {text!r}"


def test_unit_suffixes_match_types():
    for f in dataclasses.fields(CounterParams):
        v = getattr(P, f.name)
        if f.name.startswith("use_"):
            assert isinstance(v, bool)
        elif f.name.endswith("_reps"):
            assert isinstance(v, int) and not isinstance(v, bool)
        else:
            assert isinstance(v, float), f.name
            assert math.isfinite(v) and v > 0, f.name


def test_fractions_and_cosines_are_in_range():
    for name in CounterParams.names():
        v = getattr(P, name)
        if name.endswith("_frac"):
            assert 0.0 < v < 1.0, name
        if name.endswith("_cos"):
            assert -1.0 < v < 1.0, name
        if name.endswith("_hz") and name != "fs_hz":
            assert v < P.fs_hz / 2, name


def test_params_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        P.fs_hz = 100.0  # type: ignore[misc]
    assert dataclasses.replace(P, fs_hz=100.0).fs_hz == 100.0


def test_filter_corners_fit_the_sample_rate_and_the_movement():
    nyquist = P.fs_hz / 2
    # phases of 0.5-4 s put a raise's tilt below ~1.5 Hz: the low-passes must keep it
    assert 1.5 <= P.detect_lp_hz < nyquist
    assert 1.5 <= P.measure_lp_hz < nyquist
    # "a controlled heel raise does not" live above the impact high-pass
    assert 1.5 <= P.hf_hp_hz < nyquist
    assert P.max_gap_s > 1.0 / P.fs_hz  # a gap is longer than one sample interval


def test_rep_duration_limits_cover_the_phase_range():
    # the quickest controlled rep (0.5 s up, 0.8 s down, no hold) takes 1.3 s and must get
    # through with room for timing error; a slow walker's arm swing (1.0-1.15 s) must not.
    # Each phase lasts up to 4 s: the slowest rep (up, hold, down) ~12 s
    assert 1.15 < P.min_rep_s <= 0.5 + 0.8 - 0.1
    assert P.max_rep_s >= 3 * 4.0
    # a bottom pause of up to 4 s stays inside a set
    assert P.set_gap_s > 4.0


def test_amplitude_ratios_are_consistent():
    assert P.partial_ratio == pytest.approx(0.7)  # shared/interface.md section 3
    # partial reps are 30-70% of the median and must still be kept in a running set
    assert 1.0 / P.keep_ratio <= 0.3
    assert 1.0 < P.confirm_ratio <= P.keep_ratio
    assert 0.0 < P.min_axis_cos < 1.0
    # a step's stretched bottom lies no further below level than a rep travels: the set's
    # direction must survive that far beyond rest, not much further
    assert 1.0 <= P.axis_far_ratio <= 2.5
    assert isinstance(P.min_set_reps, int) and 2 <= P.min_set_reps <= 6


def test_onset_thresholds_catch_a_few_degrees_of_tilt():
    # a heel raise tilts the shank and thigh by only a few degrees: a candidate must be
    # able to start and qualify well below that
    assert 0.0 < P.onset_min_deg * P.min_peak_ratio <= 3.0
    assert P.onset_noise_k >= 2.0  # above the rest wobble
    assert P.min_peak_ratio > 1.0


def test_timing_curve_switch_sits_between_shank_and_foot_tilt():
    # a few degrees (shank, thigh, trunk) is timed on height, the foot's 20-35 deg on tilt
    assert 5.0 <= P.tilt_timing_deg < 20.0
    assert P.tilt_timing_deg <= SQUAT_TILT_DEG
    # the trunk rises ~0.75 of a 5-10 cm heel travel: the switch must see that
    assert 0.0 < P.vertical_timing_cm <= 0.75 * 5.0


def test_impact_limits_above_quiet_standing():
    assert P.max_hf_rms > math.sqrt(QUIET_HF2)
    assert P.max_gyro_hf_rms > 0.0


def test_gyro_fusion_crossover_below_rep_frequencies():
    crossover_hz = 1.0 / (2 * math.pi * P.fuse_tau_s)
    slowest_phase_hz = 1.0 / (2 * 4.0)  # a 4 s phase is half a cycle
    assert crossover_hz < slowest_phase_hz
    assert P.gyro_bias_hz < crossover_hz


def test_foot_lever_within_adult_foot_range():
    assert 0.15 <= P.foot_lever_m <= 0.20
