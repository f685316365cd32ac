"""benchmarks.live: the live path's figures on a generated session."""
from __future__ import annotations

import re

from benchmarks.live import _one, main


def test_one_session_gives_a_verdict_per_true_set_and_a_latency_per_reported_rep():
    sets, latency = _one((1, 1000, 0.5))
    assert sets and all(isinstance(live, bool) and isinstance(final, bool) for live, final in sets)
    assert latency and all(ch in ("tilt", "rise") and k >= 1 for ch, k, _ in latency)
    # a rep is reported after it ends (the detectors wait for its return), never before
    assert min(d for _, _, d in latency) > 0.0


def test_prints_the_shares(capsys):
    assert main(["--n", "2", "--jobs", "1", "--chunk", "0.5"]) == 0
    out = capsys.readouterr().out
    shares = [float(x) for x in re.findall(r"([\d.]+)%", out)]
    assert "count shown live" in out and shares and all(0.0 <= x <= 100.0 for x in shares)
