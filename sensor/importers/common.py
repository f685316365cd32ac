"""Shared pieces of the app importers: reading members of a folder or zip export,
validating the streams, aligning gyro to the accelerometer clock, building Samples."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from counting.samples import Samples
from sensor.csv_reader import MAX_RATE_HZ, MIN_DURATION_S, MIN_RATE_HZ, ReadReport
from sensor.errors import RecordingError

G = 9.80665
MAX_CLOCK_OFFSET_S = 1.0   # acc and gyro streams must start within this of each other
MAX_GYRO_RAD_S = 35.0      # 2000 deg/s, the largest common gyro range


@dataclass
class ImportReport(ReadReport):
    """A ReadReport plus notes specific to an app export (shown as warnings)."""

    notes: list[str] = field(default_factory=list)

    def warnings(self) -> list[str]:
        return list(self.notes) + super().warnings()


class Export:
    """A folder or zip export seen as a set of named members (case-insensitive basenames)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip = None
        if path.is_dir():
            files = [p for p in path.rglob("*") if p.is_file()]
            self._members = {str(p.relative_to(path)).replace("\\", "/"): p for p in files}
        else:
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise RecordingError(str(path), f"not a readable zip file ({exc})") from None
            self._members = {n: n for n in self._zip.namelist() if not n.endswith("/")}

    def names(self) -> list[str]:
        return list(self._members)

    def find(self, basename: str) -> str | None:
        """The member whose file name is `basename` (case-insensitive), shallowest first."""
        want = basename.lower()
        hits = sorted((n for n in self._members if PurePosixPath(n).name.lower() == want and "__macosx" not in n.lower()),
                      key=lambda n: n.count("/"))
        return hits[0] if hits else None

    def read_bytes(self, name: str) -> bytes:
        m = self._members[name]
        if self._zip is not None:
            return self._zip.read(m)
        return Path(m).read_bytes()

    def where(self, name: str) -> str:
        return f"{self.path}/{name}" if not str(self.path).endswith("/") else f"{self.path}{name}"


def read_table(data: bytes, where: str, *, sep: str = ",", decimal: str = ".") -> pd.DataFrame:
    """A CSV member as a DataFrame with stripped column names; RecordingError on junk."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RecordingError(where, "not a text file (bad UTF-8)") from None
    if not text.strip():
        raise RecordingError(where, "empty file")
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise RecordingError(where, f"could not be parsed as CSV ({str(exc).splitlines()[0]})") from None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def numeric(df: pd.DataFrame, cols: list[str], where: str) -> np.ndarray:
    """Columns as floats; names the first line (1-based, header = 1) that is not a number."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise RecordingError(where, f"missing column(s) {', '.join(repr(c) for c in missing)}; found {', '.join(repr(c) for c in df.columns)}", line=1)
    out = np.empty((len(df), len(cols)))
    for j, c in enumerate(cols):
        v = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            i = int(bad[0])
            raise RecordingError(where, f"{c} is {df[c].iloc[i]!r} (not a finite number)", line=i + 2)
        out[:, j] = v
    return out


def clean_stream(t: np.ndarray, values: np.ndarray, where: str, report: ImportReport | None = None):
    """Check the clock of one stream: drop exact duplicates, refuse time going backwards."""
    if len(t) < 2:
        raise RecordingError(where, f"too short: only {len(t)} samples")
    dt = np.diff(t)
    back = np.flatnonzero(dt < 0)
    if back.size:
        i = int(back[0])
        raise RecordingError(where, f"time goes backwards ({t[i]:.6f} then {t[i + 1]:.6f} s)", line=i + 3)
    keep = np.concatenate([[True], dt > 0])
    if report is not None:
        report.duplicates_dropped += int((~keep).sum())
    return t[keep], values[keep]


def check_offset(t_acc: np.ndarray, t_other: np.ndarray, what: str, where: str) -> None:
    off = float(t_other[0] - t_acc[0])
    overlap = min(t_acc[-1], t_other[-1]) - max(t_acc[0], t_other[0])
    if abs(off) > MAX_CLOCK_OFFSET_S or overlap <= 0:
        raise RecordingError(
            where, f"clock offset: {what} starts {off:+.3f} s from the accelerometer "
                   f"(more than {MAX_CLOCK_OFFSET_S:g} s); the two files are not from the same recording or clock")


def resample_onto(t_src: np.ndarray, v_src: np.ndarray, t_dst: np.ndarray) -> np.ndarray:
    """Linear interpolation of each column of v_src onto t_dst (edges held)."""
    return np.stack([np.interp(t_dst, t_src, v_src[:, i]) for i in range(v_src.shape[1])], axis=1)


def check_gyro_units(gyro: np.ndarray, where: str, unit: str = "rad/s") -> None:
    peak = float(np.percentile(np.linalg.norm(gyro, axis=1), 99)) if len(gyro) else 0.0
    if peak > MAX_GYRO_RAD_S:
        raise RecordingError(where, f"gyro reaches {peak:.0f} {unit}: looks like degrees per second, expected rad/s (mixed units?)")


def finish(path: Path, t: np.ndarray, acc: np.ndarray, gyro: np.ndarray | None, report: ImportReport) -> Samples:
    """Final checks shared by every importer; fills the report."""
    where = str(path)
    if len(t) < 10:
        raise RecordingError(where, f"too short: only {len(t)} samples")
    dt = np.diff(t)
    rate = 1.0 / float(np.median(dt[dt > 0]))
    report.rate_hz = rate
    if not (MIN_RATE_HZ <= rate <= MAX_RATE_HZ):
        raise RecordingError(where, f"sample rate {rate:.3g} Hz is outside {MIN_RATE_HZ:g}-{MAX_RATE_HZ:g} Hz (wrong time unit?)")
    mag = float(np.median(np.linalg.norm(acc, axis=1)))
    if not (4.0 <= mag <= 20.0):
        raise RecordingError(where, f"accelerometer magnitude is {mag:.3g} at rest, expected about 9.81 m/s^2")
    if t[-1] - t[0] < MIN_DURATION_S:
        raise RecordingError(where, f"too short: {t[-1] - t[0]:.2f} s of data, need at least {MIN_DURATION_S:g} s")
    big = np.flatnonzero(dt > max(0.2, 5.0 / rate))
    report.gaps = [(float(t[b]), float(t[b + 1])) for b in big]
    report.rows = len(t)
    return Samples(t, acc, gyro)
