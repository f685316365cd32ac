"""Session log commands: log, show, history, edit, delete, export, plot."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from counting.events import EXERCISES, PLACEMENTS
from sensor.errors import SoleusError


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="FILE", help="session log file (default: $SOLEUS_DB or the user data folder)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("log", help="list logged sessions")
    p.add_argument("-n", "--limit", type=int, default=None, help="only the last N sessions")
    p.add_argument("--since", metavar="DATE", help="only sessions on or after DATE (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(p)
    p.set_defaults(func=run_log)

    p = sub.add_parser("show", help="one session set by set and rep by rep (default: the last)")
    p.add_argument("session", nargs="?", default=None, help="session id, 'last' (default) or -N (N-th last)")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(p)
    p.set_defaults(func=run_show)

    p = sub.add_parser("history", help="weekly progress: sessions vs target, reps, volume, tempo, range")
    p.add_argument("--weeks", type=int, default=12, help="how many weeks back (default 12; 0 = all)")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(p)
    p.set_defaults(func=run_history)

    p = sub.add_parser("edit", help="correct a session (rep count, exercise, load, notes); keeps an audit")
    p.add_argument("session", help="session id, 'last' or -N")
    p.add_argument("--set", type=int, dest="set_number", metavar="N", help="the set to change (1-based)")
    p.add_argument("--reps", type=int, help="the right rep count for --set N")
    p.add_argument("--exercise", choices=EXERCISES, help="the exercise of --set N")
    p.add_argument("--load", type=float, metavar="KG", help="external load in kg (of --set N, else of the session)")
    p.add_argument("--notes", help="session notes")
    p.add_argument("--body-weight", type=float, metavar="KG", help="body weight in kg")
    p.add_argument("--device", help="device name")
    p.add_argument("--placement", choices=PLACEMENTS, help="where the sensor was worn")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(p)
    p.set_defaults(func=run_edit)

    p = sub.add_parser("delete", help="delete a session (an audit copy is kept)")
    p.add_argument("session", help="session id, 'last' or -N")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(p)
    p.set_defaults(func=run_delete)

    p = sub.add_parser("export", help="export the log as CSV, JSON or Parquet")
    p.add_argument("--format", choices=("csv", "json", "parquet"), default="csv")
    p.add_argument("--level", choices=("reps", "sets", "sessions"), default="reps", help="one row per ... (default reps)")
    p.add_argument("--since", metavar="DATE", help="only sessions on or after DATE (YYYY-MM-DD)")
    p.add_argument("-o", "--output", metavar="FILE", help="output file (default: stdout; required for parquet)")
    add_db_option(p)
    p.set_defaults(func=run_export)

    p = sub.add_parser("plot", help="draw a session (signal, reps, phases) or weekly history to a PNG")
    p.add_argument("session", nargs="?", default=None, help="session id, 'last' (default) or -N")
    p.add_argument("--history", action="store_true", help="plot weekly trends instead of one session")
    p.add_argument("--weeks", type=int, default=12, help="with --history: how many weeks (0 = all)")
    p.add_argument("-o", "--output", metavar="FILE.png", required=True, help="image file to write")
    p.add_argument("--json", action="store_true", help="print JSON (what was drawn)")
    add_db_option(p)
    p.set_defaults(func=run_plot)


# ------------------------------------------------------------------ helpers

def _console():
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 120, highlight=False)


def _open(args, *, write: bool = False):
    from sessionlog.db import connect, resolve_db_path

    from sessionlog.db import LogError

    conn = connect(args.db, create=False)  # only saving creates a log; reading and editing never do
    path = resolve_db_path(args.db)
    if conn is None and write:
        raise LogError(f"{path}: the session log has no sessions yet")
    return conn, path


def _dump(obj) -> None:
    json.dump(obj, sys.stdout, default=str)
    sys.stdout.write("\n")


def _f(x, fmt="{:.1f}", none="-") -> str:
    return none if x is None else fmt.format(x)


def _since_ts(text):
    if not text:
        return None
    from sessionlog.queries import date_to_ts, parse_date

    return date_to_ts(parse_date(text))


def _local(iso: str) -> str:
    from sessionlog.queries import utc_to_local_str

    return utc_to_local_str(iso)


# ------------------------------------------------------------------ commands

def run_log(args) -> int:
    from sessionlog.db import guard
    from sessionlog.store import list_sessions

    since = _since_ts(args.since)
    conn, path = _open(args)
    rows = []
    if conn is not None:
        with guard(path, "reading the session log"):
            rows = list_sessions(conn, limit=args.limit, since_ts=since)
    if args.json:
        _dump({"db": str(path), "sessions": rows})
        return 0
    if not rows:
        print(f"no sessions logged yet (log: {path})")
        return 0
    from rich.table import Table

    t = Table(title=f"{len(rows)} session(s)  [log: {path}]", title_justify="left")
    for c, j in (("ID", "right"), ("Date", "left"), ("Sets", "right"), ("Reps", "right"), ("Under tension", "right"),
                 ("Exercise", "left"), ("Load", "right"), ("Device", "left"), ("Notes", "left")):
        t.add_column(c, justify=j, no_wrap=c != "Notes")
    for r in rows:
        load = "body weight" if not r["load_kg"] else f"+{r['load_kg']:g} kg"
        t.add_row(str(r["id"]), _local(r["started_at"]), str(r["sets"]),
                  f"{r['reps']}{'*' if r['edited'] else ''}", f"{r['time_under_tension_s']:.0f} s",
                  (r["exercises"] or "-").replace("_", " "), load, r["device"] or "-", r["notes"] or "")
    con = _console()
    con.print(t)
    if any(r["edited"] for r in rows):
        con.print("* rep count corrected by hand (see `soleus show ID`)")
    return 0


def run_show(args) -> int:
    from sessionlog.db import LogError, guard
    from sessionlog.form import rep_flags
    from sessionlog.store import original_counts, resolve_session_id, session_dict

    conn, path = _open(args)
    if conn is None:
        raise LogError(f"{path}: the session log has no sessions yet")
    with guard(path, "reading the session log"):
        sid = resolve_session_id(conn, args.session)
        d = session_dict(conn, sid)
        orig = original_counts(conn, sid)
    for s in d["sets"]:
        for r in s["reps"]:
            r["flags"] = rep_flags(r)
    if orig is not None:
        d["counter_said"] = {"rep_counts": [s["rep_count"] for s in orig["sets"]],
                             "exercises": [s["exercise"] for s in orig["sets"]]}
    if args.json:
        _dump(d)
        return 0
    from rich.table import Table

    con = _console()
    load = "body weight" if not d["load_kg"] else f"+{d['load_kg']:g} kg"
    bw = f", body weight {d['body_weight_kg']:g} kg" if d["body_weight_kg"] else ""
    con.print(f"[bold]Session {d['id']}[/bold]  {_local(d['started_at'])}  ({d['source']}, "
              f"{d['device'] or 'device unknown'}, sensor on {d['placement'] or '?'})")
    con.print(f"{len(d['sets'])} set(s), {d['rep_count']} reps, load {load}{bw}, "
              f"{_f(d['duration_s'], '{:.0f}')} s from first to last rep")
    if d["notes"]:
        con.print(f"notes: {d['notes']}")
    if d["recording_path"]:
        con.print(f"recording: {d['recording_path']}")
    for s in d["sets"]:
        con.print()
        rest = f", rested {s['rest_before_s']:.0f} s before" if s["rest_before_s"] is not None else ""
        edited = f" (counter said {s['counted_reps']})" if s["edited"] else ""
        con.print(f"[bold]Set {s['idx'] + 1}[/bold]: {s['rep_count']} reps{edited}, "
                  f"{(s['exercise'] or 'exercise unknown').replace('_', ' ')}{rest}")
        fat = ""
        if s["rom_loss_pct"] is not None:
            fat = f", range {-s['rom_loss_pct']:+.0f}% first->last reps"
        con.print(f"  tempo {s['tempo'] or '-'} (down-bottom-up-top, s), {s['time_under_tension_s']:.0f} s under tension, "
                  f"mean range {s['mean_rom']:.1f} {s['rom_unit']}{fat}"
                  + (f", {s['partial_reps']} partial" if s["partial_reps"] else ""))
        t = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 1))
        for c in ("rep", "up s", "top s", "down s", "pause s", "range", "sway°", "notes"):
            t.add_column(c, justify="left" if c == "notes" else "right")
        for r in s["reps"]:
            t.add_row(str(r["index"] if "index" in r else r["idx"]), _f(r["concentric_s"], "{:.2f}"),
                      _f(r["top_hold_s"], "{:.2f}"), _f(r["eccentric_s"], "{:.2f}"), _f(r["bottom_pause_s"], "{:.2f}"),
                      f"{r['rom']:.1f} {r['rom_unit']}", _f(r["sway_deg"]), ", ".join(r["flags"]))
        con.print(t)
    if d["edits"]:
        con.print()
        con.print("edits (the counter's original numbers are kept):")
        for e in d["edits"]:
            con.print(f"  {e['at']}  {e['target']} {e['field']}: {e['old_value']} -> {e['new_value']}")
    return 0


def run_history(args) -> int:
    from sessionlog.db import guard
    from sessionlog.queries import history

    if args.weeks < 0:
        raise SoleusError("--weeks must be >= 0")
    conn, path = _open(args)
    weeks = None if args.weeks == 0 else args.weeks
    if conn is None:
        from sessionlog.db import empty_log

        conn = empty_log()  # no log yet: show the empty weeks, create nothing
    with guard(path, "reading the session log"):
        h = history(conn, weeks=weeks)
    if args.json:
        _dump(h)
        return 0
    from rich.table import Table

    lo, hi = h["target_sessions_per_week"]
    t = Table(title=f"Weekly progress (target: {lo}-{hi} sessions a week)", title_justify="left")
    for c, j in (("Week of", "left"), ("Sessions", "right"), ("Sets", "right"), ("Reps", "right"),
                 ("Under tension", "right"), ("Volume", "right"), ("Tempo", "right"), ("Range", "right"),
                 ("Best set", "left")):
        t.add_column(c, justify=j, no_wrap=True)
    mark = {"met": "ok", "below": "low", "above": "high"}
    for w in h["weeks"]:
        rom = "-"
        if w["mean_rom"] is not None:
            rom = f"{w['mean_rom']:.1f} {w['rom_unit']}"
            if w["rom_change_pct"] is not None:
                rom += f" ({w['rom_change_pct']:+.0f}%)"
        best = "-"
        if w["best_set"]:
            b = w["best_set"]
            best = f"{b['reps']} reps" + (f" @ {b['load_kg']:g} kg" if b["load_kg"] else "")
        t.add_row(w["week"], f"{w['sessions']} {mark[w['target']]}", str(w["sets"]), str(w["reps"]),
                  f"{w['time_under_tension_s'] / 60:.1f} min" if w["time_under_tension_s"] else "-",
                  f"{w['volume_load_kg']:,.0f} kg" if w["volume_load_kg"] else "-", w["mean_tempo"] or "-", rom, best)
    con = _console()
    con.print(t)
    s = h["summary"]
    con.print(f"{s['sessions']} sessions in {s['weeks']} weeks; target met in {s['weeks_on_target']} of {s['weeks']} weeks; "
              f"range of motion trend: {s['rom_trend'] or 'not enough data'}")
    con.print("Volume = reps x (body weight + external load). Tempo = down-bottom-up-top seconds.")
    return 0


def run_edit(args) -> int:
    from sessionlog.db import LogError, guard
    from sessionlog.store import edit_session, resolve_session_id

    conn, path = _open(args, write=True)
    with guard(path, "editing the session log"):
        sid = resolve_session_id(conn, args.session)
        n_sets = conn.execute("SELECT count(*) FROM sets WHERE session_id = ?", (sid,)).fetchone()[0]
        set_changes = {k: v for k, v in (("rep_count", args.reps), ("exercise", args.exercise)) if v is not None}
        session_changes = {k: v for k, v in (("notes", args.notes), ("body_weight_kg", args.body_weight),
                                             ("device", args.device), ("placement", args.placement)) if v is not None}
        set_number = args.set_number
        if set_changes and set_number is None:
            if n_sets != 1:
                raise LogError(f"session {sid} has {n_sets} sets: say which one with --set N")
            set_number = 1
        if args.load is not None:
            (set_changes if set_number is not None else session_changes)["load_kg"] = args.load
        if set_number is not None and not set_changes:
            raise LogError("--set N needs --reps, --exercise or --load")
        if not set_changes and not session_changes:
            raise LogError("nothing to change: give --reps/--exercise/--load with --set N, or --notes/--load/--body-weight")
        written = []
        if session_changes:
            written += edit_session(conn, sid, changes=session_changes)
        if set_changes:
            written += edit_session(conn, sid, set_index=set_number, changes=set_changes)
    if args.json:
        _dump({"session_id": sid, "changes": written})
    elif not written:
        print(f"session {sid}: nothing changed (same values)")
    else:
        for w in written:
            print(f"session {sid} {w['target']}: {w['field']} {w['old']} -> {w['new']}")
    return 0


def run_delete(args) -> int:
    from sessionlog.db import LogError, guard
    from sessionlog.store import delete_session, resolve_session_id, session_dict

    conn, path = _open(args, write=True)
    with guard(path, "deleting from the session log"):
        sid = resolve_session_id(conn, args.session)
        d = session_dict(conn, sid, with_reps=False)
        what = f"session {sid} of {_local(d['started_at'])} ({len(d['sets'])} sets, {d['rep_count']} reps)"
        if not args.yes:
            if not sys.stdin.isatty():
                raise LogError(f"not deleting {what} without --yes")
            answer = input(f"delete {what}? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                print("nothing deleted")
                return 0
        delete_session(conn, sid)
    if args.json:
        _dump({"deleted": sid, "sets": len(d["sets"]), "reps": d["rep_count"]})
    else:
        print(f"deleted {what}; a copy is kept in the audit table; the recording file was not touched")
    return 0


def run_export(args) -> int:
    from sessionlog.db import guard
    from sessionlog.export import frame, write

    since = _since_ts(args.since)
    conn, path = _open(args)
    if conn is None:
        import pandas as pd

        df = pd.DataFrame()
    else:
        with guard(path, "reading the session log"):
            df = frame(conn, level=args.level, since_ts=since)
    write(df, args.format, args.output)
    if args.output not in (None, "-"):
        print(f"wrote {len(df)} {args.level[:-1] if len(df) == 1 else args.level} to {args.output}", file=sys.stderr)
    return 0


def run_plot(args) -> int:
    from sessionlog.db import LogError, guard

    out = Path(args.output)
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise LogError(f"{out}: use a .png (or .svg/.pdf) file name")
    conn, path = _open(args)
    if args.history:
        from sessionlog.plots import plot_history
        from sessionlog.queries import history

        if conn is None:
            raise LogError(f"{path}: the session log has no sessions yet")
        with guard(path, "reading the session log"):
            h = history(conn, weeks=None if args.weeks == 0 else args.weeks)
        plot_history(h, out)
        info = {"output": str(out), "weeks": len(h["weeks"])}
    else:
        from sessionlog.plots import plot_session
        from sessionlog.store import resolve_session_id, session_dict

        if conn is None:
            raise LogError(f"{path}: the session log has no sessions yet")
        with guard(path, "reading the session log"):
            sid = resolve_session_id(conn, args.session)
            d = session_dict(conn, sid)
        plot_session(d, out)
        info = {"output": str(out), "session_id": sid}
    if args.json:
        _dump(info)
    else:
        print(f"wrote {out}", file=sys.stderr)
    return 0
