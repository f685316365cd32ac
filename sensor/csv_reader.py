"""Plain recording CSV (`t,ax,ay,az[,gx,gy,gz]`, shared/interface.md section 1).

Reads in chunks so memory stays flat for long recordings, and validates as it
reads: every problem names the file and the line (1-based, header is line 1;
blank lines count, as in any text editor).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from itertools import islice
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
CHECK_ROWS = 2_000  # rate and units are judged on the first this-many samples
ACC_LIMIT = 2000.0  # m/s^2 (~200 g): beyond any body-worn accelerometer, a corrupt value
GYRO_LIMIT = 100.0  # rad/s (~5700 deg/s): beyond any body-worn gyroscope
MAX_HEADER_BYTES = 4096


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


def _short(text: str, n: int = 60) -> str:
    """repr() of user text, cut so an error stays one readable line."""
    return repr(text) if len(text) <= n else repr(text[:n]) + "..."


def _os_error(path: Path, exc: OSError) -> RecordingError:
    if isinstance(exc, FileNotFoundError):
        return RecordingError(str(path), "no such file")
    if isinstance(exc, IsADirectoryError):
        return RecordingError(str(path), "is a directory, not a recording")
    if isinstance(exc, PermissionError):
        return RecordingError(str(path), "permission denied")
    return RecordingError(str(path), f"cannot be read: {exc.strerror or exc}")


def _header(path: Path) -> tuple[str, ...]:
    """Validate line 1 and return the column names."""
    try:
        if path.is_dir():
            raise IsADirectoryError(path)
        with open(path, "rb") as fh:
            raw = fh.read(MAX_HEADER_BYTES + 1)
            if raw.startswith(b"\xef\xbb\xbf"):  # UTF-8 BOM
                raw = raw[3:] + fh.read(3)
            rest = fh.read(4096) if not raw.strip() else b"x"
    except OSError as exc:
        raise _os_error(path, exc) from None
    if not raw:
        raise RecordingError(str(path), "empty file")
    ends = [i for i in (raw.find(b"\n"), raw.find(b"\r")) if i >= 0]
    if ends:
        rest, raw = raw[min(ends):] + rest, raw[: min(ends)]
    if b"\x00" in raw:
        raise RecordingError(str(path), "not a text file (binary data)", line=1)
    if len(raw) > MAX_HEADER_BYTES:
        raise RecordingError(str(path), "not a recording: line 1 is too long for a header", line=1)
    try:
        first = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordingError(str(path), "not a text file (not UTF-8)", line=1) from None
    if not first.strip():
        if not rest.strip():
            raise RecordingError(str(path), "empty file")
        raise RecordingError(str(path), "line 1 is blank; expected the header 't,ax,ay,az[,gx,gy,gz]'", line=1)
    cols = tuple(c.strip().strip("\"'").strip().lower() for c in first.strip().split(","))
    if cols not in HEADERS:
        what = "no header" if all(_is_number(c) for c in cols) else f"header is {_short(first.strip())}"
        raise RecordingError(
            str(path), f"{what}; expected 't,ax,ay,az' or 't,ax,ay,az,gx,gy,gz'", line=1,
        )
    return cols


_NUMBER = re.compile(r"\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*|\s*[-+]?(nan|inf|infinity)\s*", re.I | re.A)


def _is_number(cell: str) -> bool:
    """A cell a CSV parser would read as a float (stricter than float(): no '1_0')."""
    return _NUMBER.fullmatch(cell.strip().strip('"')) is not None


def _split(line: str) -> list[str] | None:
    """The cells of one line, or None if its quoting is broken."""
    try:
        return next(csv.reader([line.rstrip("\r\n")], strict=True), [])
    except csv.Error:
        return None


def _parse_line(path: Path, line: str, lineno: int, cols: tuple[str, ...]) -> list[float]:
    """One data line, parsed strictly; a RecordingError naming the line if it is bad."""
    row = _split(line)
    if row is None:
        raise RecordingError(str(path), "malformed CSV (unbalanced quotes or a stray line break)", line=lineno)
    if len(row) != len(cols):
        raise RecordingError(str(path), f"expected {len(cols)} values ({','.join(cols)}), found {len(row)}", line=lineno)
    out = []
    for name, cell in zip(cols, row):
        c = cell.strip().strip('"').strip()
        if not c:
            raise RecordingError(str(path), f"{name} is missing (empty cell)", line=lineno)
        if not _is_number(c):
            raise RecordingError(str(path), f"{name} is not a number: {_short(cell.strip())}", line=lineno)
        out.append(float(c))
    return out


def iter_recording(path: str | Path, chunk_rows: int = CHUNK_ROWS, report: ReadReport | None = None) -> Iterator[Samples]:
    """Yield validated Samples chunks from a plain recording CSV.

    Duplicated timestamps are dropped; gaps are recorded in `report`; values in g are
    converted (with a warning). Raises RecordingError naming the file and line; the
    header is checked at once (a missing file fails here, not at the first chunk).
    Any other failure while reading is also reported as a RecordingError.
    """
    path = Path(path)
    cols = _header(path)
    report = report if report is not None else ReadReport()
    return _guarded(path, _iter(path, cols, max(1, int(chunk_rows)), report))


def _guarded(path: Path, gen: Iterator[Samples]) -> Iterator[Samples]:
    try:
        yield from gen
    except RecordingError:
        raise
    except OSError as exc:
        raise _os_error(path, exc) from None
    except MemoryError:
        raise RecordingError(str(path), "too large to read into memory") from None
    except Exception as exc:  # pandas/numpy surprises: still one line naming the file
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise RecordingError(str(path), f"could not be read ({type(exc).__name__}: {msg[:200]})") from exc


def _read_block(text: bytes | str, cols: tuple[str, ...]) -> np.ndarray:
    """pandas' C parser on a block of lines that look well formed."""
    buf = io.BytesIO(text) if isinstance(text, bytes) else io.StringIO(text)
    df = pd.read_csv(buf, header=None, names=list(cols), dtype=float, engine="c",
                     skip_blank_lines=False, index_col=False)
    return df.to_numpy(dtype=float)


