"""`soleus replay DIR` / several files: analyse recordings in parallel across cores, with a
progress bar, saving each to the session log. A broken file is reported and skipped.

Also the --save/--db options shared by `analyze` and `replay`, and the one place where the
CLI turns a finished analysis into a logged session.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path

RECORDING_SUFFIXES = (".csv", ".zip")


def add_save_options(p: argparse.ArgumentParser, *, batch: bool = False) -> None:
    g = p.add_argument_group("session log")
    if batch:
        g.add_argument("--save", action="store_true", default=None,
                       help="save to the session log (default for a folder or several files; one file: only with --save)")
        g.add_argument("--no-save", dest="save", action="store_false", help="do not save to the session log")
        g.add_argument("-j", "--jobs", type=int, default=None, help="parallel processes for several files (default: all cores)")
    else:
        g.add_argument("--save", action="store_true", default=False, help="save the session to the session log")
    g.add_argument("--db", metavar="FILE", help="session log file (default: $SOLEUS_DB or the user data folder)")
    g.add_argument("--load", type=float, metavar="KG", help="external load in kg, saved with the session")
    g.add_argument("--notes", help="notes saved with the session")
    if not any(a.dest == "json" for a in p._actions):
        g.add_argument("--json", action="store_true", help="print one JSON document (several files or a folder)")


# ------------------------------------------------------------------ one recording -> log

def recording_start(rec, first_t: float | None = None) -> datetime:
    """When a recording started: from the export's own clock, else t if it is Unix time,
    else the file's modification time."""
    if getattr(rec, "started_at", None) is not None:
        return rec.started_at
    if first_t is None:
        first_t = _first_t(Path(rec.path))
    if first_t is not None and 1e9 < first_t < 4e9:  # t on a Unix-time axis
        return datetime.fromtimestamp(first_t, tz=timezone.utc)
    return datetime.fromtimestamp(Path(rec.path).stat().st_mtime, tz=timezone.utc)


def _first_t(path: Path) -> float | None:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            fh.readline()
            return float(fh.readline().split(",")[0])
    except (OSError, ValueError, IndexError):
        return None


def save_result(db, *, rec_path, sets, started_at, device, placement, source, load_kg, notes, recording_hash=None):
    from sessionlog import save_session

    return save_session(db, sets=sets, started_at=started_at, device=device, placement=placement,
                        recording_path=rec_path, recording_hash=recording_hash, source=source, load_kg=load_kg,
                        notes=notes)


def save_if_asked(args: argparse.Namespace, rec, sets, *, source: str) -> int | None:
    """After `analyze`/`replay` of one file: save when --save was given; say so on stderr."""
    if not getattr(args, "save", False):
        return None
    if not sets:
        print("soleus: no reps found: nothing saved to the session log", file=sys.stderr)
        return None
    res = save_result(args.db, rec_path=rec.path, sets=sets, started_at=recording_start(rec),
                      device=getattr(rec, "device", None), placement=getattr(args, "placement", None),
                      source=source, load_kg=getattr(args, "load", None), notes=getattr(args, "notes", None))
    if res.created:
        print(f"soleus: saved as session {res.session_id} in {res.db_path}", file=sys.stderr)
    else:
        print(f"soleus: already in the log as session {res.session_id} (same recording); not saved again", file=sys.stderr)
    return res.session_id


# ------------------------------------------------------------------ batch

