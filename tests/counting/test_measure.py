"""Pure timing functions of counting.measure on analytic curves."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, signal
from scipy.spatial.transform import Rotation

from counting.measure import (
    Movement,
    gravity_direction,
    percentile,
    rise_of_set,
    rise_terms,
    tilt_curve,
    time_excursion,
    time_from_bottoms,
    vertical_curve,
    vertical_travel_cm,
    zero_phase,
)

G = 9.81


def mj(x):
    x = np.clip(x, 0.0, 1.0)
    return 10 * x**3 - 15 * x**4 + 6 * x**5


def mj_acc(x):
    """d2/dx2 of the min-jerk curve (zero outside [0, 1])."""
    inside = (x >= 0) & (x <= 1)
    return np.where(inside, 60 * x - 180 * x**2 + 120 * x**3, 0.0)


# exact level crossings of the min-jerk curve (root of a quintic, to machine precision)
X10 = optimize.brentq(lambda x: mj(x) - 0.1, 0, 1, xtol=1e-15)
X90 = optimize.brentq(lambda x: mj(x) - 0.9, 0, 1, xtol=1e-15)


def bump(t, s, con, top, ecc):
    """Min-jerk rise over [s, s+con], hold `top`, min-jerk return over `ecc`."""
    up = mj((t - s) / con)
    down = 1.0 - mj((t - s - con - top) / ecc)
    return np.where(t < s + con + top, up, down)


def test_closed_form_crossings_are_symmetric():
    assert X10 + X90 == pytest.approx(1.0, abs=1e-12)  # min-jerk is point-symmetric
    assert X10 == pytest.approx(0.24664, abs=1e-5)


# ---------------------------------------------------------------------------- time_excursion

@pytest.mark.parametrize("fs", [25.0, 50.0, 100.0])
@pytest.mark.parametrize("s,con,top,ecc,amp,rest", [
    (2.013, 1.0, 1.0, 2.0, 25.0, 0.0),
    (1.507, 0.6, 0.3, 1.4, 4.0, -3.0),
    (3.333, 2.5, 0.0, 3.0, 0.7, 12.0),  # no hold at all
])
def test_time_excursion_on_min_jerk_bump(fs, s, con, top, ecc, amp, rest):
    t = np.arange(0.0, s + con + top + ecc + 2.0, 1 / fs)
    y = rest + amp * bump(t, s, con, top, ecc)
    peak_i = int(np.argmax(y))
    out = time_excursion(t, y, rest, peak_i)
    assert out is not None
    start, rise_end, fall_start, end, a = out
    # linear interpolation between samples: the error is a small fraction of the spacing
    tol = 0.1 / fs
    assert start == pytest.approx(s + X10 * con, abs=tol)
    assert rise_end == pytest.approx(s + X90 * con, abs=tol)
    assert fall_start == pytest.approx(s + con + top + X10 * ecc, abs=tol)
    assert end == pytest.approx(s + con + top + X90 * ecc, abs=tol)
    assert a == pytest.approx(y[peak_i] - rest)
    assert a == pytest.approx(amp, rel=1e-3)


def test_time_excursion_is_exact_on_piecewise_linear_curves():
    # a trapezoid sampled at its corners: linear interpolation is exact
    t = np.arange(0.0, 10.0, 0.1)
    y = np.interp(t, [0, 2, 3, 5, 8, 10], [1, 1, 11, 11, 1, 1])
    out = time_excursion(t, y, 1.0, int(np.argmax(y)))
    assert out == pytest.approx((2.1, 2.9, 5.3, 7.7, 10.0), abs=1e-9)


def test_time_excursion_none_when_curve_never_returns():
    t = np.arange(0.0, 6.0, 0.02)
    y = 20.0 * mj((t - 1.0) / 1.5)  # rises and stays up until the end of the window
    assert time_excursion(t, y, 0.0, len(t) - 1) is None
    assert time_excursion(t, y, 0.0, int(np.searchsorted(t, 3.0))) is None


def test_time_excursion_none_when_window_starts_past_10_percent():
    t = np.arange(0.0, 6.0, 0.02)
    y = 20.0 * bump(t, -0.5, 1.0, 1.0, 2.0)  # already at ~30% at t=0
    assert y[0] > 2.0
    assert time_excursion(t, y, 0.0, int(np.argmax(y))) is None


def test_time_excursion_none_without_excursion_above_rest():
    t = np.arange(0.0, 3.0, 0.02)
    y = np.full_like(t, 5.0)
    assert time_excursion(t, y, 5.0, 50) is None
    assert time_excursion(t, y, 6.0, 50) is None


def test_time_excursion_returns_only_the_excursion_around_peak():
    t = np.arange(0.0, 20.0, 0.02)
    y = 10 * bump(t, 1.0, 1.0, 0.5, 1.5) + 10 * bump(t, 8.0, 1.0, 0.5, 1.5)
    second = int(np.searchsorted(t, 9.5))
    start, *_ = time_excursion(t, y, 0.0, second)
    assert start == pytest.approx(8.0 + X10 * 1.0, abs=0.005)


@st.composite
def smooth_bump(draw):
    fs = draw(st.sampled_from([20.0, 50.0, 104.0]))
    n_humps = draw(st.integers(1, 3))
    centre = draw(st.floats(4.0, 6.0))
    humps = [(draw(st.floats(0.2, 1.0)),  # height
              centre + draw(st.floats(-1.0, 1.0)),  # centre: 3..7 s
              draw(st.floats(0.15, 0.8)))  # width: back below 1% of the top within 3 s
             for _ in range(n_humps)]
    rest = draw(st.floats(-50, 50))
    amp = draw(st.floats(0.01, 90))
    wobble = draw(st.floats(0.0, 0.04))
    return fs, humps, rest, amp, wobble


@settings(max_examples=50, deadline=None)
@given(smooth_bump())
def test_time_excursion_phases_are_ordered(case):
    fs, humps, rest, amp, wobble = case
    t = np.arange(0.0, 10.0, 1 / fs)
    shape = sum(h * np.exp(-0.5 * ((t - c) / w) ** 2) for h, c, w in humps)
    shape = shape / shape.max() + wobble * np.sin(2 * np.pi * 0.7 * t)
    y = rest + amp * shape
    peak_i = int(np.argmax(y))
    out = time_excursion(t, y, rest, peak_i)
    assert out is not None  # the gaussians fall back below 10% well inside 0..10 s
    start, rise_end, fall_start, end, a = out
    assert t[0] <= start <= rise_end <= t[peak_i] <= fall_start <= end <= t[-1]
    assert a == pytest.approx(y[peak_i] - rest)


# ---------------------------------------------------------------------------- tilt_curve

REST_UP = np.array([0.3, -0.2, 0.93]) / np.linalg.norm([0.3, -0.2, 0.93])


def perpendicular_axis(rest, hint):
    a = np.cross(rest, hint)
    return a / np.linalg.norm(a)


def test_tilt_curve_recovers_angle_sign_and_direction():
    t = np.arange(0.0, 6.0, 0.02)
    theta = np.radians(25.0) * bump(t, 1.0, 1.0, 1.0, 2.0) - np.radians(4.0) * bump(t, 5.0, 0.3, 0.0, 0.3)
    axis = perpendicular_axis(REST_UP, np.array([1.0, 0.0, 0.0]))
    u = Rotation.from_rotvec(theta[:, None] * axis[None, :]).apply(REST_UP)
    peak_i = int(np.argmax(theta))
    along, across, direction = tilt_curve(u, REST_UP, peak_i)
    np.testing.assert_allclose(along, np.degrees(theta), atol=1e-9)
    assert along[peak_i] == pytest.approx(25.0, abs=1e-9)
    assert along.min() == pytest.approx(-4.0, abs=1e-6)  # the far side of rest is negative
    np.testing.assert_allclose(across, 0.0, atol=1e-9)
    # the tilt direction is where "up" moves: axis x rest
    np.testing.assert_allclose(direction, np.cross(axis, REST_UP), atol=1e-12)
    assert np.linalg.norm(direction) == pytest.approx(1.0)
    assert direction @ REST_UP == pytest.approx(0.0, abs=1e-12)


def test_tilt_curve_negative_rotation_flips_direction_not_sign():
    t = np.arange(0.0, 5.0, 0.02)
    theta = -np.radians(10.0) * bump(t, 1.0, 1.0, 0.5, 1.5)
    axis = perpendicular_axis(REST_UP, np.array([0.0, 1.0, 0.0]))
    u = Rotation.from_rotvec(theta[:, None] * axis[None, :]).apply(REST_UP)
    peak_i = int(np.argmin(theta))
    along, _, direction = tilt_curve(u, REST_UP, peak_i)
    assert along[peak_i] == pytest.approx(10.0, abs=1e-9)  # + towards the peak
    np.testing.assert_allclose(direction, -np.cross(axis, REST_UP), atol=1e-12)


def test_tilt_curve_across_measures_off_axis_wobble():
    t = np.arange(0.0, 6.0, 0.02)
    theta = np.radians(25.0) * bump(t, 1.0, 1.0, 1.0, 2.0)
    peak_i = int(np.searchsorted(t, 2.5))
    # a 3 deg sway about the tilt direction, zero at the peak sample
    phi = np.radians(3.0) * np.sin(2 * np.pi * 0.8 * (t - t[peak_i]))
    axis = perpendicular_axis(REST_UP, np.array([1.0, 1.0, 0.0]))
    e1 = np.cross(axis, REST_UP)
    sway = Rotation.from_rotvec(phi[:, None] * e1[None, :])
    tilt = Rotation.from_rotvec(theta[:, None] * axis[None, :])
    u = (tilt * sway).apply(REST_UP)  # sway first, then the tilt
    along, across, direction = tilt_curve(u, REST_UP, peak_i)
    np.testing.assert_allclose(direction, e1, atol=1e-12)
    # closed form: the up vector is cos(phi) (rest cos(theta) + e1 sin(theta)) -/+ axis sin(phi)
    np.testing.assert_allclose(across, np.degrees(np.abs(np.sin(phi))), atol=1e-9)
    np.testing.assert_allclose(along, np.degrees(np.arcsin(np.cos(phi) * np.sin(theta))), atol=1e-9)
    assert across.max() == pytest.approx(3.0, abs=0.01)
    assert np.max(np.abs(along - np.degrees(theta))) < 0.05


def test_tilt_curve_without_excursion_is_zero():
    u = np.tile(REST_UP, (20, 1))
    along, across, direction = tilt_curve(u, REST_UP, 10)
    assert not along.any() and not across.any() and not direction.any()


def test_gravity_direction_then_tilt_curve_from_accelerometer():
    fs = 50.0
    t = np.arange(0.0, 8.0, 1 / fs)
    theta = np.radians(20.0) * bump(t, 2.0, 1.0, 1.0, 2.0)
    axis = perpendicular_axis(REST_UP, np.array([0.0, 0.0, 1.0]))
    up = Rotation.from_rotvec(theta[:, None] * axis[None, :]).apply(REST_UP)
    acc = G * up + np.random.default_rng(0).normal(0, 0.03, up.shape)
    sos = signal.butter(2, 3.0, fs=fs, output="sos")
    u, mag = gravity_direction(acc, fs, sos)
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1.0, atol=1e-12)
    assert np.median(mag) == pytest.approx(G, abs=0.01)
    peak_i = int(np.argmax(theta))
    along, _, _ = tilt_curve(u, u[0], peak_i)
    assert along[peak_i] == pytest.approx(20.0, abs=0.3)
    out = time_excursion(t, along, 0.0, peak_i)
    assert out is not None
    assert out[0] == pytest.approx(2.0 + X10, abs=0.03)
    assert out[3] == pytest.approx(4.0 + X90 * 2.0, abs=0.03)


# ---------------------------------------------------------------------------- vertical_curve

@pytest.mark.parametrize("amp_m,bias", [(0.06, 0.0), (-0.35, 0.12), (0.02, -0.05)])
def test_vertical_curve_recovers_min_jerk_displacement(amp_m, bias):
    fs = 50.0
    s, con, top, ecc = 1.0, 1.0, 0.8, 1.6
    t = np.arange(0.0, s + con + top + ecc + 1.0, 1 / fs)
    z_true = amp_m * bump(t, s, con, top, ecc)
    zdd = amp_m * (mj_acc((t - s) / con) / con**2 - mj_acc((t - s - con - top) / ecc) / ecc**2)
    mag = G + bias + zdd  # sensor upright: |acc| = g + vertical acceleration
    z = vertical_curve(t, mag, 0, len(t))
    assert z is not None and len(z) == len(t)
    assert z[0] == 0.0
    assert z[-1] == pytest.approx(0.0, abs=1e-12)
    k = int(np.argmax(np.abs(z)))
    assert z[k] == pytest.approx(amp_m, rel=0.10)
    assert np.max(np.abs(z - z_true)) < 0.1 * abs(amp_m)
    assert vertical_travel_cm(t, mag, 0, len(t)) == pytest.approx(100 * amp_m, rel=0.10)


def test_vertical_curve_subwindow_and_too_short():
    t = np.arange(0.0, 2.0, 0.02)
    mag = np.full_like(t, G)
    assert vertical_curve(t, mag, 10, 14) is None
    assert vertical_travel_cm(t, mag, 10, 14) is None
    z = vertical_curve(t, mag, 10, 15)
    assert z is not None and len(z) == 5
    np.testing.assert_allclose(z, 0.0, atol=1e-15)


# ---------------------------------------------------------------------------- rise_terms, rise_of_set

def rise_with_tilt(t, z, shape):
    """One rep's rise (cm) at the extreme of a 0-1 tilt shape, fitted alone."""
    return rise_of_set([rise_terms(t, z, shape)])


