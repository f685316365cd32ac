"""Turn candidate movements into reps and sets, and sets into summaries.

A set is a run of at least `min_set_reps` movements alike (sets.likeness: tilt, or peak
vertical speed), each starting within `set_gap_s` of the previous one's end. Isolated
movements (picking up a weight, a weight shift, sitting down) never reach that and are
dropped. Reps are reported as
soon as they are known: tentatively before the set is confirmed, for good after; a rep
the set would not keep were it to end there (the step off the block as its last "rep")
only once a rep like the set's follows it (_show).
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import replace
from statistics import median

from counting.detect import Candidate
from counting.events import Event, Rep, RepCompleted, RepTentative, SetEnded, SetStarted, SetSummary, Tempo
from counting.measure import Movement, rise_of_set
from counting.params import CounterParams

SQUAT = "raised_heel_squat"
SQUAT_TILT_DEG = 15.0  # only the foot tilts this much in a heel raise, and it goes up


def goes_down(movements: list[Movement]) -> bool:
    """Do these reps take the sensor down as it moves away from rest? Then the rest is at the
    top and the way away is a lowering (eccentric): a squat, or heel raises that the tilt
    channel follows from the top (where the sensor was held stillest between reps)."""
    if movements[0].channel == "vertical":
        return median(mv.vertical_cm or 0.0 for mv in movements) < 0.0
    # fitted over the reps together: one rep's fit scatters by +-10 cm where the sensor's
    # errors are large (slow reps, long holds); the reps share the rise and the errors
    rise = rise_of_set([mv.rise_terms for mv in movements if mv.rise_terms is not None])
    return rise is not None and rise < 0.0


def rep_from_movement(mv: Movement, *, set_index: int, index: int, exercise: str | None,
                      placement: str | None, params: CounterParams, down_first: bool = False) -> Rep:
    """Map a timed movement onto the phases of the exercise (shared/interface.md s.3): going
    up is concentric, going down eccentric, so a squat or a movement that goes down first
    (`down_first`, see goes_down) has them the other way round from a heel raise."""
    squat = exercise == SQUAT
    if squat:
        mv = mv.as_squat()
    lowering = squat or down_first
    if mv.channel == "vertical":
        rom, unit, velocity = mv.size, "cm", mv.peak_rate_dps
    elif placement == "foot" and not squat:
        rom = params.foot_lever_m * math.sin(math.radians(mv.amplitude_deg)) * 100.0
        unit = "cm"
        velocity = mv.peak_rate_dps * rom / max(mv.amplitude_deg, 1e-9)
    else:
        rom, unit, velocity = mv.amplitude_deg, "deg", mv.peak_rate_dps
    return Rep(
        set_index=set_index, index=index, start_s=mv.start_s, end_s=mv.end_s, peak_s=mv.peak_s,
        concentric_s=mv.fall_s if lowering else mv.rise_s,
        top_hold_s=None if lowering else mv.hold_s,
        eccentric_s=mv.rise_s if lowering else mv.fall_s,
        bottom_pause_s=mv.hold_s if lowering else None,
        rom=rom, rom_unit=unit, peak_velocity=velocity, sway_deg=mv.sway_deg, partial=False,
        exercise=exercise, amplitude_deg=mv.amplitude_deg, vertical_cm=mv.vertical_cm,
    )


def infer_exercise(movements: list[Movement], placement: str | None, params: CounterParams) -> str | None:
    """The exercise from how far the sensor tilts, or None when that cannot tell.

    In a heel raise only the foot tilts by more than ~15 deg (shank, thigh, trunk and a
    hanging arm a few degrees); a raised-heel squat turns the shank, thigh and trunk by
    tens of degrees. With the placement unknown a large tilt is either a foot in a heel
    raise or another segment in a squat: a squat if the sensor went down as it tilted, a
    foot if it went up (or, where that could not be fitted, a squat if it went down by
    squat_drop_cm or more). On the foot, a heel rise past foot_step_rise_cm means a step.
    Rises (the vertical channel): a squat goes down, a step lifts the body further, one leg
    sways it more.
    """
    if movements[0].channel == "vertical":
        if goes_down(movements):
            return SQUAT  # the vertical channel only takes dips past vertical_squat_cm
        if median(mv.size for mv in movements) > params.step_rise_cm:
            return "step_calf_raise"
        # the body sways as one inverted pendulum above the ankles, so shank, thigh, trunk and
        # a hanging arm sway by its angle: about twice as much on one leg (single_leg_sway_deg)
        if median(mv.sway_deg for mv in movements) >= params.single_leg_sway_deg:
            return "single_leg_calf_raise"
        return "standing_calf_raise"
    amp = median(mv.amplitude_deg for mv in movements)
    if placement == "foot":
        rise = params.foot_lever_m * math.sin(math.radians(amp)) * 100
        return "step_calf_raise" if rise > params.foot_step_rise_cm else "standing_calf_raise"
    if amp <= SQUAT_TILT_DEG:
        return "standing_calf_raise"
    if placement is not None:
        return SQUAT
    # placement unknown: a squat takes the sensor down as it tilts (the hips drop 30-45 cm,
    # the knee a few cm), a heel raise takes the foot's laces up with the heel. Which way the
    # sensor moves with its tilt (goes_down: measure.rise_of_set) says so even where its
    # extreme height cannot: the accelerometer's scale errors (1-3%) put 20-30 cm of false
    # drop on the height curve of a foot tilting 25 deg for 3 s
    if any(mv.rise_terms is not None for mv in movements):
        return SQUAT if goes_down(movements) else infer_exercise(movements, "foot", params)
    # without that fit: no sensor goes down by more than ~8 cm in a heel raise (the heels
    # below a step)
    drop = median(-(mv.vertical_cm or 0.0) for mv in movements)
    return SQUAT if drop >= params.squat_drop_cm else None


def partial_ratio(mv: Movement, params: CounterParams) -> float:
    """Below this fraction of its set's median (of partial_size) a rep is flagged partial."""
    return params.vertical_partial_ratio if mv.channel == "vertical" else params.partial_ratio


