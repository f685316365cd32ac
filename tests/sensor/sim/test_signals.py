"""The simulated signals are physically plausible per placement."""
from __future__ import annotations

import numpy as np
import pytest

from sensor.sim import SessionSpec, simulate_session

G = 9.80665


def window(res, t0, t1, clean=True):
    s = res.clean if clean else res.samples
    m = (s.t >= t0) & (s.t <= t1)
    return s.acc[m], (None if s.gyro is None else s.gyro[m])


def angle(u, v) -> float:
    c = np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v)
    return float(np.degrees(np.arccos(np.clip(c, -1, 1))))


def rep_tilts(res):
    """Per rep: angle (deg) between the gravity direction at rest before the set and at the rep's peak."""
    out = []
    for st in res.truth["sets"]:
        rest, _ = window(res, st["start_s"] - 1.2, st["start_s"] - 0.4)
        g0 = rest.mean(0)
        for r in st["reps"]:
            m = (res.curve_t >= r["start_s"]) & (res.curve_t <= r["end_s"])
            tp = res.curve_t[m][np.argmax(res.curve[m])]
            top, _ = window(res, tp - 0.1, tp + 0.1)
            out.append(angle(g0, top.mean(0)))
    return np.array(out)


@pytest.mark.parametrize("placement", ["foot", "shank", "thigh", "wrist", "chest"])
def test_one_g_at_rest(simulate, placement):
    res = simulate(placement=placement, n_sets=1, reps=5, seed=1)
    first = res.samples.t[0]
    acc, gyro = window(res, first + 0.5, first + 2.5)  # standing quietly at the start
    mag = np.linalg.norm(acc, axis=1)
    assert mag.mean() == pytest.approx(G, abs=0.03)
    assert np.percentile(np.abs(mag - G), 99) < 0.3  # sway, arm wobble and tremor only
    assert np.abs(gyro).max() < 0.15
    acc_n, gyro_n = window(res, first + 0.5, first + 2.5, clean=False)  # with bias, scale error and noise
    assert np.median(np.linalg.norm(acc_n, axis=1)) == pytest.approx(G, rel=0.04)
    assert np.abs(gyro_n).max() < 0.2


@pytest.mark.parametrize("n_sets,reps", [(1, 1), (1, 5), (6, 20)])
def test_measured_signals_stay_in_physical_ranges(n_sets, reps):
    """Whatever the session length, device errors stay small (bias drift, noise) and nothing saturates."""
    res = simulate_session(SessionSpec(placement="chest", n_sets=n_sets, reps=reps, seed=3, disturbances=()))
    gyro = res.samples.gyro
    assert np.abs(gyro - np.median(gyro, axis=0)).max() < 3.0
    assert np.abs(np.median(gyro, axis=0)).max() < 0.05


# Documented tilt of the instrumented segment at the top of a rep (degrees, see docs/simulator.md).
TILT = {
    ("foot", "standing_calf_raise"): (12, 45), ("foot", "step_calf_raise"): (28, 70),
    ("shank", "standing_calf_raise"): (0.5, 8), ("thigh", "standing_calf_raise"): (0.3, 8),
    ("chest", "standing_calf_raise"): (0.0, 6), ("wrist", "standing_calf_raise"): (0.0, 12),
    ("shank", "raised_heel_squat"): (15, 60), ("thigh", "raised_heel_squat"): (35, 100),
    ("chest", "raised_heel_squat"): (10, 50), ("foot", "raised_heel_squat"): (0.0, 6),
}


@pytest.mark.parametrize("placement,exercise", sorted(TILT))
def test_tilt_during_reps_in_documented_range(placement, exercise):
    lo, hi = TILT[(placement, exercise)]
    tilts = []
    for seed in range(3):
        res = simulate_session(SessionSpec(placement=placement, exercise=exercise, n_sets=1, reps=6, seed=seed,
                                           disturbances=()))
        tilts.append(rep_tilts(res))
    tilts = np.concatenate(tilts)
    full = np.median(tilts)
    assert lo <= full <= hi, f"median tilt {full:.1f} deg"


