"""What every device profile shares: decoded frames and malformed-packet accounting."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

G = 9.80665
DEG = np.pi / 180.0

log = logging.getLogger("soleus.ble")


class MalformedPacket(ValueError):
    """A notification that cannot be decoded (truncated, wrong type, bad values)."""


@dataclass
class Frame:
    """Samples decoded from one notification (or one NUS line batch).

    acc:  (n, 3) m/s^2 in the sensor frame, or None (a gyro-only frame).
    gyro: (n, 3) rad/s, or None.
    device_t_last: device time (s) of the LAST sample, when the packet carries one.
    device_t: (n,) device time (s) of every sample, when the packet carries them.
    seq: packet sequence number, when the profile has one (wraps at seq_modulo).
    rate_hz: the nominal sample rate the device reports or was configured with.
    """

    acc: np.ndarray | None
    gyro: np.ndarray | None = None
    device_t_last: float | None = None
    device_t: np.ndarray | None = None
    seq: int | None = None
    seq_modulo: int = 65536
    rate_hz: float | None = None

    def __len__(self) -> int:
        a = self.acc if self.acc is not None else self.gyro
        return 0 if a is None else int(a.shape[0])


@dataclass
class DecodeStats:
    """Counts kept by a decoder; malformed packets are counted and logged, never raised."""

    packets: int = 0
    samples: int = 0
    malformed: int = 0
    ignored: int = 0
    last_error: str | None = None
    errors: dict[str, int] = field(default_factory=dict)

    def bad(self, name: str, problem: str) -> None:
        self.malformed += 1
        self.last_error = problem
        self.errors[problem] = self.errors.get(problem, 0) + 1
        # log the first few and then every 100th, so a noisy link cannot flood the log
        if self.malformed <= 5 or self.malformed % 100 == 0:
            log.warning("%s: malformed packet #%d: %s", name, self.malformed, problem)


def unwrap(value: int, previous_unwrapped: int | None, modulo: int) -> int:
    """Unwrap a counter that wraps at `modulo` (forward progress of < modulo/2 assumed)."""
    if previous_unwrapped is None:
        return value
    base = previous_unwrapped - (previous_unwrapped % modulo)
    cand = base + value
    if cand < previous_unwrapped - modulo // 2:
        cand += modulo
    elif cand > previous_unwrapped + modulo // 2:
        cand -= modulo
    return cand
