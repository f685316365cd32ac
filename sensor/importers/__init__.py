"""Importers for the apps people already record with, chosen by file layout.

detect(path) names the layout (or None for a plain soleus CSV); read(path) returns
(Samples, report, started_at, device). Each problem is a RecordingError naming the file.
"""
from __future__ import annotations

from pathlib import Path

from sensor.errors import RecordingError
from sensor.importers import phyphox, polar, sensor_logger
from sensor.importers.common import Export

IMPORTERS = {m.FORMAT: m for m in (sensor_logger, phyphox, polar)}


def _first_line(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read(400).decode("utf-8-sig", errors="replace").splitlines()[0] if path.stat().st_size else ""
    except (OSError, IndexError):
        return ""


def detect(path: str | Path) -> str | None:
    """The export format of `path` (a file, folder or zip), or None for a plain CSV."""
    path = Path(path)
    try:
        return _detect(path)
    except RecordingError:
        raise
    except OSError as exc:
        raise RecordingError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    except Exception as exc:  # e.g. a zip whose member cannot be decompressed
        msg = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise RecordingError(str(path), f"could not be inspected ({type(exc).__name__}: {msg})") from exc


def _detect(path: Path) -> str | None:
    if path.is_dir() or (path.is_file() and path.suffix.lower() == ".zip"):
        export = Export(path)
        if sensor_logger.looks_like(export):
            return sensor_logger.FORMAT
        names = [n for n in export.names() if "__macosx" not in n.lower()]
        csvs = [n for n in names if n.lower().endswith(".csv") and "/meta/" not in f"/{n.lower()}"]
        accs = [n for n in names if n.lower().endswith("_acc.txt")]
        if len(accs) == 1 and not csvs:
            return polar.FORMAT
        if csvs and all(phyphox.is_phyphox_header(phyphox.first_line(export.read_bytes(n))) for n in csvs):
            return phyphox.FORMAT
        kind = "folder" if path.is_dir() else "zip file"
        raise RecordingError(str(path), f"{kind} is not a Sensor Logger, phyphox or Polar Sensor Logger export "
                                        "(nor one recording of one)")
    line = _first_line(path)
    if polar.is_polar_header(line):
        return polar.FORMAT
    if phyphox.is_phyphox_header(line):
        return phyphox.FORMAT
    if line.strip().lower().replace(" ", "").startswith("time,seconds_elapsed"):
        return sensor_logger.FORMAT  # one CSV of an unzipped Sensor Logger folder: read the folder
    return None


def read(path: str | Path, fmt: str | None = None):
    """Import `path` -> (Samples, ImportReport, started_at | None, device | None, format)."""
    path = Path(path)
    fmt = fmt or detect(path)
    if fmt is None:
        raise RecordingError(str(path), "not an app export")
    if fmt == sensor_logger.FORMAT and path.is_file() and path.suffix.lower() == ".csv":
        path = path.parent
    try:
        samples, report, started, device = IMPORTERS[fmt].read(path)
    except RecordingError:
        raise
    except OSError as exc:
        raise RecordingError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    except Exception as exc:  # a layout we did not foresee: still one line naming the file
        msg = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise RecordingError(str(path), f"could not be imported as {fmt} ({type(exc).__name__}: {msg})") from exc
    return samples, report, started, device, fmt
