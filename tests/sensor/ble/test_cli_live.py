"""`soleus scan/live/record` end to end on virtual devices, and the tempo cues."""
from __future__ import annotations

import json

import pytest

from cli.live import rep_tempo, tempo_cues
from cli.main import main
from counting.events import Rep, Tempo
from sensor.csv_reader import read_recording

pytestmark = pytest.mark.timeout(60)


def _rep(**kw) -> Rep:
    base = dict(set_index=0, index=1, start_s=10.0, end_s=17.0, peak_s=12.0, concentric_s=1.0, top_hold_s=2.0,
                eccentric_s=3.0, bottom_pause_s=None, rom=6.0, rom_unit="cm", peak_velocity=None, sway_deg=None,
                partial=False, exercise="standing_calf_raise")
    base.update(kw)
    return Rep(**base)


def test_tempo_cues():
    target = Tempo.parse("3-1-1-2")
    assert tempo_cues(_rep(), target) == []
    cues = tempo_cues(_rep(eccentric_s=1.2, top_hold_s=0.2), target)
    assert any("rushed eccentric" in c for c in cues) and any("missing top hold" in c for c in cues)
    prev = _rep(index=0, start_s=2.0, end_s=9.95)
    assert any("no bottom pause" in c for c in tempo_cues(_rep(), target, prev))
    assert any("concentric too slow" in c for c in tempo_cues(_rep(concentric_s=2.0), target))
    assert any("partial" in c for c in tempo_cues(_rep(partial=True), target))
    assert rep_tempo(_rep(), _rep(index=0, start_s=1.0, end_s=9.0)) == "3.0-1.0-1.0-2.0"


def test_scan_virtual_json(capsys):
    assert main(["scan", "--virtual", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    profiles = sorted(d["profile"] for d in doc["devices"])
    assert profiles == ["infinitime", "nus", "polar-pmd", "polar-pmd", "soleus-imu"]


def test_live_virtual_json_and_recording(tmp_path, capsys):
    out = tmp_path / "live.csv"
    rc = main(["live", "--virtual", "polar-h10", "--speed", "25", "--reps", "3", "--json", "--out", str(out),
               "--target-tempo", "2-1-1-1", "--placement", "chest"])
    assert rc == 0
    cap = capsys.readouterr()
    doc = json.loads(cap.out)
    assert doc["link"]["profile"] == "polar-pmd" and doc["link"]["samples"] > 3000
    assert doc["recording"] == str(out)
    rec = read_recording(out)
    assert len(rec) == doc["link"]["samples"]
    # replaying the recording gives the sets counted live
    from counting.counter import analyze

    assert [len(s.reps) for s in analyze(rec, placement="chest")] == [len(s["reps"]) for s in doc["sets"]]


def test_record_virtual_nus_with_duration(tmp_path, capsys):
    out = tmp_path / "raw.csv"
    assert main(["record", "--virtual", "nus", "--speed", "20", "--duration", "1.0", "--out", str(out)]) == 0
    assert len(read_recording(out)) > 200
    assert "samples from" in capsys.readouterr().out


def test_live_bad_arguments_are_one_line_errors(capsys):
    assert main(["live", "--virtual", "pinetime", "--target-tempo", "3-1-1"]) == 2
    assert "four parts" in capsys.readouterr().err
    assert main(["live", "--virtual", "pinetime", "--speed", "0"]) == 2
