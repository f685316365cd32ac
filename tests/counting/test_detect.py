"""The tilt channel's set direction (counting.detect)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from counting.counter import analyze
from counting.params import CounterParams
from counting.samples import Samples
from tests.counting.synth import min_jerk, mj_inverse


def _fidget_then_squats(n: int = 10):
    """A thigh sensor: a 3 deg fidget one way, then n squats turning it 50 deg the other way
    (2.5 s down, 1.5 s held at the bottom, 1 s up, 1.5 s standing): each held bottom lasts
    long enough to look like a rest. Returns Samples and the squats' (start, end) (s)."""
    fs, lead = 100.0, 10.0
    down, bot, up, top = 2.5, 1.5, 1.0, 1.5
    period = down + bot + up + top
    t = np.arange(0.0, lead + 6.0 + n * period + 10.0, 1 / fs)
    pitch = np.zeros_like(t)
    m = (t >= lead) & (t < lead + 1.0)
    pitch[m] = 3.0 * min_jerk(t[m] - lead)
    pitch[(t >= lead + 1.0) & (t < lead + 1.5)] = 3.0
    m = (t >= lead + 1.5) & (t < lead + 3.0)
    pitch[m] = 3.0 * (1.0 - min_jerk((t[m] - lead - 1.5) / 1.5))
    x10 = mj_inverse(0.1)
    reps = []
    for i in range(n):
        s = lead + 6.0 + i * period
        m = (t >= s) & (t < s + down)
        pitch[m] = -50.0 * min_jerk((t[m] - s) / down)
        pitch[(t >= s + down) & (t < s + down + bot)] = -50.0
        m = (t >= s + down + bot) & (t < s + down + bot + up)
        pitch[m] = -50.0 * (1.0 - min_jerk((t[m] - s - down - bot) / up))
        reps.append((s + x10 * down, s + down + bot + (1.0 - x10) * up))
    p = np.radians(pitch)
    acc = 9.81 * np.stack([np.sin(p), np.zeros_like(p), np.cos(p)], 1)
    acc += np.random.default_rng(3).normal(0.0, 0.02, acc.shape)
    return Samples(t, acc, None), reps


def test_a_fidget_does_not_set_the_direction_of_the_squats_after_it():
    smp, truth = _fidget_then_squats()
    sets = analyze(smp)
    reps = [r for s in sets for r in s.reps]
    assert len(sets) == 1 and len(reps) == len(truth)
    # each squat is followed from standing: it starts where the thigh leaves vertical
    err = np.array([r.start_s for r in reps]) - [a for a, _ in truth]
    assert np.abs(err).max() < 0.5
    # held to the fidget's direction, the squats were followed from their held bottoms:
    # the first one lost, the others timed from the bottom up (4 s late)
    old = replace(CounterParams(), axis_far_ratio=1e9, axis_outgrow_ratio=1e9)
    reps_old = [r for s in analyze(smp, params=old) for r in s.reps]
    assert len(reps_old) == len(truth) - 1
    assert reps_old[0].start_s - truth[0][0] > 3.0
