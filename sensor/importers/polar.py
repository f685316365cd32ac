"""Polar Sensor Logger (Android app for Polar H10 / Verity Sense / OH1) text files.

One semicolon-separated file per stream, named like
`Polar_H10_A1B2C3D4_20260310_181502_ACC.txt`:
- ACC:  `Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]` (milli-g, gravity included)
- GYRO: `Phone timestamp;sensor timestamp [ns];X [dps];Y [dps];Z [dps]` (degrees per second)
The phone timestamp is the phone's local wall clock (ISO); the sensor timestamp is the
device clock in ns (Polar epoch 2000-01-01), shared by ACC and GYRO of one device.
Give the ACC file, or a folder/zip holding it; a GYRO file with the same prefix is used.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np

from sensor.errors import RecordingError
from sensor.importers.common import (G, Export, ImportReport, check_gyro_units, check_offset, clean_stream, finish,
                                     numeric, read_table, resample_onto)

FORMAT = "polar-sensor-logger"
PREFIX = "phone timestamp;"
ACC_UNITS = {"mg": G / 1000.0, "g": G, "m/s^2": 1.0, "m/s2": 1.0}
GYRO_UNITS = {"dps": np.pi / 180, "deg/s": np.pi / 180, "rad/s": 1.0}
_COL = re.compile(r"^(?P<axis>[XYZ])\s*\[(?P<unit>[^\]]+)\]$", re.I)
_NAME = re.compile(r"^(?P<prefix>.*)_(?P<kind>ACC|GYRO|GYR)\.txt$", re.I)


def is_polar_header(line: str) -> bool:
    return line.strip().lower().startswith(PREFIX)


def _parse(data: bytes, where: str, kind: str, units: dict, report: ImportReport):
    df = read_table(data, where, sep=";")
    df = df.loc[:, [c for c in df.columns if c and not c.startswith("Unnamed")]]
    tcol = next((c for c in df.columns if c.lower().startswith("sensor timestamp")), None)
    if tcol is None:
        raise RecordingError(where, f"missing column 'sensor timestamp [ns]'; found {', '.join(df.columns)}", line=1)
    if "[ns]" not in tcol.lower():
        raise RecordingError(where, f"sensor timestamp unit in {tcol!r} is not ns", line=1)
    axes = {}
    for c in df.columns:
        m = _COL.match(c)
        if m:
            axes[m["axis"].upper()] = (c, m["unit"].strip().lower())
    missing = [a for a in "XYZ" if a not in axes]
    if missing:
        raise RecordingError(where, f"missing column(s) {', '.join(missing)} for {kind}; found {', '.join(df.columns)}", line=1)
    us = {axes[a][1] for a in "XYZ"}
    if len(us) > 1:
        raise RecordingError(where, f"mixed units across the {kind} axes: {', '.join(sorted(us))}", line=1)
    unit = us.pop()
    if unit not in units:
        raise RecordingError(where, f"{kind} unit {unit!r} is not one of {', '.join(units)}", line=1)
    arr = numeric(df, [tcol] + [axes[a][0] for a in "XYZ"], where)
    t, v = clean_stream(arr[:, 0] / 1e9, arr[:, 1:4] * units[unit], where, report)
    phone = None
    pcol = next((c for c in df.columns if c.lower().startswith("phone timestamp")), None)
    if pcol is not None and len(df):
        try:
            phone = datetime.fromisoformat(str(df[pcol].iloc[0]).strip())
        except ValueError:
            phone = None
    return t, v, unit, phone


def _locate(path: Path):
    """-> (reader of bytes by name, acc name, gyro name or None, where-fn)."""
    if path.is_file() and path.suffix.lower() != ".zip":
        m = _NAME.match(path.name)
        gyro = None
        if m and m["kind"].upper() == "ACC":
            for k in ("GYRO", "GYR"):
                cand = path.with_name(f"{m['prefix']}_{k}.txt")
                if cand.exists():
                    gyro = cand
        if m and m["kind"].upper() != "ACC":
            raise RecordingError(str(path), "this is the GYRO file; give the ACC file (the gyro next to it is used)")
        return (lambda p: Path(p).read_bytes()), path, gyro, str
    export = Export(path)
    accs = sorted(n for n in export.names() if re.search(r"_ACC\.txt$", n, re.I))
    if not accs:
        raise RecordingError(str(path), "no Polar Sensor Logger *_ACC.txt file in this export")
    if len(accs) > 1:
        raise RecordingError(str(path), f"{len(accs)} ACC files ({', '.join(accs)}): give one of them")
    m = _NAME.match(Path(accs[0]).name)
    gyro = next((n for n in export.names() if _NAME.match(Path(n).name) and _NAME.match(Path(n).name)["prefix"] == m["prefix"]
                 and _NAME.match(Path(n).name)["kind"].upper() in ("GYRO", "GYR")), None)
    return export.read_bytes, accs[0], gyro, export.where


def read(path: Path) -> tuple:
    """-> (Samples, ImportReport, started_at | None, device | None)."""
    report = ImportReport()
    get, acc_name, gyro_name, where = _locate(path)
    t, acc, unit, phone = _parse(get(acc_name), where(acc_name), "ACC", ACC_UNITS, report)
    gyro = None
    if gyro_name is not None:
        tg, gv, _, _ = _parse(get(gyro_name), where(gyro_name), "GYRO", GYRO_UNITS, report)
        check_offset(t, tg, "the GYRO file", where(gyro_name))
        check_gyro_units(gv, where(gyro_name))
        gyro = resample_onto(tg, gv, t)
    else:
        report.notes.append("no GYRO file next to the ACC file: accelerometer only")
    raw = float(np.median(np.linalg.norm(acc, axis=1))) / ACC_UNITS[unit]
    if unit == "mg" and 0.5 <= raw <= 2.0:
        raise RecordingError(where(acc_name), f"header says mg but the values look like g (|a| = {raw:.2f}): mixed units")
    if unit in ("m/s^2", "m/s2") and 0.5 <= raw <= 2.0:
        raise RecordingError(where(acc_name), f"header says {unit} but the values look like g (|a| = {raw:.2f}): mixed units")
    samples = finish(Path(where(acc_name)), t, acc, gyro, report)
    m = _NAME.match(Path(str(acc_name)).name)
    device = None
    if m:
        parts = m["prefix"].split("_")
        if len(parts) >= 3 and parts[0].lower() == "polar":
            device = f"Polar {parts[1]} {parts[2]}"
    started = phone.astimezone() if phone is not None else None  # phone clock, local time
    return samples, report, started, device
