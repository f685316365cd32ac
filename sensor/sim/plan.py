"""The session plan: the timeline of activities and sets, each rep's movement, and the truth.

A rep is one smooth movement away from rest ("away": heel rise for calf raises, going down for
squats), a plateau at the extreme, a movement back, and a plateau at rest before the next rep.
Movements are minimum-jerk (Flash & Hogan 1985, see mathutil.minjerk) on a warped clock
s(tau) = minjerk(tau ** p), p in 0.8-1.25 per set and direction, so the velocity peak can come early
(p < 1) or late (p > 1) as in real movements; a movement of duration D reaches 10% of its
amplitude at TAU10 ** (1/p) * D and 90% at TAU90 ** (1/p) * D. Truth phases follow shared/interface.md
section 3 exactly and are computed analytically from the generated curve (the tests recompute
them numerically from the curve).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from counting.events import Tempo
from sensor.sim.body import Body
from sensor.sim.mathutil import TAU10, TAU90


def t10(p: float) -> float:
    """Fraction of a warped min-jerk movement's time at which it reaches 10% of its amplitude."""
    return TAU10 ** (1.0 / p)


def t90(p: float) -> float:
    return TAU90 ** (1.0 / p)


def core(p: float) -> float:
    """Fraction of the movement's time spent between 10% and 90%."""
    return t90(p) - t10(p)
from sensor.sim.spec import BOTTOM_PAUSE_S, CONCENTRIC_S, ECCENTRIC_S, TOP_HOLD_S, SessionSpec

PARTIAL_RATIO = 0.7  # interface.md: partial = amplitude under 70% of the set's median
# Upper end of each exercise's range of motion (m); a rep exceeds it by at most 5%.
AMP_MAX = {"standing_calf_raise": 0.10, "step_calf_raise": 0.15, "single_leg_calf_raise": 0.09,
           "raised_heel_squat": 0.45}


@dataclass
class RepPlan:
    t_away: float  # start of the away movement (s, session-relative)
    d_away: float
    hold: float  # plateau at the extreme
    d_back: float
    amp: float  # m (heel rise or hip drop)
    rest_after: float = 0.0  # plateau at rest before the next rep
    p_away: float = 1.0  # clock warp of the away movement (see module docstring)
    p_back: float = 1.0

    @property
    def t_end(self) -> float:
        return self.t_away + self.d_away + self.hold + self.d_back

    def crossings(self) -> tuple[float, float, float, float]:
        """(start 10% out, 90% out, 90% back, end 10% back), session-relative seconds."""
        s = self.t_away + t10(self.p_away) * self.d_away
        a90 = self.t_away + t90(self.p_away) * self.d_away
        b0 = self.t_away + self.d_away + self.hold
        # coming back, 90% of the amplitude is left when the movement is 10% done
        return s, a90, b0 + t10(self.p_back) * self.d_back, b0 + t90(self.p_back) * self.d_back


@dataclass
class Block:
    kind: str  # stand, walking, fidget, sit_stand, dumbbells_pick_up, dumbbells_put_down,
    #            step_on, step_off, heels_up, heels_down, hand_to_wall, hand_off_wall,
    #            hands_to_hips, hands_off_hips, set
    start: float
    end: float
    params: dict = field(default_factory=dict)


def _tempo_targets(rng: np.random.Generator, spec: SessionSpec):
    """(concentric, top, eccentric, bottom) phase targets in s (SessionSpec.tempo or random)."""
    if spec.tempo is not None:
        t = spec.tempo
        return (t.concentric_s, t.top_s, t.eccentric_s, t.bottom_s), False
    # Random holds: half of the sets move without deliberate pauses (plateau 0).
    top = rng.uniform(*TOP_HOLD_S) if rng.random() < 0.5 else 0.0
    bottom = rng.uniform(*BOTTOM_PAUSE_S) if rng.random() < 0.5 else 0.0
    return (rng.uniform(*CONCENTRIC_S), top, rng.uniform(*ECCENTRIC_S), bottom), False


