"""The accuracy scoring must tell a right count from a wrong one."""
from benchmarks.scoring import Totals, score_session


def _rep(s, e, con=0.5, partial=False):
    return {"start_s": s, "end_s": e, "concentric_s": con, "top_hold_s": 0.5, "eccentric_s": 1.0,
            "bottom_pause_s": None, "partial": partial}


def _set(reps, ex="standing_calf_raise"):
    return {"start_s": reps[0]["start_s"], "end_s": reps[-1]["end_s"], "exercise": ex, "reps": reps}


TRUTH = {"sets": [_set([_rep(10, 12), _rep(13, 15), _rep(16, 18, partial=True)]), _set([_rep(100, 102), _rep(103, 105)])],
         "non_set_s": 1800.0}


def test_perfect_prediction():
    sc = score_session(TRUTH, TRUTH)
    assert sc.set_count_errors == [0, 0] and sc.false_reps == 0 and sc.sets_exact
    assert sc.partial_tp == 1 and sc.partial_fp == 0 and sc.partial_fn == 0
    assert max(sc.phase_errors["concentric_s"]) == 0


def test_missed_rep_false_rep_and_phase_error():
    pred = {"sets": [_set([_rep(10.1, 12, con=0.6), _rep(13, 15)]), _set([_rep(100, 102), _rep(103, 105)]),
                     _set([_rep(50, 52)])]}
    sc = score_session(pred, TRUTH)
    assert sc.set_count_errors == [-1, 0]
    assert sc.false_reps == 1
    assert not sc.sets_exact
    assert sc.partial_fn == 1
    assert abs(sc.phase_errors["concentric_s"][0] - 0.1) < 1e-9
    tot = Totals()
    tot.add(sc)
    row = tot.row()
    assert row["exact_pct"] == 50.0 and row["within1_pct"] == 100.0
    assert row["false_reps_per_h"] == 2.0
