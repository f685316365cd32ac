"""`soleus simulate`: files, round trip through the CSV reader, clear errors."""
from __future__ import annotations

import json

import numpy as np
import pytest

from cli.main import main
from sensor.csv_reader import ReadReport, read_recording
from sensor.sim import SessionSpec, simulate_session
from sensor.sim.corpus import truth_path


def test_simulate_writes_csv_and_truth(tmp_path, capsys):
    out = tmp_path / "s.csv"
    rc = main(["simulate", str(out), "--placement", "shank", "--exercise", "step_calf_raise", "--sets", "2",
               "--reps", "4,6", "--tempo", "3-1-1-2", "--rate", "52", "--seed", "9", "--disturbances", "walking,sit_stand"])
    assert rc == 0
    truth = json.loads(truth_path(out).read_text())
    assert [len(s["reps"]) for s in truth["sets"]] == [4, 6]
    assert truth["placement"] == "shank" and truth["rate_hz"] == 52.0
    assert truth["disturbances"] == ["walking", "sit_stand"]
    assert out.read_text().splitlines()[0] == "t,ax,ay,az,gx,gy,gz"
    report = ReadReport()
    rec = read_recording(out, report=report)
    spec = SessionSpec(placement="shank", exercise="step_calf_raise", n_sets=2, reps=(4, 6),
                       tempo=__import__("counting.events", fromlist=["Tempo"]).Tempo.parse("3-1-1-2"),
                       rate_hz=52, seed=9, disturbances=("walking", "sit_stand"))
    res = simulate_session(spec)
    dup = int((np.diff(res.samples.t) == 0).sum())
    assert len(rec) == len(res.samples) - dup == report.rows
    assert report.duplicates_dropped == dup
    keep = np.concatenate([[True], np.diff(res.samples.t) > 0])
    assert np.allclose(rec.t, res.samples.t[keep], atol=1e-6)
    assert np.allclose(rec.acc, res.samples.acc[keep], atol=6e-5)  # written with 4 decimals
    assert np.allclose(rec.gyro, res.samples.gyro[keep], atol=6e-5)
    assert report.rate_hz == pytest.approx(52, rel=0.01)


def test_simulate_accelerometer_only(tmp_path):
    out = tmp_path / "a.csv"
    assert main(["simulate", str(out), "--no-gyro", "--sets", "1", "--reps", "3", "--disturbances", "none",
                 "--rate", "25"]) == 0
    assert out.read_text().splitlines()[0] == "t,ax,ay,az"
    assert read_recording(out).gyro is None


def test_simulate_corpus(tmp_path):
    d = tmp_path / "corpus"
    assert main(["simulate", "--corpus", str(d), "--n", "3", "--seed", "1"]) == 0
    index = json.loads((d / "index.json").read_text())
    assert len(index["sessions"]) == 3 and index["simulated"] is True
    for s in index["sessions"]:
        p = d / s["file"]
        assert p.exists() and truth_path(p).exists()
        assert s["file"].split("_", 1)[1].startswith(s["placement"])


@pytest.mark.parametrize("args,msg", [
    (["--placement", "knee"], "--placement"),
    (["--exercise", "pushup"], "--exercise"),
    (["--tempo", "3-1"], "--tempo"),
    (["--tempo", "3-1-0-2"], "--tempo"),
    (["--rate", "5"], "--rate"),
    (["--rate", "fast"], "--rate"),
    (["--sets", "0"], "--sets"),
    (["--reps", "3,4"], "--reps"),
    (["--reps", "x"], "--reps"),
    (["--disturbances", "walk"], "--disturbances"),
    (["--wrist-mode", "pocket"], "--wrist-mode"),
    (["--seed", "-1"], "--seed"),
    (["--rest", "0"], "--rest"),
])
def test_bad_arguments_one_line_exit_2(tmp_path, capsys, args, msg):
    out = tmp_path / "x.csv"
    rc = main(["simulate", str(out), *args])
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("soleus: error:") and msg in err
    assert not out.exists()


def test_missing_output_and_bad_paths(tmp_path, capsys):
    assert main(["simulate"]) == 2
    assert "OUT.csv" in capsys.readouterr().err
    assert main(["simulate", str(tmp_path / "nodir" / "x.csv")]) == 2
    assert "no such directory" in capsys.readouterr().err
    assert main(["simulate", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err
    assert main(["simulate", str(tmp_path / "x.csv"), "--corpus", str(tmp_path / "c")]) == 2
    assert "not both" in capsys.readouterr().err
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["simulate", "--corpus", str(f), "--n", "1"]) == 2