@pytest.mark.parametrize("rise_m,tilt_deg", [(0.03, 25.0), (-0.05, 35.0), (0.0, 30.0)])
def test_rise_with_tilt_sees_through_accelerometer_bias_and_scale(rise_m, tilt_deg):
    """A sensor that tilts by tilt_deg and rises by rise_m in one rep, read by an
    accelerometer with 2-3% scale errors and 0.1-0.15 m/s^2 biases: the magnitude then
    changes with the tilt, which piles up on the height curve."""
    fs = 50.0
    s, con, top, ecc = 0.5, 1.0, 1.5, 2.0
    t = np.arange(0.0, s + con + top + ecc + 0.3, 1 / fs)
    shape = bump(t, s, con, top, ecc)
    zdd = rise_m * (mj_acc((t - s) / con) / con**2 - mj_acc((t - s - con - top) / ecc) / ecc**2)
    th = np.radians(tilt_deg) * shape
    world = np.column_stack([np.zeros_like(t), np.zeros_like(t), G + zdd])  # specific force, world
    # the sensor pitched by th: world -> sensor is a rotation about y by -th
    sensor = np.column_stack([world[:, 0] * np.cos(th) - world[:, 2] * np.sin(th), world[:, 1],
                              world[:, 0] * np.sin(th) + world[:, 2] * np.cos(th)])
    measured = sensor @ np.diag([1.03, 0.98, 1.02]).T + np.array([0.15, -0.1, 0.12])
    mag = np.linalg.norm(measured, axis=1)
    z = vertical_curve(t, mag, 0, len(t))
    assert z is not None
    raw_cm = 100.0 * float(z[np.argmax(np.abs(z))])
    fitted_cm = rise_with_tilt(t, z, shape)
    assert fitted_cm == pytest.approx(100.0 * rise_m, abs=0.3)
    assert abs(raw_cm - 100.0 * rise_m) > 3.0  # what the extreme of the raw height says is far off


