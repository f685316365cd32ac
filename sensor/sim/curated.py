"""The curated recordings in recordings/ (all simulated) and their README table.

    python -m sensor.sim.curated recordings
"""
from __future__ import annotations

import sys
from pathlib import Path

from counting.events import Tempo
from sensor.sim.corpus import write_session
from sensor.sim.spec import SessionSpec

ALL = ("walking", "fidget", "sit_stand", "dumbbells")

# file name -> spec. Small: 25-52 Hz, a few minutes each.
CURATED: dict[str, SessionSpec] = {
    "demo.csv": SessionSpec(placement="foot", exercise="standing_calf_raise", n_sets=2, reps=(10, 10), rate_hz=50,
                            tempo=Tempo(1.5, 0.0, 1.0, 0.0), disturbances=("fidget",), rest_s=30, seed=101),
    "foot_standing_50hz.csv": SessionSpec(placement="foot", exercise="standing_calf_raise", n_sets=2, reps=10,
                                          rate_hz=50, disturbances=("walking", "fidget"), rest_s=30, seed=102),
    "shank_step_52hz.csv": SessionSpec(placement="shank", exercise="step_calf_raise", n_sets=2, reps=10, rate_hz=52,
                                       disturbances=("walking", "sit_stand"), rest_s=25, seed=103),
    "thigh_single_leg_50hz.csv": SessionSpec(placement="thigh", exercise="single_leg_calf_raise", n_sets=2, reps=8,
                                             rate_hz=50, disturbances=("fidget", "sit_stand"), rest_s=25, seed=104),
    "chest_squat_50hz.csv": SessionSpec(placement="chest", exercise="raised_heel_squat", n_sets=2, reps=8, rate_hz=50,
                                        disturbances=("walking", "dumbbells"), rest_s=25, seed=105),
    "wrist_free_standing_50hz.csv": SessionSpec(placement="wrist", wrist_mode="free", exercise="standing_calf_raise",
                                                n_sets=2, reps=12, rate_hz=50, disturbances=("walking", "fidget"),
                                                rest_s=25, seed=106),
    "wrist_dumbbells_standing_50hz.csv": SessionSpec(placement="wrist", wrist_mode="dumbbells",
                                                     exercise="standing_calf_raise", n_sets=2, reps=10, rate_hz=50,
                                                     disturbances=("dumbbells", "walking"), rest_s=25, seed=107),
    "wrist_wall_single_leg_50hz.csv": SessionSpec(placement="wrist", wrist_mode="wall",
                                                  exercise="single_leg_calf_raise", n_sets=2, reps=10, rate_hz=50,
                                                  disturbances=("fidget",), rest_s=25, seed=108),
    "foot_squat_25hz_accel_only.csv": SessionSpec(placement="foot", exercise="raised_heel_squat", n_sets=2, reps=8,
                                                  rate_hz=25, has_gyro=False, disturbances=("fidget",), rest_s=35,
                                                  seed=109),
    "shank_everything_50hz.csv": SessionSpec(placement="shank", exercise="standing_calf_raise", n_sets=3,
                                             reps=(10, 8, 6), tempo=Tempo(3.0, 1.0, 1.0, 2.0), rate_hz=50,
                                             disturbances=ALL, rest_s=40, seed=110),
    "thigh_step_104hz_accel_only.csv": SessionSpec(placement="thigh", exercise="step_calf_raise", n_sets=2, reps=8,
                                                   rate_hz=104, has_gyro=False, disturbances=("walking",), rest_s=30,
                                                   seed=111),
}

README_HEAD = """# recordings/

**Every file here is simulated.** No real labelled calf-raise recordings are available to this project,
so these sessions come from soleus's own virtual wearable (`sensor/sim/`, described in
`docs/simulator.md`): a physically based model of the body, the sensor and the artefacts of real
devices (timestamp jitter, lost packets, duplicated samples). Real recordings will behave differently
in ways the model does not capture; treat results on these files as a lower bound on the work left.

Each `NAME.csv` is a plain recording (`t,ax,ay,az[,gx,gy,gz]`, shared/interface.md section 1) and
`NAME.truth.json` beside it holds the exact truth in the `soleus analyze --json` schema (per set and per
rep, phases per interface.md section 3) plus extra keys: `rom_cm` per rep, placement, rate, gyro,
disturbances, the activities between sets with their times, the lost-packet gaps and the seed.

Regenerate them all (deterministic, identical bytes on the same numpy):

```sh
python -m sensor.sim.curated recordings
```

or one at a time with `soleus simulate` (the seeds and options are in `sensor/sim/curated.py`).

| file | placement | exercise | rate (Hz) | gyro | sets x reps | disturbances | duration |
|---|---|---|---|---|---|---|---|
"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "recordings")
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, spec in CURATED.items():
        res = write_session(out / name, spec)
        t = res.truth
        placement = t["placement"] + (f" ({t['wrist_mode']})" if t.get("wrist_mode") else "")
        reps = " + ".join(str(len(s["reps"])) for s in t["sets"])
        rows.append(f"| `{name}` | {placement} | {t['exercise']} | {t['rate_hz']:g} | {'yes' if t['has_gyro'] else 'no'} "
                    f"| {len(t['sets'])} sets: {reps} | {', '.join(t['disturbances']) or 'none'} | {t['duration_s'] / 60:.1f} min |")
        print(out / name, file=sys.stderr)
    (out / "README.md").write_text(README_HEAD + "\n".join(rows) + "\n\n`demo.csv` is the one used by the README's first "
                                   "command (`soleus analyze recordings/demo.csv`).\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
