"""`soleus analyze FILE` and `soleus replay FILE [--speed X]`."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from cli.batch import add_save_options, save_if_asked
from cli.render import (LiveSetCounts, correction_note, format_rep_line, json_safe, print_warnings, render_sets_table,
                        set_end_line)
from counting.events import EXERCISES, PLACEMENTS, RepCompleted, RepTentative, SetEnded, SetStarted, session_to_dict


def add_counter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--placement", choices=PLACEMENTS, help="where the sensor is worn (default: recognised)")
    p.add_argument("--exercise", choices=EXERCISES, help="the exercise (default: recognised)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="count reps and sets in a recording")
    p.add_argument("file", help="recording (plain CSV t,ax,ay,az[,gx,gy,gz] or a supported app export)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    add_counter_options(p)
    add_save_options(p)
    p.set_defaults(func=run_analyze)

    p = sub.add_parser("replay", help="feed a recording through the live path and print reps as detected")
    p.add_argument("files", nargs="+", help="recording(s), or a folder of recordings")
    p.add_argument("--speed", type=float, default=None, help="x real time (default: as fast as possible)")
    add_counter_options(p)
    add_save_options(p, batch=True)
    p.set_defaults(func=run_replay)


def run_analyze(args: argparse.Namespace) -> int:
    from counting.counter import RepCounter  # heavy (scipy): imported when used
    from sensor.sources import open_recording

    rec = open_recording(args.file)
    # only the sets are shown: no need to keep the events in live order
    counter = RepCounter(placement=args.placement, exercise=args.exercise, live_order=False)
    events = []
    for chunk in rec.chunks():
        events += counter.feed(chunk)
    events += counter.finish()
    sets = [e.summary for e in events if isinstance(e, SetEnded)]
    print_warnings(rec.path, rec.report.warnings(), sets)
    save_if_asked(args, rec, sets, source="analyze")
    if args.json:
        json.dump(json_safe(session_to_dict(sets)), sys.stdout)
        sys.stdout.write("\n")
    else:
        print(render_sets_table(sets, title=str(rec.path)))
    return 0


def run_replay(args: argparse.Namespace) -> int:
    if args.speed is not None and not args.speed > 0:  # `not >` also rejects nan
        print(f"soleus: error: --speed must be a number > 0 (got {args.speed:g})", file=sys.stderr)
        return 2
    if len(args.files) > 1 or Path(args.files[0]).is_dir():
        from cli.batch import run_batch

        return run_batch(args)
    return asyncio.run(_replay_one(args))


async def _replay_one(args: argparse.Namespace) -> int:
    from counting.counter import RepCounter  # heavy (scipy): imported when used
    from sensor.sources import open_recording, paced

    rec = open_recording(args.files[0])
    counter = RepCounter(placement=args.placement, exercise=args.exercise)
    as_json = getattr(args, "json", False)
    sets = []
    log: list[dict] = []
    t_wall0 = time.monotonic()

    live_counts = LiveSetCounts()  # the count shown live for each set in progress

    def show(events, t_data: float) -> None:
        # `t_data` is the newest sample fed: how far behind the data each event came out
        for e in events:
            entry = {"event": type(e).__name__, "at_data_s": round(t_data, 4),
                     "wall_s": round(time.monotonic() - t_wall0, 4)}
            if isinstance(e, SetStarted):
                live_counts.started(e.start_s)
                entry.update(set=e.set_index + 1, start_s=round(e.start_s, 4))
                line = f"set started at {e.start_s:.1f} s (numbered when it ends)"
            elif isinstance(e, RepTentative):
                entry.update(rep=json_safe(e.rep.to_dict()))
                line = format_rep_line(e.rep) + "  (tentative: confirmed when the set is)"
            elif isinstance(e, RepCompleted):
                entry.update(rep=json_safe(e.rep.to_dict()))
                line = format_rep_line(e.rep) + correction_note(live_counts.shown(), e.rep)
                live_counts.rep(e.rep.index)
            else:
                sets.append(e.summary)
                s = e.summary
                entry.update(set=s.index + 1, reps=len(s.reps))
                line = set_end_line(s) + live_counts.ended(s)
            log.append(entry)
            if not as_json:
                print(line, flush=True)

    t_last = float("nan")
    async for chunk in paced(rec.chunks(), args.speed):
        t_last = float(chunk.t[-1])
        show(counter.feed(chunk), t_last)
    show(counter.finish(), t_last)
    save_if_asked(args, rec, sets, source="replay")
    print_warnings(rec.path, rec.report.warnings(), sets)
    if as_json:
        json.dump(json_safe(session_to_dict(sets, events=log)), sys.stdout)
        sys.stdout.write("\n")
    else:
        print(render_sets_table(sets, title=str(rec.path)))
    return 0
