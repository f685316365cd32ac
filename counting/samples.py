"""The one data type that crosses from sources into the counting core."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Samples:
    """A chunk of timestamped IMU samples in the SENSOR frame.

    t:    (n,) seconds, increasing, any origin.
    acc:  (n, 3) specific force in m/s^2 (about +9.81 along "up" at rest).
    gyro: (n, 3) angular velocity in rad/s, or None for accelerometer-only devices.
    """

    t: np.ndarray
    acc: np.ndarray
    gyro: np.ndarray | None = None

    def __post_init__(self) -> None:
        t = np.asarray(self.t, dtype=float).reshape(-1)
        acc = np.asarray(self.acc, dtype=float).reshape(-1, 3)
        if acc.shape[0] != t.shape[0]:
            raise ValueError(f"acc has {acc.shape[0]} rows but t has {t.shape[0]}")
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "acc", acc)
        if self.gyro is not None:
            gyro = np.asarray(self.gyro, dtype=float).reshape(-1, 3)
            if gyro.shape[0] != t.shape[0]:
                raise ValueError(f"gyro has {gyro.shape[0]} rows but t has {t.shape[0]}")
            object.__setattr__(self, "gyro", gyro)

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @property
    def has_gyro(self) -> bool:
        return self.gyro is not None

    def slice(self, start: int, stop: int) -> "Samples":
        """Rows [start, stop) as a new chunk (views, no copy)."""
        return Samples(
            self.t[start:stop],
            self.acc[start:stop],
            None if self.gyro is None else self.gyro[start:stop],
        )

    def chunks(self, size: int):
        """Yield consecutive chunks of at most `size` samples."""
        if size < 1:
            raise ValueError("chunk size must be >= 1")
        for i in range(0, len(self), size):
            yield self.slice(i, i + size)

    @staticmethod
    def concat(parts: "list[Samples]") -> "Samples":
        """Join chunks end to end; gyro is kept only if every part has it."""
        if not parts:
            return Samples(np.zeros(0), np.zeros((0, 3)), None)
        gyro = None
        if all(p.gyro is not None for p in parts):
            gyro = np.concatenate([p.gyro for p in parts])
        return Samples(
            np.concatenate([p.t for p in parts]), np.concatenate([p.acc for p in parts]), gyro
        )
