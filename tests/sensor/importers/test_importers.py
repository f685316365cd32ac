"""App importers on sample exports written to the apps' documented layouts (make_samples.py)."""
import shutil
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from sensor.errors import RecordingError
from sensor.importers import detect
from sensor.sources import open_recording
from tests.sensor.importers.make_samples import G, START_UNIX, UP_SENSOR, motion

DATA = Path(__file__).parent / "data"


def zipped(folder: Path, tmp_path: Path, top: str | None = None) -> Path:
    z = tmp_path / f"{folder.name}.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in folder.rglob("*"):
            if p.is_file():
                zf.write(p, str(Path(top or "") / p.relative_to(folder)))
    return z


def check_truth(rec, *, gyro=True, tol=0.08):
    s = rec.read_all()
    assert len(s) > 500
    up = np.median(s.acc[:100], axis=0)
    assert np.linalg.norm(up) == pytest.approx(G, abs=0.05)
    assert up / np.linalg.norm(up) == pytest.approx(UP_SENSOR, abs=0.01)
    t = s.t - s.t[0]
    truth_acc, truth_gyro = motion(t)
    assert np.max(np.abs(s.acc - truth_acc)) < tol
    if gyro:
        assert s.gyro is not None
        assert np.max(np.abs(s.gyro - truth_gyro)) < 0.02
    return s


def test_sensor_logger_android_folder():
    assert detect(DATA / "sensor_logger_android") == "sensor-logger"
    rec = open_recording(DATA / "sensor_logger_android")
    assert rec.format == "sensor-logger" and rec.device == "Pixel 8"
    assert rec.started_at == datetime.fromtimestamp(START_UNIX, tz=timezone.utc)
    check_truth(rec)
    assert any("without gravity" in w for w in rec.report.warnings())


def test_sensor_logger_ios_zip_is_sign_corrected(tmp_path):
    z = zipped(DATA / "sensor_logger_ios", tmp_path, top="2026-03-10_18-15-02")
    rec = open_recording(z)
    assert rec.format == "sensor-logger" and rec.device == "iPhone 15"
    check_truth(rec)
    assert any("iOS" in w for w in rec.report.warnings())


def test_sensor_logger_single_csv_reads_its_folder():
    rec = open_recording(DATA / "sensor_logger_android" / "Accelerometer.csv")
    assert rec.format == "sensor-logger"
    check_truth(rec)


def test_sensor_logger_without_gravity_is_a_clear_error(tmp_path):
    f = tmp_path / "export"
    shutil.copytree(DATA / "sensor_logger_android", f)
    (f / "Gravity.csv").unlink()
    with pytest.raises(RecordingError, match="gravity removed.*Gravity"):
        open_recording(f)


def test_sensor_logger_clock_offset(tmp_path):
    f = tmp_path / "export"
    shutil.copytree(DATA / "sensor_logger_android", f)
    lines = (f / "Gyroscope.csv").read_text().splitlines()
    shifted = [lines[0]] + [f"{int(l.split(',')[0]) + 3_600_000_000_000}," + l.split(",", 1)[1] for l in lines[1:]]
    (f / "Gyroscope.csv").write_text("\n".join(shifted) + "\n")
    with pytest.raises(RecordingError, match="clock offset: Gyroscope.csv starts \\+3600"):
        open_recording(f)


def test_sensor_logger_gravity_in_g_is_mixed_units(tmp_path):
    f = tmp_path / "export"
    shutil.copytree(DATA / "sensor_logger_android", f)
    lines = (f / "Gravity.csv").read_text().splitlines()
    out = [lines[0]]
    for l in lines[1:]:
        a, b, *v = l.split(",")
        out.append(",".join([a, b] + [f"{float(x) / G:.6f}" for x in v]))
    (f / "Gravity.csv").write_text("\n".join(out) + "\n")
    with pytest.raises(RecordingError, match="mixed units"):
        open_recording(f)


def test_sensor_logger_missing_column(tmp_path):
    f = tmp_path / "export"
    shutil.copytree(DATA / "sensor_logger_android", f)
    lines = (f / "Gyroscope.csv").read_text().splitlines()
    (f / "Gyroscope.csv").write_text("\n".join(",".join(l.split(",")[:4]) for l in lines) + "\n")
    with pytest.raises(RecordingError, match="Gyroscope.csv:1: missing column\\(s\\) 'x'"):
        open_recording(f)