def expand(paths: list[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Recordings named by the arguments (folders searched one level, app exports kept whole)."""
    from sensor import importers
    from sensor.errors import RecordingError

    out, problems = [], []
    for a in paths:
        p = Path(a)
        if not p.exists():
            problems.append((a, "no such file or folder"))
            continue
        if p.is_file():
            out.append(p)
            continue
        try:
            if importers.detect(p):
                out.append(p)  # the folder itself is one app export
                continue
        except RecordingError:
            pass
        found = []
        for c in sorted(p.iterdir()):
            if c.name.startswith("."):
                continue
            if c.is_file() and (c.suffix.lower() in RECORDING_SUFFIXES or c.name.lower().endswith("_acc.txt")):
                found.append(c)
            elif c.is_dir():
                try:
                    if importers.detect(c):
                        found.append(c)
                except RecordingError:
                    pass
        if not found:
            problems.append((a, "no recordings in this folder (.csv, .zip, *_ACC.txt or app export folders)"))
        out += found
    return out, problems


def analyze_file(path: str, placement: str | None, exercise: str | None, want_hash: bool) -> dict:
    """Worker: read + count one recording. Never raises for a bad file (returns error)."""
    from counting.counter import RepCounter
    from counting.events import SetEnded
    from sensor.errors import SoleusError
    from sensor.sources import open_recording

    try:
        rec = open_recording(path)
        counter = RepCounter(placement=placement, exercise=exercise, live_order=False)  # sets only
        events = []
        first_t = None
        for chunk in rec.chunks():
            if first_t is None and len(chunk):
                first_t = float(chunk.t[0])
            events += counter.feed(chunk)
        events += counter.finish()
        sets = [e.summary for e in events if isinstance(e, SetEnded)]
        h = None
        if want_hash:
            from sessionlog.store import hash_recording

            h = hash_recording(path)
        return {"path": path, "ok": True, "sets": sets, "warnings": rec.report.warnings(), "format": rec.format,
                "started_at": recording_start(rec, first_t), "device": rec.device if hasattr(rec, "device") else None,
                "hash": h}
    except SoleusError as exc:
        return {"path": path, "ok": False, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
        return {"path": path, "ok": False, "error": f"{path}: {type(exc).__name__}: {exc}"}


def run_batch(args: argparse.Namespace) -> int:
    from sensor.errors import SoleusError

    files, problems = expand(args.files)
    save = args.save if getattr(args, "save", None) is not None else True
    jobs = getattr(args, "jobs", None) or os.cpu_count() or 1
    if jobs < 1:
        raise SoleusError("--jobs must be >= 1")
    results: list[dict] = []
    conn = None
    if save and files:
        from sessionlog.db import connect

        conn = connect(args.db)  # fail fast (corrupt/foreign/read-only log) before any work
        conn.close()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=min(jobs, max(1, len(files))), mp_context=ctx) as pool:
        futures = {pool.submit(analyze_file, str(f), args.placement, args.exercise, save): f for f in files}
        if save:
            from sessionlog.db import connect

            conn = connect(args.db)
        plain_progress = not sys.stderr.isatty() and not getattr(args, "json", False)
        progress = Progress(TextColumn("analysing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[reps]} reps"),
                            TimeRemainingColumn(), transient=True,
                            console=_stderr_console(), disable=not sys.stderr.isatty() or getattr(args, "json", False))
        with progress:
            task = progress.add_task("files", total=len(files), reps=0)
            total_reps = 0
            for fut in as_completed(futures):
                r = fut.result()
                if r["ok"]:
                    reps = sum(len(s.reps) for s in r["sets"])
                    total_reps += reps
                    r["reps"] = reps
                    if save and not r["sets"]:
                        r["session_id"], r["saved"] = None, False
                    elif save:
                        try:
                            res = save_result(conn, rec_path=r["path"], sets=r["sets"], started_at=r["started_at"],
                                              device=r["device"], placement=args.placement, source="replay",
                                              load_kg=getattr(args, "load", None), notes=getattr(args, "notes", None),
                                              recording_hash=r["hash"])
                            r["session_id"], r["saved"] = res.session_id, res.created
                        except SoleusError as exc:
                            r.update(ok=False, error=str(exc))
                    for w in r.get("warnings", []):
                        progress.console.print(f"soleus: warning: {r['path']}: {w}", markup=False, highlight=False, soft_wrap=True)
                if not r["ok"]:
                    progress.console.print(f"soleus: skipped: {r['error']}", markup=False, highlight=False, soft_wrap=True)
                results.append(r)
                progress.update(task, advance=1, reps=total_reps)
                if plain_progress:  # no terminal: one line per file instead of a bar
                    what = f"{len(r['sets'])} set(s), {r['reps']} reps" if r["ok"] else "skipped"
                    print(f"soleus: [{len(results)}/{len(files)}] {Path(r['path']).name}: {what}", file=sys.stderr)
    if conn is not None:
        conn.close()
    for a, why in problems:
        print(f"soleus: skipped: {a}: {why}", file=sys.stderr)
    order = {str(f): i for i, f in enumerate(files)}
    results.sort(key=lambda r: order.get(r["path"], 0))
    failed = [r for r in results if not r["ok"]] + [{"path": a, "error": why} for a, why in problems]
    if getattr(args, "json", False):
        doc = {"recordings": [_result_json(r) for r in results], "failed": len(failed),
               "analysed": sum(1 for r in results if r["ok"])}
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
    else:
        _print_table(results, save)
    if failed:
        print(f"soleus: error: {len(failed)} of {len(results) + len(problems)} recording(s) could not be analysed (see above)",
              file=sys.stderr)
        return 2
    return 0


def _stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr)


def _result_json(r: dict) -> dict:
    if not r["ok"]:
        return {"path": r["path"], "ok": False, "error": r["error"]}
    return {"path": r["path"], "ok": True, "format": r["format"], "session_id": r.get("session_id"),
            "saved": r.get("saved"), "sets": [s.to_dict() for s in r["sets"]], "warnings": r["warnings"]}


def _print_table(results: list[dict], save: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"{len(results)} recording(s)", title_justify="left")
    for c in ("Recording", "Sets", "Reps", "Tempo", "Logged as" if save else "Format"):
        t.add_column(c, justify="left" if c in ("Recording", "Logged as", "Format") else "right")
    for r in results:
        name = Path(r["path"]).name
        if not r["ok"]:
            t.add_row(name, "-", "-", "-", "skipped (error)")
            continue
        tempos = [s.tempo.notation() for s in r["sets"] if s.tempo]
        last = "-"
        if save and r.get("session_id") is None:
            last = "no reps: not logged"
        elif save:
            last = f"session {r['session_id']}" + ("" if r.get("saved") else " (already logged)")
        else:
            last = r["format"]
        t.add_row(name, str(len(r["sets"])), str(r["reps"]), ", ".join(tempos) or "-", last)
    Console(width=None if sys.stdout.isatty() else 110, highlight=False).print(t)
