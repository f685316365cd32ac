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


def plot_session(res: SimResult, path: str | Path, title: str | None = None, window: tuple[float, float] | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s, tr = res.samples, res.truth
    t0 = s.t[0]
    t = s.t - t0
    sel = slice(None) if window is None else (t >= window[0]) & (t <= window[1])
    rows = 3 if s.gyro is not None else 2
    fig, ax = plt.subplots(rows, 1, figsize=(13, 2.4 * rows + 0.8), sharex=True)
    for i, c in enumerate("xyz"):
        ax[0].plot(t[sel], s.acc[sel, i], lw=0.6, label=f"a{c}")
    ax[0].plot(t[sel], np.linalg.norm(s.acc[sel], axis=1), lw=0.6, color="k", alpha=0.6, label="|a|")
    ax[0].set_ylabel("acc (m/s²)")
    ax[0].legend(loc="upper right", ncol=4, fontsize=7)
    if s.gyro is not None:
        for i, c in enumerate("xyz"):
            ax[1].plot(t[sel], s.gyro[sel, i], lw=0.6, label=f"g{c}")
        ax[1].set_ylabel("gyro (rad/s)")
        ax[1].legend(loc="upper right", ncol=3, fontsize=7)
    ct = res.curve_t - t0
    csel = slice(None) if window is None else (ct >= window[0]) & (ct <= window[1])
    ax[-1].plot(ct[csel], 100 * res.curve[csel], color="k", lw=0.8)
    ax[-1].set_ylabel("hip drop (cm)" if tr["exercise"] == "raised_heel_squat" else "heel rise (cm)")
    ax[-1].set_xlabel("time (s from the first sample)")
    for st in tr["sets"]:
        for r in st["reps"]:
            for a in ax:
                a.axvspan(r["start_s"] - t0, r["end_s"] - t0, color="tab:green" if not r["partial"] else "tab:red",
                          alpha=0.18, lw=0)
    for act in tr["activities"]:
        col = ACT_COLORS.get(act["kind"])
        if col:
            ax[-1].axvspan(act["start_s"] - t0, act["end_s"] - t0, color=col, alpha=0.25, lw=0)
            ax[-1].text(0.5 * (act["start_s"] + act["end_s"]) - t0, ax[-1].get_ylim()[1] * 0.85,
                        act["kind"].replace("dumbbells_", "db "), ha="center", fontsize=7, color=col)
    if window is not None:
        ax[-1].set_xlim(*window)
    reps = [len(x["reps"]) for x in tr["sets"]]
    wm = f", wrist {tr['wrist_mode']}" if tr.get("wrist_mode") else ""
    fig.suptitle(title or f"{tr['placement']}: {tr['exercise']}{wm}, {tr['rate_hz']:g} Hz, sets {reps} "
                 "(green = true reps, red = partial; bottom: activities)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
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
