"""`soleus analyze` and `soleus replay` on a good recording: counts, JSON shape, live events."""
from __future__ import annotations

import json

import pytest

from cli.main import main
from sensor.csv_reader import write_recording
from tests.counting.synth import tilt_session


@pytest.fixture(scope="module")
def six_reps(tmp_path_factory):
    smp, truth = tilt_session(reps=6, amp_deg=20.0, seed=21)
    path = tmp_path_factory.mktemp("rec") / "six.csv"
    write_recording(path, smp)
    return path, truth


def _json(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def test_analyze_json_counts_and_times_the_reps(capsys, six_reps):
    path, truth = six_reps
    doc = _json(capsys, "analyze", path, "--json")
    (s,) = doc["sets"]
    assert len(s["reps"]) == 6
    assert s["start_s"] == pytest.approx(truth[0]["start_s"], abs=0.05)
    assert s["end_s"] == pytest.approx(truth[-1]["end_s"], abs=0.05)
    assert s["reps"][-1]["bottom_pause_s"] is None
    assert s["rom_unit"] == "deg"


def test_a_declared_foot_placement_gives_heel_rise_in_cm(capsys, six_reps):
    path, _ = six_reps
    doc = _json(capsys, "analyze", path, "--json", "--placement", "foot")
    (s,) = doc["sets"]
    assert s["rom_unit"] == "cm"
    # 20 deg of foot pitch on a 0.175 m lever: about 6 cm of heel rise
    assert 5.0 < s["mean_rom"] < 7.0
    assert s["exercise"] == "standing_calf_raise"


def test_replay_json_is_the_live_event_log_plus_the_sets(capsys, six_reps):
    path, _ = six_reps
    doc = _json(capsys, "replay", path, "--json")
    assert [len(s["reps"]) for s in doc["sets"]] == [6]
    kinds = [e["event"] for e in doc["events"]]
    assert kinds.index("SetStarted") == kinds.count("RepTentative")  # tentatives come first
    assert kinds.count("RepCompleted") == 6 and kinds[-1] == "SetEnded"
    # every rep is out no later than 0.5 s (of recording time) after it ended: tentatively
    # until the set is confirmed, for good after that
    first_seen = {}
    for e in doc["events"]:
        if e["event"] in ("RepTentative", "RepCompleted"):
            first_seen.setdefault(e["rep"]["start_s"], e["at_data_s"] - e["rep"]["end_s"])
    assert len(first_seen) == 6 and max(first_seen.values()) < 0.5


def test_replay_prints_reps_as_they_come(capsys, six_reps):
    path, _ = six_reps
    assert main(["replay", str(path)]) == 0
    out = capsys.readouterr().out
    assert "tentative" in out and "set started" in out and "set 1 ended: 6 reps" in out
