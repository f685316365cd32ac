"""Determinism, streaming, artefacts, specs, corpus coverage, speed."""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from counting.events import EXERCISES, PLACEMENTS, Tempo
from counting.samples import Samples
from sensor.sim import RATES_HZ, SessionSpec, random_spec, simulate_session, stream_session
from sensor.sim.corpus import corpus_specs


def test_deterministic_per_seed():
    spec = SessionSpec(placement="wrist", exercise="raised_heel_squat", n_sets=2, reps=5, seed=21,
                       disturbances=("walking", "fidget", "sit_stand", "dumbbells"))
    a, b = simulate_session(spec), simulate_session(spec)
    assert np.array_equal(a.samples.t, b.samples.t) and np.array_equal(a.samples.acc, b.samples.acc)
    assert np.array_equal(a.samples.gyro, b.samples.gyro)
    assert a.truth == b.truth
    c = simulate_session(replace(spec, seed=22))
    assert c.truth != a.truth


def test_random_spec_is_deterministic_and_varied():
    assert random_spec(5) == random_spec(5)
    specs = [random_spec(i) for i in range(60)]
    assert {s.placement for s in specs} == set(PLACEMENTS)
    assert {s.exercise for s in specs} == set(EXERCISES)
    assert any(not s.has_gyro for s in specs) and any(s.tempo is not None for s in specs)
    assert random_spec(3, placement="chest", exercise="step_calf_raise").placement == "chest"


def test_corpus_specs_balanced():
    specs = corpus_specs(40, seed=1)
    cells = {(s.placement, s.exercise) for s in specs}
    assert len(cells) == 20
    for p in PLACEMENTS:
        assert sum(s.placement == p for s in specs) == 8
    assert {s.rate_hz for s in specs} == set(RATES_HZ)
    assert 5 <= sum(not s.has_gyro for s in specs) <= 15
    for d in ("walking", "fidget", "sit_stand", "dumbbells"):
        assert 10 <= sum(d in s.disturbances for s in specs) <= 30
    assert {s.wrist_mode for s in specs if s.placement == "wrist"} == {"free", "dumbbells", "wall"}


async def test_stream_equals_whole():
    spec = SessionSpec(placement="shank", n_sets=1, reps=3, seed=2, disturbances=())
    whole = simulate_session(spec).samples
    chunks = [c async for c in stream_session(spec, speed=None, chunk_s=0.25)]
    assert len(chunks) > 10
    joined = Samples.concat(chunks)
    assert np.array_equal(joined.t, whole.t) and np.array_equal(joined.acc, whole.acc)
    assert np.array_equal(joined.gyro, whole.gyro)
    assert all(c.t[-1] - c.t[0] < 0.25 + 1e-9 for c in chunks)


async def test_stream_is_paced():
    spec = SessionSpec(placement="foot", n_sets=1, reps=1, seed=2, disturbances=(), artefacts=False)
    whole = simulate_session(spec).samples
    span = whole.t[-1] - whole.t[0]
    speed = span / 0.5  # the whole session in about half a second
    t = time.monotonic()
    n = 0
    async for c in stream_session(spec, speed=speed, chunk_s=1.0):
        n += len(c)
    assert n == len(whole)
    assert time.monotonic() - t >= 0.4


def test_artefacts_jitter_gaps_duplicates():
    spec = SessionSpec(placement="foot", n_sets=4, reps=12, seed=3, rest_s=60)
    res = simulate_session(spec)
    t = res.samples.t
    dt = np.diff(t)
    assert (dt >= 0).all()
    assert (dt == 0).sum() >= 1  # duplicated samples
    period = 1.0 / spec.rate_hz
    assert res.truth["gaps"]
    for g in res.truth["gaps"]:
        i = int(np.argmin(np.abs(t - g["start_s"])))  # truth times are rounded to 0.1 ms
        i = int(np.flatnonzero(t == t[i])[-1])  # past a duplicate of it, if any
        assert t[i] == pytest.approx(g["start_s"], abs=1e-4) and t[i + 1] == pytest.approx(g["end_s"], abs=1e-4)
        assert g["end_s"] - g["start_s"] > 3 * period
    assert np.median(dt) == pytest.approx(period, rel=0.004)  # sample clock error up to 0.3%
    clean = simulate_session(replace(spec, artefacts=False)).samples
    assert np.allclose(np.diff(clean.t), period)
    assert len(clean) > len(res.samples) - 10 or res.truth["gaps"]


@pytest.mark.parametrize("rate", RATES_HZ)
def test_rates_and_accelerometer_only(rate):
    res = simulate_session(SessionSpec(placement="thigh", n_sets=1, reps=3, rate_hz=rate, has_gyro=False, seed=4,
                                       disturbances=(), artefacts=False))
    assert res.samples.gyro is None and res.truth["has_gyro"] is False
    assert np.median(np.diff(res.samples.t)) == pytest.approx(1.0 / rate, rel=1e-6)
    assert res.truth["rate_hz"] == rate


@pytest.mark.parametrize("kw", [dict(placement="knee"), dict(exercise="pushup"), dict(wrist_mode="pocket"),
                                dict(n_sets=0), dict(reps=(3, 4)), dict(reps=0), dict(rate_hz=5),
                                dict(disturbances=("walk",)), dict(rest_s=1.0), dict(tempo="3-1-1-2"),
                                dict(tempo=Tempo(1, 1, 0.0, 1))])
def test_bad_specs_are_rejected(kw):
    with pytest.raises(ValueError):
        SessionSpec(**kw)


def test_t_axis_has_a_random_origin_and_can_be_fixed():
    a = simulate_session(SessionSpec(n_sets=1, reps=2, seed=1, disturbances=()))
    assert 1000 <= a.samples.t[0] <= 50001
    b = simulate_session(SessionSpec(n_sets=1, reps=2, seed=1, disturbances=(), t0=0.0, artefacts=False))
    assert b.samples.t[0] == pytest.approx(0.0, abs=0.02)


def test_an_hour_at_100_hz_is_fast():
    spec = SessionSpec(placement="wrist", n_sets=10, reps=20, rest_s=270, seed=1,
                       disturbances=("walking", "fidget", "sit_stand", "dumbbells"))
    simulate_session(replace(spec, n_sets=1))  # warm up
    t = time.process_time()
    res = simulate_session(spec)
    cpu = time.process_time() - t
    assert res.truth["duration_s"] >= 3600
    assert cpu < 2.5  # ~0.5 s on an idle machine; generous for loaded CI runners