def _parse_chunk(path: Path, lines: list[bytes] | list[str], first: int, cols: tuple[str, ...]):
    """Parse the physical lines first, first+1, ... -> (values, line number of each row, row text)."""
    ncols = len(cols)
    binary = isinstance(lines[0], bytes)
    comma, nul = (b",", b"\x00") if binary else (",", "\x00")
    text = (b"" if binary else "").join(lines)
    # Fast path: no blank lines and the right number of commas everywhere (checked in
    # total; the C parser rejects a line with too many fields, so a compensating pair of
    # bad lines ends up on the slow path too; a short line or an empty cell comes back as
    # NaN, which the caller reports with its line).
    if text.count(comma) == (ncols - 1) * len(lines) and nul not in text:
        try:
            arr = _read_block(text, cols)
        except (ValueError, TypeError, pd.errors.ParserError):  # incl. UnicodeDecodeError
            arr = None
        if arr is not None and arr.shape == (len(lines), ncols):
            return arr, np.arange(first, first + len(lines), dtype=np.int64), lines
    # Slow path, authoritative: line by line, so every problem gets its exact line.
    rows, linenos, kept = [], [], []
    for i, raw in enumerate(lines):
        lineno = first + i
        if binary:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise RecordingError(str(path), "not a text file (not UTF-8)", line=lineno) from None
        else:
            line = raw
        if not line.strip():
            continue
        if "\x00" in line:
            raise RecordingError(str(path), "not a text file (binary data)", line=lineno)
        rows.append(_parse_line(path, line, lineno, cols))
        linenos.append(lineno)
        kept.append(line)
    arr = np.asarray(rows, dtype=float).reshape(-1, ncols)
    return arr, np.asarray(linenos, dtype=np.int64), kept


