"""The tilt channel's set direction (counting.detect)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from counting.counter import RepCounter, analyze
from counting.params import CounterParams
from counting.samples import Samples
from tests.counting.synth import min_jerk, mj_inverse


def _tilts(fs: float, t_end: float, moves: list[tuple[float, float, float, float, float]],
           seed: int = 5) -> Samples:
    """A sensor at rest, z up, tilted by `moves` (in time order, each starting where the one
    before left): (start s, duration s, from deg, to deg, direction deg in the horizontal
    plane), each along a minimum-jerk path. Exact gravity for any tilt, 0.02 m/s^2 noise."""
    t = np.arange(0.0, t_end, 1 / fs)
    tilt = np.zeros((len(t), 2))  # the tilt vector (deg): its size and its direction
    for start, dur, a, b, az in moves:
        d = np.array([np.cos(np.radians(az)), np.sin(np.radians(az))])
        m = t >= start
        tilt[m] += np.outer((b - a) * min_jerk(np.clip((t[m] - start) / dur, 0.0, 1.0)), d)
    size = np.radians(np.linalg.norm(tilt, axis=1))
    way = tilt / np.maximum(np.linalg.norm(tilt, axis=1), 1e-12)[:, None]
    g = 9.81 * np.column_stack([np.sin(size)[:, None] * way, np.cos(size)])
    return Samples(t, g + np.random.default_rng(seed).normal(0.0, 0.02, g.shape), None)


def _fidget_then_squats(n: int = 10):
    """A thigh sensor: a 3 deg fidget one way, then n squats turning it 50 deg the other way
    (2.5 s down, 1.5 s held at the bottom, 1 s up, 1.5 s standing): each held bottom lasts
    long enough to look like a rest. Returns Samples and the squats' (start, end) (s)."""
    down, bot, up, top = 2.5, 1.5, 1.0, 1.5
    period = down + bot + up + top
    moves = [(10.0, 1.0, 0.0, 3.0, 0.0), (11.5, 1.5, 3.0, 0.0, 0.0)]
    x10 = mj_inverse(0.1)
    reps = []
    for i in range(n):
        s = 16.0 + i * period
        moves += [(s, down, 0.0, -50.0, 0.0), (s + down + bot, up, -50.0, 0.0, 0.0)]
        reps.append((s + x10 * down, s + down + bot + (1.0 - x10) * up))
    return _tilts(100.0, 26.0 + n * period, moves, seed=3), reps


def test_a_fidget_does_not_set_the_direction_of_the_squats_after_it():
    smp, truth = _fidget_then_squats()
    sets = analyze(smp)
    reps = [r for s in sets for r in s.reps]
    assert len(sets) == 1 and len(reps) == len(truth)
    # each squat is followed from standing: it starts where the thigh leaves vertical
    err = np.array([r.start_s for r in reps]) - [a for a, _ in truth]
    assert np.abs(err).max() < 0.5
    # held to the fidget's direction, the squats were followed from their held bottoms
    old = replace(CounterParams(), axis_far_ratio=1e9, keep_ratio=1e9)
    reps_old = [r for s in analyze(smp, params=old) for r in s.reps]
    assert len(reps_old) != len(truth) or np.abs(np.array([r.start_s for r in reps_old]) - [a for a, _ in truth]).max() > 1.0


def _step_raises(stretch: float, n: int = 10):
    """A foot on a step: heels level, down to the stretch (`stretch` deg below level), then n
    raises to 25 deg above it and back (1.2 s up, 0.8 s held, 2 s down, 0.6 s at the
    stretch), then back to level. Returns Samples and the raises' start times (s)."""
    moves, starts, s = [(8.0, 1.5, 0.0, stretch, 0.0)], [], 11.0
    for _ in range(n):
        starts.append(s)
        moves += [(s, 1.2, stretch, 25.0, 0.0), (s + 2.0, 2.0, 25.0, stretch, 0.0)]
        s += 4.6
    moves.append((s + 1.0, 1.5, stretch, 0.0, 0.0))
    return _tilts(100.0, s + 15.0, moves), np.array(starts)


def test_a_steps_stretched_bottom_keeps_the_sets_direction():
    # between raises the heels rest below level, on the far side of the rest the counter
    # learnt before the set: as far as a rep travels, that is still the set's bottom
    for stretch in (-5.0, -12.0, -20.0):
        smp, starts = _step_raises(stretch)
        sets = analyze(smp, placement="foot")
        reps = [r for s in sets for r in s.reps]
        assert len(reps) == len(starts), stretch
        # each raise is timed from the stretch, not from the level stance it passes through
        x10 = mj_inverse(0.1)
        assert np.abs(np.array([r.start_s for r in reps]) - (starts + x10 * 1.2)).max() < 0.25
    # a direction given up as soon as the sensor passes rest loses the set
    sets = analyze(smp, placement="foot", params=replace(CounterParams(), axis_far_ratio=0.01))
    assert sum(len(s.reps) for s in sets) != len(starts)


def test_a_movement_far_bigger_than_the_sets_reps_is_not_held_to_their_direction():
    # five 4 deg tilts about one axis, then a 30 deg one about another axis 3 s later
    moves = [(10.0 + 4.5 * i, 1.5, 0.0, 4.0, 0.0) for i in range(5)]
    moves += [(m[0] + 2.0, 1.5, 4.0, 0.0, 0.0) for m in list(moves)]
    moves += [(36.0, 1.5, 0.0, 30.0, 70.0), (39.0, 2.0, 30.0, 0.0, 70.0)]
    smp = _tilts(100.0, 55.0, sorted(moves))
    counter = RepCounter(placement="thigh")
    counter.feed(smp)
    counter.finish()
    big = [c for c in counter.candidates_ if c.movement is not None and c.movement.amplitude_deg > 20.0]
    assert len(big) == 1 and big[0].reason is None
