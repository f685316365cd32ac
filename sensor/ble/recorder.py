"""Append raw samples to a plain recording CSV (shared/interface.md section 1) as they arrive.

Same format as sensor.csv_reader.write_recording (t %.6f, values %.5f), so `soleus replay`
and `soleus analyze` read it back. The file is flushed at least every `flush_s` seconds (and on
close), so a crash or Ctrl-C loses at most that much. A JSON sidecar (FILE.meta.json) written
on close lists the device, gaps and link statistics.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from counting.samples import Samples


class CsvRecorder:
    def __init__(self, path: str | Path, flush_s: float = 0.5) -> None:
        self.path = Path(path)
        self.flush_s = flush_s
        self._fh = None
        self._gyro: bool | None = None
        self._last_flush = time.monotonic()
        self.rows = 0

    @property
    def gyro(self) -> bool | None:
        return self._gyro

    def open(self, gyro: bool) -> None:
        if self._fh is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._gyro = gyro
        self._fh = open(self.path, "w", newline="", encoding="utf-8")
        self._fh.write("t,ax,ay,az,gx,gy,gz\n" if gyro else "t,ax,ay,az\n")
        self._fh.flush()

    def write(self, s: Samples) -> None:
        if len(s) == 0:
            return
        if self._fh is None:
            self.open(s.gyro is not None)
        cols = [s.t[:, None], s.acc]
        if self._gyro:
            cols.append(s.gyro if s.gyro is not None else np.zeros_like(s.acc))
        arr = np.hstack(cols)
        fmt = ["%.6f"] + ["%.5f"] * (arr.shape[1] - 1)
        np.savetxt(self._fh, arr, fmt=fmt, delimiter=",")
        self.rows += len(s)
        if time.monotonic() - self._last_flush >= self.flush_s:
            self.flush()

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            self._last_flush = time.monotonic()

    def close(self, meta: dict | None = None) -> None:
        opened = self._fh is not None
        if opened:
            self._fh.flush()
            self._fh.close()
            self._fh = None
        if meta is not None and opened:  # no samples: no recording, no sidecar
            side = self.path.with_suffix(".meta.json")
            side.write_text(json.dumps(meta, indent=1, default=str))
