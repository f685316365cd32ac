"""InfiniTime (PineTime) Motion Service: raw accelerometer notifications.

Raw motion characteristic notifies 3 x int16 LE (x, y, z) per sample; recent firmware
scales 1 g = 1024. No device timestamp: times come from the host (see timestamps).
Several samples in one notification (a multiple of 6 bytes) are accepted.
"""
from __future__ import annotations

import numpy as np

from sensor.ble.profiles.base import G, DecodeStats, Frame

SERVICE = "00030000-78fc-48fe-8e23-433b3a1942d0"
STEP_COUNT = "00030001-78fc-48fe-8e23-433b3a1942d0"
RAW_MOTION = "00030002-78fc-48fe-8e23-433b3a1942d0"
LSB_PER_G = 1024.0


def encode(counts: np.ndarray) -> bytes:
    return np.asarray(counts, dtype="<i2").reshape(-1).tobytes()


class InfiniTimeDecoder:
    name = "infinitime"

    def __init__(self, lsb_per_g: float = LSB_PER_G) -> None:
        self.stats = DecodeStats()
        self.scale = G / lsb_per_g

    def decode(self, data: bytes) -> Frame | None:
        self.stats.packets += 1
        if len(data) == 0 or len(data) % 6:
            self.stats.bad(self.name, f"motion packet of {len(data)} bytes is not 3 x int16 samples")
            return None
        v = np.frombuffer(bytes(data), dtype="<i2").reshape(-1, 3).astype(float)
        self.stats.samples += len(v)
        return Frame(acc=v * self.scale)
