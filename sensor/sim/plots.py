"""Plots of simulated sessions: one figure per placement, signals with the true reps shaded.

    python -m sensor.sim.plots docs/placements
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from counting.events import PLACEMENTS
from sensor.sim.session import SimResult, simulate_session
from sensor.sim.spec import SessionSpec

ACT_COLORS = {"walking": "tab:orange", "fidget": "tab:purple", "sit_stand": "tab:brown",
              "dumbbells_pick_up": "tab:olive", "dumbbells_put_down": "tab:olive"}


def _shade(ax, tr, t0, lo=None, hi=None):
    for st in tr["sets"]:
        for r in st["reps"]:
            if lo is not None and (r["end_s"] - t0 < lo or r["start_s"] - t0 > hi):
                continue
            ax.axvspan(r["start_s"] - t0, r["end_s"] - t0, color="tab:red" if r["partial"] else "tab:green",
                       alpha=0.18, lw=0)


def plot_session(res: SimResult, path: str | Path, title: str | None = None, zoom_s: float = 30.0) -> None:
    """Whole session (acc, gyro, true movement curve with activities) and a zoom on the first set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s, tr = res.samples, res.truth
    t0 = s.t[0]
    t = s.t - t0
    gy = s.gyro is not None
    rows = 5 if gy else 3
    heights = [1.0, 1.0, 0.8, 1.0, 1.0][:rows] if gy else [1.0, 0.8, 1.0]
    fig, ax = plt.subplots(rows, 1, figsize=(13, 2.0 * rows + 1.2), gridspec_kw={"height_ratios": heights})
    ax_acc, ax_gyro = ax[0], (ax[1] if gy else None)
    ax_curve = ax[2] if gy else ax[1]
    colors = ["tab:blue", "tab:orange", "tab:green"]
    for i, c in enumerate("xyz"):
        ax_acc.plot(t, s.acc[:, i], lw=0.5, color=colors[i], label=f"a{c}")
    ax_acc.plot(t, np.linalg.norm(s.acc, axis=1), lw=0.5, color="k", alpha=0.6, label="|a|")
    ax_acc.set_ylabel("acc (m/s²)")
    ax_acc.legend(loc="upper right", ncol=4, fontsize=7)
    if gy:
        for i, c in enumerate("xyz"):
            ax_gyro.plot(t, s.gyro[:, i], lw=0.5, color=colors[i], label=f"g{c}")
        ax_gyro.set_ylabel("gyro (rad/s)")
        ax_gyro.legend(loc="upper right", ncol=3, fontsize=7)
    ct = res.curve_t - t0
    ax_curve.plot(ct, 100 * res.curve, color="k", lw=0.8)
    squat = tr["exercise"] == "raised_heel_squat"
    ax_curve.set_ylabel("true hip drop (cm)" if squat else "true heel rise (cm)", fontsize=8)
    ax_curve.set_xlabel("time (s from the first sample)", fontsize=8)
    top = 100 * max(res.curve.max(), 0.01)
    ax_curve.set_ylim(-0.05 * top, 1.35 * top)
    for act in tr["activities"]:
        col = ACT_COLORS.get(act["kind"], "tab:gray")
        ax_curve.axvspan(act["start_s"] - t0, act["end_s"] - t0, color=col, alpha=0.25, lw=0)
        if act["kind"] in ACT_COLORS:
            ax_curve.text(0.5 * (act["start_s"] + act["end_s"]) - t0, 1.15 * top,
                          act["kind"].replace("dumbbells_", "db ").replace("_", " "), ha="center", fontsize=7, color=col)
    for a in ax[: (3 if gy else 2)]:
        _shade(a, tr, t0)
        a.set_xlim(t[0], t[-1])
    # zoom: the first zoom_s seconds of the first set, each axis minus its median (small signals visible)
    st = tr["sets"][0]
    lo = st["start_s"] - t0 - 3.0
    hi = min(lo + zoom_s, st["end_s"] - t0 + 3.0)
    m = (t >= lo) & (t <= hi)
    za = ax[3] if gy else ax[2]
    for i, c in enumerate("xyz"):
        za.plot(t[m], s.acc[m, i] - np.median(s.acc[m, i]), lw=0.7, color=colors[i], label=f"a{c} - median")
    za.set_ylabel("acc, zoom (m/s²)", fontsize=8)
    za.legend(loc="upper right", ncol=3, fontsize=7)
    zs = [za]
    if gy:
        zg = ax[4]
        for i, c in enumerate("xyz"):
            zg.plot(t[m], s.gyro[m, i], lw=0.7, color=colors[i], label=f"g{c}")
        zg.set_ylabel("gyro, zoom (rad/s)", fontsize=8)
        zg.legend(loc="upper right", ncol=3, fontsize=7)
        zs.append(zg)
    for a in zs:
        _shade(a, tr, t0, lo, hi)
        a.set_xlim(lo, hi)
    zs[-1].set_xlabel(f"zoom on set 1 (s from the first sample)", fontsize=8)
    reps = [len(x["reps"]) for x in tr["sets"]]
    wm = f", wrist {tr['wrist_mode']}" if tr.get("wrist_mode") else ""
    gyro_txt = "" if gy else ", accelerometer only"
    fig.suptitle(title or f"SIMULATED  {tr['placement']}: {tr['exercise']}{wm}, {tr['rate_hz']:g} Hz{gyro_txt}, "
                 f"reps per set {reps}   (green = true reps, red = partial reps)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=85)
    plt.close(fig)


# One illustrative session per placement (short, so the reps are visible).
PLOT_SPECS = {
    "foot": SessionSpec(placement="foot", exercise="standing_calf_raise", n_sets=2, reps=8, rest_s=35,
                        disturbances=("walking", "fidget"), seed=11),
    "shank": SessionSpec(placement="shank", exercise="step_calf_raise", n_sets=2, reps=8, rest_s=35,
                         disturbances=("walking", "fidget"), seed=12),
    "thigh": SessionSpec(placement="thigh", exercise="single_leg_calf_raise", n_sets=2, reps=8, rest_s=40,
                         disturbances=("sit_stand", "fidget"), seed=13),
    "wrist": SessionSpec(placement="wrist", exercise="standing_calf_raise", wrist_mode="free", n_sets=2, reps=8,
                         rest_s=35, disturbances=("walking", "dumbbells"), seed=14),
    "chest": SessionSpec(placement="chest", exercise="raised_heel_squat", n_sets=2, reps=8, rest_s=35,
                         disturbances=("walking", "fidget"), seed=15),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "docs/placements")
    out.mkdir(parents=True, exist_ok=True)
    for placement in PLACEMENTS:
        res = simulate_session(PLOT_SPECS[placement])
        plot_session(res, out / f"{placement}.png")
        print(out / f"{placement}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
