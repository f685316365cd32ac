"""The simulated person: anthropometry, posture, and the sagittal-plane segment chain.

Segment lengths follow Winter's anthropometric fractions of body height H (Winter DA,
"Biomechanics and Motor Control of Human Movement", 4th ed., Wiley 2009, table 4.1):
foot length 0.152 H, ankle height 0.039 H, shank (ankle-knee) 0.246 H, thigh (knee-hip)
0.245 H, hip to shoulder 0.288 H, shoulder to wrist 0.186 H + 0.146 H.
The heel-to-metatarsophalangeal (toe joint) lever is 66-74% of foot length, 0.15-0.20 m in adults;
a heel rise of h pitches the foot by asin(h / lever) about the toe joints.

Frame: x forward, y left, z up, origin at the instrumented foot's toe joints (MTP) on the floor.
Joint angles (rad), all arrays over time:
  theta  foot pitch (+ = heel up)          alpha  shank lean from vertical (+ = knee forward)
  kappa  knee flexion (thigh = alpha - kappa from vertical)
  gamma  trunk lean (+ = forward)          delta  arm elevation (0 = hanging, + = forward)
  roll   medio-lateral lean of everything above the ankle (postural sway, weight shifts)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensor.sim.mathutil import qmul, qrot, qx, qy

DEG = np.pi / 180.0


@dataclass(frozen=True)
class Body:
    height: float
    foot_lever: float  # heel to MTP, m
    ankle_x: float  # ankle joint behind the MTP, m
    ankle_z: float  # ankle joint above the floor, m
    shank: float
    thigh: float
    chest: float  # hip to the chest strap (sternum), m
    shoulder: float  # hip to shoulder, m
    arm: float  # shoulder to wrist, m
    alpha0: float
    kappa0: float
    gamma0: float
    delta0: float
    sway_ap: float  # rad RMS of quiet-standing sway (ankle strategy)
    sway_ml: float
    c_alpha: float  # shank lean per metre of heel rise, rad/m
    c_gamma: float  # trunk lean per metre of heel rise, rad/m
    squat_k_alpha: float  # shank lean / thigh angle in a squat
    squat_k_gamma: float  # trunk lean / thigh angle in a squat
    squat_heel: float  # heel height held during raised-heel squats, m
    step_height: float
    step_rest_theta: float  # foot pitch at the stretched bottom on a step (negative)
    breath_hz: float
    breath_pitch: float  # rad
    cadence: float  # steps/s
    step_length: float  # m
    arm_swing: float  # rad amplitude of walking arm swing
    wall_delta: float  # arm elevation with the hand on a wall
    wall_follow: float  # fraction of the shoulder's travel the pinned hand follows
    wall_turn: float  # fraction of the geometric forearm rotation that reaches the wrist sensor
    tempo_cv: float  # rep-to-rep variability of phase durations
    amp_calf: float  # nominal heel rise of a standing calf raise, m
    amp_step: float
    amp_single: float
    amp_squat: float  # nominal hip drop of a raised-heel squat, m
    hands_on_hips: bool  # wrist "free": hands on the hips during sets (else arms hang)
    hips_pitch: float  # forearm pitch with the hand on the hip, relative to the trunk
    squat_beta0: float  # thigh angle of the soft-kneed stance a squat starts from

    @staticmethod
    def random(rng: np.random.Generator) -> "Body":
        """A random adult. Ranges (with sources):

        - Height 1.55-1.95 m; segments from Winter (2009) fractions (see module docstring).
        - Quiet-standing sway: centre-of-pressure RMS ~3-6 mm AP, ~2-4 mm ML at a centre of mass
          ~1 m high, i.e. 0.2-0.5 deg of whole-body lean (Prieto TE et al. 1996, "Measures of
          postural steadiness", IEEE Trans Biomed Eng 43(9):956-966).
        - Heel rise of a standing calf raise 5-10 cm (Lunsford BR & Perry J 1995, "The standing
          heel-rise test for ankle plantar flexion: criterion for normal", Phys Ther
          75(8):694-698; Hebert-Losier K et al. 2009, "Raising the standards of the calf-raise
          test: a systematic review", J Sci Med Sport 12(6):594-602); 10-15 cm from a step edge
          because the heel starts below the step (dorsiflexed 8-20 deg).
        - Raised-heel squat hip drop 30-45 cm with 110-130 deg knee flexion at depth (Hemmerich A
          et al. 2006, "Hip, knee, and ankle kinematics of high range of motion activities of daily
          living", J Orthop Res 24(4):770-781).
        - Gait: cadence 1.6-2.1 steps/s, step length 0.55-0.75 m, arm swing +-15-30 deg
          (Perry J & Burnfield JM 2010, "Gait Analysis: Normal and Pathological Function", 2nd ed.).
        - Breathing 12-18 breaths/min at rest; chest-wall tilt of a few tenths of a degree.
        """
        u = rng.uniform
        H = u(1.55, 1.95)
        foot = 0.152 * H
        lever = u(0.66, 0.74) * foot
        return Body(
            height=H, foot_lever=lever, ankle_x=u(0.68, 0.76) * lever, ankle_z=0.039 * H,
            shank=0.246 * H, thigh=0.245 * H, chest=u(0.70, 0.80) * 0.288 * H, shoulder=0.288 * H,
            arm=(0.186 + 0.146) * H * u(0.95, 1.0),
            alpha0=u(0.0, 3.0) * DEG, kappa0=u(0.0, 5.0) * DEG, gamma0=u(-3.0, 6.0) * DEG, delta0=u(0.0, 8.0) * DEG,
            sway_ap=u(0.2, 0.5) * DEG, sway_ml=u(0.15, 0.4) * DEG,
            c_alpha=u(20.0, 45.0) * DEG, c_gamma=u(-30.0, 30.0) * DEG,
            squat_k_alpha=u(0.5, 0.75), squat_k_gamma=u(0.3, 0.55), squat_heel=u(0.04, 0.08),
            step_height=u(0.12, 0.20), step_rest_theta=-u(8.0, 20.0) * DEG,
            breath_hz=u(0.2, 0.3), breath_pitch=u(0.3, 0.8) * DEG,
            cadence=u(1.6, 2.1), step_length=u(0.55, 0.75), arm_swing=u(15.0, 30.0) * DEG,
            wall_delta=u(60.0, 85.0) * DEG, wall_follow=u(0.05, 0.15), wall_turn=u(0.1, 0.3),
            tempo_cv=u(0.05, 0.15),
            amp_calf=u(0.05, 0.10), amp_step=u(0.10, 0.15), amp_single=u(0.045, 0.09), amp_squat=u(0.30, 0.45),
            hands_on_hips=bool(rng.random() < 0.5), hips_pitch=u(40.0, 80.0) * DEG, squat_beta0=u(8.0, 15.0) * DEG,
        )

    def theta_of_heel(self, h: np.ndarray) -> np.ndarray:
        """Foot pitch for heel height h (m, relative to the toe joints' level)."""
        return np.arcsin(np.clip(h / self.foot_lever, -0.95, 0.95))

    def squat_angles(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Increments (shank lean, thigh angle) from the stance that give hip drop d (m).

        Two-link leg with alpha = k beta: height = shank cos(alpha) + thigh cos(beta), measured from
        a soft-kneed stance beta0 (so the angles are smooth functions of d, no sqrt cusp at rest).
        """
        k, b0 = self.squat_k_alpha, self.squat_beta0
        beta_tab = np.linspace(b0, 1.9, 400)

        def height(b: np.ndarray) -> np.ndarray:
            return self.shank * np.cos(k * b) + self.thigh * np.cos(b)

        d_tab = height(np.array(b0)) - height(beta_tab)
        dbeta = np.interp(d, d_tab, beta_tab) - b0
        return k * dbeta, dbeta


# Sensor position on each segment, in the segment's frame (m), relative to its proximal joint.
def _sensor_offset(body: Body, placement: str) -> np.ndarray:
    return {
        "foot": np.array([-0.07, 0.0, 0.05]),  # on the laces, mid-foot, relative to the MTP
        "shank": np.array([0.04, 0.0, 0.6 * body.shank]),  # front of the shin, above the ankle
        "thigh": np.array([0.02, 0.09, 0.55 * body.thigh]),  # trouser pocket, measured from the knee
        "chest": np.array([0.11, 0.0, body.chest]),  # chest strap on the sternum, from the hip
        "wrist": np.array([0.0, 0.0, 0.0]),  # the wrist point itself
    }[placement]


def chain(body: Body, placement: str, J: dict[str, np.ndarray], wall_w: np.ndarray | None = None,
          hips_w: np.ndarray | None = None):
    """Segment orientation q (4,n quaternion), sensor position p (3,n) and pivot (3,n).

    J holds the joint-angle arrays (see module docstring) plus zbase/xbase (m, the floor the
    foot stands on: a step). The pivot is the joint the segment turns about in walking and
    fidgeting: MTP (foot), ankle (shank), hip (thigh, chest), shoulder (wrist).
    """
    n = J["theta"].shape[0]
    base = np.zeros((3, n))
    base[0] = J["xbase"]
    base[2] = J["zbase"]
    qf = qy(J["theta"])
    if placement == "foot":
        return qf, base + qrot(qf, _sensor_offset(body, "foot")), base
    ankle = base + qrot(qf, np.array([-body.ankle_x, 0.0, body.ankle_z]))
    qroll = qx(J["roll"])
    qs = qmul(qroll, qy(J["alpha"]))
    if placement == "shank":
        return qs, ankle + qrot(qs, _sensor_offset(body, "shank")), ankle
    knee = ankle + qrot(qs, np.array([0.0, 0.0, body.shank]))
    qt = qmul(qroll, qy(J["alpha"] - J["kappa"]))
    hip = knee + qrot(qt, np.array([0.0, 0.0, body.thigh]))
    if placement == "thigh":
        return qt, knee + qrot(qt, _sensor_offset(body, "thigh")), hip
    qc = qmul(qroll, qy(J["gamma"]))
    if placement == "chest":
        return qc, hip + qrot(qc, _sensor_offset(body, "chest")), hip
    shoulder = hip + qrot(qc, np.array([0.0, 0.0, body.shoulder]))
    delta = J["delta"]
    arm = np.stack([body.arm * np.sin(delta), 0 * delta, -body.arm * np.cos(delta)], 0)
    wrist = shoulder + qrot(qroll, arm)
    if wall_w is not None and np.any(wall_w > 0):
        # Hand on a wall: the hand stays (almost) where it is while the shoulder moves; the
        # forearm turns only by a fraction of the geometric arm rotation (elbow and wrist absorb it).
        sh_ref = _shoulder_neutral(body)
        w_fix = sh_ref + body.arm * 0.92 * np.array([np.sin(body.wall_delta), 0.0, -np.cos(body.wall_delta)])
        sh_rel = shoulder - base  # the wall is fixed relative to where the person stands
        pin = w_fix[:, None] + body.wall_follow * (sh_rel - sh_ref[:, None])
        u = pin - sh_rel
        d_geo = np.arctan2(u[0], -u[2])
        d_pin = body.wall_delta + body.wall_turn * (d_geo - body.wall_delta)
        w = wall_w
        wrist = (1 - w) * wrist + w * (pin + base)
        delta = (1 - wall_w) * delta + wall_w * d_pin
    qa = qmul(qroll, qy(-delta))
    if hips_w is not None and np.any(hips_w > 0):
        # Hands on the hips: the wrist rides on the pelvis and turns with the trunk.
        q_h = qmul(qc, qy(np.full(n, -body.hips_pitch)))
        p_h = hip + qrot(qc, np.array([0.03, 0.0, 0.06]))
        q_h = np.where((q_h * qa).sum(0) < 0, -q_h, q_h)
        qa = (1 - hips_w) * qa + hips_w * q_h
        qa /= np.sqrt((qa * qa).sum(0))
        wrist = (1 - hips_w) * wrist + hips_w * p_h
    return qa, wrist, shoulder


def _shoulder_neutral(body: Body) -> np.ndarray:
    a, k, g = body.alpha0, body.kappa0, body.gamma0
    ankle = np.array([-body.ankle_x, 0.0, body.ankle_z])
    knee = ankle + body.shank * np.array([np.sin(a), 0.0, np.cos(a)])
    hip = knee + body.thigh * np.array([np.sin(a - k), 0.0, np.cos(a - k)])
    return hip + body.shoulder * np.array([np.sin(g), 0.0, np.cos(g)])
