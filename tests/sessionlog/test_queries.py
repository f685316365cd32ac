from datetime import date, datetime, timedelta

import pytest

from sessionlog import connect, save_session
from sessionlog.queries import history, parse_date
from sessionlog.synthetic import make_set
from sessionlog.db import LogError

MONDAY = date(2026, 11, 2)


def at(day: int, hour: int = 18) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), datetime.min.time()).replace(hour=hour).astimezone()


def test_weekly_numbers_by_hand(tmp_path):
    db = tmp_path / "h.db"
    # week 1: two sessions; week 2: none; week 3: one session with a heavier load
    save_session(db, sets=[make_set(0, reps=10, tempo=(1, 1, 3, 1)), make_set(1, reps=12, tempo=(1, 1, 3, 1))],
                 started_at=at(0), load_kg=10, body_weight_kg=70)
    save_session(db, sets=[make_set(0, reps=15, tempo=(1, 1, 2, 1))], started_at=at(3), load_kg=None,
                 body_weight_kg=None)
    save_session(db, sets=[make_set(0, reps=8, tempo=(1, 1, 3, 1), rom=8.0)], started_at=at(15), load_kg=20,
                 body_weight_kg=70)
    h = history(connect(db), weeks=3, today=MONDAY + timedelta(days=16))
    w1, w2, w3 = h["weeks"]
    assert [w["week"] for w in h["weeks"]] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert (w1["sessions"], w1["target"], w1["sets"], w1["reps"]) == (2, "met", 3, 37)
    assert w1["volume_load_kg"] == pytest.approx(22 * 80)  # the load-less session adds nothing
    assert w1["best_set"]["reps"] == 12 and w1["best_set"]["load_kg"] == 80
    assert (w2["sessions"], w2["target"], w2["reps"], w2["mean_tempo"]) == (0, "below", 0, None)
    assert w3["volume_load_kg"] == pytest.approx(8 * 90) and w3["rom_unit"] == "cm"
    assert w3["rom_change_pct"] > 20  # 8 cm vs about 6 cm
    assert w1["mean_tempo"] == "2.5-1-1-1"  # eccentric weighted by reps: (22*3 + 15*2) / 37 = 2.6
    assert h["summary"]["sessions"] == 3 and h["summary"]["weeks_on_target"] == 1


def test_all_weeks_and_empty_log(tmp_path):
    db = tmp_path / "h.db"
    assert history(connect(db), weeks=None, today=MONDAY)["summary"]["sessions"] == 0
    save_session(db, sets=[make_set()], started_at=at(-70))
    h = history(connect(db), weeks=None, today=MONDAY)
    assert len(h["weeks"]) == 11 and h["weeks"][0]["sessions"] == 1


@pytest.mark.parametrize("text", ["31/01/2026", "yesterday", "2026-13-01", ""])
def test_bad_dates(text):
    with pytest.raises(LogError, match="does not parse"):
        parse_date(text)
