"""Plain-text rendering of counting results for the terminal."""
from __future__ import annotations

import math
import sys
from pathlib import Path

from counting.events import Rep, SetSummary


def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def format_rep_line(rep: Rep) -> str:
    """One line per rep, as printed live."""
    return (
        f"  rep {rep.index:>2}  {rep.start_s:8.2f}-{rep.end_s:8.2f} s  "
        f"up {_f(rep.concentric_s)}  top {_f(rep.top_hold_s)}  down {_f(rep.eccentric_s)}  "
        f"rom {rep.rom:.1f} {rep.rom_unit}{'  PARTIAL' if rep.partial else ''}"
    )


def correction_note(shown: int, rep: Rep) -> str:
    """What to add to a live rep line when the count jumps from `shown` (not by one): the
    counter switched to its other channel's count of the set (counting/arbiter.py)."""
    if shown and rep.index != shown + 1:
        return f"  (count corrected from {shown})"
    return ""


def set_end_line(s: SetSummary) -> str:
    """The line printed live when a set's final summary comes."""
    return f"set {s.index + 1} ended: {len(s.reps)} reps, tempo {s.tempo.notation() if s.tempo else '-'}"


class LiveSetCounts:
    """The count shown live for each set in progress, to say at the set's end when the final
    count differs: the final sets are chosen 20-35 s later from both channels' whole sets
    (counting/merge.py), the live count from their sets so far (counting/arbiter.py), and a
    set's unlike first or last movement is only dropped when it closes (counting/sets.py)."""

    def __init__(self) -> None:
        self._counts: dict[float, int] = {}  # by the set's start (s)
        self._current: float | None = None

    def started(self, start_s: float) -> None:
        self._counts[start_s] = 0
        self._current = start_s

    def shown(self) -> int:
        """The count shown for the set in progress (0: none)."""
        return self._counts.get(self._current, 0) if self._current is not None else 0

    def rep(self, count: int) -> None:
        if self._current is not None:
            self._counts[self._current] = count

    def ended(self, summary: SetSummary) -> str:
        """What to add to the set-end line. The summary may come after the next set started."""
        live = sum(self._counts.pop(t0) for t0 in [t0 for t0 in self._counts if t0 <= summary.end_s])
        if self._current is not None and self._current <= summary.end_s:
            self._current = None
        if live == 0:
            return " (found afterwards, from the body's rise)"
        if live != len(summary.reps):
            return f" (counted {live} live)"
        return ""


def render_sets_table(sets: list[SetSummary], title: str = "") -> str:
    """A per-set, per-rep table."""
    lines = []
    if title:
        lines.append(title)
    if not sets:
        lines.append("no sets found")
        return "\n".join(lines)
    total = sum(len(s.reps) for s in sets)
    lines.append(f"{len(sets)} set(s), {total} rep(s)")
    for s in sets:
        lines.append("")
        rest = f", rest before {s.rest_before_s:.0f} s" if s.rest_before_s is not None else ""
        lines.append(
            f"Set {s.index + 1}: {len(s.reps)} reps, {s.exercise or 'exercise unknown'}, "
            f"{s.start_s:.1f}-{s.end_s:.1f} s ({s.duration_s:.0f} s){rest}"
        )
        lines.append(
            f"  tempo {s.tempo.notation() if s.tempo else '-'} (ecc-bottom-con-top), "
            f"time under tension {s.time_under_tension_s:.1f} s, mean range {s.mean_rom:.1f} {s.rom_unit}"
        )
        if s.rom_loss_pct is not None:
            lines.append(f"  fatigue: range {-s.rom_loss_pct:+.0f}% first->last reps, tempo {_f(s.tempo_change_s, '{:+.2f}')} s per rep")
        lines.append(f"  {'rep':>3} {'start':>8} {'end':>8} {'con':>5} {'top':>5} {'ecc':>5} {'pause':>5} {'rom':>7} {'sway':>5}")
        for r in s.reps:
            lines.append(
                f"  {r.index:>3} {r.start_s:8.2f} {r.end_s:8.2f} {_f(r.concentric_s):>5} {_f(r.top_hold_s):>5} "
                f"{_f(r.eccentric_s):>5} {_f(r.bottom_pause_s):>5} {r.rom:5.1f}{r.rom_unit:>2} {_f(r.sway_deg, '{:.1f}'):>5}"
                + ("  partial" if r.partial else "")
            )
    return "\n".join(lines)


def json_safe(obj):
    """The document with NaN/inf floats replaced by null, so stdout stays valid JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def print_warnings(path: Path, warnings: list[str], sets: list[SetSummary]) -> None:
    """Warnings go to stderr so --json stdout stays one clean document."""
    for w in warnings:
        print(f"soleus: warning: {path}: {w}", file=sys.stderr)
    if not sets:
        print(f"soleus: warning: {path}: no reps found (no movement that looks like calf raises)", file=sys.stderr)
