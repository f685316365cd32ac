"""Turn the plan into time series of joint angles and segment motion (the body's kinematics).

Everything is sampled on one uniform internal grid (>= 100 Hz). Activities add onto shared
tracks; persistent changes (standing on a step, heels raised, a hand on the wall, the walking
heading) are applied from their block to the end of the session so the pose stays continuous.
"""
from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline

from sensor.sim.body import DEG, Body
from sensor.sim.mathutil import band_noise, bump, minjerk, ramp_envelope
from sensor.sim.plan import Block, RepPlan, render_curve
from sensor.sim.spec import SessionSpec


def _periodic(points: list[tuple[float, float]], scale: float = 1.0) -> CubicSpline:
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points]) * DEG * scale
    return CubicSpline(x, y, bc_type="periodic")


# Sagittal angles over one stride of the instrumented leg (phase 0 = its heel strike), degrees.
# Shapes after Perry & Burnfield (2010), "Gait Analysis", 2nd ed.: the foot is ~20 deg toes-up at
# heel strike, flat in mid-stance, 40-60 deg heel-up at toe-off (phase ~0.6); the shank swings
# through ~60 deg; the thigh ~40 deg (hip flexion 25-30 deg at heel strike, 10 deg extension).
FOOT_PITCH = [(0, -20), (0.07, -5), (0.12, 0), (0.4, 0), (0.5, 12), (0.6, 50), (0.7, 30), (0.85, 0), (0.95, -15), (1, -20)]
SHANK_PITCH = [(0, -15), (0.15, -5), (0.35, 8), (0.5, 20), (0.62, 42), (0.72, 38), (0.87, 2), (1, -15)]
THIGH_FLEX = [(0, 25), (0.3, 5), (0.5, -10), (0.62, -3), (0.75, 18), (0.88, 28), (1, 25)]

# Peak heel-strike acceleration per placement (own heel strike, contralateral), m/s^2.
# Tibial peaks of ~1-4 g in walking (Lafortune MA 1991, "Three-dimensional acceleration of the
# tibia during walking and running", J Biomech 24(10):877-886); larger at the foot, attenuated
# towards the trunk (~0.2-0.4 g at the sternum) and the wrist.
IMPACT = {"foot": ((15, 35), (0.3, 1.0)), "shank": ((8, 18), (0.5, 1.5)), "thigh": ((3, 7), (1.5, 3)),
          "chest": ((1.5, 4), None), "wrist": ((1, 3), None)}

# Heel contact at the end of a calf raise on the floor, m/s^2 (controlled lowering: small).
HEEL_CONTACT = {"foot": (0.5, 2.0), "shank": (0.3, 1.2), "thigh": (0.2, 0.6), "chest": (0.1, 0.3), "wrist": (0.1, 0.3)}

# Fidget gesture amplitudes per placement: (roll, pitch, yaw) deg about the pivot, (x, y, z) m.
FIDGET = {"foot": ((3, 5, 15), (0.03, 0.04, 0.005)), "shank": ((5, 8, 10), (0.03, 0.03, 0.005)),
          "thigh": ((6, 10, 15), (0.03, 0.03, 0.01)), "chest": ((5, 10, 25), (0.03, 0.03, 0.01)),
          "wrist": ((50, 60, 40), (0.12, 0.12, 0.12))}