def plan_set(rng: np.random.Generator, body: Body, spec: SessionSpec, set_index: int, t_start: float,
             n_reps: int) -> list[RepPlan]:
    """The reps of one set starting at t_start.

    Tempo targets per set (SessionSpec.tempo or random within the documented ranges), rep-to-rep
    variability (log-normal, CV 5-15% per person), fatigue over the last 30% of reps (the
    concentric slows by 10-40%, the amplitude drops by 3-15%, more in later sets), and now and
    then one partial rep (30-65% of the normal amplitude).
    """
    squat = spec.exercise == "raised_heel_squat"
    (con, top, ecc, bottom), plateaus = _tempo_targets(rng, spec)
    away, extreme, back, rest = (ecc, bottom, con, top) if squat else (con, top, ecc, bottom)
    amp_nom = {"standing_calf_raise": body.amp_calf, "step_calf_raise": body.amp_step,
               "single_leg_calf_raise": body.amp_single, "raised_heel_squat": body.amp_squat}[spec.exercise]
    amp_hi = AMP_MAX[spec.exercise]
    amp_nom = min(amp_nom * float(np.exp(rng.normal(0, 0.04))), amp_hi)
    cv = body.tempo_cv
    p_away, p_back = float(rng.uniform(0.8, 1.25)), float(rng.uniform(0.8, 1.25))
    later = 1.0 + 0.25 * set_index
    fat_slow = rng.uniform(0.1, 0.4) * later
    fat_rom = rng.uniform(0.03, 0.15) * later
    partial_at = -1
    if rng.random() < 0.35 and n_reps >= 4:
        partial_at = n_reps - 1 if rng.random() < 0.5 else int(rng.integers(1, n_reps))
    reps: list[RepPlan] = []
    t = t_start
    for i in range(n_reps):
        x = 0.0 if n_reps < 4 else float(np.clip((i - 0.7 * n_reps) / (0.3 * n_reps), 0.0, 1.0))
        jitter = np.exp(rng.normal(0.0, cv, 4))
        d_away = max(0.3, away / core(p_away) * jitter[0] * (1.0 + (0 if squat else fat_slow * x)))
        d_back = max(0.3, back / core(p_back) * jitter[1] * (1.0 + (fat_slow * x if squat else 0.0)))
        tail_extreme = (1 - t90(p_away)) * d_away + t10(p_back) * d_back
        tail_rest = (1 - t90(p_back)) * d_back + t10(p_away) * away / core(p_away)
        if plateaus:
            hold = extreme * jitter[2] ** 2
            rest_after = rest * jitter[3] ** 2
        else:
            hold = max(0.0, extreme * jitter[2] - tail_extreme)
            rest_after = max(0.0, rest * jitter[3] - tail_rest)
        amp = min(amp_nom * float(np.exp(rng.normal(0.0, 0.04))), 1.05 * amp_hi) * (1.0 - fat_rom * x)
        if i == partial_at:
            amp = amp_nom * rng.uniform(0.3, 0.65)
        r = RepPlan(t_away=t, d_away=d_away, hold=hold, d_back=d_back, amp=amp,
                    rest_after=0.0 if i == n_reps - 1 else rest_after, p_away=p_away, p_back=p_back)
        reps.append(r)
        t = r.t_end + r.rest_after
    return reps


def render_curve(t: np.ndarray, reps: list[RepPlan], out: np.ndarray) -> None:
    """Add the reps' movement curve (m, rest = 0) onto out, sampled at times t (uniform grid)."""
    from sensor.sim.mathutil import minjerk

    fs = 1.0 / (t[1] - t[0])
    t_first = t[0]
    n = len(t)
    for r in reps:
        i0 = max(0, int(np.floor((r.t_away - t_first) * fs)))
        i1 = min(n, int(np.ceil((r.t_end - t_first) * fs)) + 1)
        if i1 <= i0:
            continue
        tt = t[i0:i1]
        b0 = r.t_away + r.d_away + r.hold
        up = minjerk(np.clip((tt - r.t_away) / r.d_away, 0.0, 1.0) ** r.p_away)
        down = minjerk(np.clip((tt - b0) / r.d_back, 0.0, 1.0) ** r.p_back)
        out[i0:i1] += r.amp * (up - down) * (tt >= r.t_away)


def truth_set(reps: list[RepPlan], exercise: str, t0: float) -> dict:
    """One set in the `soleus analyze --json` schema (+ rom_cm, exercise), times on the t axis."""
    squat = exercise == "raised_heel_squat"
    amps = np.array([r.amp for r in reps])
    med = float(np.median(amps))
    out = []
    for i, r in enumerate(reps):
        s, a90, b90, e = r.crossings()
        nxt = reps[i + 1].crossings()[0] - e if i + 1 < len(reps) else None
        away, extreme, back = a90 - s, b90 - a90, e - b90
        if squat:
            con, top, ecc, bottom = back, nxt, away, extreme
        else:
            con, top, ecc, bottom = away, extreme, back, nxt
        rnd = (lambda v: None if v is None else round(float(v), 4))
        out.append({
            "start_s": rnd(t0 + s), "end_s": rnd(t0 + e),
            "concentric_s": rnd(con), "top_hold_s": rnd(top), "eccentric_s": rnd(ecc), "bottom_pause_s": rnd(bottom),
            "partial": bool(r.amp < PARTIAL_RATIO * med), "rom_cm": round(100.0 * r.amp, 2),
        })
    return {"start_s": out[0]["start_s"], "end_s": out[-1]["end_s"], "exercise": exercise, "reps": out,
            "rep_count": len(out)}


