"""Pictures for people: one session (the movement with each rep and its phases) and the
weekly trends. Drawn with matplotlib's Agg backend (no display needed)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from sessionlog.db import LogError

PHASES = (  # (rep key, label, colour)
    ("concentric_s", "rising (up)", "#2a9d8f"),
    ("top_hold_s", "hold at top", "#e9c46a"),
    ("eccentric_s", "lowering (down)", "#457b9d"),
    ("bottom_pause_s", "pause at bottom", "#c7c7c7"),
)
SQUAT_ORDER = ("eccentric_s", "bottom_pause_s", "concentric_s", "top_hold_s")
MAX_SET_PANELS = 6


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _vertical_movement(t: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """Acceleration along gravity minus gravity (m/s^2), smoothed: what moving up and down
    looks like, whatever way the sensor is worn."""
    if len(t) < 3:
        return np.zeros(len(t))
    dt = float(np.median(np.diff(t))) or 0.01

    def smooth(x, seconds):
        k = max(1, int(round(seconds / dt)))
        if k <= 1:
            return x
        kernel = np.ones(k) / k
        pad = np.pad(x, ((k // 2, k - 1 - k // 2),) + ((0, 0),) * (x.ndim - 1), mode="edge")
        if x.ndim == 1:
            return np.convolve(pad, kernel, mode="valid")
        return np.stack([np.convolve(pad[:, i], kernel, mode="valid") for i in range(x.shape[1])], axis=1)

    g = smooth(acc, 3.0)
    gn = np.linalg.norm(g, axis=1, keepdims=True)
    gn[gn == 0] = 1
    vert = np.sum(acc * (g / gn), axis=1) - gn[:, 0]
    return smooth(vert, 0.12)


def _phase_spans(rep: dict, squat: bool):
    """(start, end, colour) of each defined phase inside a rep, in order of occurrence."""
    order = SQUAT_ORDER if squat else ("concentric_s", "top_hold_s", "eccentric_s")
    colours = {k: c for k, _, c in PHASES}
    spans, t = [], rep["start_s"]
    for k in order:
        d = rep.get(k)
        if d is None or k == ("bottom_pause_s" if not squat else "top_hold_s"):
            continue
        spans.append((t, t + d, colours[k]))
        t += d
    return spans


def _load_signal(path: str | None):
    if not path:
        return None, "no recording was saved with this session"
    if not Path(path).exists():
        return None, f"recording not found: {path}"
    from sensor.sources import open_recording

    try:
        s = open_recording(path).read_all()
    except Exception as exc:  # noqa: BLE001 - the plot still shows the reps
        return None, f"recording could not be read: {exc}"
    return s, None


def plot_session(d: dict, out: str | Path) -> None:
    """The session `d` (sessionlog.store.session_dict) as a PNG at `out`."""
    plt = _plt()
    from matplotlib.patches import Patch

    sets = d["sets"]
    samples, problem = _load_signal(d.get("recording_path"))
    squat = any(s["exercise"] == "raised_heel_squat" for s in sets)
    shown = sets[:MAX_SET_PANELS]
    n_rows = 1 + len(shown) + 1
    heights = [1.3] + [1.6] * len(shown) + [2.0]
    fig, axes = plt.subplots(n_rows, 1, figsize=(12, sum(heights) + 1.2), gridspec_kw={"height_ratios": heights})
    fig.suptitle(_title(d), fontsize=13, fontweight="bold", x=0.01, ha="left")

    vert = None
    if samples is not None and len(samples):
        vert = _vertical_movement(samples.t, samples.acc)

    # 1. overview: the whole session, sets shaded
    ax = axes[0]
    if vert is not None:
        ax.plot(samples.t, vert, color="#555", lw=0.5)
    for s in sets:
        ax.axvspan(s["start_s"], s["end_s"], color="#2a9d8f", alpha=0.18, lw=0)
        ax.text((s["start_s"] + s["end_s"]) / 2, 1.02, f"Set {s['idx'] + 1}: {s['rep_count']} reps", ha="center",
                va="bottom", fontsize=9, fontweight="bold", transform=ax.get_xaxis_transform())
    if vert is None:
        ax.set_yticks([])
        ax.text(0.5, 0.4, problem, transform=ax.transAxes, ha="center", va="center", color="#a00", fontsize=10)
        if sets:
            ax.set_xlim(min(s["start_s"] for s in sets) - 5, max(s["end_s"] for s in sets) + 5)
    ax.set_title("Whole session (shaded = sets)", loc="left", fontsize=10, pad=16)
    ax.set_xlabel("time in recording (s)")
    ax.set_ylabel("movement\n(m/s²)" if vert is not None else "")

    # 2. one panel per set: reps shaded by phase
    for ax, s in zip(axes[1:1 + len(shown)], shown):
        lo, hi = s["start_s"] - 2, s["end_s"] + 2
        if vert is not None:
            m = (samples.t >= lo) & (samples.t <= hi)
            ax.plot(samples.t[m], vert[m], color="#222", lw=1.0)
        for r in s["reps"]:
            for a, b, c in _phase_spans(r, squat):
                ax.axvspan(a, b, color=c, alpha=0.55 if not r["partial"] else 0.25, lw=0)
            ax.axvline(r["start_s"], color="#888", lw=0.5)
            label = str(r["idx"]) + ("\npartial" if r["partial"] else "")
            ax.text((r["start_s"] + r["end_s"]) / 2, 1.0, label, transform=ax.get_xaxis_transform(), ha="center",
                    va="bottom", fontsize=7, color="#b00" if r["partial"] else "#333")
        ax.set_xlim(lo, hi)
        if vert is None:
            ax.set_yticks([])
        else:
            ax.set_ylabel("up/down movement\n(m/s²)")
        ex = (s["exercise"] or "exercise unknown").replace("_", " ")
        fixed = f" (corrected; the counter found {s['counted_reps']})" if s["rep_count"] != s["counted_reps"] else ""
        ax.set_title(f"Set {s['idx'] + 1}: {s['rep_count']} reps{fixed}, {ex}, tempo {s['tempo'] or '-'} "
                     f"(down-bottom-up-top s)", loc="left", fontsize=10, pad=22)
    if len(sets) > len(shown):
        axes[len(shown)].set_xlabel(f"(+{len(sets) - len(shown)} more sets not drawn)")
    handles = [Patch(color=c, alpha=0.7, label=l) for k, l, c in PHASES]
    fig.legend(handles=handles, loc="upper right", fontsize=9, ncol=4, frameon=False, title="phases of a rep:",
               title_fontsize=9, bbox_to_anchor=(0.995, 0.995))

    # 3. per rep: phase durations (stacked) and range of motion
    ax = axes[-1]
    reps = [(s, r) for s in sets for r in s["reps"]]
    x = np.arange(len(reps))
    bottom = np.zeros(len(reps))
    for k, label, colour in PHASES:
        vals = np.array([r[k] if r[k] is not None else 0.0 for _, r in reps])
        ax.bar(x, vals, bottom=bottom, color=colour, label=label, width=0.8)
        bottom += vals
    ax.set_ylabel("seconds per rep")
    ax.set_xlabel("rep (sets separated by dotted lines)")
    ax.set_title("Each rep: how long each phase took (bars) and how high it went (line)", loc="left", fontsize=10)
    edges = np.cumsum([len(s["reps"]) for s in sets])[:-1]
    for e in edges:
        ax.axvline(e - 0.5, color="#444", ls=":", lw=1)
    ax.set_xticks(x[:: max(1, len(x) // 30)] if len(x) else [])
    ax.set_xticklabels([str(r["idx"]) for _, r in reps][:: max(1, len(x) // 30)] if len(x) else [])
    if reps:
        ax.set_ylim(0, max(bottom.max() * 1.35, 1))
        ax2 = ax.twinx()
        rom = np.array([r["rom"] for _, r in reps])
        ax2.plot(x, rom, color="#e76f51", marker="o", ms=3, lw=1.5, label="range of motion")
        part = np.array([r["partial"] for _, r in reps], dtype=bool)
        if part.any():
            ax2.plot(x[part], rom[part], "x", color="#b00", ms=8, mew=2, label="partial rep")
        ax2.set_ylim(0, max(rom.max() * 1.25, 1e-6))
        ax2.set_ylabel(f"range of motion ({reps[0][1]['rom_unit']})", color="#e76f51")
        ax2.legend(loc="upper right", fontsize=8, framealpha=0.9)
    fig.tight_layout(rect=(0, 0, 1, 0.985))
    _save(fig, out, plt)


def _title(d: dict) -> str:
    from sessionlog.queries import utc_to_local_str

    load = "body weight" if not d.get("load_kg") else f"+{d['load_kg']:g} kg"
    return (f"Session {d['id']} on {utc_to_local_str(d['started_at'])}: {len(d['sets'])} sets, "
            f"{d['rep_count']} reps, {load}")


def plot_history(h: dict, out: str | Path) -> None:
    """Weekly trends (sessionlog.queries.history) as a PNG at `out`."""
    plt = _plt()
    weeks = h["weeks"]
    if not weeks:
        raise LogError("no weeks to plot")
    from datetime import date, timedelta

    xs = [date.fromisoformat(w["week"]) for w in weeks]
    fig, axes = plt.subplots(2, 2, figsize=(13, 8), sharex=True)
    lo, hi = h["target_sessions_per_week"]
    width = 5 if len(xs) < 60 else 6
    fig.suptitle(f"Training over {len(weeks)} weeks: are the calves getting stronger?", fontsize=14,
                 fontweight="bold", x=0.01, ha="left")
    if date.fromisoformat(weeks[-1]["week"]) + timedelta(days=7) > date.today():
        fig.text(0.99, 0.975, "the last week is still in progress", ha="right", va="top", fontsize=9, color="#666")

    ax = axes[0, 0]
    colours = ["#2a9d8f" if w["target"] != "below" else "#e76f51" for w in weeks]
    ax.bar(xs, [w["sessions"] for w in weeks], width=width, color=colours)
    ax.axhspan(lo, hi, color="#2a9d8f", alpha=0.12)
    ax.text(xs[0], hi, f" target {lo}-{hi} a week", va="bottom", fontsize=9, color="#1d6b62")
    ax.set_title("Sessions per week (red = below target)", loc="left")
    ax.set_ylim(0, max(hi + 1, max(w["sessions"] for w in weeks) + 1))

    ax = axes[0, 1]
    ax.bar(xs, [w["reps"] for w in weeks], width=width, color="#457b9d", label="reps")
    ax.set_title("Reps per week (bars) and time under tension (line)", loc="left")
    ax.set_ylabel("reps")
    ax2 = ax.twinx()
    ax2.plot(xs, [w["time_under_tension_s"] / 60 for w in weeks], color="#e9a03b", marker="o", ms=3, lw=2)
    ax2.set_ylabel("minutes under tension", color="#b87514")
    ax2.set_ylim(bottom=0)

    ax = axes[1, 0]
    vol = [w["volume_load_kg"] for w in weeks]
    if any(v for v in vol):
        ax.plot(xs, [v / 1000 if v else np.nan for v in vol], color="#6a4c93", marker="o", ms=3, lw=2)
        ax.set_ylabel("tonnes (reps x load)")
        ax.set_ylim(bottom=0)
    else:
        ax.text(0.5, 0.5, "no load recorded\n(add --load / --body-weight with soleus edit)", ha="center",
                va="center", transform=ax.transAxes)
    ax.set_title("Volume load per week", loc="left")

    ax = axes[1, 1]
    rom = [w["mean_rom"] for w in weeks]
    unit = next((w["rom_unit"] for w in weeks if w["rom_unit"]), "")
    if any(r is not None for r in rom):
        ax.plot(xs, [np.nan if r is None else r for r in rom], color="#e76f51", marker="o", ms=3, lw=2)
        ax.set_ylabel(f"mean range of motion ({unit})")
        ax.set_ylim(bottom=0)
    trend = h["summary"]["rom_trend"]
    ax.set_title("Range of motion (higher = fuller reps)" + (f": {trend.split(' (')[0]}" if trend else ""), loc="left")
    for a in axes[1]:
        for label in a.get_xticklabels():
            label.set_rotation(30)
            label.set_ha("right")
    for a in axes.flat:
        a.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    _save(fig, out, plt)


def _save(fig, out, plt) -> None:
    out = Path(out)
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    try:
        fig.savefig(tmp, dpi=110)
        tmp.replace(out)
    except OSError as exc:
        if tmp.exists():
            tmp.unlink()
        raise LogError(f"{out}: cannot write the image: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