def _chunks(path: Path, cols: tuple[str, ...], chunk_rows: int):
    """Parsed chunks: (values (n, ncols), file line of each row, text of each row). Blank lines skipped.

    Lines are read as bytes (fast; decoded only where something is wrong), except in files
    with old-Mac CR-only line ends, which need Python's universal newlines.
    """
    with open(path, "rb") as fh:
        head = fh.readline(MAX_HEADER_BYTES + 8)
        cr_only = b"\r" in head.rstrip(b"\r\n") or (head.endswith(b"\r") and not head.endswith(b"\r\n"))
        if not cr_only:
            yield from _chunks_from(path, fh, cols, chunk_rows)
            return
    with open(path, encoding="utf-8-sig", newline=None) as fh:
        try:
            fh.readline()
            yield from _chunks_from(path, fh, cols, chunk_rows)
        except UnicodeDecodeError:
            raise RecordingError(str(path), "not a text file (not UTF-8)") from None


def _chunks_from(path: Path, fh, cols: tuple[str, ...], chunk_rows: int):
    lineno = 1  # the header has been read
    while True:
        lines = list(islice(fh, chunk_rows))
        if not lines:
            return
        first = lineno + 1
        lineno += len(lines)
        arr, linenos, kept = _parse_chunk(path, lines, first, cols)
        if len(arr):
            yield arr, linenos, kept


def _not_finite(path: Path, arr: np.ndarray, linenos: np.ndarray, lines: list[str],
                cols: tuple[str, ...]) -> RecordingError:
    i, j = (int(x) for x in np.argwhere(~np.isfinite(arr))[0])
    line = lines[i].decode("utf-8", "replace") if isinstance(lines[i], bytes) else lines[i]
    _parse_line(path, line, int(linenos[i]), cols)  # a short line or empty cell: say so
    v = arr[i, j]
    what = "not a number (NaN)" if np.isnan(v) else f"{'+' if v > 0 else '-'}inf"
    return RecordingError(str(path), f"{cols[j]} is {what}; expected a finite number", line=int(linenos[i]))


