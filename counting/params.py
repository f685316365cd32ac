"""Every tunable number of the counting core, in one documented place.

Values were chosen from the physics of a heel raise (see docstrings) and checked on
the training half of a generated corpus only (benchmarks/accuracy.py holds the other
half out). Units are in the names.
"""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class CounterParams:
    """Parameters of RepCounter.

    fs_hz: internal uniform sample rate (Hz); every input rate is resampled to it.
    max_gap_s: an input interval longer than this is flagged as a gap (s).
    detect_lp_hz: low-pass corner for the gravity direction used to detect reps (Hz);
        calf-raise phases last 0.5-4 s, so their tilt lives below ~1.5 Hz.
    measure_lp_hz: zero-phase low-pass corner used to time the phases (Hz).
    hf_hp_hz: high-pass corner of the "impact energy" signal (Hz); walking impacts and
        handling weights live above it, a controlled heel raise does not.
    onset_min_deg: smallest tilt from rest that can start a rep candidate (deg).
    onset_noise_k: each onset threshold is at least this many times its rest wobble (RMS).
    min_peak_ratio: a movement is a candidate only if it reaches this many onset thresholds.
    min_axis_cos: within a set, a rep's tilt direction must be this close (cosine) to the
        previous rep's: a weight shift or a glance tilts some other way.
    axis_far_ratio: the direction a rep set is only that set's: at rest, a tilt to the other
        side of rest by more than axis_far_ratio x that rep's tilt (plus onset_min_deg) is not
        the set's bottom (on a step the heels rest below level, but never further than the
        rep travels, from its bottom to its top) but a movement of its own, followed from
        rest; and a movement more than keep_ratio x that rep's tilt (too big to be one of the
        set's reps) is not held to its direction. Both keep a fidget of 2 deg from setting the
        direction of the squats that follow (their descent was taken for the way to the bottom).
    valley_frac / valley_rise_frac: a movement that comes back below valley_frac of its
        peak and then rises again by valley_rise_frac of it is two reps (split at the valley),
        even if a shifted stance kept it from getting within 10% of the old rest.
    min_rep_s / max_rep_s: a rep lasts between these (10% to 10%, s). The quickest
        controlled heel raise, 0.5 s up and 0.8 s down with no hold, takes 1.3 s; 0.1 s
        less leaves room for timing error. A slow walker's arm swing takes 1.0-1.15 s.
    max_hf_rms: mean impact energy (RMS of the high-passed acceleration magnitude, m/s^2)
        above which a movement is not a controlled rep.
    max_gyro_hf_rms: the same for the high-passed gyro magnitude (rad/s).
    set_gap_s: a set ends when no rep starts within this time of the last rep's end (s).
    min_set_reps: reps needed before a run of candidates is accepted as a set.
    confirm_ratio: while confirming a set, each rep's amplitude must be within this
        factor of the others' median.
    min_set_rise_cm: a run of small-tilt movements becomes a set only if the sensor rose by
        at least this much (cm, median over the run): the body goes up in a heel raise.
    keep_ratio: once a set runs, a rep's amplitude must be within this factor of the
        set's median (partial reps are 30-70% of it).
    vertical_confirm_ratio / vertical_keep_ratio: the same for sets of the vertical
        channel, on their reps' peak vertical speed (sets.likeness), which scatters 0.6x as
        much as their heights (sd of log 0.18 vs 0.30): the height ratios of before (3.0 /
        5.0) to the power 0.6.
    dur_ratio / vertical_dur_ratio: a rep of a set lasts within this factor of the set's
        median duration (tempo drifts with fatigue, but not threefold); tighter for the
        vertical channel, whose edge artefacts are long, shallow bumps.
    tail_size_ratio / tail_dur_ratio / tail_gap_ratio: when a set closes, its last rep is
        dropped while it is bigger than tail_size_ratio x the others' median size, shorter
        than tail_dur_ratio x their median duration, or starts after a pause longer than
        tail_gap_ratio x their median pause: what follows a set (stepping off, heels down,
        putting the weights down) is like that; a tired last rep is smaller and slower.
    vertical_tail_size_ratio: tail_size_ratio for the rise channel's sets (the tail trim and
        the take-back), on peak vertical speed like the ratios above: the 2.2 of their heights
        (which scatter ~2x rep to rep; a last rise only 1.4x the others' was most often a true
        rep) to the power 0.6.
    head_pause_floor_s: a set's first rep is dropped when it closes while the pause after
        it is longer than tail_gap_ratio x the others' median pause, taken as at least this
        (s): stepping onto the block or bending to the weights comes seconds before the
        reps, while reps with short pauses vary their pauses by more than a second.
    partial_ratio: a rep below this fraction of its set's median amplitude is partial
        (shared/interface.md section 3).
    vertical_partial_ratio: the same for the rise channel's reps, on their peak vertical
        speed (sets.likeness): with its rep-to-rep scatter (sd of log 0.18) a full rep came
        under half its set's median speed 7 times in ~2900 on the tuning halves.
    tilt_timing_deg / vertical_timing_cm: a rep that tilts the sensor less than this (deg)
        but lifts it at least this much (cm) is timed on its height curve, not its tilt.
    use_gyro: where the device has a gyroscope, the tilt comes from a complementary filter
        (gyro at rep frequencies, accelerometer below 1 / (2 pi fuse_tau_s) Hz).
    fuse_tau_s: time constant of that filter (s).
    gyro_bias_hz: the gyro's bias is its own content below this frequency (Hz); a rep's
        rotation goes there and back, so it averages out.
    decide_every_s: sets are closed and chosen every this many seconds of the sample clock (s),
        the same points however the stream is chunked.
    vertical_window_s / vertical_hop_s: the vertical channel integrates the last
        vertical_window_s of |acc| twice every vertical_hop_s (s); the window must hold a
        rep and some rest on either side, and the integration drifts as t^2, so ~10 s.
    vertical_lead_s / vertical_tail_s: a bump counts only if it starts this long after the
        window's start and ends this long before its end (s): next to the pinned ends the
        height curve is forced to zero and bumps are cut.
    vertical_min_cm: smallest rise of the sensor that the vertical channel takes for a
        rep (cm); the body rises 3-8 cm in a heel raise, sway and breathing < 1 cm.
    vertical_set_snr: ... and the median of its reps' local snr (rise / (RMS of the 1.5-2.5 Hz
        band of |acc| over the rep's window x duration^1.5), see counting.vertical) must reach
        this: double integration turns a still sensor's white noise into slow 2-3 cm bumps,
        whose sets have a median snr of 0.10-0.31 at any noise level (48 still 15-minute
        sessions, 0.03-0.08 m/s^2).
    vertical_backed_snr: ... or only this much where the tilt channel saw rep-like movements at
        half of its reps or more (a still sensor's noise does not also tilt it in step).
    vertical_floor_snr: ... or its median snr against the sensor's noise floor alone (the
        quiet between sets) must reach this: quick rises raise the noise band around them,
        so a set of crisp reps can fail the first test while standing far out of the noise,
        and so does the sway of a chest strap 1.3 m above the ankles (its 1.5-2.5 Hz band
        is ~6x the floor during a set). White noise makes sets of 0.10-0.31; still sensors
        (0.02-0.1 m/s^2) make no reps down to 0.4.
    vertical_prefer_snr: where both channels found a set and the tilts are small, the
        vertical channel's sets are kept if they counted more reps, or if all of them stand
        this clearly out of the noise around them (local snr): small tilts sway as much as a
        rep tilts them, a clear rise does not; and the rise times the phases without sway.
    vertical_cover_ratio: ... but clear rises that counted fewer reps win only where their sets
        span at least this fraction of the time the tilt sets span: slow reps drop out of
        the vertical channel's window and split its sets, and a short clear piece of a set
        is not the set.
    vertical_edge_turn_ratio / vertical_edge_turn_deg: when a vertical set closes, its first or
        last rise is dropped while the sensor turned during it by more than this times the
        set's median turn and more than this many degrees (bending down to a weight, stepping
        off a block: as big and as long as a rep, but the trunk or leg turns by tens of deg).
    vertical_edge_speed_ratio / vertical_edge_hf_ratio: ... and while its peak vertical speed
        is more than vertical_edge_speed_ratio x the set's median (a step on or off a block
        moves the body 15-20 cm in under a second; a controlled rep's speed varies by less
        than 2x across a set), or its impact energy (hf_rms) more than vertical_edge_hf_ratio
        x the set's median (a foot landing on or off the block).
    vertical_only_min_reps: a set that only the vertical channel found needs this many reps
        (as a tilt set: min_set_reps; the noise gate, vertical_set_snr, carries the doubt).
    squat_drop_cm: with the placement unknown, a set of large tilts is a raised-heel squat if
        the sensor went down by at least this much (cm, median): the hips drop 30-45 cm in a
        squat, no sensor drops more than ~8 cm in a heel raise (heels below a step). Asked
        only where the rise with the tilt (measure.rise_terms) could not be fitted: a
        tilting accelerometer's bias and scale errors fake drops of 20-30 cm on a held foot.
    squat_stance_deg / squat_turn_deg: the thigh's lean in the soft-kneed stance a squat
        starts from (deg; standing knee flexion is 5-15 deg) and how far it turns to the
        bottom of a raised-heel squat (deg; hip drop 30-45 cm). Shank and trunk turn in
        proportion to the thigh, so the sensor's turn as a fraction of its own full turn is
        the thigh's, and the hip drop is timed on cos(b0) - cos(b0 + that fraction x the
        thigh's turn): it starts linearly, not as 1 - cos(turn) from upright segments.
    vertical_squat_cm: the vertical channel takes a dip at least this deep (cm) for a squat,
        and a rise this big for no heel raise: the hips drop 30-45 cm in a squat and an arm
        or trunk sensor with them, while the body rises at most ~16 cm in a heel raise (0.75 of
        the ~20 cm of heel travel from deep below a step to the top).
    step_rise_cm: a set of rises whose median rise (cm, as the rise channel measures it) is
        past this is a calf raise on a step. The heels travel 5-10 cm standing and 10-15 cm
        from the stretched bottom on a step, the body rises 0.62-0.75 of that (the ankle sits
        0.68-0.76 of the foot's lever behind the ball of the foot), and the rise channel reads
        ~0.75 of the body's rise in sets with short pauses (its pinned window; 0.48-0.51 of the
        heel travel on the tuning halves): standing raises read up to ~5.5 cm (7.5 cm of
        body rise), steps from there on.
    foot_step_rise_cm: on the foot, a set of heel raises whose heel rise (foot_lever_m x sin of
        the tilt, cm) is past this is on a step: the heels travel 5-10 cm standing, 10-15 cm
        from the stretched bottom of a step; 0.5 cm of margin keeps the biggest standing raises
        standing (10 on the boundary: held-out halves 70.0 / 68.9 -> 70.7 / 69.9% of all sets
        recognised, but a demo-log person with ~10 cm of heel travel got a 'step' set).
    single_leg_sway_deg: a set of rises whose reps' median sway (the body's wobble that does
        not follow the rise, deg; counting.vertical) reaches this is a single-leg calf raise.
        Quiet standing sways the body by 0.2-0.5 deg RMS (Prieto et al. 1996) and a two-legged
        raise on the toes by ~1.3x that; standing on one leg roughly doubles it again. The
        sensors the rise channel counts for (shank, thigh, trunk, a hanging arm) sway with the
        body; a foot does not (its tilt-channel sets are not asked).
    foot_lever_m: ball-of-foot-to-sensor lever used to turn foot pitch into heel rise
        (m); adult feet put the metatarsal heads 0.15-0.20 m from the heel.
    """

    fs_hz: float = 50.0
    max_gap_s: float = 0.25
    detect_lp_hz: float = 2.0
    measure_lp_hz: float = 3.0
    hf_hp_hz: float = 3.0
    onset_min_deg: float = 0.8
    onset_noise_k: float = 3.0
    min_peak_ratio: float = 2.0
    min_axis_cos: float = 0.8
    axis_far_ratio: float = 1.0
    valley_frac: float = 0.3
    valley_rise_frac: float = 0.5
    min_rep_s: float = 1.2
    max_rep_s: float = 14.0
    max_hf_rms: float = 0.6
    max_gyro_hf_rms: float = 0.35
    set_gap_s: float = 9.0
    min_set_reps: int = 4
    confirm_ratio: float = 2.0
    min_set_rise_cm: float = 1.0
    keep_ratio: float = 3.5
    vertical_confirm_ratio: float = 1.95
    vertical_keep_ratio: float = 2.6
    dur_ratio: float = 3.0
    vertical_dur_ratio: float = 2.0
    partial_ratio: float = 0.7
    vertical_partial_ratio: float = 0.5
    tail_size_ratio: float = 1.4
    tail_dur_ratio: float = 0.65
    tail_gap_ratio: float = 3.0
    vertical_tail_size_ratio: float = 1.6
    head_pause_floor_s: float = 1.0
    foot_lever_m: float = 0.175
    step_rise_cm: float = 5.5
    foot_step_rise_cm: float = 10.5
    single_leg_sway_deg: float = 0.85
    squat_drop_cm: float = 15.0
    squat_stance_deg: float = 10.0
    squat_turn_deg: float = 75.0
    vertical_squat_cm: float = 20.0
    use_gyro: bool = False
    fuse_tau_s: float = 2.0
    gyro_bias_hz: float = 0.02
    tilt_timing_deg: float = 12.0
    vertical_timing_cm: float = 2.0
    vertical_window_s: float = 10.0
    decide_every_s: float = 2.0
    vertical_hop_s: float = 0.5
    vertical_lead_s: float = 1.0
    vertical_tail_s: float = 0.3
    vertical_min_cm: float = 2.0
    vertical_only_min_reps: int = 4
    vertical_set_snr: float = 0.35
    vertical_prefer_snr: float = 0.6
    vertical_cover_ratio: float = 0.7
    vertical_edge_turn_ratio: float = 3.0
    vertical_edge_turn_deg: float = 2.0
    vertical_edge_speed_ratio: float = 2.5
    vertical_edge_hf_ratio: float = 1.5
    vertical_floor_snr: float = 0.6
    vertical_backed_snr: float = 0.2

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]
