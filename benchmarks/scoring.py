"""Compare counter output with truth (both in the `soleus analyze --json` schema).

Pure functions, used by benchmarks/accuracy.py and its tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field

PHASES = ("concentric_s", "top_hold_s", "eccentric_s", "bottom_pause_s")


def overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    """How long (s) the spans [a0, a1] and [b0, b1] overlap."""
    return max(0.0, min(a1, b1) - max(a0, b0))


@dataclass
class SessionScore:
    """Scores of one session. Lists hold one entry per true set / matched rep."""

    set_count_errors: list[int] = field(default_factory=list)
    false_reps: int = 0
    non_set_s: float = 0.0
    sets_exact: bool = False
    phase_errors: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PHASES})
    partial_tp: int = 0
    partial_fp: int = 0
    partial_fn: int = 0
    exercise_hits: int = 0
    exercise_total: int = 0


def score_session(pred: dict, truth: dict, margin_s: float = 1.0) -> SessionScore:
    """Score one session.

    Each predicted rep is assigned to the true set it overlaps (within `margin_s`);
    reps assigned to no true set are false reps. A true set's count error is the
    number of predicted reps assigned to it minus its true count. Predicted reps are
    matched one-to-one to true reps by time overlap for the phase errors.
    """
    sc = SessionScore()
    tsets = truth["sets"]
    preps = [r for s in pred["sets"] for r in s["reps"]]
    pset_of = [s for s in pred["sets"] for _ in s["reps"]]
    assigned: list[list[int]] = [[] for _ in tsets]
    for i, r in enumerate(preps):
        best, best_ov = None, 0.0
        for j, ts in enumerate(tsets):
            ov = overlap(r["start_s"], r["end_s"], ts["start_s"] - margin_s, ts["end_s"] + margin_s)
            if ov > best_ov:
                best, best_ov = j, ov
        if best is None:
            sc.false_reps += 1
        else:
            assigned[best].append(i)
    sc.non_set_s = float(truth.get("non_set_s", 0.0))
    for j, ts in enumerate(tsets):
        sc.set_count_errors.append(len(assigned[j]) - len(ts["reps"]))
        # one-to-one rep matching by overlap, greedy in time order
        used: set[int] = set()
        for tr in ts["reps"]:
            best, best_ov = None, 0.0
            for i in assigned[j]:
                if i in used:
                    continue
                ov = overlap(preps[i]["start_s"], preps[i]["end_s"], tr["start_s"], tr["end_s"])
                if ov > best_ov:
                    best, best_ov = i, ov
            if best is None:
                if tr.get("partial"):
                    sc.partial_fn += 1
                continue
            used.add(best)
            pr = preps[best]
            for p in PHASES:
                if pr.get(p) is not None and tr.get(p) is not None:
                    sc.phase_errors[p].append(abs(pr[p] - tr[p]))
            tp, pp = bool(tr.get("partial")), bool(pr.get("partial"))
            sc.partial_tp += tp and pp
            sc.partial_fp += pp and not tp
            sc.partial_fn += tp and not pp
        if assigned[j] and ts.get("exercise"):
            sc.exercise_total += 1
            sc.exercise_hits += pset_of[assigned[j][0]].get("exercise") == ts["exercise"]
    sc.sets_exact = len(pred["sets"]) == len(tsets) and all(e == 0 for e in sc.set_count_errors)
    return sc


@dataclass
class Totals:
    """Scores of many sessions, summed for a table row."""

    scores: list[SessionScore] = field(default_factory=list)

    def add(self, sc: SessionScore) -> None:
        self.scores.append(sc)

    def row(self) -> dict:
        def pct(a: int, b: int) -> float | None:
            return None if b == 0 else 100.0 * a / b

        def mae(xs: list[float]) -> float | None:
            return None if not xs else 1000.0 * sum(xs) / len(xs)

        errors = [e for sc in self.scores for e in sc.set_count_errors]
        non_set_s = sum(sc.non_set_s for sc in self.scores)
        tp, fp, fn = (sum(getattr(sc, f"partial_{k}") for sc in self.scores) for k in ("tp", "fp", "fn"))
        return {
            "sessions": len(self.scores),
            "sets": len(errors),
            "exact_pct": pct(sum(e == 0 for e in errors), len(errors)),
            "within1_pct": pct(sum(abs(e) <= 1 for e in errors), len(errors)),
            "false_reps_per_h": None if non_set_s <= 0 else sum(sc.false_reps for sc in self.scores) / (non_set_s / 3600.0),
            "set_count_exact_pct": pct(sum(sc.sets_exact for sc in self.scores), len(self.scores)),
            **{f"mae_{p[:-2]}_ms": mae([x for sc in self.scores for x in sc.phase_errors[p]]) for p in PHASES},
            "partial_precision_pct": pct(tp, tp + fp),
            "partial_recall_pct": pct(tp, tp + fn),
            "exercise_pct": pct(sum(sc.exercise_hits for sc in self.scores), sum(sc.exercise_total for sc in self.scores)),
        }