def _iter(path: Path, cols: tuple[str, ...], chunk_rows: int, report: ReadReport) -> Iterator[Samples]:
    ncols = len(cols)
    prev_t: float | None = None  # last timestamp read (kept or not)
    last_out: float | None = None  # last timestamp yielded
    t0: float | None = None
    scale: float | None = None  # None until rate and units are checked
    pending: list[tuple[np.ndarray, np.ndarray]] = []  # (rows, lines) waiting for the rate/units check
    pending_rows = 0
    first_jump: RecordingError | None = None

    def check(rows: np.ndarray) -> float:
        """Judge the rate and units on the first CHECK_ROWS kept rows; return the acc scale."""
        rows = rows[:CHECK_ROWS]
        dt = np.diff(rows[:, 0])
        if dt.size < 10:
            dups = f" with distinct times ({report.duplicates_dropped} repeated ones dropped)" if report.duplicates_dropped else ""
            raise RecordingError(str(path), f"too short: only {len(rows)} samples{dups}")
        rate = 1.0 / float(np.median(dt))
        report.rate_hz = rate
        if not (MIN_RATE_HZ * (1 - 1e-6) <= rate <= MAX_RATE_HZ * (1 + 1e-6)):  # float noise at the limits
            hint = " (are the times in milliseconds?)" if rate < MIN_RATE_HZ else " (are the times in microseconds, or sample numbers?)"
            if rate < MIN_RATE_HZ and rate * 1e3 < MIN_RATE_HZ:
                hint = " (are the times in microseconds?)" if 1e6 * rate <= MAX_RATE_HZ else ""
            raise RecordingError(str(path), f"sample rate {rate:.3g} Hz is outside {MIN_RATE_HZ:g}-{MAX_RATE_HZ:g} Hz{hint}", line=2)
        with np.errstate(all="ignore"):  # a corrupt huge value is reported by emit(), with its line
            mag = float(np.median(np.linalg.norm(rows[:, 1:4], axis=1)))
        if 0.5 <= mag <= 2.0:
            report.converted_from_g = True
            return G
        if not (4.0 <= mag <= 20.0):
            hint = ""
            if 500 <= mag <= 2000:
                hint = " (are the values in milli-g?)"
            elif mag < 0.5:
                hint = " (is gravity removed? soleus needs raw accelerometer values)"
            raise RecordingError(
                str(path), f"accelerometer magnitude is {mag:.3g} at rest, expected about 9.81 m/s^2{hint}", line=2
            )
        return 1.0

    def emit(rows: np.ndarray, lns: np.ndarray) -> Samples:
        nonlocal last_out
        acc = rows[:, 1:4] * scale
        for vals, limit, first_col, what in ((acc, ACC_LIMIT, 1, "an accelerometer's range"),
                                             (rows[:, 4:7], GYRO_LIMIT, 4, "a gyroscope's range in rad/s")):
            over = np.abs(vals) > limit
            if vals.size and over.any():
                i, j = (int(x) for x in np.argwhere(over)[0])
                raise RecordingError(
                    str(path), f"{cols[first_col + j]} is {rows[i, first_col + j]:.6g}, far beyond {what} (corrupt value?)",
                    line=int(lns[i]),
                )
        t = rows[:, 0]
        full_t = t if last_out is None else np.concatenate([[last_out], t])
        gap = np.diff(full_t)
        for b in np.flatnonzero(gap > max(0.2, 5.0 / (report.rate_hz or 1.0))):
            report.gaps.append((float(full_t[b]), float(full_t[b + 1])))
        last_out = float(t[-1])
        report.rows += len(rows)
        gyro = rows[:, 4:7].copy() if ncols == 7 else None
        return Samples(t.copy(), acc, gyro)

    for arr, linenos, lines in _chunks(path, cols, chunk_rows):
        if not np.isfinite(arr).all():
            raise _not_finite(path, arr, linenos, lines, cols)
        t = arr[:, 0]
        if t0 is None:
            t0 = float(t[0])
        full_t = t if prev_t is None else np.concatenate([[prev_t], t])
        dt = np.diff(full_t)
        off = 0 if prev_t is None else 1  # dt[k] ends at row k + 1 - off of this chunk
        back = np.flatnonzero(dt < 0)
        if back.size:
            b = int(back[0])
            raise RecordingError(
                str(path), f"time goes backwards ({full_t[b]:.6f} then {full_t[b + 1]:.6f} s)",
                line=int(linenos[b + 1 - off]),
            )
        jump = np.flatnonzero(dt > MAX_GAP_S)
        if jump.size and first_jump is None:
            b = int(jump[0])
            first_jump = RecordingError(
                str(path), f"time jumps by {dt[b]:.0f} s (absurd timestamp, more than {MAX_GAP_S:.0f} s)",
                line=int(linenos[b + 1 - off]),
            )
        if first_jump is not None and scale is not None:
            raise first_jump  # (before the rate is checked, a rate error explains it better)
        keep = np.ones(len(t), dtype=bool)
        dup = np.flatnonzero(dt == 0) + 1 - off
        keep[dup] = False
        report.duplicates_dropped += int(dup.size)
        prev_t = float(t[-1])
        rows, lns = arr[keep], linenos[keep]
        if not len(rows):
            continue
        if scale is None:
            pending.append((rows, lns))
            pending_rows += len(rows)
            if pending_rows < CHECK_ROWS:
                continue
            rows, lns = np.concatenate([p[0] for p in pending]), np.concatenate([p[1] for p in pending])
            pending = []
            scale = check(rows)
            if first_jump is not None:
                raise first_jump
        yield emit(rows, lns)

    if pending:
        rows, lns = np.concatenate([p[0] for p in pending]), np.concatenate([p[1] for p in pending])
        scale = check(rows)
        if first_jump is not None:
            raise first_jump
        yield emit(rows, lns)
    if prev_t is None:
        raise RecordingError(str(path), "no samples after the header")
    duration = prev_t - (t0 if t0 is not None else prev_t)
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