def test_rise_with_tilt_of_a_clean_height_curve():
    t = np.arange(0.0, 6.0, 0.02)
    shape = bump(t, 1.0, 1.0, 1.0, 2.0)
    assert rise_with_tilt(t, 0.042 * shape + 0.01 + 0.002 * t, shape) == pytest.approx(4.2, abs=1e-9)


def test_a_sets_reps_fitted_together_outweigh_the_scatter_of_each():
    """Ten reps that rise 3 cm as they tilt, each height curve with its own slow wander of
    up to 5 cm (what double integration makes of noise): one rep's fit scatters, and some say
    the sensor went down; the ten fitted together, which share the rise and the sensor's
    errors (each keeps its own parabola), find it."""
    rng = np.random.default_rng(3)
    fs = 50.0
    t = np.arange(0.0, 7.5, 1 / fs)
    shape = bump(t, 0.5, 1.5, 2.5, 2.5)
    b, a = signal.butter(2, 0.4, fs=fs)
    terms, alone = [], []
    for _ in range(10):
        wander = signal.filtfilt(b, a, rng.normal(0.0, 1.0, len(t)))
        z = 0.03 * shape + 0.05 * wander / np.abs(wander).max() + 0.01 * t - 0.002 * t * t
        terms.append(rise_terms(t, z, shape))
        alone.append(rise_of_set(terms[-1:]))
    assert min(alone) < 0.0 < 3.0 < max(alone)  # reps alone: either way
    assert rise_of_set(terms) == pytest.approx(3.0, abs=1.0)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_rise_terms_fit_as_the_whole_model_would(seed):
    # the parabola projected out first gives the same rise as fitting all six terms at once
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0.0, 6.0, 200))
    shape = bump(t, 1.0, rng.uniform(0.5, 2.0), rng.uniform(0.0, 2.0), rng.uniform(0.5, 2.0))
    z = rng.normal(0.0, 0.02, len(t)) + rng.uniform(-0.05, 0.05) * shape
    dt = np.diff(t, prepend=t[0])
    tt = t - t[0]
    x = np.column_stack([shape, np.cumsum(np.cumsum(shape * dt) * dt), np.cumsum(np.cumsum(shape * shape * dt) * dt),
                         np.ones(len(t)), tt, tt * tt])
    whole = np.linalg.lstsq(x, z, rcond=None)[0][0] * 100.0
    assert rise_of_set([rise_terms(t, z, shape)]) == pytest.approx(whole, rel=1e-6, abs=1e-6)


