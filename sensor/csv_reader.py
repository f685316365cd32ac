"""Plain recording CSV (`t,ax,ay,az[,gx,gy,gz]`, shared/interface.md section 1).

Reads in chunks so memory stays flat for long recordings, and validates as it
reads: every problem names the file and the line (1-based, header is line 1).
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from counting.samples import Samples
from sensor.errors import RecordingError

HEADERS = (("t", "ax", "ay", "az"), ("t", "ax", "ay", "az", "gx", "gy", "gz"))
G = 9.80665
MIN_RATE_HZ, MAX_RATE_HZ = 10.0, 1000.0
MAX_GAP_S = 3600.0  # a jump longer than this is a broken clock, not a lost packet
MIN_DURATION_S = 2.0
CHUNK_ROWS = 20_000


@dataclass
class ReadReport:
    """What the reader noticed and coped with; shown to the user as warnings."""

    rows: int = 0
    duplicates_dropped: int = 0
    gaps: list[tuple[float, float]] = field(default_factory=list)  # (t_before, t_after)
    converted_from_g: bool = False
    rate_hz: float | None = None

    def warnings(self) -> list[str]:
        out = []
        if self.converted_from_g:
            out.append("accelerometer values look like g, not m/s^2: multiplied by 9.80665")
        if self.duplicates_dropped:
            out.append(f"dropped {self.duplicates_dropped} duplicated sample(s)")
        if self.gaps:
            total = sum(b - a for a, b in self.gaps)
            out.append(f"{len(self.gaps)} gap(s) in the data, {total:.1f} s missing in all")
        return out


def _header(path: Path) -> tuple[str, ...]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            first = fh.readline()
    except FileNotFoundError:
        raise RecordingError(str(path), "no such file") from None
    except IsADirectoryError:
        raise RecordingError(str(path), "is a directory, not a recording") from None
    except PermissionError:
        raise RecordingError(str(path), "permission denied") from None
    except UnicodeDecodeError:
        raise RecordingError(str(path), "not a text file", line=1) from None
    if not first.strip():
        raise RecordingError(str(path), "empty file")
    cols = tuple(c.strip().lower() for c in first.strip().split(","))
    if cols not in HEADERS:
        raise RecordingError(
            str(path),
            f"header is {first.strip()!r}; expected 't,ax,ay,az' or 't,ax,ay,az,gx,gy,gz'",
            line=1,
        )
    return cols


def _find_bad_line(path: Path, ncols: int) -> RecordingError:
    """Slow path, only after the fast parser failed: locate the first bad line."""
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        for lineno, row in enumerate(csv.reader(fh), start=1):
            if lineno == 1 or not row or all(not c.strip() for c in row):
                continue
            if len(row) != ncols:
                return RecordingError(str(path), f"expected {ncols} values, found {len(row)}", line=lineno)
            for c in row:
                try:
                    float(c)
                except ValueError:
                    return RecordingError(str(path), f"not a number: {c.strip()!r}", line=lineno)
    return RecordingError(str(path), "could not be parsed as CSV")


def iter_recording(path: str | Path, chunk_rows: int = CHUNK_ROWS, report: ReadReport | None = None) -> Iterator[Samples]:
    """Yield validated Samples chunks from a plain recording CSV.

    Duplicated timestamps are dropped; gaps are recorded in `report`; values in g are
    converted (with a warning). Raises RecordingError naming the file and line.
    """
    path = Path(path)
    cols = _header(path)
    ncols = len(cols)
    report = report if report is not None else ReadReport()
    prev_t: float | None = None
    first_line = 2  # file line of the next chunk's first row (no blank lines assumed)
    scale = 1.0
    checked = False
    duration = 0.0
    t0: float | None = None
    try:
        reader = pd.read_csv(
            path, header=0, names=list(cols), dtype=float, chunksize=chunk_rows,
            skip_blank_lines=True, encoding="utf-8-sig", engine="c",
        )
        for df in reader:
            arr = df.to_numpy(dtype=float)
            if arr.shape[1] != ncols:
                raise _find_bad_line(path, ncols)
            bad = ~np.isfinite(arr)
            if bad.any():
                i, j = np.argwhere(bad)[0]
                raise RecordingError(str(path), f"{cols[j]} is {arr[i, j]} (not a finite number)", line=first_line + int(i))
            t = arr[:, 0]
            full_t = t if prev_t is None else np.concatenate([[prev_t], t])
            dt = np.diff(full_t)
            back = np.flatnonzero(dt < 0)
            if back.size:
                k = int(back[0]) - (0 if prev_t is None else 1)
                raise RecordingError(
                    str(path), f"time goes backwards ({full_t[back[0]]:.6f} then {full_t[back[0] + 1]:.6f} s)",
                    line=first_line + k + 1,
                )
            if not checked:
                if t0 is None and len(t):
                    t0 = float(t[0])
                pos = dt[dt > 0]
                if pos.size >= 10:
                    rate = 1.0 / float(np.median(pos))
                    report.rate_hz = rate
                    if not (MIN_RATE_HZ <= rate <= MAX_RATE_HZ):
                        hint = " (are the times in milliseconds?)" if rate < MIN_RATE_HZ else " (are the times in microseconds or samples?)" if rate > MAX_RATE_HZ else ""
                        raise RecordingError(str(path), f"sample rate {rate:.3g} Hz is outside 10-1000 Hz{hint}", line=2)
                    mag = float(np.median(np.linalg.norm(arr[:, 1:4], axis=1)))
                    if 0.5 <= mag <= 2.0:
                        scale = G
                        report.converted_from_g = True
                    elif not (4.0 <= mag <= 20.0):
                        raise RecordingError(
                            str(path), f"accelerometer magnitude is {mag:.3g} at rest, expected about 9.81 m/s^2", line=2
                        )
                    checked = True
            jump = np.flatnonzero(dt > MAX_GAP_S)
            if jump.size:
                k = int(jump[0]) - (0 if prev_t is None else 1)
                raise RecordingError(str(path), f"time jumps by {dt[jump[0]]:.0f} s (absurd timestamp)", line=first_line + k + 1)
            keep = np.ones(len(t), dtype=bool)
            dup = np.flatnonzero(dt == 0) + (1 if prev_t is None else 0)
            keep[dup] = False
            report.duplicates_dropped += int(dup.size)
            if report.rate_hz:
                big = np.flatnonzero(dt > max(0.2, 5.0 / report.rate_hz))
                for b in big:
                    report.gaps.append((float(full_t[b]), float(full_t[b + 1])))
            first_line += len(t)
            if len(t):
                prev_t = float(t[-1])
                duration = prev_t - (t0 if t0 is not None else prev_t)
            arr = arr[keep]
            report.rows += len(arr)
            if len(arr):
                gyro = arr[:, 4:7] if ncols == 7 else None
                yield Samples(arr[:, 0].copy(), arr[:, 1:4] * scale, None if gyro is None else gyro.copy())
    except (ValueError, pd.errors.ParserError):
        raise _find_bad_line(path, ncols) from None
    except UnicodeDecodeError:
        raise RecordingError(str(path), "not a text file (bad UTF-8)") from None
    if report.rows == 0:
        raise RecordingError(str(path), "no samples after the header")
    if not checked:
        raise RecordingError(str(path), f"too short: only {report.rows} samples")
    if duration < MIN_DURATION_S:
        raise RecordingError(str(path), f"too short: {duration:.2f} s of data, need at least {MIN_DURATION_S:g} s")


def read_recording(path: str | Path, report: ReadReport | None = None) -> Samples:
    """The whole recording as one Samples (see iter_recording)."""
    return Samples.concat(list(iter_recording(path, report=report)))


def write_recording(path: str | Path, samples: Samples, decimals: int = 5) -> None:
    """Write Samples as a plain recording CSV (with gyro columns when present)."""
    path = Path(path)
    cols = ["t", "ax", "ay", "az"]
    data = [samples.t[:, None], samples.acc]
    if samples.gyro is not None:
        cols += ["gx", "gy", "gz"]
        data.append(samples.gyro)
    arr = np.hstack(data)
    fmt = ["%.6f"] + [f"%.{decimals}f"] * (arr.shape[1] - 1)
    with open(path, "w", newline="") as fh:
        fh.write(",".join(cols) + "\n")
        np.savetxt(fh, arr, fmt=fmt, delimiter=",")