class Tracks:
    def __init__(self, n: int, fs: float, body: Body) -> None:
        self.n, self.fs = n, fs
        self.t = np.arange(n) / fs
        z = np.zeros
        self.h = z(n)  # heel height from exercise movement, m
        self.h_rest = z(n)  # persistent heel height (step stretch, raised heels), m
        self.curve = z(n)  # truth movement curve (heel rise / hip drop), m
        self.J = {"alpha": np.full(n, body.alpha0), "kappa": np.full(n, body.kappa0),
                  "gamma": np.full(n, body.gamma0), "delta": np.full(n, body.delta0),
                  "roll": z(n), "zbase": z(n), "xbase": z(n), "theta": z(n)}
        self.psi = z(n)
        self.vel = z(n)
        self.dev_rot = z((3, n))  # roll, pitch, yaw about the pivot
        self.dev_pos = z((3, n))
        self.a_extra = z((3, n))
        self.wall_w = z(n)
        self.hips_w = z(n)
        self.sway_gain = np.ones(n)
        self.walk_env = z(n)

    def sl(self, t0: float, t1: float) -> slice:
        return slice(max(0, int(np.floor(t0 * self.fs))), min(self.n, int(np.ceil(t1 * self.fs)) + 1))

    def from_(self, t0: float) -> slice:
        return slice(max(0, int(np.floor(t0 * self.fs))), self.n)


def _impact(tr: Tracks, t_hit: float, amp: float, f: float) -> None:
    s = tr.sl(t_hit, t_hit + 0.15)
    tau = tr.t[s] - t_hit
    w = amp * np.exp(-tau / 0.02) * np.sin(2 * np.pi * f * tau) * (tau >= 0)
    tr.a_extra[2, s] += w
    tr.a_extra[0, s] -= 0.5 * w


def _walk(tr: Tracks, b: Block, body: Body, placement: str, spec: SessionSpec, rng: np.random.Generator) -> None:
    s = tr.sl(b.start, b.end)
    t = tr.t[s]
    T = 2.0 / body.cadence  # stride time
    rate = (1.0 / T) * (1.0 + band_noise(rng, len(t), tr.fs, 0.05, 0.5, 0.02))
    phi = np.cumsum(rate) / tr.fs
    env = ramp_envelope(t, b.start, b.end, min(T, 0.3 * (b.end - b.start)))
    S = 2.0 * body.step_length
    tr.vel[s] += S * rate * env
    tr.walk_env[s] = np.maximum(tr.walk_env[s], env)
    ph = np.mod(phi, 1.0)
    dr, dp = np.zeros((3, len(t))), np.zeros((3, len(t)))
    # trunk and pelvis: vertical bounce (~4 cm peak to peak, lowest at heel strikes), lateral
    # sway at stride frequency, small fore-aft surges (Perry & Burnfield 2010).
    bz, by, bx = rng.uniform(0.015, 0.025), rng.uniform(0.015, 0.03), rng.uniform(0.005, 0.012)
    hip = np.stack([bx * np.sin(4 * np.pi * ph), by * np.sin(2 * np.pi * ph), -bz * np.cos(4 * np.pi * ph)], 0)
    if placement in ("foot", "shank"):
        pitch = _periodic(FOOT_PITCH, rng.uniform(0.8, 1.2))(ph)
        x_f = np.where(ph < 0.6, 0.0, S * minjerk((ph - 0.6) / 0.4))
        dx = x_f - S * ph
        z_f = 0.08 * bump((ph - 0.6) / 0.4) + body.foot_lever * np.sin(np.maximum(-pitch, 0))
        if placement == "foot":
            dr[1] = pitch
            dp[0], dp[2] = dx, z_f
        else:
            dr[1] = _periodic(SHANK_PITCH, rng.uniform(0.85, 1.15))(ph)
            dp[0] = dx
            dp[2] = z_f + body.ankle_x * np.sin(np.maximum(pitch, 0))
    elif placement == "thigh":
        dr[1] = -_periodic(THIGH_FLEX, rng.uniform(0.85, 1.15))(ph)
        dr[0] = rng.uniform(2, 5) * DEG * np.sin(2 * np.pi * ph)
        dp[:] = hip
    elif placement == "chest":
        dr[0] = rng.uniform(2, 4) * DEG * np.sin(2 * np.pi * ph)
        dr[1] = rng.uniform(1, 2) * DEG * np.sin(4 * np.pi * ph + 1.0)
        dr[2] = rng.uniform(3, 6) * DEG * np.sin(2 * np.pi * ph + 0.5)
        dp[:] = hip
    else:  # wrist: pendular arm swing, opposite to the same-side leg
        amp = body.arm_swing * (0.35 if spec.wrist_mode == "dumbbells" else 1.0)
        dr[1] = amp * np.cos(2 * np.pi * ph)
        dr[0] = rng.uniform(2, 4) * DEG * np.sin(2 * np.pi * ph)
        dp[:] = hip
    tr.dev_rot[:, s] += dr * env
    tr.dev_pos[:, s] += dp * env
    own, contra = IMPACT[placement]
    a_own = rng.uniform(*own)
    a_con = a_own if contra is None else rng.uniform(*contra)
    for k in range(1, int(np.floor(phi[-1] * 2)) + 1):
        half = k / 2.0
        i = int(np.searchsorted(phi, half))
        if i >= len(t):
            break
        e = env[i]
        if e < 0.2:
            continue
        a = (a_own if k % 2 == 0 else a_con) * e * rng.uniform(0.8, 1.2)
        _impact(tr, t[i], a, rng.uniform(15, 25))
    if b.params.get("turn"):
        # turning round (step turn, ~1.5-2.5 s: peak yaw rate 2-3 rad/s)
        tm, dt = 0.5 * (b.start + b.end), rng.uniform(1.5, 2.5)
        ss = tr.from_(tm - 0.5 * dt)
        tr.psi[ss] += np.sign(rng.random() - 0.5) * np.pi * minjerk((tr.t[ss] - (tm - 0.5 * dt)) / dt)
    else:
        ss = tr.from_(b.start)
        tr.psi[ss] += rng.uniform(-0.4, 0.4) * minjerk((tr.t[ss] - b.start) / max(1.0, b.end - b.start))