def tempo_of(set_truth: dict) -> Tempo:
    """Mean phases of a truth set as a Tempo (holds over the reps where they are defined)."""
    reps = set_truth["reps"]

    def mean(key: str) -> float:
        v = [r[key] for r in reps if r[key] is not None]
        return float(np.mean(v)) if v else 0.0

    return Tempo(mean("eccentric_s"), mean("bottom_pause_s"), mean("concentric_s"), mean("top_hold_s"))


def plan_session(rng: np.random.Generator, body: Body, spec: SessionSpec) -> tuple[list[Block], list[list[RepPlan]], float]:
    """The whole timeline: blocks (activities and sets), the reps of each set, and the duration.

    Layout: a few seconds standing, [walking to the spot], [fidgeting]; then per set: standing,
    [pick up dumbbells], [hand to the wall / step on / heels up], the set, [the reverse], standing,
    [put down dumbbells]; rests between sets are filled with standing, walking, fidgeting and
    sitting down (as enabled); at the end [fidget], [walk away], [sit down], standing.
    """
    dist = set(spec.disturbances)
    blocks: list[Block] = []
    sets: list[list[RepPlan]] = []
    t = 0.0
    u = rng.uniform

    def add(kind: str, dur: float, **params) -> None:
        nonlocal t
        blocks.append(Block(kind, t, t + dur, params))
        t += dur

    def stand(lo: float, hi: float) -> None:
        add("stand", u(lo, hi))

    def walk(lo: float, hi: float) -> None:
        add("walking", u(lo, hi), turn=bool(rng.random() < 0.6))

    def fidget(lo: float, hi: float) -> None:
        add("fidget", u(lo, hi))

    def sit(lo: float, hi: float) -> None:
        d_down, d_up = u(1.5, 2.5), u(1.5, 2.5)
        add("sit_stand", d_down + u(lo, hi) + d_up, down=d_down, up=d_up)

    def pick(kind: str) -> None:
        d1, h, d2 = u(1.0, 3.0), u(0.3, 1.2), u(1.0, 3.0)
        add(kind, d1 + h + d2, down=d1, hold=h, up=d2)

    stand(3, 6)
    if "walking" in dist:
        walk(8, 20)
        stand(2, 4)
    if "fidget" in dist:
        fidget(3, 8)
        stand(2, 4)
    squat = spec.exercise == "raised_heel_squat"
    step = spec.exercise == "step_calf_raise"
    wall = spec.placement == "wrist" and spec.wrist_mode == "wall"
    hips = spec.placement == "wrist" and spec.wrist_mode == "free" and body.hands_on_hips and not squat
    for si, n_reps in enumerate(spec.reps_per_set()):
        if si > 0:
            rest_total = spec.rest_s if spec.rest_s is not None else u(30, 90)
            t_rest_end = t + rest_total
            options = [k for k in ("walking", "fidget", "sit_stand") if k in dist]
            stand(2, 5)
            while options and t_rest_end - t > 14:
                k = options[int(rng.integers(len(options)))]
                left = t_rest_end - t - 4
                if k == "walking":
                    walk(min(6, left), min(25, left))
                elif k == "fidget":
                    fidget(min(3, left), min(10, left))
                elif left > 16:
                    sit(min(8, left - 6), min(40, left - 6))
                else:
                    fidget(min(3, left), min(8, left))
                stand(2, 4)
            if t_rest_end - t > 1:
                add("stand", t_rest_end - t)
        stand(2, 4)
        if "dumbbells" in dist:
            pick("dumbbells_pick_up")
            stand(1.5, 3)
        if wall:
            add("hand_to_wall", u(0.8, 1.3))
        if hips:
            add("hands_to_hips", u(0.8, 1.3))
        if step:
            add("step_on", u(1.0, 1.5) + u(0.8, 1.5))
        if squat:
            add("heels_up", u(0.8, 1.3))
        stand(1.5, 3.5)
        reps = plan_set(rng, body, spec, si, t, n_reps)
        sets.append(reps)
        add("set", reps[-1].t_end - t, index=si)
        stand(1.0, 2.5)
        if squat:
            add("heels_down", u(0.8, 1.3))
        if step:
            add("step_off", u(0.8, 1.5) + u(1.0, 1.5))
        if wall:
            add("hand_off_wall", u(0.8, 1.3))
        if hips:
            add("hands_off_hips", u(0.8, 1.3))
        stand(2, 4)
        if "dumbbells" in dist:
            pick("dumbbells_put_down")
            stand(1.5, 3)
    if "fidget" in dist:
        fidget(3, 6)
        stand(2, 3)
    if "walking" in dist:
        walk(6, 15)
        stand(2, 3)
    if "sit_stand" in dist:
        sit(8, 20)
    stand(3, 6)
    return blocks, sets, t
