"""Summaries over weeks: what a person asks after a month of training.

Weeks are ISO weeks (Monday to Sunday) in local time. One SQL pass over the per-set
rows (reps are already aggregated per set at save time), grouped in Python, so five
years of sessions answer in a few milliseconds.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

TARGET_SESSIONS_PER_WEEK = (2, 3)


@dataclass
class _Acc:
    sessions: set
    sets: int = 0
    reps: int = 0
    partial: int = 0
    tut: float = 0.0
    volume: float = 0.0
    volume_known: bool = False
    tempo_w: float = 0.0
    tempo_sum: tuple = (0.0, 0.0, 0.0, 0.0)
    rom_w: dict = None
    best: dict | None = None


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _fmt_tempo(t: tuple[float, float, float, float]) -> str:
    def f(x: float) -> str:
        r = round(x * 2) / 2
        return str(int(r)) if r == int(r) else f"{r:.1f}"

    return "-".join(f(x) for x in t)


def set_load(set_load_kg, session_load_kg, body_weight_kg) -> float | None:
    """Load moved in a set: body weight (if known) + external load (set, else session).
    None when neither is known, so volume load is never a made-up number."""
    ext = set_load_kg if set_load_kg is not None else session_load_kg
    if ext is None and body_weight_kg is None:
        return None
    return (body_weight_kg or 0.0) + (ext or 0.0)


def history(conn: sqlite3.Connection, *, weeks: int | None = 12, today: date | None = None) -> dict:
    """Per-week training summary, oldest first, covering the last `weeks` weeks up to `today`
    (None: every week from the first session). Empty weeks are included: missing the 2-3
    sessions target is the point."""
    today = today or datetime.now().date()
    this_week = week_start(today)
    first_week = None if weeks is None else this_week - timedelta(weeks=weeks - 1)
    since_ts = None
    if first_week is not None:
        since_ts = datetime.combine(first_week, datetime.min.time()).astimezone().timestamp()
    rows = conn.execute(
        """SELECT s.id AS session_id, s.started_ts, s.load_kg AS s_load, s.body_weight_kg AS bw,
                  t.idx, t.exercise, t.load_kg AS t_load, t.rep_count, t.partial_reps, t.time_under_tension_s,
                  t.tempo_eccentric_s, t.tempo_bottom_s, t.tempo_concentric_s, t.tempo_top_s,
                  t.rom_unit, t.mean_rom
           FROM sessions s LEFT JOIN sets t ON t.session_id = s.id
           WHERE (? IS NULL OR s.started_ts >= ?)
           ORDER BY s.started_ts""",
        (since_ts, since_ts),
    ).fetchall()
    acc: dict[date, _Acc] = {}
    to_local = datetime.fromtimestamp
    for r in rows:
        wk = week_start(to_local(r[1]).date())
        a = acc.get(wk)
        if a is None:
            a = acc[wk] = _Acc(sessions=set(), rom_w={})
        a.sessions.add(r[0])
        if r[4] is None:  # a session without sets
            continue
        reps = r[7]
        a.sets += 1
        a.reps += reps
        a.partial += r[8]
        a.tut += r[9]
        load = set_load(r[6], r[2], r[3])
        if load is not None:
            a.volume += reps * load
            a.volume_known = True
        if r[10] is not None and reps:
            a.tempo_w += reps
            a.tempo_sum = tuple(x + reps * y for x, y in zip(a.tempo_sum, (r[10], r[11], r[12], r[13])))
        if reps:
            w, tot = a.rom_w.get(r[14], (0, 0.0))
            a.rom_w[r[14]] = (w + reps, tot + reps * r[15])
        score = (reps * (load or 0.0), reps, r[9])
        if a.best is None or score > a.best["_score"]:
            a.best = {"_score": score, "session_id": r[0], "set": r[4] + 1, "reps": reps, "load_kg": load,
                      "exercise": r[5], "time_under_tension_s": round(r[9], 1)}
    if first_week is None:
        first_week = min(acc) if acc else this_week
    out = []
    wk = first_week
    prev_rom: dict[str, float] = {}
    while wk <= this_week:
        a = acc.get(wk)
        n = len(a.sessions) if a else 0
        lo, hi = TARGET_SESSIONS_PER_WEEK
        entry = {
            "week": wk.isoformat(),
            "iso_week": f"{wk.isocalendar()[0]}-W{wk.isocalendar()[1]:02d}",
            "sessions": n,
            "target": "below" if n < lo else "above" if n > hi else "met",
            "sets": a.sets if a else 0,
            "reps": a.reps if a else 0,
            "partial_reps": a.partial if a else 0,
            "time_under_tension_s": round(a.tut, 1) if a else 0.0,
            "volume_load_kg": round(a.volume, 1) if a and a.volume_known else None,
            "mean_tempo": None,
            "mean_tempo_s": None,
            "mean_rom": None,
            "rom_unit": None,
            "rom_change_pct": None,
            "best_set": None,
        }
        if a and a.tempo_w:
            t = tuple(x / a.tempo_w for x in a.tempo_sum)
            entry["mean_tempo"] = _fmt_tempo(t)
            entry["mean_tempo_s"] = dict(zip(("eccentric", "bottom", "concentric", "top"), (round(x, 2) for x in t)))
        if a and a.rom_w:
            unit, (w, tot) = max(a.rom_w.items(), key=lambda kv: kv[1][0])
            rom = tot / w
            entry["mean_rom"], entry["rom_unit"] = round(rom, 2), unit
            if unit in prev_rom and prev_rom[unit]:
                entry["rom_change_pct"] = round(100.0 * (rom - prev_rom[unit]) / abs(prev_rom[unit]), 1)
            prev_rom[unit] = rom
        if a and a.best:
            entry["best_set"] = {k: v for k, v in a.best.items() if not k.startswith("_")}
        out.append(entry)
        wk += timedelta(weeks=1)
    active = [e for e in out if e["sessions"]]
    summary = {
        "weeks": len(out),
        "sessions": sum(e["sessions"] for e in out),
        "weeks_on_target": sum(1 for e in out if e["target"] != "below"),
        "reps": sum(e["reps"] for e in out),
        "rom_trend": _rom_trend(active),
    }
    return {"target_sessions_per_week": list(TARGET_SESSIONS_PER_WEEK), "summary": summary, "weeks": out}


def _rom_trend(active: list[dict]) -> str | None:
    """Compare the mean range of motion of the first and last third of active weeks."""
    pts = [e for e in active if e["mean_rom"] is not None]
    if len(pts) < 3:
        return None
    unit = pts[-1]["rom_unit"]
    pts = [e for e in pts if e["rom_unit"] == unit]
    k = max(1, len(pts) // 3)
    first = sum(e["mean_rom"] for e in pts[:k]) / k
    last = sum(e["mean_rom"] for e in pts[-k:]) / k
    if not first:
        return None
    change = 100.0 * (last - first) / abs(first)
    word = "up" if change > 3 else "down" if change < -3 else "steady"
    return f"{word} ({change:+.0f}%, {first:.1f} -> {last:.1f} {unit})"


def parse_date(text: str) -> date:
    """YYYY-MM-DD (or an ISO date-time), else a one-line LogError."""
    from sessionlog.db import LogError

    try:
        return datetime.fromisoformat(text.strip()).date()
    except ValueError:
        raise LogError(f"date {text!r} does not parse; use YYYY-MM-DD, e.g. 2026-01-31") from None


def date_to_ts(d: date) -> float:
    return datetime.combine(d, datetime.min.time()).astimezone().timestamp()


def utc_to_local_str(iso: str) -> str:
    dt = datetime.fromisoformat(iso)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone().strftime("%Y-%m-%d %H:%M")
