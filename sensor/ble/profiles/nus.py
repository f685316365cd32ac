"""Nordic UART Service (Bangle.js, ESP32/Arduino sketches, phone apps) with a line format.

The device writes text lines on TX (notify); lines may be split across notifications
and several may share one. Accelerometer lines (documented in docs/ble.md):

    A,<t_ms>,<ax>,<ay>,<az>[,<gx>,<gy>,<gz>]\\n

t_ms: device milliseconds (unsigned 32-bit, may wrap); ax..az in g; gx..gz in deg/s.
Lines starting with anything else are ignored (counted); a bad `A,` line is malformed.
Commands we write on RX: `start <rate_hz>\\n` and `stop\\n`.
"""
from __future__ import annotations

import numpy as np

from sensor.ble.profiles.base import DEG, G, DecodeStats, Frame, unwrap

SERVICE = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"  # we write
TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"  # device notifies
MAX_LINE = 256
T_MODULO = 1 << 32


def command_start(rate_hz: float) -> bytes:
    return f"start {rate_hz:g}\n".encode()


def command_stop() -> bytes:
    return b"stop\n"


def format_line(t_ms: int, acc_g, gyro_dps=None) -> str:
    vals = [f"{v:.4f}" for v in acc_g]
    if gyro_dps is not None:
        vals += [f"{v:.3f}" for v in gyro_dps]
    return f"A,{int(t_ms) % T_MODULO}," + ",".join(vals) + "\n"


class NusDecoder:
    name = "nus"

    def __init__(self) -> None:
        self.stats = DecodeStats()
        self._buf = b""
        self._t_prev: int | None = None

    def _line(self, line: bytes, rows: list, gyros: list, times: list) -> None:
        text = line.decode("ascii", errors="replace").strip()
        if not text:
            return
        if not text.startswith("A,"):
            self.stats.ignored += 1
            return
        parts = text.split(",")
        if len(parts) not in (5, 8):
            self.stats.bad(self.name, f"accelerometer line with {len(parts)} fields")
            return
        try:
            t_raw = int(parts[1])
            vals = [float(p) for p in parts[2:]]
        except ValueError:
            self.stats.bad(self.name, "accelerometer line with a non-number")
            return
        if not (0 <= t_raw < T_MODULO) or not np.all(np.isfinite(vals)) or max(abs(v) for v in vals[:3]) > 64:
            self.stats.bad(self.name, "accelerometer line with out-of-range values")
            return
        t = unwrap(t_raw, self._t_prev, T_MODULO)
        self._t_prev = t
        times.append(t / 1000.0)
        rows.append(vals[:3])
        gyros.append(vals[3:] if len(vals) == 6 else None)

    def decode(self, data: bytes) -> Frame | None:
        self.stats.packets += 1
        self._buf += bytes(data)
        rows: list = []
        gyros: list = []
        times: list = []
        while b"\n" in self._buf:
            line, self._buf = self._buf.split(b"\n", 1)
            self._line(line, rows, gyros, times)
        if len(self._buf) > MAX_LINE:
            self.stats.bad(self.name, f"line longer than {MAX_LINE} bytes without a newline")
            self._buf = b""
        if not rows:
            return None
        acc = np.asarray(rows, dtype=float) * G
        gyro = None
        if all(g is not None for g in gyros):
            gyro = np.asarray(gyros, dtype=float) * DEG
        elif any(g is not None for g in gyros):
            # mixed lines in one batch: keep the accelerometer, drop the partial gyro
            self.stats.ignored += 1
        self.stats.samples += len(acc)
        return Frame(acc=acc, gyro=gyro, device_t=np.asarray(times))
