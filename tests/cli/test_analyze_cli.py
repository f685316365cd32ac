"""`soleus analyze` and `soleus replay` on bad and good files, as a user runs them.

Bad input: exit status 2, exactly one line on stderr starting `soleus: error:` that names
the file (and the line where there is one), no traceback, nothing on stdout. Good input:
`analyze --json` prints exactly one JSON document (shared/interface.md section 2);
warnings go to stderr only.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from counting.samples import Samples
from sensor.csv_reader import write_recording
from tests.counting.synth import tilt_session

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = {"standing_calf_raise", "step_calf_raise", "single_leg_calf_raise", "raised_heel_squat", None}


def _rows(n=400, rate=100.0, acc="0.3000,-0.2000,9.8000"):
    return [f"{1000 + i / rate:.6f},{acc}" for i in range(n)]


def _text(lines, header="t,ax,ay,az"):
    return ("\n".join([header, *lines]) + "\n").encode()


def _with(lines, k, new):
    lines = list(lines)
    lines[k] = new
    return lines


# name -> (file content or None for "no file", expected line or None, words in the message)
BAD = {
    "empty": (b"", None, "empty"),
    "header_only": (b"t,ax,ay,az\n", None, "no samples"),
    "wrong_header": (_text(_rows(), header="time,x,y,z"), 1, "header"),
    "extra_column": (_text(_with(_rows(), 20, "1000.2,1,2,3,4")), 22, "expected 4 values"),
    "missing_column": (_text(_with(_rows(), 20, "1000.2,1,2")), 22, "expected 4 values"),
    "non_numeric": (_text(_with(_rows(), 3, "1000.03,abc,0.1,9.8")), 5, "not a number"),
    "nan": (_text(_with(_rows(), 9, "1000.09,nan,0.1,9.8")), 11, "NaN"),
    "inf": (_text(_with(_rows(), 9, "1000.09,0.1,inf,9.8")), 11, "inf"),
    "backwards": (_text(_with(_rows(), 100, "999.0,0.1,0.1,9.8")), 102, "backwards"),
    "absurd_jump": (_text(_rows(200) + [f"{90000 + i / 100:.6f},0.1,0.1,9.8" for i in range(200)]), 202, "jumps"),
    "milliseconds": (_text([f"{10 * i},0.1,0.2,9.8" for i in range(400)]), 2, "milliseconds"),
    "magnitude": (_text(_rows(acc="0,0,1000")), 2, "magnitude"),
    "too_short": (_text(_rows(100)), None, "too short"),
    "corrupt_value": (_text(_with(_rows(), 150, "1001.5,0.3,1e300,9.8")), 152, "beyond"),
    "binary": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 1, "not a text file"),
    "not_utf8": (_text(_rows(50)) + b"1000.5,\xe9,0,9.8\n", 52, "UTF-8"),
    "blank_lines_then_bad": (_text(["", *_rows()[:30], "", "  ", "1000.3,x,0,9.8"]), 35, "not a number"),
    "missing_file": (None, None, "no such file"),
}


def _make(tmp_path, name):
    content, line, words = BAD[name]
    p = tmp_path / f"bad {name}.csv"  # a space in the name, as users do
    if content is not None:
        p.write_bytes(content)
    return p, line, words


def _run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _assert_one_error_line(err: str, path: Path, line: int | None, words: str) -> None:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert err.endswith("\n")
    msg = lines[0]
    assert msg.startswith("soleus: error: "), msg
    assert str(path) in msg
    if line is not None:
        assert f"{path}:{line}: " in msg, msg
    assert words.lower() in msg.lower(), msg


@pytest.mark.parametrize("name", sorted(BAD))
@pytest.mark.parametrize("json_flag", [True, False])
def test_analyze_bad_file(tmp_path, capsys, name, json_flag):
    p, line, words = _make(tmp_path, name)
    rc, out, err = _run(capsys, "analyze", p, *(["--json"] if json_flag else []))
    assert rc == 2
    assert out == ""
    _assert_one_error_line(err, p, line, words)


@pytest.mark.parametrize("name", ["empty", "wrong_header", "non_numeric", "milliseconds", "missing_file", "binary"])
def test_replay_bad_file(tmp_path, capsys, name):
    p, line, words = _make(tmp_path, name)
    rc, out, err = _run(capsys, "replay", p)
    assert rc == 2
    assert out == ""
    _assert_one_error_line(err, p, line, words)


def test_analyze_directory(tmp_path, capsys):
    rc, out, err = _run(capsys, "analyze", tmp_path, "--json")
    assert rc == 2 and out == ""
    _assert_one_error_line(err, tmp_path, None, "directory")


def test_bad_line_far_down_a_long_file(tmp_path, capsys):
    """The error comes after the counter has seen most of the file: still nothing on stdout."""
    s, _ = tilt_session(reps=12, fs=200.0)
    p = tmp_path / "long.csv"
    write_recording(p, Samples.concat([s, Samples(s.t + (s.t[-1] - s.t[0]) + 0.005, s.acc)]))
    lines = p.read_text().splitlines()
    k = len(lines) - 17
    lines[k] = lines[k].replace(",", ",?", 1)
    lines.insert(100, "")
    p.write_text("\n".join(lines) + "\n")
    rc, out, err = _run(capsys, "analyze", p, "--json")
    assert rc == 2 and out == ""
    _assert_one_error_line(err, p, k + 2, "not a number")


# --- anything unexpected while reading is still one line, exit 2 ----------------------------------


def test_unexpected_reader_exception(tmp_path, capsys, monkeypatch):
    import pandas as pd

    def boom(*a, **k):
        raise RuntimeError("C error: buffer overflow caught\n  somewhere deep")

    monkeypatch.setattr(pd, "read_csv", boom)
    p = tmp_path / "ok.csv"
    p.write_bytes(_text(_rows()))
    rc, out, err = _run(capsys, "analyze", p, "--json")
    assert rc == 2 and out == ""
    _assert_one_error_line(err, p, None, "RuntimeError: C error: buffer overflow caught somewhere deep")


def test_unexpected_exception_opening(tmp_path, capsys, monkeypatch):
    import sensor.sources

    def boom(*a, **k):
        raise KeyError("weird")

    monkeypatch.setattr(sensor.sources, "iter_recording", boom)
    p = tmp_path / "ok.csv"
    p.write_bytes(_text(_rows()))
    rc, out, err = _run(capsys, "analyze", p)
    assert rc == 2 and out == ""
    _assert_one_error_line(err, p, None, "KeyError")


def test_unexpected_exception_mid_file(tmp_path, capsys, monkeypatch):
    import sensor.csv_reader

    real = sensor.csv_reader._parse_chunk
    calls = []

    def flaky(*a, **k):
        calls.append(1)
        if len(calls) > 1:
            raise np.linalg.LinAlgError("SVD did not converge")
        return real(*a, **k)

    import sensor.sources

    monkeypatch.setattr(sensor.csv_reader, "_parse_chunk", flaky)
    small = sensor.csv_reader.iter_recording
    monkeypatch.setattr(sensor.sources, "iter_recording", lambda path, report=None: small(path, 100, report))
    p = tmp_path / "ok.csv"
    p.write_bytes(_text(_rows(3000)))
    rc, out, err = _run(capsys, "analyze", p, "--json")
    assert rc == 2 and out == ""
    _assert_one_error_line(err, p, None, "LinAlgError")


# --- replay --speed --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_file(tmp_path_factory):
    s, _ = tilt_session(reps=6, gyro=True)
    p = tmp_path_factory.mktemp("good") / "good.csv"
    write_recording(p, s)
    return p, s


@pytest.mark.parametrize("speed", ["0", "-1", "-0.5", "nan"])
def test_replay_bad_speed(capsys, good_file, speed):
    rc, out, err = _run(capsys, "replay", good_file[0], "--speed", speed)
    assert rc == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("soleus: error:") and "--speed" in err
    assert "Traceback" not in err


def test_replay_good_file(capsys, good_file):
    rc, out, err = _run(capsys, "replay", good_file[0], "--speed", "1e6")
    assert rc == 0, err
    assert "Traceback" not in err and "error" not in err
    assert str(good_file[0]) in out


# --- good files ------------------------------------------------------------------------------------


def _check_schema(doc: dict, t_lo: float, t_hi: float) -> None:
    assert isinstance(doc, dict) and isinstance(doc["sets"], list)
    for s in doc["sets"]:
        assert s["exercise"] in EXERCISES
        assert t_lo - 1e-6 <= s["start_s"] <= s["end_s"] <= t_hi + 1e-6
        assert isinstance(s["reps"], list) and s["reps"]
        for r in s["reps"]:
            assert s["start_s"] - 1e-6 <= r["start_s"] < r["end_s"] <= s["end_s"] + 1e-6
            for k in ("concentric_s", "top_hold_s", "eccentric_s", "bottom_pause_s"):
                assert r[k] is None or (isinstance(r[k], (int, float)) and r[k] >= 0), (k, r[k])
            assert isinstance(r["partial"], bool)
        assert s["reps"][-1]["bottom_pause_s"] is None or s["exercise"] == "raised_heel_squat"


def test_analyze_json_good_file(capsys, good_file):
    p, s = good_file
    rc, out, err = _run(capsys, "analyze", p, "--json")
    assert rc == 0, err
    assert "Traceback" not in err
    assert out.endswith("\n") and out.count("\n") == 1  # exactly one document, one line
    doc = json.loads(out)
    _check_schema(doc, float(s.t[0]), float(s.t[-1]))


def test_analyze_table_good_file(capsys, good_file):
    rc, out, err = _run(capsys, "analyze", good_file[0])
    assert rc == 0, err
    assert out.startswith(str(good_file[0]))


def test_warnings_go_to_stderr_only(tmp_path, capsys):
    """g units, gaps and duplicated samples: analysis goes on, warnings on stderr."""
    s, _ = tilt_session(reps=4, fs=50.0)
    keep = np.ones(len(s), bool)
    keep[600:700] = False  # a 2 s gap
    idx = np.flatnonzero(keep)
    idx = np.sort(np.concatenate([idx, idx[::97]]))  # some samples twice
    g = Samples(s.t[idx], s.acc[idx] / 9.80665)
    p = tmp_path / "g units.csv"
    write_recording(p, g)
    for argv in (["--json"], []):
        rc, out, err = _run(capsys, "analyze", p, *argv)
        assert rc == 0, err
        assert "soleus:" not in out and "look like g" not in out and "duplicated" not in out
        if argv:
            _check_schema(json.loads(out), float(s.t[0]), float(s.t[-1]))
        warn = [ln for ln in err.splitlines() if ln.startswith("soleus: warning:")]
        assert len(warn) == len(err.splitlines())
        assert all(str(p) in ln for ln in warn)
        text = "\n".join(warn)
        assert "look like g" in text and "gap" in text and "duplicated" in text


# --- the real command, in a real process ------------------------------------------------------------


def _soleus(*argv):
    return subprocess.run([sys.executable, "-m", "cli", *map(str, argv)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_process_bad_file(tmp_path):
    p, line, words = _make(tmp_path, "non_numeric")
    r = _soleus("analyze", p, "--json")
    assert r.returncode == 2 and r.stdout == ""
    _assert_one_error_line(r.stderr, p, line, words)


def test_process_good_file(good_file):
    p, s = good_file
    r = _soleus("analyze", p, "--json")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    _check_schema(json.loads(r.stdout), float(s.t[0]), float(s.t[-1]))


# --- output stays well formed whatever the counter reports -------------------------------------------


def _odd_set():
    from counting.events import Rep, SetSummary

    rep = Rep(set_index=0, index=1, start_s=1001.0, end_s=1002.0, peak_s=1001.5, concentric_s=0.4,
              top_hold_s=float("nan"), eccentric_s=float("inf"), bottom_pause_s=None, rom=float("nan"),
              rom_unit="deg", peak_velocity=None, sway_deg=None, partial=False, exercise=None,
              vertical_cm=float("-inf"))
    return SetSummary(index=0, start_s=1001.0, end_s=1002.0, exercise=None, reps=(rep,), rest_before_s=None,
                      time_under_tension_s=1.0, tempo=None, rom_unit="deg", mean_rom=float("nan"),
                      rom_loss_pct=3.0, tempo_change_s=None)


class _FakeCounter:
    def __init__(self, **kw):
        pass

    def feed(self, chunk):
        return []

    def finish(self):
        from counting.events import SetEnded

        return [SetEnded(_odd_set())]


def test_non_finite_numbers_become_null_in_json(capsys, good_file, monkeypatch):
    import counting.counter

    monkeypatch.setattr(counting.counter, "RepCounter", _FakeCounter)
    rc, out, err = _run(capsys, "analyze", good_file[0], "--json")
    assert rc == 0, err
    doc = json.loads(out)  # strict: NaN/Infinity would not be JSON
    json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON output"))
    rep = doc["sets"][0]["reps"][0]
    assert rep["top_hold_s"] is None and rep["eccentric_s"] is None and rep["rom"] is None
    assert rep["concentric_s"] == 0.4


def test_table_with_missing_values(capsys, good_file, monkeypatch):
    import counting.counter

    monkeypatch.setattr(counting.counter, "RepCounter", _FakeCounter)
    rc, out, err = _run(capsys, "analyze", good_file[0])
    assert rc == 0, err
    assert "fatigue" in out and "Traceback" not in err
