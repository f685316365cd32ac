"""Form flags for a rep: short notes a person understands, from the counter's metrics."""
from __future__ import annotations

SWAY_WOBBLY_DEG = 6.0        # RMS side-to-side tilt above this: balance is off
FAST_ECCENTRIC_S = 1.0       # lowering faster than this: dropping, not controlling
NO_TOP_HOLD_S = 0.15         # no pause at the top
BOUNCE_S = 0.15              # no pause at the bottom (bouncing off the stretch)


def rep_flags(rep: dict) -> list[str]:
    """Flags for one rep (a dict with the Rep fields); empty when the rep looks fine."""
    flags = []
    if rep.get("partial"):
        flags.append("partial")
    ecc = rep.get("eccentric_s")
    if ecc is not None and ecc < FAST_ECCENTRIC_S:
        flags.append("fast down")
    if rep.get("exercise") == "raised_heel_squat":  # holds mean other things for squats
        if rep.get("sway_deg") is not None and rep["sway_deg"] > SWAY_WOBBLY_DEG:
            flags.append("wobbly")
        return flags
    top = rep.get("top_hold_s")
    if top is not None and top < NO_TOP_HOLD_S:
        flags.append("no top hold")
    pause = rep.get("bottom_pause_s")
    if pause is not None and pause < BOUNCE_S:
        flags.append("bounce")
    sway = rep.get("sway_deg")
    if sway is not None and sway > SWAY_WOBBLY_DEG:
        flags.append("wobbly")
    return flags