def _gesture(tr: Tracks, a: float, d1: float, hold: float, d2: float) -> tuple[slice, np.ndarray]:
    s = tr.sl(a, a + d1 + hold + d2)
    t = tr.t[s]
    return s, minjerk((t - a) / d1) - minjerk((t - (a + d1 + hold)) / d2)


def _fidget(tr: Tracks, b: Block, placement: str, rng: np.random.Generator) -> None:
    """Weight shifts and small random re-orientations of the segment (about its pivot);
    at the wrist larger arm gestures, e.g. raising the arm to look at a watch."""
    rot_amp, pos_amp = FIDGET[placement]
    t = b.start + rng.uniform(0.1, 0.5)
    while True:
        d1, hold, d2 = rng.uniform(0.4, 1.5), rng.uniform(0.0, 2.0), rng.uniform(0.4, 1.5)
        if t + d1 + hold + d2 > b.end - 0.1:
            break
        s, shape = _gesture(tr, t, d1, hold, d2)
        if placement == "wrist" and rng.random() < 0.5:
            rot = np.array([rng.uniform(40, 80), -rng.uniform(50, 80), rng.uniform(-20, 20)]) * DEG
        else:
            rot = rng.uniform(-1, 1, 3) * np.array(rot_amp) * DEG
        tr.dev_rot[:, s] += rot[:, None] * shape
        tr.dev_pos[:, s] += (rng.uniform(-1, 1, 3) * np.array(pos_amp))[:, None] * shape
        tr.J["roll"][s] += shape * rng.uniform(-3, 3) * DEG
        t += d1 + hold + d2 + rng.uniform(0.2, 1.5)


def _posture(tr: Tracks, b: Block, shape: np.ndarray, s: slice, **angles: float) -> None:
    for k, v in angles.items():
        tr.J[k][s] += v * shape


