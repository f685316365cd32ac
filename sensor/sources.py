"""Where samples come from: files of any supported layout, paced replay.

A live source is an async iterator of Samples chunks; replay, the simulator and BLE
devices all present that shape so one pipeline serves them all.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import AsyncIterator, Iterable, Iterator

import numpy as np

from counting.samples import Samples
from sensor.csv_reader import ReadReport, iter_recording
from sensor.errors import RecordingError, SoleusError


@dataclass
class Recording:
    """An opened recording: its chunks (lazy), what was noticed while reading, its format."""

    path: Path
    format: str
    report: ReadReport = field(default_factory=ReadReport)
    _chunks: Iterable[Samples] | None = None
    started_at: datetime | None = None  # wall-clock start, when the format records it (app exports)
    device: str | None = None

    def chunks(self) -> Iterator[Samples]:
        """The samples, chunk by chunk. Anything that goes wrong while reading the user's
        file (even a pandas/numpy surprise) is a RecordingError naming the file."""
        assert self._chunks is not None
        try:
            yield from self._chunks
        except SoleusError:
            raise
        except OSError as exc:
            raise RecordingError(str(self.path), f"cannot be read: {exc.strerror or exc}") from None
        except Exception as exc:
            raise _unexpected(self.path, exc) from exc

    def read_all(self) -> Samples:
        return Samples.concat(list(self.chunks()))


def open_recording(path: str | Path) -> Recording:
    """Open a recording, detecting its layout (plain CSV; app exports where supported).

    Raises sensor.errors.RecordingError naming the file (and line) on bad input.
    """
    path = Path(path)
    from sensor import importers  # app exports (Sensor Logger, phyphox, Polar), by file layout

    fmt = importers.detect(path) if path.exists() else None
    if fmt is not None:
        samples, imp_report, started, device, fmt = importers.read(path, fmt)
        return Recording(path=path, format=fmt, report=imp_report, _chunks=[samples], started_at=started, device=device)
    report = ReadReport()
    try:
        chunks = iter_recording(path, report=report)
    except SoleusError:
        raise
    except OSError as exc:
        raise RecordingError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    except Exception as exc:
        raise _unexpected(path, exc) from exc
    return Recording(path=path, format="plain-csv", report=report, _chunks=chunks)


def _unexpected(path: Path, exc: Exception) -> RecordingError:
    msg = " ".join(str(exc).split())[:200] or "no details"
    return RecordingError(str(path), f"could not be read ({type(exc).__name__}: {msg})")


async def paced(chunks: Iterable[Samples], speed: float | None, chunk_s: float = 0.1) -> AsyncIterator[Samples]:
    """Yield chunks of about `chunk_s` seconds, at `speed` x real time (None: as fast as possible).

    Pacing follows the samples' own clock, so gaps in the recording are waited out too.
    """
    start_wall: float | None = None
    start_t: float | None = None
    for big in chunks:
        if len(big) == 0:
            continue
        t = big.t
        i = 0
        while i < len(big):
            j = max(i + 1, int(np.searchsorted(t, t[i] + chunk_s, side="left")))
            c = big.slice(i, j)
            i = j
            if speed:
                if start_wall is None:
                    start_wall, start_t = time.monotonic(), float(c.t[0])
                due = start_wall + (float(c.t[-1]) - start_t) / speed
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)
            yield c
