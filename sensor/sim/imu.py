"""Sensor physics: what a strapped-on IMU reports for a segment's motion.

acc  = S_a (M^T R^T (a + g z_up)) + bias_a + noise,   gyro = S_g (M^T w_body) + bias_g + noise,
with R the segment's orientation, M the (unknown, random) mounting rotation, S a scale and
cross-axis matrix (1-3% scale error, <1% cross-axis), white noise, constant bias plus a slow
drift for the gyro, the device's internal averaging down to the output rate, quantisation to the
LSB of a 16-bit converter and saturation at the full-scale range.
Noise levels bracket consumer MEMS IMUs (e.g. Bosch BMI160 datasheet: accelerometer
180 ug/sqrt(Hz), gyroscope 0.007 deg/s/sqrt(Hz); cheaper parts and loose straps are worse).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensor.sim.mathutil import band_noise, colmat, qconj, qmul, qrot, random_rotation

G = 9.80665


@dataclass(frozen=True)
class Device:
    mount: np.ndarray  # (3,3) sensor axes in segment frame
    acc_scale: np.ndarray  # (3,3)
    gyro_scale: np.ndarray
    acc_bias: np.ndarray
    gyro_bias: np.ndarray
    acc_noise: float  # m/s^2 RMS at the output rate
    gyro_noise: float  # rad/s RMS
    acc_lsb: float
    acc_range: float
    gyro_lsb: float
    gyro_range: float
    jitter_s: float  # timestamp jitter RMS
    rate_error: float  # relative error of the sample clock

    @staticmethod
    def random(rng: np.random.Generator) -> "Device":
        def scale(err: float) -> np.ndarray:
            m = np.eye(3) + np.diag(rng.uniform(-err, err, 3))
            off = rng.normal(0, 0.003, (3, 3))
            np.fill_diagonal(off, 0.0)
            return m + off

        acc_range = float(rng.choice([4.0, 8.0, 16.0])) * G
        gyro_range = float(rng.choice([1000.0, 2000.0])) * np.pi / 180
        return Device(
            mount=random_rotation(rng), acc_scale=scale(rng.uniform(0.01, 0.03)), gyro_scale=scale(rng.uniform(0.01, 0.03)),
            acc_bias=rng.uniform(-0.15, 0.15, 3), gyro_bias=rng.uniform(-0.02, 0.02, 3),
            acc_noise=rng.uniform(0.01, 0.05), gyro_noise=rng.uniform(0.002, 0.01),
            acc_lsb=2 * acc_range / 65536, acc_range=acc_range, gyro_lsb=2 * gyro_range / 65536, gyro_range=gyro_range,
            jitter_s=float(rng.choice([0.0, 0.0005, 0.002])), rate_error=float(rng.uniform(-0.003, 0.003)),
        )


def second_derivative(p: np.ndarray, fs: float) -> np.ndarray:
    return np.gradient(np.gradient(p, 1.0 / fs, axis=1), 1.0 / fs, axis=1)


def body_rates(q: np.ndarray, fs: float) -> np.ndarray:
    """Angular velocity in the body frame, vec(2 q* dq/dt), from a sampled quaternion track."""
    dq = np.gradient(q, 1.0 / fs, axis=1)
    return 2.0 * qmul(qconj(q), dq)[1:]


# Mounting resonance per placement: (natural frequency range Hz, damping ratio range). The sensor
# sits on soft tissue, a strap or in a pocket, a spring-damper between bone and sensor that rings
# after impacts (wobbling masses; e.g. Forner-Cordero A et al. 2008, "Study of the motion artefacts
# of skin-mounted inertial sensors under different attachment conditions", Physiol Meas 29(4):N21).
RESONANCE = {"foot": ((20.0, 30.0), (0.3, 0.5)), "shank": ((15.0, 25.0), (0.25, 0.4)),
             "thigh": ((8.0, 15.0), (0.2, 0.35)), "chest": ((10.0, 18.0), (0.25, 0.4)),
             "wrist": ((10.0, 18.0), (0.15, 0.3))}


def mounting_filter(placement: str, rng: np.random.Generator) -> tuple[float, float]:
    (f0, f1), (z0, z1) = RESONANCE[placement]
    return float(rng.uniform(f0, f1)), float(rng.uniform(z0, z1))


def resonate(a: np.ndarray, fs: float, f_n: float, zeta: float) -> np.ndarray:
    """Second-order low-pass with a resonance at f_n (unit DC gain), along the last axis."""
    from scipy.signal import bilinear, lfilter

    f_n = min(f_n, 0.4 * fs)
    w = 2 * np.pi * f_n
    b, a_ = bilinear([w * w], [1.0, 2 * zeta * w, w * w], fs)
    return lfilter(b, a_, a, axis=-1)


def ideal(q: np.ndarray, p: np.ndarray, a_extra: np.ndarray, fs: float, dev: Device,
          resonance: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Noise-free specific force (m/s^2) and angular velocity (rad/s) in the sensor frame.

    q: segment orientation (segment -> world, (4,n)), p: sensor position (world, m, (3,n)).
    resonance: (f_n, zeta) of the mounting, applied to the linear acceleration. Returns (3,n) arrays.
    """
    a = second_derivative(p, fs) + a_extra
    if resonance is not None:
        a = resonate(a, fs, *resonance)
    a[2] += G
    acc = colmat(dev.mount.T, qrot(qconj(q), a))  # M^T R^T a
    gyro = colmat(dev.mount.T, body_rates(q, fs))  # M^T w
    return acc, gyro


def measure(acc: np.ndarray, gyro: np.ndarray, k: int, dev: Device, rng: np.random.Generator,
            fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Device errors, averaging by k down to the output rate, quantisation and saturation.

    acc, gyro: (3, n) ideal signals on the internal grid; returns (m, 3) arrays at the output rate.
    """
    n = acc.shape[1] // k * k
    m = n // k
    a = colmat(dev.acc_scale, acc[:, :n]) + dev.acc_bias[:, None]
    g = colmat(dev.gyro_scale, gyro[:, :n]) + dev.gyro_bias[:, None]
    g += band_noise(rng, n, fs, 0.0005, 0.01, 0.002, dims=3)  # slow gyro bias drift
    a = a.reshape(3, m, k).mean(2).T + rng.normal(0, dev.acc_noise, (m, 3))
    g = g.reshape(3, m, k).mean(2).T + rng.normal(0, dev.gyro_noise, (m, 3))
    a = np.clip(np.round(a / dev.acc_lsb) * dev.acc_lsb, -dev.acc_range, dev.acc_range)
    g = np.clip(np.round(g / dev.gyro_lsb) * dev.gyro_lsb, -dev.gyro_range, dev.gyro_range)
    return a, g
