"""Property tests: the parsers read back what the apps' layouts encode, and junk in any cell
gives a RecordingError (never a traceback)."""
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensor.errors import RecordingError
from sensor.sources import open_recording

G = 9.80665
FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def streams(draw):
    rate = draw(st.sampled_from([25.0, 50.0, 52.0, 100.0, 104.0, 200.0]))
    n = int(rate * draw(st.floats(2.5, 4.0)))
    t0 = draw(st.floats(0, 1e4))
    up = np.array(draw(st.tuples(*[st.floats(-1, 1)] * 3))) + np.array([0, 0, 1.5])
    up = up / np.linalg.norm(up)
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    acc = G * up + rng.normal(0, 0.5, (n, 3))
    gyro = rng.normal(0, 1.0, (n, 3))
    jitter = rng.uniform(0.9, 1.1, n) / rate
    t = t0 + np.cumsum(jitter)
    return t, acc, gyro


@FAST
@given(streams(), st.sampled_from([(",", "."), (";", ","), ("\t", ".")]))
def test_phyphox_round_trip(data, dialect):
    t, acc, gyro = data
    sep, dec = dialect
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "Raw Data.csv"
        head = ["Time (s)", "Acceleration x (m/s^2)", "Acceleration y (m/s^2)", "Acceleration z (m/s^2)",
                "Gyroscope x (rad/s)", "Gyroscope y (rad/s)", "Gyroscope z (rad/s)"]
        rows = [sep.join(f'"{h}"' for h in head)]
        for i in range(len(t)):
            rows.append(sep.join(f"{x:.9E}".replace(".", dec) for x in [t[i], *acc[i], *gyro[i]]))
        f.write_text("\n".join(rows) + "\n")
        s = open_recording(f).read_all()
    np.testing.assert_allclose(s.t, t, rtol=1e-8)
    np.testing.assert_allclose(s.acc, acc, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(s.gyro, gyro, rtol=1e-8, atol=1e-8)


@FAST
@given(streams())
def test_polar_round_trip_units(data):
    t, acc, gyro = data
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "Polar_Sense_B5_20260101_120000"
        ns = np.round((t + 8e8) * 1e9).astype(np.int64)
        Path(f"{p}_ACC.txt").write_text("Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]\n" + "".join(
            f"2026-01-01T12:00:00.000;{n};{v[0] / G * 1000:.3f};{v[1] / G * 1000:.3f};{v[2] / G * 1000:.3f}\n"
            for n, v in zip(ns, acc)))
        Path(f"{p}_GYRO.txt").write_text("Phone timestamp;sensor timestamp [ns];X [dps];Y [dps];Z [dps]\n" + "".join(
            f"2026-01-01T12:00:00.000;{n};{np.degrees(v[0]):.5f};{np.degrees(v[1]):.5f};{np.degrees(v[2]):.5f}\n"
            for n, v in zip(ns, gyro)))
        s = open_recording(f"{p}_ACC.txt").read_all()
    np.testing.assert_allclose(s.acc, acc, atol=1e-4)
    np.testing.assert_allclose(s.gyro, gyro, atol=1e-4)
    np.testing.assert_allclose(s.t - s.t[0], t - t[0], atol=1e-6)


JUNK = st.one_of(st.text(max_size=8), st.sampled_from(["", "nan", "inf", "-", "1e400", "1,5", "NaN;", '"', "\t"]))


@FAST
@given(st.sampled_from(["polar", "phyphox", "sensor_logger"]), st.integers(0, 150), st.integers(0, 4), JUNK)
def test_junk_cell_is_a_recording_error(fmt, row, col, junk):
    n = 200
    t = np.arange(n) / 50.0
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        if fmt == "polar":
            f = d / "Polar_H10_X_20260101_120000_ACC.txt"
            lines = ["Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]"] + [
                f"2026-01-01T12:00:00.000;{int(x * 1e9) + 10**17};10;-20;1000" for x in t]
            sep = ";"
        elif fmt == "phyphox":
            f = d / "Raw Data.csv"
            lines = ['"Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)"'] + [
                f"{x:.6E},0.1,0.2,9.8" for x in t]
            sep = ","
        else:
            f = d / "Accelerometer.csv"
            lines = ["time,seconds_elapsed,z,y,x"] + [f"{int((1.7e9 + x) * 1e9)},{x},9.8,0.1,0.2" for x in t]
            sep = ","
        cells = lines[row + 1].split(sep)
        cells[col % len(cells)] = junk
        lines[row + 1] = sep.join(cells)
        f.write_text("\n".join(lines) + "\n")
        try:
            s = open_recording(f).read_all()
        except RecordingError as exc:
            assert "\n" not in str(exc) and str(d) in str(exc)
        else:
            assert len(s) > 0 and np.all(np.isfinite(s.acc))