@pytest.mark.parametrize("name", ["phyphox_comma", "phyphox_semicolon"])
def test_phyphox_folder_and_zip(name, tmp_path):
    for src in (DATA / name, zipped(DATA / name, tmp_path)):
        assert detect(src) == "phyphox"
        rec = open_recording(src)
        assert abs(rec.started_at.timestamp() - START_UNIX) < 1.0  # phyphox writes 10 significant digits
        check_truth(rec)


def test_phyphox_single_accelerometer_csv():
    rec = open_recording(DATA / "phyphox_comma" / "Accelerometer.csv")
    assert rec.format == "phyphox"
    check_truth(rec, gyro=False)
    assert any("accelerometer only" in w for w in rec.report.warnings())


def test_phyphox_linear_acceleration_refused(tmp_path):
    f = tmp_path / "Raw Data.csv"
    f.write_text('"Time (s)","Linear Acceleration x (m/s^2)","Linear Acceleration y (m/s^2)","Linear Acceleration z (m/s^2)"\n'
                 + "".join(f"{i / 100},0,0,0\n" for i in range(500)))
    with pytest.raises(RecordingError, match="Linear Acceleration.*Acceleration with g"):
        open_recording(f)


def test_phyphox_gyro_in_degrees_converted_and_mixed_axes_refused(tmp_path):
    f = tmp_path / "export"
    shutil.copytree(DATA / "phyphox_comma", f)
    text = (f / "Gyroscope.csv").read_text()
    lines = text.splitlines()
    deg = [lines[0].replace("rad/s", "deg/s")] + [
        ",".join([l.split(",")[0]] + [f"{np.degrees(float(x)):.9E}" for x in l.split(",")[1:]]) for l in lines[1:]]
    (f / "Gyroscope.csv").write_text("\n".join(deg) + "\n")
    check_truth(open_recording(f))
    (f / "Gyroscope.csv").write_text(text.replace("Gyroscope y (rad/s)", "Gyroscope y (deg/s)"))
    with pytest.raises(RecordingError, match="mixed units across the gyro axes"):
        open_recording(f)


def test_polar_folder_acc_file_and_zip(tmp_path):
    acc = next((DATA / "polar").glob("*_ACC.txt"))
    for src in (DATA / "polar", acc, zipped(DATA / "polar", tmp_path)):
        assert detect(src) == "polar-sensor-logger"
        rec = open_recording(src)
        assert rec.device == "Polar H10 A1B2C3D4"
        assert rec.started_at is not None and rec.started_at.year == 2026
        check_truth(rec, tol=0.012)  # mg integers


def test_polar_gyro_file_alone_and_clock_offset(tmp_path):
    f = tmp_path / "p"
    shutil.copytree(DATA / "polar", f)
    gyro = next(f.glob("*_GYRO.txt"))
    with pytest.raises(RecordingError, match="give the ACC file"):
        open_recording(gyro)
    lines = gyro.read_text().splitlines()
    out = [lines[0]] + [";".join([l.split(";")[0], str(int(l.split(";")[1]) + 5_000_000_000)] + l.split(";")[2:]) for l in lines[1:]]
    gyro.write_text("\n".join(out) + "\n")
    with pytest.raises(RecordingError, match="clock offset"):
        open_recording(f)


def test_polar_values_in_g_under_mg_header(tmp_path):
    f = tmp_path / "Polar_H10_X_20260310_181502_ACC.txt"
    f.write_text("Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]\n"
                 + "".join(f"2026-03-10T18:15:02.000;{i * 19230769};0.0;0.0;1.0\n" for i in range(300)))
    with pytest.raises(RecordingError, match="mixed units"):
        open_recording(f)


def test_unknown_zip_and_plain_csv_untouched(tmp_path):
    z = tmp_path / "photos.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("cat.txt", "meow")
    with pytest.raises(RecordingError, match="not a Sensor Logger, phyphox or Polar"):
        open_recording(z)
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(RecordingError, match="zip"):
        open_recording(bad)
    plain = tmp_path / "plain.csv"
    plain.write_text("t,ax,ay,az\n" + "".join(f"{i / 50},0,0,9.81\n" for i in range(200)))
    assert detect(plain) is None and open_recording(plain).format == "plain-csv"