# ---------------------------------------------------------------------------- Movement

def test_movement_phase_properties_and_squat_timing():
    mv = Movement(start_s=10.0, rise_end_s=11.0, fall_start_s=11.5, end_s=13.5, peak_s=11.2,
                  amplitude_deg=25.0, vertical_cm=3.0, peak_rate_dps=40.0, sway_deg=1.0, hf_rms=0.1,
                  gyro_hf_rms=None, drop_times=(10.2, 10.9, 11.8, 13.1))
    assert (mv.rise_s, mv.hold_s, mv.fall_s, mv.duration_s) == pytest.approx((1.0, 0.5, 2.0, 3.5))
    sq = mv.as_squat()
    assert (sq.start_s, sq.rise_end_s, sq.fall_start_s, sq.end_s) == (10.2, 10.9, 11.8, 13.1)
    assert sq.amplitude_deg == 25.0 and sq.peak_s == 11.2
    from dataclasses import replace
    no_drop = replace(mv, drop_times=None)
    assert no_drop.as_squat() is no_drop


# ---------------------------------------------------------------------------- fast helpers

@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=400), st.floats(0, 100))
def test_percentile_is_numpys_to_the_bit(xs, q):
    x = np.array(xs)
    assert percentile(x, q) == float(np.percentile(x, q))


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 400), st.integers(1, 4), st.integers(0, 10_000), st.sampled_from([2, 4]))
def test_zero_phase_is_sosfiltfilt_to_rounding(n, cols, seed, order):
    # lfilter section by section, not sosfilt: equal to the last few bits, also for
    # cascades (a 4th-order filter has two sections, whose initial states chain)
    sos = signal.butter(order, 3.0, fs=50.0, output="sos")
    x = np.random.default_rng(seed).normal(9.8, 1.0, (n, cols))
    pad = min(n - 1, 50)
    want = signal.sosfiltfilt(sos, x, axis=0, padlen=pad) if pad > 0 else x
    got = zero_phase(sos, signal.sosfilt_zi(sos), x, 50)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(zero_phase(sos, signal.sosfilt_zi(sos), x[:, 0], 50), want[:, 0], rtol=1e-12, atol=1e-12)


def test_time_from_bottoms_measures_from_the_line_through_both_bottoms():
    # a 1-unit bump on a baseline that falls by 0.5: from the higher bottom the rep looks
    # short; from the line through both bottoms it is timed as drawn
    t = np.arange(0.0, 10.0, 0.02)
    bump = np.clip(1.0 - np.abs(t - 5.0) / 2.0, 0.0, None)  # 10% at 3.2 and 6.8 s
    y = bump - 0.05 * t
    start, _, _, end, amp = time_from_bottoms(t, y, int(np.argmax(y)))
    assert start == pytest.approx(3.2, abs=0.05) and end == pytest.approx(6.8, abs=0.05)
    assert amp == pytest.approx(1.0, abs=0.05)
