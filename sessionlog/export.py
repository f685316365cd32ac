"""Exports through pandas: one row per rep (with its set and session), or per set / session."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from sessionlog.db import LogError

LEVELS = ("reps", "sets", "sessions")
FORMATS = ("csv", "json", "parquet")

_SESSION_COLS = """s.id AS session_id, s.started_at, s.duration_s, s.device, s.placement, s.source,
    s.body_weight_kg, s.load_kg AS session_load_kg, s.notes, s.recording_path"""
_SET_COLS = """t.idx + 1 AS set_number, t.exercise, coalesce(t.load_kg, s.load_kg) AS load_kg, t.start_s AS set_start_s,
    t.end_s AS set_end_s, t.rep_count, t.counted_reps, t.partial_reps, t.rest_before_s, t.time_under_tension_s,
    t.tempo, t.tempo_eccentric_s, t.tempo_bottom_s, t.tempo_concentric_s, t.tempo_top_s, t.rom_unit AS set_rom_unit,
    t.mean_rom, t.rom_loss_pct, t.tempo_change_s"""
_REP_COLS = """r.idx AS rep_index, r.start_s, r.end_s, r.peak_s, r.concentric_s, r.top_hold_s, r.eccentric_s,
    r.bottom_pause_s, r.rom, r.rom_unit, r.peak_velocity, r.sway_deg, r.partial"""


def frame(conn: sqlite3.Connection, *, level: str = "reps", since_ts: float | None = None):
    """The log as a pandas DataFrame."""
    import pandas as pd

    if level == "sessions":
        sql = f"""SELECT {_SESSION_COLS}, s.set_count AS sets,
                  (SELECT coalesce(sum(rep_count),0) FROM sets WHERE session_id = s.id) AS reps,
                  (SELECT coalesce(sum(time_under_tension_s),0) FROM sets WHERE session_id = s.id) AS time_under_tension_s
                  FROM sessions s WHERE (? IS NULL OR s.started_ts >= ?) ORDER BY s.started_ts, s.id"""
    elif level == "sets":
        sql = f"""SELECT {_SESSION_COLS}, {_SET_COLS} FROM sessions s JOIN sets t ON t.session_id = s.id
                  WHERE (? IS NULL OR s.started_ts >= ?) ORDER BY s.started_ts, s.id, t.idx"""
    elif level == "reps":
        sql = f"""SELECT {_SESSION_COLS}, {_SET_COLS}, {_REP_COLS} FROM sessions s JOIN sets t ON t.session_id = s.id
                  JOIN reps r ON r.set_id = t.id
                  WHERE (? IS NULL OR s.started_ts >= ?) ORDER BY s.started_ts, s.id, t.idx, r.idx"""
    else:
        raise LogError(f"level must be one of {', '.join(LEVELS)}")
    df = pd.read_sql_query(sql, conn, params=(since_ts, since_ts))
    df = df.round(4)
    if "partial" in df:
        df["partial"] = df["partial"].astype(bool)
    return df


def write(df, fmt: str, out: str | Path | None) -> None:
    """Write to `out` (None or '-': stdout; parquet needs a file)."""
    if fmt not in FORMATS:
        raise LogError(f"format must be one of {', '.join(FORMATS)}")
    to_stdout = out in (None, "-")
    if fmt == "parquet" and to_stdout:
        raise LogError("parquet is binary: give a file with -o FILE.parquet")
    target = sys.stdout if to_stdout else Path(out)
    tmp = None
    if not to_stdout:
        if target.is_dir():
            raise LogError(f"{target}: is a directory")
        tmp = target.with_name(f".{target.name}.tmp")
    try:
        dest = target if to_stdout else tmp
        if fmt == "csv":
            df.to_csv(dest, index=False)
        elif fmt == "json":
            text = df.to_json(orient="records", date_format="iso", indent=None)
            if to_stdout:
                sys.stdout.write(text + "\n")
            else:
                Path(tmp).write_text(text + "\n")
        else:
            df.to_parquet(dest, index=False)
        if tmp is not None:
            tmp.replace(target)  # atomic: never a half-written export under the real name
    except OSError as exc:
        if tmp is not None and tmp.exists():
            tmp.unlink()
        raise LogError(f"{target}: cannot write the export: {exc.strerror or exc}") from None
