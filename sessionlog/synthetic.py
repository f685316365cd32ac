"""Constructed sets and sessions (no sensor needed): for tests, benchmarks and demo logs.

These are NOT counter output; they are plausible SetSummary/Rep objects built from chosen
phase durations, so the log can be exercised before (and independently of) detection.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from counting.events import Rep, SetSummary, Tempo


def make_set(index: int = 0, *, reps: int = 15, start_s: float = 10.0, tempo=(1.0, 0.5, 2.0, 1.0),
             rom: float = 6.0, rom_unit: str = "cm", exercise: str | None = "standing_calf_raise",
             rest_before_s: float | None = None, partial_every: int = 0, fade: float = 0.0,
             rng: random.Random | None = None) -> SetSummary:
    """A set of `reps` reps with phase durations `tempo` = (concentric, top, eccentric, bottom)
    seconds; range of motion shrinks by `fade` (fraction) from first to last rep."""
    con, top, ecc, bottom = tempo
    rng = rng or random.Random(index)
    out = []
    t = start_s
    for i in range(reps):
        j = lambda x: max(0.05, x * (1 + rng.uniform(-0.08, 0.08)))  # noqa: E731
        c, h, e, b = j(con), j(top), j(ecc), j(bottom)
        r_rom = rom * (1 - fade * i / max(1, reps - 1)) * (1 + rng.uniform(-0.04, 0.04))
        partial = bool(partial_every) and (i + 1) % partial_every == 0
        if partial:
            r_rom *= 0.5
        last = i == reps - 1
        out.append(Rep(
            set_index=index, index=i + 1, start_s=t, end_s=t + c + h + e, peak_s=t + c + h / 2,
            concentric_s=c, top_hold_s=h, eccentric_s=e, bottom_pause_s=None if last else b,
            rom=r_rom, rom_unit=rom_unit, peak_velocity=r_rom / c * 1.6, sway_deg=rng.uniform(1, 4),
            partial=partial, exercise=exercise,
        ))
        t += c + h + e + (0 if last else b)
    n = len(out)
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    pauses = [r.bottom_pause_s for r in out if r.bottom_pause_s is not None]
    tempo_obj = Tempo(mean([r.eccentric_s for r in out]), mean(pauses) if pauses else 0.0,
                      mean([r.concentric_s for r in out]), mean([r.top_hold_s for r in out])) if n else None
    k = min(3, n)
    rom_loss = None
    tempo_change = None
    if n >= 2:
        first, lastr = mean([r.rom for r in out[:k]]), mean([r.rom for r in out[-k:]])
        rom_loss = 100.0 * (first - lastr) / first
        dur = lambda r: r.end_s - r.start_s  # noqa: E731
        tempo_change = mean([dur(r) for r in out[-k:]]) - mean([dur(r) for r in out[:k]])
    return SetSummary(
        index=index, start_s=out[0].start_s if out else start_s, end_s=out[-1].end_s if out else start_s,
        exercise=exercise, reps=tuple(out), rest_before_s=rest_before_s,
        time_under_tension_s=sum(r.end_s - r.start_s for r in out), tempo=tempo_obj, rom_unit=rom_unit,
        mean_rom=mean([r.rom for r in out]) if out else 0.0, rom_loss_pct=rom_loss, tempo_change_s=tempo_change,
    )


def make_session(*, sets: int = 4, reps: int = 15, rest_s: float = 90.0, seed: int = 0, **kw) -> list[SetSummary]:
    """`sets` consecutive sets separated by `rest_s` seconds of rest."""
    rng = random.Random(seed)
    out = []
    t = 5.0
    for i in range(sets):
        s = make_set(i, reps=reps, start_s=t, rest_before_s=None if i == 0 else rest_s, rng=rng, **kw)
        out.append(s)
        t = s.end_s + rest_s
    return out


def populate(db, *, weeks: int = 12, per_week: int = 3, sets: int = 4, reps: int = 15,
             end: datetime | None = None, seed: int = 1, load_kg: float | None = 10.0,
             body_weight_kg: float | None = 75.0, conn=None) -> int:
    """Fill a log with `weeks` of training that slowly improves (reps, range, load).
    Returns the number of sessions written."""
    from sessionlog.db import connect
    from sessionlog.store import save_session

    rng = random.Random(seed)
    end = end or datetime.now(timezone.utc)
    start = end - timedelta(weeks=weeks)
    own = conn is None
    conn = conn or connect(db)
    n = 0
    try:
        for w in range(weeks):
            days = sorted(rng.sample(range(7), per_week)) if per_week <= 7 else list(range(7))
            progress = w / max(1, weeks - 1)
            for d in days:
                when = start + timedelta(weeks=w, days=d, hours=rng.uniform(-2, 2))
                r = reps + int(round(3 * progress)) - rng.randint(0, 1)
                sess = make_session(
                    sets=sets, reps=max(1, r), seed=rng.randrange(1 << 30),
                    tempo=(1.0, 0.5 + 0.5 * progress, 2.0 + progress, 1.0),
                    rom=5.5 + 1.5 * progress, fade=0.15 - 0.1 * progress, partial_every=7 if progress < 0.3 else 0,
                )
                save_session(conn, sets=sess, started_at=when, device="Demo IMU", placement="shank",
                             source="import", load_kg=None if load_kg is None else round((load_kg + 5 * progress) / 2.5) * 2.5,
                             body_weight_kg=body_weight_kg)
                n += 1
    finally:
        if own:
            conn.close()
    return n


def write_recording_for(sets: list[SetSummary], path, *, rate_hz: float = 50.0, seed: int = 0) -> None:
    """A plain CSV recording whose up/down movement follows the constructed reps (smooth heel
    rise over `concentric_s`, hold, lower over `eccentric_s`), in a tilted sensor frame.
    Good enough to draw; not a substitute for the simulator."""
    import numpy as np

    from counting.samples import Samples
    from sensor.csv_reader import write_recording

    end = max(s.end_s for s in sets) + 5 if sets else 10.0
    t = np.arange(0.0, end, 1.0 / rate_hz)
    h = np.zeros_like(t)
    for s in sets:
        for r in s.reps:
            amp = r.rom / 100.0
            c0, c1 = r.start_s, r.start_s + (r.concentric_s or 0)
            e0 = c1 + (r.top_hold_s or 0)
            e1 = e0 + (r.eccentric_s or 0)
            up = (t >= c0) & (t < c1)
            h[up] = amp * 0.5 * (1 - np.cos(np.pi * (t[up] - c0) / max(c1 - c0, 1e-3)))
            h[(t >= c1) & (t < e0)] = amp
            dn = (t >= e0) & (t < e1)
            h[dn] = amp * 0.5 * (1 + np.cos(np.pi * (t[dn] - e0) / max(e1 - e0, 1e-3)))
    a_vert = np.gradient(np.gradient(h, t), t)
    rng = np.random.default_rng(seed)
    up = np.array([0.3, -0.2, 0.93])
    up /= np.linalg.norm(up)
    acc = (9.80665 + a_vert)[:, None] * up[None, :] + rng.normal(0, 0.03, (len(t), 3))
    gyro = rng.normal(0, 0.01, (len(t), 3))
    write_recording(path, Samples(t + 1000.0 - 1000.0, acc, gyro))


def demo_log(db, *, weeks: int = 8, seed: int = 1) -> int:
    """A demo log: `weeks` of constructed training ending yesterday, plus today's session
    with a synthetic recording next to the log (so `soleus plot` has a signal to draw)."""
    from pathlib import Path

    from sessionlog.store import save_session

    db = Path(db)
    end = datetime.now(timezone.utc) - timedelta(days=1)
    n = populate(db, weeks=weeks, end=end, seed=seed)
    sets = make_session(sets=3, reps=15, seed=seed, partial_every=7, fade=0.12, tempo=(1.0, 1.0, 3.0, 1.0), rom=7.0)
    rec = db.with_name("demo-session.csv")
    write_recording_for(sets, rec)
    save_session(db, sets=sets, started_at=datetime.now(timezone.utc) - timedelta(minutes=30), device="Demo IMU",
                 placement="shank", recording_path=rec, source="replay", load_kg=15.0, body_weight_kg=75.0,
                 notes="constructed demo session")
    return n + 1


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m sessionlog.synthetic DEMO.db   (fills a demo log with constructed sessions)")
    print(f"{demo_log(sys.argv[1])} constructed sessions written to {sys.argv[1]}")
