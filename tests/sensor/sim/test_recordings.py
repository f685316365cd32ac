"""recordings/: every file is readable, has its truth, matches its generator, and the set covers what it claims."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from counting.events import EXERCISES, PLACEMENTS
from sensor.csv_reader import read_recording
from sensor.sim import simulate_session
from sensor.sim.corpus import truth_path
from sensor.sim.curated import CURATED

REC = Path(__file__).resolve().parents[3] / "recordings"


def test_every_recording_has_truth_and_is_listed():
    csvs = sorted(p.name for p in REC.glob("*.csv"))
    assert "demo.csv" in csvs
    assert set(csvs) == set(CURATED)
    readme = (REC / "README.md").read_text()
    assert "simulated" in readme.lower() and "python -m sensor.sim.curated recordings" in readme
    for name in csvs:
        assert truth_path(REC / name).exists()
        assert f"`{name}`" in readme


def test_coverage():
    truths = [json.loads(truth_path(REC / n).read_text()) for n in CURATED]
    assert {t["placement"] for t in truths} == set(PLACEMENTS)
    assert {t["exercise"] for t in truths} == set(EXERCISES)
    assert {t["wrist_mode"] for t in truths if t["placement"] == "wrist"} == {"free", "dumbbells", "wall"}
    assert any(not t["has_gyro"] for t in truths)
    assert any({"walking", "sit_stand", "dumbbells"} <= set(t["disturbances"]) for t in truths)
    assert sum((REC / n).stat().st_size for n in CURATED) < 10e6


@pytest.mark.parametrize("name", sorted(CURATED))
def test_recording_matches_its_generator(name):
    rec = read_recording(REC / name)
    truth = json.loads(truth_path(REC / name).read_text())
    res = simulate_session(CURATED[name])
    assert res.truth == json.loads(json.dumps(res.truth))  # JSON-clean
    assert truth["sets"] == json.loads(json.dumps(res.truth["sets"])), "regenerate: python -m sensor.sim.curated recordings"
    keep = np.concatenate([[True], np.diff(res.samples.t) > 0])
    assert len(rec) == int(keep.sum())
    assert np.allclose(rec.acc, res.samples.acc[keep], atol=1e-3)
    assert (rec.gyro is None) == (not truth["has_gyro"])