@pytest.mark.parametrize("placement", ["foot", "shank", "thigh", "chest", "wrist"])
def test_linear_acceleration_during_reps_is_modest_and_walking_is_larger(simulate, placement):
    res = simulate(placement=placement, n_sets=2, reps=6, seed=2, rest_s=40, disturbances=("walking",))
    dyn = []
    for st in res.truth["sets"]:
        acc, gyro = window(res, st["start_s"], st["end_s"], clean=False)
        dyn.append(np.abs(np.linalg.norm(acc, axis=1) - G))
    rep_peak = np.percentile(np.concatenate(dyn), 99)
    assert rep_peak < 3.0  # a calf raise is slow: well under 0.3 g of linear acceleration
    walks = [a for a in res.truth["activities"] if a["kind"] == "walking"]
    assert walks
    w = walks[0]
    acc, gyro = window(res, w["start_s"] + 2, w["end_s"] - 2, clean=False)
    walk_peak = np.percentile(np.abs(np.linalg.norm(acc, axis=1) - G), 99)
    assert walk_peak > 1.5
    assert walk_peak > 3 * rep_peak
    if placement in ("foot", "shank"):
        assert walk_peak > 8.0  # heel strikes


def test_foot_pitch_matches_heel_rise_geometry():
    """At the foot the rep's tilt is asin(h / lever) with a 0.15-0.20 m lever."""
    res = simulate_session(SessionSpec(placement="foot", n_sets=1, reps=6, seed=7, disturbances=()))
    tilts = rep_tilts(res)
    h = np.array([r["rom_cm"] for r in res.truth["sets"][0]["reps"]]) / 100
    lever = h / np.sin(np.radians(tilts))
    assert np.all((lever > 0.13) & (lever < 0.22))


def test_gyro_agrees_with_tilt_change():
    """Integrated gyro magnitude over a rep's rise is at least the tilt it produced."""
    res = simulate_session(SessionSpec(placement="foot", n_sets=1, reps=4, seed=8, disturbances=()))
    r = res.truth["sets"][0]["reps"][0]
    acc, gyro = window(res, r["start_s"] - 1.0, r["start_s"] + r["concentric_s"] + 0.6)
    dt = res.clean.t[1] - res.clean.t[0]
    turned = np.degrees(np.linalg.norm(gyro.sum(0) * dt))
    tilt = angle(acc[:20].mean(0), acc[-20:].mean(0))
    assert turned == pytest.approx(tilt, rel=0.15, abs=1.0)


def test_single_leg_sways_more_than_two_legs():
    def sway(exercise):
        vals = []
        for seed in range(3):
            res = simulate_session(SessionSpec(placement="chest", exercise=exercise, n_sets=1, reps=8, seed=seed,
                                               disturbances=()))
            st = res.truth["sets"][0]
            _, gyro = window(res, st["start_s"], st["end_s"])
            vals.append(np.sqrt(np.mean(gyro ** 2)))
        return np.mean(vals)

    assert sway("single_leg_calf_raise") > 1.3 * sway("standing_calf_raise")


def test_wall_wrist_barely_moves():
    """Hand on a wall: the wrist hardly turns and hardly accelerates during the reps."""
    for seed in range(3):
        res = simulate_session(SessionSpec(placement="wrist", wrist_mode="wall", n_sets=1, reps=6, seed=seed,
                                           disturbances=()))
        assert np.median(rep_tilts(res)) < 3.0
        st = res.truth["sets"][0]
        acc, _ = window(res, st["start_s"], st["end_s"])
        assert np.percentile(np.abs(np.linalg.norm(acc, axis=1) - G), 95) < 0.3


def test_sitting_turns_the_thigh_about_90_degrees():
    res = simulate_session(SessionSpec(placement="thigh", n_sets=1, reps=4, seed=3, disturbances=("sit_stand",)))
    sit = [a for a in res.truth["activities"] if a["kind"] == "sit_stand"][0]
    mid = 0.5 * (sit["start_s"] + sit["end_s"])
    a0, _ = window(res, sit["start_s"] - 1.0, sit["start_s"] - 0.2)
    a1, _ = window(res, mid - 0.5, mid + 0.5)
    assert 75 < angle(a0.mean(0), a1.mean(0)) < 110