def likeness(mv: Movement) -> float:
    """What the reps of a set are compared on: the tilt (deg) for the tilt channel, the peak
    vertical speed (cm/s) for the rise channel. A smooth rise of A in d seconds peaks at
    1.875 A / d, so at a set's tempo the speed goes with the height, and speed is integrated
    once where height is integrated twice: within a set relative speeds scatter by 0.18 (sd
    of log) around the true relative heights, the measured heights by 0.30 (tuning halves)."""
    return mv.peak_rate_dps if mv.channel == "vertical" else mv.size


def _typical(group: list[Movement]) -> float:
    """The likeness of a running group's recent reps (median of the last 15)."""
    return median(likeness(g) for g in group[-15:])


def partial_size(mv: Movement, tilt_size: float) -> float:
    """What a rep's partial flag compares with the other reps of its set: `tilt_size` for the
    tilt channel (its ROM or tilt), the likeness (peak vertical speed) for the rise channel."""
    return likeness(mv) if mv.channel == "vertical" else tilt_size


def summarize_set(index: int, movements: list[Movement], *, exercise: str | None, placement: str | None,
                  rest_before_s: float | None, params: CounterParams) -> SetSummary:
    """Final reps (pauses filled, partial flags against the set's median) and set metrics."""
    ex = exercise or infer_exercise(movements, placement, params)
    down = goes_down(movements)
    reps = [rep_from_movement(mv, set_index=index, index=i + 1, exercise=ex, placement=placement, params=params,
                              down_first=down) for i, mv in enumerate(movements)]
    sizes = [partial_size(mv, r.rom) for mv, r in zip(movements, reps)]
    lowering = ex == SQUAT or down
    short = partial_ratio(movements[0], params) * median(sizes)
    final = []
    for i, r in enumerate(reps):
        gap = reps[i + 1].start_s - r.end_s if i + 1 < len(reps) else None
        r = replace(r, partial=sizes[i] < short)
        final.append(replace(r, top_hold_s=gap) if lowering else replace(r, bottom_pause_s=gap))
    full = [r for r in final if not r.partial] or final

    def mean(xs: list[float | None]) -> float:
        v = [x for x in xs if x is not None]
        return sum(v) / len(v) if v else 0.0

    tempo = Tempo(
        eccentric_s=mean([r.eccentric_s for r in full]), bottom_s=mean([r.bottom_pause_s for r in full]),
        concentric_s=mean([r.concentric_s for r in full]), top_s=mean([r.top_hold_s for r in full]),
    )
    rom_loss = tempo_change = None
    if len(final) >= 4:
        k = min(3, len(final) // 2)
        first, last = final[:k], final[-k:]
        f_rom = mean([r.rom for r in first])
        rom_loss = 100.0 * (f_rom - mean([r.rom for r in last])) / f_rom if f_rom > 0 else None
        tempo_change = mean([r.end_s - r.start_s for r in last]) - mean([r.end_s - r.start_s for r in first])
    return SetSummary(
        index=index, start_s=final[0].start_s, end_s=final[-1].end_s, exercise=ex, reps=tuple(final),
        rest_before_s=rest_before_s, time_under_tension_s=sum(r.end_s - r.start_s for r in final),
        tempo=tempo, rom_unit=final[0].rom_unit, mean_rom=mean([r.rom for r in final]),
        rom_loss_pct=rom_loss, tempo_change_s=tempo_change,
    )


def _same_way(mv: Movement, group: list[Movement]) -> bool:
    """Does the movement go the way the group's reps went? For the vertical channel: up or
    down (it hands on both the rises of heel raises and the dips of squats); for the tilt
    channel: turning the sensor within 90 deg of their direction (_same_direction)."""
    if mv.channel != "vertical":
        return _same_direction(mv, group)
    return ((mv.vertical_cm or 0.0) < 0.0) == goes_down(group[-15:])


def _same_direction(mv: Movement, group: list[Movement]) -> bool:
    """Does a tilt turn the sensor within 90 deg of the way the group's last reps did
    (sensor frame)? On a step the heels' first drop from level to the stretch turns the foot
    the other way from the reps that follow."""
    dirs = [g.direction for g in group[-3:] if g.direction is not None]
    if mv.direction is None or not dirs:
        return True
    way = [sum(c) for c in zip(*dirs)]
    return sum(a * b for a, b in zip(mv.direction, way)) >= 0.0


class SetTracker:
    """Streaming grouping of candidates into sets; emits events."""

    def __init__(self, params: CounterParams, *, exercise: str | None, placement: str | None) -> None:
        self.p = params
        self.exercise = exercise
        self.placement = placement
        self.sets_: list[SetSummary] = []
        self._pending: list[Movement] = []
        self._current: list[Movement] | None = None
        self._shown = 0  # reps of the set in progress reported live (RepCompleted)
        self._down = False  # ... and whether the reps it would keep go down first (_show)
        self._set_exercise: str | None = exercise
        self._last_set_end: float | None = None
        # the last few rep-like movements, for a set confirmed late to take back its first reps
        self._seen: deque[Movement] = deque(maxlen=12)
        self._seen_after = -math.inf  # ... never those of the last set
        self._running: tuple[list | None, int, SetSummary | None] = (None, 0, None)  # cache: list, length, summary

    def running(self) -> SetSummary | None:
        """The set in progress so far, for the live choice (counting.arbiter): its reps,
        span, exercise and noise figures only (no tempo or fatigue: it is asked per rep)."""
        cur = self._current
        if not cur:
            return None
        if self._running[0] is not cur or self._running[1] != len(cur):
            reps = tuple(rep_from_movement(mv, set_index=len(self.sets_), index=i + 1, exercise=self._set_exercise,
                                           placement=self.placement, params=self.p, down_first=self._down)
                         for i, mv in enumerate(cur))
            summary = SetSummary(index=len(self.sets_), start_s=cur[0].start_s, end_s=cur[-1].end_s,
                                 exercise=self._set_exercise, reps=reps, rest_before_s=None,
                                 time_under_tension_s=0.0, tempo=None, rom_unit=reps[0].rom_unit, mean_rom=0.0,
                                 rom_loss_pct=None, tempo_change_s=None, **self._noise(cur))
            self._running = (cur, len(cur), summary)
        return self._running[2]

    @staticmethod
    def _noise(mvs: list[Movement]) -> dict:
        """A vertical set's snr figures: the medians of its reps'."""
        if mvs[0].channel != "vertical":
            return {}
        return {"snr": median(m.snr or 0.0 for m in mvs), "local_snr": median(m.local_snr or 0.0 for m in mvs)}

    def _amp_ok(self, mv: Movement, group: list[Movement], ratio: float) -> bool:
        m = _typical(group)
        return m / ratio <= likeness(mv) <= m * ratio

    def _body_rises(self, group: list[Movement]) -> bool:
        """A heel raise lifts the body; breathing and arm wobble tilt a segment in rhythm
        without lifting it. Large tilts (the foot, a squat) are their own evidence, and so
        are rises found by the vertical channel (see SetMerger for their noise check)."""
        if group[0].channel == "vertical" or median(g.amplitude_deg for g in group) >= self.p.tilt_timing_deg:
            return True
        v = [g.vertical_cm for g in group if g.vertical_cm is not None]
        return bool(v) and median(v) >= self.p.min_set_rise_cm

    def _small(self, mv: Movement, group: list[Movement], ratio: float) -> bool:
        return likeness(mv) < _typical(group) / ratio

    def _dur_ok(self, mv: Movement, group: list[Movement]) -> bool:
        m = median(g.duration_s for g in group[-15:])
        r = self.p.vertical_dur_ratio if mv.channel == "vertical" else self.p.dur_ratio
        return m / r <= mv.duration_s <= m * r

    def _rep(self, mv: Movement, index: int, group: list[Movement], down: bool | None = None) -> Rep:
        """The rep of movement `mv` in `group`; `down`: the group goes down first (goes_down
        of the group, unless given)."""
        down = goes_down(group) if down is None else down
        rep = rep_from_movement(mv, set_index=len(self.sets_), index=index, exercise=self._set_exercise,
                                placement=self.placement, params=self.p, down_first=down)
        return replace(rep, partial=likeness(mv) < partial_ratio(mv, self.p) * _typical(group))

    def add(self, cand: Candidate) -> list[Event]:
        out: list[Event] = []
        if not cand.ok:
            self._pending = []
            return out
        mv = cand.movement
        assert mv is not None
        self._seen.append(mv)
        vert = mv.channel == "vertical"
        keep = self.p.vertical_keep_ratio if vert else self.p.keep_ratio
        confirm = self.p.vertical_confirm_ratio if vert else self.p.confirm_ratio
        if self._current is not None:
            last = self._current[-1]
            in_time = mv.start_s - last.end_s <= self.p.set_gap_s
            if in_time and (self._small(mv, self._current, keep) or not self._dur_ok(mv, self._current)
                            or not _same_way(mv, self._current)):
                return out  # a wobble or a twitch between reps, nothing like the set's reps
            if in_time and self._amp_ok(mv, self._current, keep):
                self._current.append(mv)
                return out + self._show()
            out += self._close()
        if self._pending:
            last = self._pending[-1]
            in_time = mv.start_s - last.end_s <= self.p.set_gap_s
            if in_time and len(self._pending) >= 2 and self._small(mv, self._pending, confirm):
                return out  # a wobble beside an emerging pattern (one big movement is no pattern)
            if not (in_time and self._amp_ok(mv, self._pending, confirm) and _same_way(mv, self._pending)
                    and self._dur_ok(mv, self._pending)):
                self._pending = []
        self._pending.append(mv)
        if len(self._pending) >= self.p.min_set_reps and not self._body_rises(self._pending):
            self._pending = self._pending[1:]  # tilting in rhythm without going up: breathing, wobble
        if len(self._pending) >= self.p.min_set_reps:
            self._current, self._pending = self._take_back(self._pending), []
            if self.exercise is None:
                self._set_exercise = infer_exercise(self._current, self.placement, self.p)
            first = self._rep(self._current[0], 1, self._current)
            out.append(SetStarted(len(self.sets_), first.start_s, self._set_exercise))
            self._shown = 0
            out += self._show()
        else:
            out.append(RepTentative(self._rep(mv, len(self._pending), self._pending), len(self._pending)))
        return out

    def _show(self) -> list[Event]:
        """RepCompleted for the reps of the set in progress not shown yet, up to the last one
        that would stay if the set ended now: a step off the block or the weights put down
        join the set as its last "rep" and are trimmed when it closes (_close); shown live,
        the count at the set's end was one too many. Such a movement is shown only once a
        rep like the set's follows it."""
        cur = self._current
        assert cur is not None
        final = self._final(cur)
        kept = {id(m) for m in final}
        last = max((i for i, m in enumerate(cur) if id(m) in kept), default=-1) + 1
        # (a held step off the block must not turn the set's reps round; running() reads it too)
        self._down = goes_down(final)
        out: list[Event] = [RepCompleted(self._rep(cur[i], i + 1, cur, self._down)) for i in range(self._shown, last)]
        self._shown = max(self._shown, last)
        return out

    def _final(self, mvs: list[Movement]) -> list[Movement]:
        """The reps a closing set keeps of movements `mvs`: its unlike edges trimmed."""
        return self._drop_odd_edges(self._trim_head(self._trim_tail(mvs)))

    def advance(self, horizon_s: float) -> list[Event]:
        """No future candidate can start before `horizon_s`: close what has timed out."""
        if self._current is not None and horizon_s - self._current[-1].end_s > self.p.set_gap_s:
            return self._close()
        if self._pending and horizon_s - self._pending[-1].end_s > self.p.set_gap_s:
            self._pending = []
        return []

    def settled_s(self, horizon_s: float) -> float:
        """No set still to come from this tracker can start before this time (s)."""
        starts = [horizon_s]
        if self._current:
            starts.append(self._current[0].start_s)
        if self._pending:
            starts.append(self._pending[0].start_s)
        # ... nor before the recent movements a set still to come may take back (_take_back)
        bound = min(starts)
        for m in reversed(self._seen):
            if m.start_s > self._seen_after and bound - m.end_s <= self.p.set_gap_s:
                bound = min(bound, m.start_s)
        return bound

    def finish(self) -> list[Event]:
        self._pending = []
        return self._close() if self._current is not None else []

    def _take_back(self, mvs: list[Movement]) -> list[Movement]:
        """Prepend the reps that came just before a set was confirmed but were not counted.

        The first reps of a set often follow something that breaks the pattern (the step
        onto the block, a hand going to the wall, the other foot coming up), and the pattern
        restarts after them. Once the set is known, earlier movements like its reps (not
        bigger, quicker or later than them: the tail-trim limits) are its reps too.
        Wobbles between them are skipped, as in a running set; anything bigger ends the search.
        """
        p = self.p
        keep = p.vertical_keep_ratio if mvs[0].channel == "vertical" else p.keep_ratio
        size = median(likeness(m) for m in mvs)
        dur = median(m.duration_s for m in mvs)
        gaps = [b.start_s - a.end_s for a, b in zip(mvs[:-1], mvs[1:])]
        max_gap = min(p.set_gap_s, p.tail_gap_ratio * max(median(gaps) if gaps else 0.0, 0.3))
        out = list(mvs)
        for m in reversed([m for m in self._seen if self._seen_after < m.start_s and m.end_s <= mvs[0].start_s]):
            if out[0].start_s - m.end_s > max_gap:
                break
            if (likeness(m) < size / keep or not self._dur_ok(m, mvs) or not _same_way(m, mvs)
                    or m.end_s > out[0].start_s):
                continue  # a wobble between reps, or overlapping the rep after it
            if likeness(m) > self._tail_size_ratio(m) * size or m.duration_s < p.tail_dur_ratio * dur:
                break
            out.insert(0, m)
        return out

    def _trim_tail(self, mvs: list[Movement]) -> list[Movement]:
        """Drop a last "rep" that is not like the set's others: the step off the block, the
        heels going down or the weights being put down right after a set pass the running
        checks but are bigger, quicker or later than the set's reps."""
        p = self.p
        while len(mvs) > max(p.min_set_reps, 2):
            last, body = mvs[-1], mvs[:-1]
            gaps = [b.start_s - a.end_s for a, b in zip(body[:-1], body[1:])]
            late = last.start_s - body[-1].end_s > p.tail_gap_ratio * max(median(gaps), 0.3)
            if not (late or likeness(last) > self._tail_size_ratio(last) * median(likeness(m) for m in body)
                    or last.duration_s < p.tail_dur_ratio * median(m.duration_s for m in body)):
                break
            mvs = body
        return mvs

    def _tail_size_ratio(self, mv: Movement) -> float:
        """How much bigger (likeness) than a set's reps an edge movement is unlike them."""
        return self.p.vertical_tail_size_ratio if mv.channel == "vertical" else self.p.tail_size_ratio

    def _trim_head(self, mvs: list[Movement]) -> list[Movement]:
        """Drop a first "rep" set apart from the set's others: stepping onto the block or
        bending to the weights comes a pause before the reps, which then follow each other
        in rhythm. (Unlike the last, a first rep that is bigger or quicker than the others
        is often a true one: fresh calves.)"""
        p = self.p
        while len(mvs) > max(p.min_set_reps, 2):
            gaps = [b.start_s - a.end_s for a, b in zip(mvs[1:-1], mvs[2:])]
            if mvs[1].start_s - mvs[0].end_s <= p.tail_gap_ratio * max(median(gaps), p.head_pause_floor_s):
                break
            mvs = mvs[1:]
        return mvs

    def _drop_odd_edges(self, mvs: list[Movement]) -> list[Movement]:
        """Drop a first or last rise of a vertical set unlike the set's reps in how it moved:
        bending down to a weight or stepping on or off a block lifts or lowers the sensor as
        much and as long as a rep (its height and timing pass), but turns the trunk or leg by
        tens of degrees, moves the body a step's height (15-20 cm) in under a second, and
        lands a foot."""
        p = self.p
        if mvs[0].channel != "vertical" or any(m.turn_deg is None for m in mvs):
            return mvs
        while len(mvs) > p.min_set_reps:
            med = median(m.turn_deg for m in mvs)
            limit = max(p.vertical_edge_turn_ratio * med, p.vertical_edge_turn_deg)
            fast = p.vertical_edge_speed_ratio * median(m.peak_rate_dps for m in mvs)
            shaky = p.vertical_edge_hf_ratio * median(m.hf_rms for m in mvs)

            def odd(m: Movement) -> bool:
                return m.turn_deg > limit or m.peak_rate_dps > fast or m.hf_rms > shaky

            if odd(mvs[-1]):
                mvs = mvs[:-1]
            elif odd(mvs[0]):
                mvs = mvs[1:]
            else:
                break
        return mvs

    def _close(self) -> list[Event]:
        mvs, self._current = self._current, None
        if not mvs:
            return []
        self._seen_after = mvs[-1].end_s
        mvs = self._final(mvs)
        summary = summarize_set(len(self.sets_), mvs, exercise=self.exercise, placement=self.placement,
                                rest_before_s=None, params=self.p)
        summary = replace(summary, **self._noise(mvs))
        if self._last_set_end is not None:
            summary = replace(summary, rest_before_s=summary.start_s - self._last_set_end)
        self.sets_.append(summary)
        self._last_set_end = summary.end_s
        self._set_exercise = self.exercise
        return [SetEnded(summary)]