def render(spec: SessionSpec, body: Body, blocks: list[Block], sets: list[list[RepPlan]], fs: float, n: int,
           rng: np.random.Generator) -> Tracks:
    tr = Tracks(n, fs, body)
    P = spec.placement
    tr.psi[:] = rng.uniform(-np.pi, np.pi)
    squat = spec.exercise == "raised_heel_squat"
    single = spec.exercise == "single_leg_calf_raise"
    set_i = 0
    for b in blocks:
        k = b.kind
        if k == "walking":
            _walk(tr, b, body, P, spec, rng)
        elif k == "fidget":
            _fidget(tr, b, P, rng)
        elif k == "sit_stand":
            # Sit-to-stand: 1.5-2.5 s, trunk flexion 30-45 deg peaking mid-transfer (Schenkman M et
            # al. 1990, "Whole-body movements during rising to standing from sitting", Phys Ther
            # 70(10):638-648); seated thigh ~horizontal (knee flexion ~90-100 deg).
            s = tr.sl(b.start, b.end)
            t = tr.t[s]
            dn, up = b.params["down"], b.params["up"]
            shape = minjerk((t - b.start) / dn) - minjerk((t - (b.end - up)) / up)
            _posture(tr, b, shape, s, kappa=rng.uniform(90, 100) * DEG, alpha=rng.uniform(5, 12) * DEG,
                     gamma=rng.uniform(0, 12) * DEG, delta=rng.uniform(25, 50) * DEG)
            tr.J["gamma"][s] += rng.uniform(30, 45) * DEG * bump((t - b.start) / dn)
            tr.J["gamma"][s] += rng.uniform(30, 45) * DEG * bump((t - (b.end - up)) / up)
            tr.J["gamma"][s] += band_noise(rng, len(t), fs, 0.05, 0.5, 1.0 * DEG) * shape
            tr.sway_gain[s] *= 1.0 - 0.85 * shape
        elif k in ("dumbbells_pick_up", "dumbbells_put_down"):
            s = tr.sl(b.start, b.end)
            t = tr.t[s]
            dn, hold, up = b.params["down"], b.params["hold"], b.params["up"]
            shape = minjerk((t - b.start) / dn) - minjerk((t - (b.start + dn + hold)) / up)
            _posture(tr, b, shape, s, kappa=rng.uniform(80, 120) * DEG, alpha=rng.uniform(20, 35) * DEG,
                     gamma=rng.uniform(30, 60) * DEG)
            tr.h[s] += rng.uniform(0.0, 0.03) * shape  # heels may come up in a deep squat
        elif k in ("step_on", "step_off"):
            on = k == "step_on"
            dur = b.end - b.start
            d_leg, d_heel = (0.55 * dur, 0.45 * dur)
            t_leg = b.start if on else b.start + d_heel
            t_heel = b.start + d_leg if on else b.start
            sgn = 1.0 if on else -1.0
            ss = tr.from_(t_leg)
            step = minjerk((tr.t[ss] - t_leg) / d_leg)
            tr.J["zbase"][ss] += sgn * body.step_height * step
            tr.J["xbase"][ss] += sgn * 0.2 * step
            s = tr.sl(t_leg, t_leg + d_leg)
            bm = bump((tr.t[s] - t_leg) / d_leg)
            if P == "foot":
                tr.dev_pos[2, s] += 0.08 * bm
                tr.dev_rot[1, s] += -15 * DEG * bm
            elif P == "shank":
                tr.dev_rot[1, s] += 40 * DEG * bm
            elif P == "thigh":
                tr.dev_rot[1, s] += -50 * DEG * bm
            sh = tr.from_(t_heel)
            drop = body.foot_lever * np.sin(body.step_rest_theta)
            tr.h_rest[sh] += sgn * drop * minjerk((tr.t[sh] - t_heel) / d_heel)
        elif k in ("heels_up", "heels_down"):
            sh = tr.from_(b.start)
            sgn = 1.0 if k == "heels_up" else -1.0
            tr.h_rest[sh] += sgn * body.squat_heel * minjerk((tr.t[sh] - b.start) / (b.end - b.start))
        elif k in ("hand_to_wall", "hand_off_wall", "hands_to_hips", "hands_off_hips"):
            sh = tr.from_(b.start)
            sgn = 1.0 if k in ("hand_to_wall", "hands_to_hips") else -1.0
            w = tr.wall_w if "wall" in k else tr.hips_w
            w[sh] += sgn * minjerk((tr.t[sh] - b.start) / (b.end - b.start))
        elif k == "set":
            reps = sets[set_i]
            set_i += 1
            s = tr.sl(b.start, b.end)
            c = np.zeros(n)
            render_curve(tr.t, reps, c)
            cs = c[s]
            tr.curve[s] += cs
            amp = max(r.amp for r in reps)
            if squat:
                a, beta = body.squat_angles(cs)
                tr.J["alpha"][s] += a
                tr.J["kappa"][s] += a + beta
                tr.J["gamma"][s] += body.squat_k_gamma * beta
                tr.h[s] += rng.uniform(-0.03, 0.03) * cs  # heel height drifts a little with depth
                tr.sway_gain[s] *= 1.0 + 0.5 * cs / amp
            else:
                tr.h[s] += cs
                tr.J["alpha"][s] += body.c_alpha * cs
                tr.J["gamma"][s] += body.c_gamma * cs
                tr.sway_gain[s] *= 1.0 + 0.6 * cs / amp  # balance is harder up on the toes
                if spec.exercise != "step_calf_raise":
                    # the heel meets the floor at the end of each rep: a small thump, larger after a
                    # quicker lowering (peak min-jerk speed 1.875 A / duration; 0.1 m/s -> x1)
                    lo, hi = HEEL_CONTACT[P]
                    base = rng.uniform(lo, hi)
                    for r in reps:
                        speed = 1.875 * r.amp / r.d_back
                        _impact(tr, r.t_end, base * float(np.clip(speed / 0.1, 0.3, 2.0)), rng.uniform(15, 30))
            if single:
                # standing on one leg: sway ~1.6-2.2x quiet stance (centre-of-pressure excursions
                # roughly double), weight shifted over the stance foot
                e = ramp_envelope(tr.t, b.start - 2.0, b.end + 1.0, 1.0)
                tr.sway_gain *= 1.0 + rng.uniform(0.6, 1.2) * e
                tr.J["roll"] += rng.uniform(2.0, 4.0) * DEG * e
    tr.wall_w = np.clip(tr.wall_w, 0.0, 1.0)
    tr.hips_w = np.clip(tr.hips_w, 0.0, 1.0)
    # Postural sway (inverted pendulum about the ankles, 0.05-0.6 Hz; Prieto et al. 1996).
    still = tr.sway_gain * (1.0 - tr.walk_env)
    tr.J["alpha"] += band_noise(rng, n, fs, 0.05, 0.6, body.sway_ap) * still
    tr.J["roll"] += band_noise(rng, n, fs, 0.05, 0.6, body.sway_ml) * still
    tr.J["gamma"] += band_noise(rng, n, fs, 0.05, 0.8, 0.3 * body.sway_ap) * still
    # Free-hanging arms wobble a little (less when holding weights or leaning on a wall).
    wob = {"free": 0.8, "dumbbells": 0.4, "wall": 0.8}[spec.wrist_mode] * DEG
    tr.J["delta"] += band_noise(rng, n, fs, 0.1, 1.2, wob) * (1.0 - 0.8 * tr.wall_w)
    if P == "chest":
        # Breathing 12-18/min, faster for a minute after each set; chest wall tilts and moves ~mm.
        f = np.full(n, body.breath_hz)
        for b in blocks:
            if b.kind == "set":
                sh = tr.from_(b.end)
                f[sh] *= 1.0 + 0.5 * np.exp(-(tr.t[sh] - b.end) / 60.0)
        ph = 2 * np.pi * np.cumsum(f) / fs + rng.uniform(0, 2 * np.pi)
        tr.J["gamma"] += body.breath_pitch * np.sin(ph)
        tr.dev_pos[0] += rng.uniform(0.002, 0.006) * np.sin(ph)
    # Physiological tremor and soft-tissue vibration, 6-12 Hz.
    tr.a_extra += band_noise(rng, n, fs, 6.0, 12.0, 0.03 if P == "wrist" else 0.015, dims=3)
    tr.J["theta"] = body.theta_of_heel(tr.h + tr.h_rest)
    return tr
