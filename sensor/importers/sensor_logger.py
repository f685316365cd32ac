"""Sensor Logger (Kelvin Choi's app, iOS/Android): the zip or unzipped folder export.

Documented layout (awesome-sensor-logger UNITS.md / CROSSPLATFORM.md / README):
- one CSV per sensor, header `time,seconds_elapsed,z,y,x`; `time` in Unix nanoseconds.
- Accelerometer.csv: m/s^2 WITHOUT gravity (user acceleration) on iOS and most Android;
  TotalAcceleration.csv (Android only): WITH gravity; Gravity.csv: the gravity vector, m/s^2.
- Gyroscope.csv: rad/s.
- metadata.csv: platform (iOS/Android), device name, and whether "Standardise Units &
  Frames" was on. iOS acceleration/gravity differ from Android by a sign on all axes
  unless standardised; Android's convention is the accelerometer's own (specific force,
  +9.81 along up at rest), which is what soleus wants.

So the specific force is TotalAcceleration, else Accelerometer + Gravity (negated for
non-standardised iOS). Accelerometer.csv alone has no gravity: refused with a clear error.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sensor.errors import RecordingError
from sensor.importers.common import (Export, ImportReport, check_gyro_units, check_offset, clean_stream, finish,
                                     numeric, read_table, resample_onto)

FORMAT = "sensor-logger"
AXES = ["x", "y", "z"]


def looks_like(export: Export) -> bool:
    return any(export.find(n) for n in ("Accelerometer.csv", "TotalAcceleration.csv")) and \
        _header(export, export.find("Accelerometer.csv") or export.find("TotalAcceleration.csv")).startswith("time,")


def _header(export: Export, name: str | None) -> str:
    if not name:
        return ""
    head = export.read_bytes(name)[:200].decode("utf-8-sig", errors="replace")
    return head.splitlines()[0].strip().lower().replace(" ", "") if head else ""


def _stream(export: Export, name: str, report: ImportReport):
    where = export.where(name)
    df = read_table(export.read_bytes(name), where)
    arr = numeric(df, ["time"] + AXES, where)
    if len(arr) == 0:
        raise RecordingError(where, "no samples after the header")
    t_ns = arr[:, 0]
    if np.median(t_ns) < 1e15:
        raise RecordingError(where, "the time column is not in nanoseconds since 1970 (Sensor Logger writes ns)", line=2)
    t, v = clean_stream(t_ns / 1e9, arr[:, 1:4], where, report)
    return t, v


def _metadata(export: Export) -> dict:
    name = export.find("metadata.csv")
    if not name:
        return {}
    try:
        df = read_table(export.read_bytes(name), export.where(name))
    except RecordingError:
        return {}
    if len(df) == 0:
        return {}
    return {str(k).strip().lower(): df.iloc[0][k] for k in df.columns}


def read(path: Path) -> tuple:
    """-> (Samples, ImportReport, started_at datetime | None, device | None)."""
    export = Export(path)
    report = ImportReport()
    meta = _metadata(export)
    platform = str(meta.get("platform", "")).strip().lower()
    std_key = next((k for k in meta if "standard" in k), None)
    standardised = std_key is not None and str(meta[std_key]).strip().lower() in ("true", "1", "yes", "on")

    total = export.find("TotalAcceleration.csv")
    user = export.find("Accelerometer.csv")
    grav = export.find("Gravity.csv")
    if total:
        t, acc = _stream(export, total, report)
        src = total
    elif user and grav:
        t, a = _stream(export, user, report)
        tg, g = _stream(export, grav, report)
        check_offset(t, tg, "Gravity.csv", export.where(grav))
        gmag = float(np.median(np.linalg.norm(g, axis=1)))
        if 0.5 <= gmag <= 2.0:
            raise RecordingError(export.where(grav), "gravity is in g while the accelerometer is in m/s^2 (mixed units); "
                                 "turn on 'Standardise Units & Frames' or export again")
        if not 4.0 <= gmag <= 20.0:
            raise RecordingError(export.where(grav), f"gravity magnitude is {gmag:.3g}, expected about 9.81 m/s^2")
        acc = a + resample_onto(tg, g, t)
        src = user
        report.notes.append("Accelerometer.csv is without gravity: added Gravity.csv to get the sensor's specific force")
    elif user:
        t, a = _stream(export, user, report)
        mag = float(np.median(np.linalg.norm(a, axis=1)))
        if mag < 4.0:
            raise RecordingError(
                export.where(user),
                f"Accelerometer.csv has gravity removed (median {mag:.2f} m/s^2) and the export has no Gravity.csv "
                "or TotalAcceleration.csv: enable the Gravity sensor in Sensor Logger and record again")
        acc, src = a, user
    else:
        raise RecordingError(str(path), "Sensor Logger export without Accelerometer.csv or TotalAcceleration.csv")

    if platform == "ios" and not standardised:
        acc = -acc  # iOS frame differs by a sign on every axis; Android = specific force
        report.notes.append("iOS export without 'Standardise Units & Frames': acceleration sign flipped to the Android convention")
    elif platform not in ("ios", "android"):
        report.notes.append("no metadata.csv platform: assumed the Android/standardised axis convention")

    gyro = None
    gname = export.find("Gyroscope.csv")
    if gname:
        tg, gv = _stream(export, gname, report)
        check_offset(t, tg, "Gyroscope.csv", export.where(gname))
        check_gyro_units(gv, export.where(gname))
        gyro = resample_onto(tg, gv, t)
    else:
        report.notes.append("no Gyroscope.csv: accelerometer only")

    samples = finish(Path(export.where(src)), t, acc, gyro, report)
    started = datetime.fromtimestamp(float(t[0]), tz=timezone.utc)
    device = meta.get("device name") or meta.get("devicename")
    device = None if device is None or (isinstance(device, float) and np.isnan(device)) else str(device)
    return samples, report, started, device
