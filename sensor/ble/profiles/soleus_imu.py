"""The soleus IMU profile: a compact binary stream any phone app or microcontroller can send.

Specified in docs/ble.md. Little endian throughout.

Data notification (characteristic DATA, notify):
    0      u8   flags: bits 0-3 version (1), bit 4 gyro present
    1      u8   n, samples in this packet (>= 1)
    2-3    u16  packet sequence number (wraps at 65536)
    4-7    u32  device time of the LAST sample, microseconds (wraps at 2^32)
    8-9    u16  sample rate, 1/100 Hz (e.g. 10000 = 100 Hz)
    10     u8   accelerometer full scale, g (2, 4, 8, 16): 1 LSB = range / 32768 g
    11     u8   gyro full scale, units of 125 deg/s (0 when absent): 1 LSB = range*125 / 32768 deg/s
    12-    n x (ax, ay, az[, gx, gy, gz]) int16
Control (characteristic CONTROL, write with response):
    01 <u16 rate_hz>   start streaming at (about) rate_hz
    02                 stop
A device that cannot honour a rate answers the write with ATT error 0x80 (application error).
"""
from __future__ import annotations

import struct

import numpy as np

from sensor.ble.profiles.base import DEG, G, DecodeStats, Frame, unwrap

SERVICE = "5e1e0001-50e0-4c1a-8d0e-7e57c0de0001"
DATA = "5e1e0002-50e0-4c1a-8d0e-7e57c0de0001"
CONTROL = "5e1e0003-50e0-4c1a-8d0e-7e57c0de0001"
VERSION = 1
HEADER = struct.Struct("<BBHIHBB")
T_MODULO = 1 << 32


def command_start(rate_hz: int) -> bytes:
    return bytes([1]) + int(rate_hz).to_bytes(2, "little")


def command_stop() -> bytes:
    return bytes([2])


def encode(seq: int, t_last_us: int, rate_hz: float, acc_counts: np.ndarray, gyro_counts: np.ndarray | None = None,
           acc_range_g: int = 8, gyro_range_125: int = 16) -> bytes:
    acc = np.asarray(acc_counts, dtype=np.int64).reshape(-1, 3)
    flags = VERSION | (0x10 if gyro_counts is not None else 0)
    data = acc if gyro_counts is None else np.hstack([acc, np.asarray(gyro_counts, dtype=np.int64).reshape(-1, 3)])
    head = HEADER.pack(flags, len(acc), seq % 65536, int(t_last_us) % T_MODULO, int(round(rate_hz * 100)),
                       acc_range_g, gyro_range_125 if gyro_counts is not None else 0)
    return head + np.clip(data, -32768, 32767).astype("<i2").tobytes()


class SoleusImuDecoder:
    name = "soleus-imu"

    def __init__(self) -> None:
        self.stats = DecodeStats()
        self._t_prev: int | None = None

    def decode(self, data: bytes) -> Frame | None:
        self.stats.packets += 1
        data = bytes(data)
        if len(data) < HEADER.size:
            self.stats.bad(self.name, f"packet of {len(data)} bytes shorter than the 12-byte header")
            return None
        flags, n, seq, t_us, rate_c, acc_range, gyro_range = HEADER.unpack_from(data)
        if flags & 0x0F != VERSION:
            self.stats.bad(self.name, f"unknown version {flags & 0x0F}")
            return None
        has_gyro = bool(flags & 0x10)
        width = 6 if has_gyro else 3
        if n == 0 or len(data) != HEADER.size + n * width * 2:
            self.stats.bad(self.name, f"{len(data)} bytes do not hold {n} samples")
            return None
        if acc_range not in (2, 4, 8, 16) or (has_gyro and not 1 <= gyro_range <= 32) or rate_c == 0:
            self.stats.bad(self.name, "bad scale or rate in header")
            return None
        v = np.frombuffer(data, dtype="<i2", offset=HEADER.size).reshape(n, width).astype(float)
        acc = v[:, :3] * (acc_range / 32768.0) * G
        gyro = v[:, 3:] * (gyro_range * 125.0 / 32768.0) * DEG if has_gyro else None
        t = unwrap(t_us, self._t_prev, T_MODULO)
        self._t_prev = t
        self.stats.samples += n
        return Frame(acc=acc, gyro=gyro, device_t_last=t / 1e6, seq=seq, rate_hz=rate_c / 100.0)
