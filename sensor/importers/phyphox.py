"""phyphox (RWTH Aachen) CSV exports: "Acceleration with g" and "Gyroscope (rotation rate)".

A table per sensor: `"Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)",
"Acceleration z (m/s^2)","Absolute acceleration (m/s^2)"` and `"Time (s)","Gyroscope x (rad/s)",
...`. Time is seconds since the experiment started. Export flavours: comma + decimal point,
tab + decimal point, semicolon + decimal comma. A zip/folder export holds one CSV per table
(`Raw Data.csv`, or `Accelerometer.csv`/`Gyroscope.csv` for multi-sensor experiments) and
`meta/time.csv` with the system time of START.

"Acceleration with g" is the raw accelerometer in m/s^2 (gravity included), exactly what
soleus wants. "Linear Acceleration" (gravity removed) is refused with a clear error.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sensor.errors import RecordingError
from sensor.importers.common import (G, Export, ImportReport, check_gyro_units, check_offset, clean_stream, finish,
                                     numeric, read_table, resample_onto)

FORMAT = "phyphox"
_COL = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^()]*)\)\s*$")
ACC_UNITS = {"m/s^2": 1.0, "m/s²": 1.0, "m/s2": 1.0, "g": G}
GYRO_UNITS = {"rad/s": 1.0, "deg/s": np.pi / 180, "°/s": np.pi / 180}


def first_line(data: bytes) -> str:
    return data[:400].decode("utf-8-sig", errors="replace").splitlines()[0] if data else ""


def is_phyphox_header(line: str) -> bool:
    return line.lstrip().startswith(('"Time (s)"', "Time (s)"))


def _dialect(header: str) -> tuple[str, str]:
    if "\t" in header:
        return "\t", "."
    if ";" in header:
        return ";", ","
    return ",", "."


def _columns(df, where: str) -> dict[str, tuple[str, str]]:
    """{'time'|'acc x'|...: (column, unit)} from phyphox's 'Name (unit)' headers."""
    out = {}
    for c in df.columns:
        m = _COL.match(c)
        if not m:
            continue
        name, unit = m["name"].strip().lower(), m["unit"].strip()
        if name == "time":
            out["time"] = (c, unit)
        for ax in "xyz":
            if name == f"linear acceleration {ax}":
                raise RecordingError(where, "this is phyphox 'Linear Acceleration' (gravity removed); "
                                     "record with the 'Acceleration with g' experiment", line=1)
            if name in (f"acceleration {ax}", f"acceleration with g {ax}"):
                out[f"acc {ax}"] = (c, unit)
            if name in (f"gyroscope {ax}", f"rotation rate {ax}", f"angular velocity {ax}"):
                out[f"gyro {ax}"] = (c, unit)
    return out


def _table(export_or_path, name: str | None):
    if name is None:  # a single file
        path = export_or_path
        data, where = Path(path).read_bytes(), str(path)
    else:
        data, where = export_or_path.read_bytes(name), export_or_path.where(name)
    sep, dec = _dialect(first_line(data))
    df = read_table(data, where, sep=sep, decimal=dec)
    return df, _columns(df, where), where


def _block(df, cols, kind: str, units: dict, where: str, report: ImportReport):
    keys = ["time"] + [f"{kind} {a}" for a in "xyz"]
    missing = [k for k in keys if k not in cols]
    if missing:
        raise RecordingError(where, f"missing column(s) for {', '.join(missing)}; found {', '.join(df.columns)}", line=1)
    t_unit = cols["time"][1]
    if t_unit != "s":
        raise RecordingError(where, f"time unit is {t_unit!r}, expected seconds", line=1)
    axis_units = {cols[k][1] for k in keys[1:]}
    if len(axis_units) > 1:
        raise RecordingError(where, f"mixed units across the {kind} axes: {', '.join(sorted(axis_units))}", line=1)
    unit = axis_units.pop()
    if unit not in units:
        raise RecordingError(where, f"{kind} unit {unit!r} is not one of {', '.join(units)}", line=1)
    arr = numeric(df, [cols[k][0] for k in keys], where)
    t, v = clean_stream(arr[:, 0], arr[:, 1:4] * units[unit], where, report)
    if units[unit] != 1.0:
        report.notes.append(f"{kind} converted from {unit}")
    return t, v, unit


def _start_time(export: Export | None) -> datetime | None:
    if export is None:
        return None
    name = export.find("time.csv")
    if not name:
        return None
    try:
        data = export.read_bytes(name)
        sep, dec = _dialect(first_line(data))
        df = read_table(data, export.where(name), sep=sep, decimal=dec)
        ev = df[df.columns[0]].astype(str).str.strip().str.upper()
        row = df[ev == "START"].iloc[0]
        sys_col = next(c for c in df.columns if "system time" in c.lower() and "text" not in c.lower())
        return datetime.fromtimestamp(float(row[sys_col]), tz=timezone.utc)
    except (RecordingError, IndexError, StopIteration, ValueError, KeyError, TypeError):
        return None


def read(path: Path) -> tuple:
    """-> (Samples, ImportReport, started_at | None, device | None)."""
    report = ImportReport()
    export = None
    if path.is_file() and path.suffix.lower() != ".zip":
        tables = [_table(path, None)]
    else:
        export = Export(path)
        tables = []
        for n in export.names():
            if n.lower().endswith(".csv") and "/meta/" not in f"/{n.lower()}":
                if is_phyphox_header(first_line(export.read_bytes(n))):
                    tables.append(_table(export, n))
        if not tables:
            raise RecordingError(str(path), "no phyphox data table (a CSV starting with \"Time (s)\") in this export")
    acc_t = [tb for tb in tables if "acc x" in tb[1]]
    gyro_t = [tb for tb in tables if "gyro x" in tb[1]]
    if not acc_t:
        found = ", ".join(sorted({c for tb in tables for c in tb[0].columns}))
        raise RecordingError(tables[0][2], f"no acceleration columns (\"Acceleration x (m/s^2)\" ...); found {found}. "
                             "Export the 'Acceleration with g' experiment")
    df, cols, where = acc_t[0]
    t, acc, unit = _block(df, cols, "acc", ACC_UNITS, where, report)
    mag = float(np.median(np.linalg.norm(acc, axis=1)))
    if unit != "g" and 0.5 <= mag <= 2.0:
        raise RecordingError(where, f"header says {unit} but the values look like g (|a| = {mag:.2f}): mixed units")
    gyro = None
    if gyro_t:
        gdf, gcols, gwhere = gyro_t[0]
        tg, gv, _ = _block(gdf, gcols, "gyro", GYRO_UNITS, gwhere, report)
        check_offset(t, tg, "the gyroscope table", gwhere)
        check_gyro_units(gv, gwhere)
        gyro = gv if (len(tg) == len(t) and np.allclose(tg, t)) else resample_onto(tg, gv, t)
    else:
        report.notes.append("no gyroscope table: accelerometer only")
    start = _start_time(export)
    samples = finish(Path(where), t, acc, gyro, report)
    return samples, report, start, None
