"""Writes the sample app exports in data/ (run: python -m tests.sensor.importers.make_samples).

Each file follows the app's documented layout (column names, units, separators, time
base); the motion is 3 calf raises seen by a tilted sensor, so every importer can be
checked against the same truth: specific force with |g| = 9.80665 along UP_SENSOR.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
G = 9.80665
UP_SENSOR = np.array([0.2, -0.3, 0.932])
UP_SENSOR = UP_SENSOR / np.linalg.norm(UP_SENSOR)
START_UNIX = 1_773_166_502.25  # 2026-03-10 18:15:02.25 UTC
POLAR_EPOCH_OFFSET = 946_684_800  # 2000-01-01 in Unix seconds


def motion(t: np.ndarray):
    """Specific force (n,3) m/s^2 and gyro (n,3) rad/s for 3 calf raises starting at 2 s."""
    h = np.zeros_like(t)
    for k in range(3):
        c0 = 2.0 + 3.0 * k
        m = (t >= c0) & (t < c0 + 2.0)
        h[m] = 0.06 * 0.5 * (1 - np.cos(2 * np.pi * (t[m] - c0) / 2.0))
    a = np.gradient(np.gradient(h, t), t)
    acc = (G + a)[:, None] * UP_SENSOR[None, :]
    w = np.gradient(h, t) * 4.0  # ankle pitch rate follows heel speed
    gyro = np.stack([w, 0.2 * w, np.zeros_like(w)], axis=1)
    return acc, gyro


def sensor_logger(folder: Path, *, ios: bool, rate=100.0, duration=12.0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(0, duration, 1 / rate)
    sf, gyro = motion(t)
    grav_android = np.tile(G * UP_SENSOR, (len(t), 1))  # Android gravity sensor = +g along up
    user = sf - grav_android + np.random.default_rng(1 if ios else 2).normal(0, 0.01, sf.shape)
    sign = -1.0 if ios else 1.0
    ns = np.round((START_UNIX + t) * 1e9).astype(np.int64)

    def write(name, vals, tt=t, nn=ns):
        with open(folder / name, "w") as fh:
            fh.write("time,seconds_elapsed,z,y,x\n")
            for n, el, v in zip(nn, tt, vals):
                fh.write(f"{n},{el:.6f},{v[2]:.6f},{v[1]:.6f},{v[0]:.6f}\n")

    write("Accelerometer.csv", sign * user)
    write("Gravity.csv", sign * grav_android)
    # the gyro runs on its own (slightly slower, slightly later) timestamps
    tg = np.arange(0.004, duration, 1 / 98.0)
    _, gg = motion(tg)
    write("Gyroscope.csv", gg, tg, np.round((START_UNIX + tg) * 1e9).astype(np.int64))
    with open(folder / "metadata.csv", "w") as fh:
        fh.write("version,device name,recording epoch time,recording time,recording timezone,platform,appVersion,"
                 "device id,sensors,sampleRateMs,standardisation\n")
        fh.write(f"3,{'iPhone 15' if ios else 'Pixel 8'},{int(START_UNIX * 1000)},2026-03-10_18-15-02,Europe/London,"
                 f"{'ios' if ios else 'android'},1.41.2,abc123,Accelerometer|Gravity|Gyroscope,10,false\n")
    with open(folder / "Annotation.csv", "w") as fh:
        fh.write("time,seconds_elapsed,text,millisecond_press_duration\n")


def phyphox(path: Path, *, sep=",", dec=".", rate=100.0, duration=12.0) -> None:
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    t = np.cumsum(np.full(int(duration * rate), 1 / rate) + rng.normal(0, 0.0004, int(duration * rate)))
    t -= t[0]
    sf, gyro = motion(t)

    def num(x):
        s = f"{x:.9E}"
        return s.replace(".", dec)

    def table(name, head, vals):
        with open(path / name, "w") as fh:
            fh.write(sep.join(f'"{h}"' for h in head) + "\n")
            for tt, v in zip(t, vals):
                fh.write(sep.join(num(x) for x in [tt, *v, np.linalg.norm(v)]) + "\n")

    table("Accelerometer.csv", ["Time (s)", "Acceleration x (m/s^2)", "Acceleration y (m/s^2)",
                                "Acceleration z (m/s^2)", "Absolute acceleration (m/s^2)"], sf)
    table("Gyroscope.csv", ["Time (s)", "Gyroscope x (rad/s)", "Gyroscope y (rad/s)", "Gyroscope z (rad/s)",
                            "Absolute (rad/s)"], gyro)
    (path / "meta").mkdir(exist_ok=True)
    with open(path / "meta" / "time.csv", "w") as fh:
        fh.write(sep.join(['"event"', '"experiment time"', '"system time"', '"system time text"']) + "\n")
        fh.write(sep.join(['"START"', num(0.0), num(START_UNIX), '"2026-03-10 18:15:02.250 UTC+00:00"']) + "\n")
        fh.write(sep.join(['"PAUSE"', num(duration), num(START_UNIX + duration), '"2026-03-10 18:15:14.250 UTC+00:00"']) + "\n")
    with open(path / "meta" / "device.csv", "w") as fh:
        fh.write('"property","value"\n"deviceModel","Pixel 8"\n"deviceBrand","google"\n')


def polar(folder: Path, *, rate=52.0, duration=12.0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    prefix = "Polar_H10_A1B2C3D4_20260310_181502"
    t = np.arange(0, duration, 1 / rate)
    sf, _ = motion(t)
    tg = np.arange(0.005, duration, 1 / 52.0)
    _, gg = motion(tg)
    sensor0 = START_UNIX - POLAR_EPOCH_OFFSET

    def phone(tt):
        from datetime import datetime, timezone
        return datetime.fromtimestamp(START_UNIX + tt, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]

    with open(folder / f"{prefix}_ACC.txt", "w") as fh:
        fh.write("Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]\n")
        for tt, v in zip(t, sf):
            mg = np.round(v / G * 1000).astype(int)
            fh.write(f"{phone(tt)};{int(round((sensor0 + tt) * 1e9))};{mg[0]};{mg[1]};{mg[2]}\n")
    with open(folder / f"{prefix}_GYRO.txt", "w") as fh:
        fh.write("Phone timestamp;sensor timestamp [ns];X [dps];Y [dps];Z [dps]\n")
        for tt, v in zip(tg, gg):
            d = np.degrees(v)
            fh.write(f"{phone(tt)};{int(round((sensor0 + tt) * 1e9))};{d[0]:.2f};{d[1]:.2f};{d[2]:.2f}\n")
    with open(folder / f"{prefix}_HR.txt", "w") as fh:
        fh.write("Phone timestamp;HR [bpm];HRV [ms];Breathing interval [rpm];\n")
        fh.write(f"{phone(0)};72;;;\n")


def main() -> None:
    if DATA.exists():
        shutil.rmtree(DATA)
    sensor_logger(DATA / "sensor_logger_android", ios=False)
    sensor_logger(DATA / "sensor_logger_ios", ios=True)
    phyphox(DATA / "phyphox_comma")
    phyphox(DATA / "phyphox_semicolon", sep=";", dec=",")
    polar(DATA / "polar")


if __name__ == "__main__":
    main()
