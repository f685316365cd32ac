"""What the counting core reports: reps, set boundaries, and their JSON form.

Times are seconds on the recording's own `t` axis. Phase definitions follow
shared/interface.md section 3 (10%/90% crossings of the rep's amplitude).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Union

EXERCISES = ("standing_calf_raise", "step_calf_raise", "single_leg_calf_raise", "raised_heel_squat")
PLACEMENTS = ("foot", "shank", "thigh", "wrist", "chest")


@dataclass(frozen=True)
class Rep:
    """One repetition.

    rom is the range of motion in `rom_unit`: "cm" (heel rise or hip drop, where the
    placement allows a physical estimate), "deg" (segment tilt) or "rel" (relative).
    peak_velocity is in rom_unit per second (None where not meaningful).
    amplitude_deg is the sensor's tilt between rest and the extreme (deg); vertical_cm the
    sensor's own vertical travel (+ up, cm) from double integration, or None.
    sway_deg is the RMS wobble of the segment's tilt across the movement direction, degrees.
    bottom_pause_s (calf raises) / top_hold_s (squats) is None until the next rep of the set
    starts, and stays None for the last rep of a set.
    """

    set_index: int
    index: int
    start_s: float
    end_s: float
    peak_s: float
    concentric_s: float | None
    top_hold_s: float | None
    eccentric_s: float | None
    bottom_pause_s: float | None
    rom: float
    rom_unit: str
    peak_velocity: float | None
    sway_deg: float | None
    partial: bool
    exercise: str | None
    amplitude_deg: float | None = None
    vertical_cm: float | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}


@dataclass(frozen=True)
class Tempo:
    """Mean phase durations in seconds, written eccentric-bottom-concentric-top."""

    eccentric_s: float
    bottom_s: float
    concentric_s: float
    top_s: float

    def notation(self) -> str:
        def f(x: float) -> str:
            r = round(x * 2) / 2  # half-second steps read like a lifting tempo
            return str(int(r)) if r == int(r) else f"{r:.1f}"

        return "-".join(f(x) for x in (self.eccentric_s, self.bottom_s, self.concentric_s, self.top_s))

    @staticmethod
    def parse(text: str) -> "Tempo":
        """Parse '3-1-1-2' (seconds, eccentric-bottom-concentric-top)."""
        parts = text.strip().split("-")
        if len(parts) != 4:
            raise ValueError(f"tempo {text!r} must have four parts like 3-1-1-2")
        try:
            vals = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"tempo {text!r} must be four numbers like 3-1-1-2") from None
        if any(v < 0 or v > 30 for v in vals):
            raise ValueError(f"tempo {text!r}: each phase must be 0-30 s")
        return Tempo(*vals)


@dataclass(frozen=True)
class SetSummary:
    """A finished set. Fatigue compares the first and last reps (up to 3 each)."""

    index: int
    start_s: float
    end_s: float
    exercise: str | None
    reps: tuple[Rep, ...]
    rest_before_s: float | None
    time_under_tension_s: float
    tempo: Tempo | None
    rom_unit: str
    mean_rom: float
    rom_loss_pct: float | None
    tempo_change_s: float | None
    snr: float | None = None
    local_snr: float | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        """The set in the `soleus analyze --json` schema plus extra keys."""
        return {
            "start_s": round(self.start_s, 4),
            "end_s": round(self.end_s, 4),
            "exercise": self.exercise,
            "reps": [r.to_dict() for r in self.reps],
            "rep_count": len(self.reps),
            "duration_s": round(self.duration_s, 4),
            "rest_before_s": None if self.rest_before_s is None else round(self.rest_before_s, 4),
            "time_under_tension_s": round(self.time_under_tension_s, 4),
            "tempo": None if self.tempo is None else self.tempo.notation(),
            "tempo_s": None if self.tempo is None else {k: round(v, 4) for k, v in asdict(self.tempo).items()},
            "rom_unit": self.rom_unit,
            "mean_rom": round(self.mean_rom, 4),
            "rom_loss_pct": None if self.rom_loss_pct is None else round(self.rom_loss_pct, 2),
            "tempo_change_s": None if self.tempo_change_s is None else round(self.tempo_change_s, 4),
        }


@dataclass(frozen=True)
class RepCompleted:
    """Emitted as soon as a rep has ended (live). Its `partial` flag is provisional
    (judged against the reps so far); the final flag is in the SetEnded summary."""

    rep: Rep


@dataclass(frozen=True)
class RepTentative:
    """A movement that looks like a rep, reported as soon as it ends, before enough reps
    in a row confirm a set (min_set_reps). Shown live as a provisional count; it becomes
    a RepCompleted when the set is confirmed, or is dropped silently."""

    rep: Rep
    pending: int


@dataclass(frozen=True)
class SetStarted:
    set_index: int
    start_s: float
    exercise: str | None


@dataclass(frozen=True)
class SetEnded:
    summary: SetSummary


Event = Union[RepTentative, RepCompleted, SetStarted, SetEnded]


def session_to_dict(sets: list[SetSummary], **extra) -> dict:
    """The whole `soleus analyze --json` document."""
    doc = {"sets": [s.to_dict() for s in sets]}
    doc.update(extra)
    return doc
