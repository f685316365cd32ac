"""Saving, reading, editing and deleting sessions.

save_session() is the one entry point every producer uses (live BLE sessions, replay,
analyze --save, batch). A session is written in ONE transaction: a crash or kill at any
moment leaves either the whole session or nothing.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from counting.events import EXERCISES, SetSummary
from sessionlog.db import LogError, connect, resolve_db_path, translate

SOURCES = ("live", "replay", "analyze", "import")


@dataclass(frozen=True)
class SaveResult:
    session_id: int
    created: bool  # False: this recording was already in the log (nothing written)
    db_path: Path


def hash_recording(path: str | Path) -> str:
    """sha256 of a recording's content (a folder export: every file, in name order)."""
    path = Path(path)
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(str(f.relative_to(path)).encode() + b"\0")
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _as_utc(started_at: datetime | str | float) -> datetime:
    if isinstance(started_at, (int, float)):
        return datetime.fromtimestamp(float(started_at), tz=timezone.utc)
    if isinstance(started_at, str):
        try:
            started_at = datetime.fromisoformat(started_at)
        except ValueError:
            raise LogError(f"start time {started_at!r} is not an ISO date/time") from None
    if started_at.tzinfo is None:
        started_at = started_at.astimezone()  # naive = local time
    return started_at.astimezone(timezone.utc)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _set_row(session_id: int, s: SetSummary) -> tuple:
    t = s.tempo
    return (
        session_id, s.index, s.exercise, None, s.start_s, s.end_s, len(s.reps), len(s.reps),
        sum(1 for r in s.reps if r.partial), s.rest_before_s, s.time_under_tension_s,
        None if t is None else t.notation(),
        None if t is None else t.eccentric_s, None if t is None else t.bottom_s,
        None if t is None else t.concentric_s, None if t is None else t.top_s,
        s.rom_unit, s.mean_rom, s.rom_loss_pct, s.tempo_change_s,
    )


_SET_SQL = """INSERT INTO sets (session_id, idx, exercise, load_kg, start_s, end_s, rep_count, counted_reps,
    partial_reps, rest_before_s, time_under_tension_s, tempo, tempo_eccentric_s, tempo_bottom_s,
    tempo_concentric_s, tempo_top_s, rom_unit, mean_rom, rom_loss_pct, tempo_change_s)
    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"""
_REP_SQL = """INSERT INTO reps (set_id, idx, start_s, end_s, peak_s, concentric_s, top_hold_s, eccentric_s,
    bottom_pause_s, rom, rom_unit, peak_velocity, sway_deg, partial, exercise)
    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"""


def _insert_set(conn: sqlite3.Connection, session_id: int, s: SetSummary) -> int:
    cur = conn.execute(_SET_SQL, _set_row(session_id, s))
    set_id = cur.lastrowid
    conn.executemany(_REP_SQL, [
        (set_id, r.index, r.start_s, r.end_s, r.peak_s, r.concentric_s, r.top_hold_s, r.eccentric_s,
         r.bottom_pause_s, r.rom, r.rom_unit, r.peak_velocity, r.sway_deg, int(r.partial), r.exercise)
        for r in s.reps
    ])
    return set_id


def _check_number(name: str, value: float | None, lo: float, hi: float) -> None:
    if value is not None and not (lo <= float(value) <= hi):
        raise LogError(f"{name} {value} is outside {lo:g}-{hi:g}")


def save_session(
    db: str | Path | sqlite3.Connection | None,
    *,
    sets: Sequence[SetSummary],
    started_at: datetime | str | float,
    device: str | None = None,
    placement: str | None = None,
    recording_path: str | Path | None = None,
    recording_hash: str | None = None,
    source: str = "live",
    notes: str | None = None,
    body_weight_kg: float | None = None,
    load_kg: float | None = None,
    duration_s: float | None = None,
) -> SaveResult:
    """Write one session (its sets and every rep) to the log in one transaction.

    db:             path of the log, None for the default ($SOLEUS_DB or the user data dir),
                    or an open connection from sessionlog.db.connect().
    sets:           the SetSummary objects from the counter (SetEnded events), in order.
    started_at:     when the session started (aware datetime, ISO string or Unix seconds;
                    a naive datetime is local time).
    recording_path: the raw recording, kept so `soleus plot` can draw the signal. Its content
                    hash (or `recording_hash`) makes re-saving the same recording a no-op:
                    the existing session id is returned with created=False.
    load_kg:        external load in kg (0 or None for body weight only).
    Raises LogError (one line, exit 2 in the CLI) on a database that cannot be written;
    nothing is half-written.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    _check_number("body weight (kg)", body_weight_kg, 20, 400)
    _check_number("load (kg)", load_kg, 0, 1000)
    start = _as_utc(started_at)
    rec_path = None
    if recording_path is not None:
        rec_path = str(Path(recording_path).expanduser().resolve())
        if recording_hash is None and Path(rec_path).exists():
            recording_hash = hash_recording(rec_path)
    sets = list(sets)
    if duration_s is None and sets:
        duration_s = max(s.end_s for s in sets) - min(s.start_s for s in sets)
    own = not isinstance(db, sqlite3.Connection)
    path = resolve_db_path(db) if own else Path(db.execute("PRAGMA database_list").fetchone()[2] or ":memory:")
    conn = connect(db) if own else db
    try:
        try:
            with _transaction(conn):
                if recording_hash is not None:
                    row = conn.execute("SELECT id FROM sessions WHERE recording_hash = ?", (recording_hash,)).fetchone()
                    if row is not None:
                        conn.execute("ROLLBACK")
                        return SaveResult(int(row[0]), False, path)
                cur = conn.execute(
                    """INSERT INTO sessions (started_at, started_ts, duration_s, device, placement, source, notes,
                       body_weight_kg, load_kg, recording_path, recording_hash, saved_at, set_count, rep_count)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                    (start.isoformat(), start.timestamp(), duration_s, device, placement, source, notes,
                     body_weight_kg, load_kg, rec_path, recording_hash, _now(), len(sets),
                     sum(len(s.reps) for s in sets)),
                )
                session_id = int(cur.lastrowid)
                for s in sets:
                    _insert_set(conn, session_id, s)
        except sqlite3.IntegrityError:
            # another process saved the same recording between our check and insert
            row = conn.execute("SELECT id FROM sessions WHERE recording_hash = ?", (recording_hash,)).fetchone()
            if row is None:
                raise
            return SaveResult(int(row[0]), False, path)
        except sqlite3.Error as exc:
            raise translate(exc, path, "saving the session (nothing was saved)") from None
    finally:
        if own:
            conn.close()
    return SaveResult(session_id, True, path)


# ---------------------------------------------------------------------------- reading

def resolve_session_id(conn: sqlite3.Connection, session: str | int | None) -> int:
    """'last' / None = the most recent session; '-2' = the one before; else an id."""
    text = "last" if session is None else str(session).strip()
    if text in ("last", "-1", "latest"):
        offset = 0
    elif text.startswith("-") and text[1:].isdigit():
        offset = int(text[1:]) - 1
    else:
        try:
            sid = int(text)
        except ValueError:
            raise LogError(f"session {text!r} is not a session id (a number from `soleus log`, or 'last')") from None
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (sid,)).fetchone() is None:
            raise LogError(f"no session with id {sid} (see `soleus log`)")
        return sid
    row = conn.execute("SELECT id FROM sessions ORDER BY started_ts DESC, id DESC LIMIT 1 OFFSET ?", (offset,)).fetchone()
    if row is None:
        raise LogError("the session log has no sessions yet" if offset == 0 else f"there is no session {text}")
    return int(row[0])


def session_dict(conn: sqlite3.Connection, session_id: int, *, with_reps: bool = True) -> dict:
    """One session with its sets (and reps), as plain JSON-able values."""
    row = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise LogError(f"no session with id {session_id} (see `soleus log`)")
    s = dict(row)
    sets = []
    for srow in conn.execute("SELECT * FROM sets WHERE session_id = ? ORDER BY idx", (session_id,)):
        d = dict(srow)
        d["load_kg"] = d["load_kg"] if d["load_kg"] is not None else s["load_kg"]
        d["edited"] = d["rep_count"] != d["counted_reps"]
        if with_reps:
            d["reps"] = [
                {**dict(r), "partial": bool(r["partial"])}
                for r in conn.execute("SELECT * FROM reps WHERE set_id = ? ORDER BY idx", (d["id"],))
            ]
        sets.append(d)
    s["sets"] = sets
    s["rep_count"] = sum(d["rep_count"] for d in sets)
    s["edits"] = [{**dict(a), "old_value": _loads(a["old_value"]), "new_value": _loads(a["new_value"])} for a in conn.execute(
        "SELECT at, action, target, field, old_value, new_value FROM audit WHERE session_id = ? AND action = 'edit' ORDER BY id",
        (session_id,))]
    return s


def _loads(v):
    return None if v is None else json.loads(v)


def list_sessions(conn: sqlite3.Connection, *, limit: int | None = None, since_ts: float | None = None) -> list[dict]:
    sql = """SELECT s.id, s.started_at, s.started_ts, s.duration_s, s.device, s.placement, s.source, s.load_kg,
                    s.body_weight_kg, s.notes, s.recording_path,
                    count(t.id) AS sets, coalesce(sum(t.rep_count), 0) AS reps,
                    coalesce(sum(t.time_under_tension_s), 0) AS time_under_tension_s,
                    group_concat(DISTINCT t.exercise) AS exercises,
                    max(CASE WHEN t.rep_count != t.counted_reps THEN 1 ELSE 0 END) AS edited
             FROM sessions s LEFT JOIN sets t ON t.session_id = s.id
             WHERE (? IS NULL OR s.started_ts >= ?)
             GROUP BY s.id ORDER BY s.started_ts DESC, s.id DESC"""
    params: list = [since_ts, since_ts]
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return [dict(r) for r in conn.execute(sql, params)]


# ---------------------------------------------------------------------------- editing

EDITABLE_SESSION = {"notes": str, "load_kg": float, "body_weight_kg": float, "device": str, "placement": str}
EDITABLE_SET = {"rep_count": int, "exercise": str, "load_kg": float}


def _audit(conn, session_id, action, target, field=None, old=None, new=None) -> None:
    conn.execute(
        "INSERT INTO audit (session_id, at, action, target, field, old_value, new_value) VALUES (?,?,?,?,?,?,?)",
        (session_id, _now(), action, target, field,
         None if old is None else json.dumps(old), None if new is None else json.dumps(new)),
    )


def edit_session(conn: sqlite3.Connection, session_id: int, *, set_index: int | None = None,
                 changes: dict) -> list[dict]:
    """Apply `changes` to the session (set_index None) or to one set (1-based), in one
    transaction, auditing old and new values. The first edit of a session also stores a
    snapshot of what the counter originally said. Returns the audit entries written."""
    allowed = EDITABLE_SESSION if set_index is None else EDITABLE_SET
    for k, v in changes.items():
        if k not in allowed:
            raise LogError(f"cannot edit {k!r} of a {'session' if set_index is None else 'set'}")
    if "rep_count" in changes and not (0 <= int(changes["rep_count"]) <= 1000):
        raise LogError(f"rep count {changes['rep_count']} must be 0-1000")
    if changes.get("exercise") is not None and changes["exercise"] not in EXERCISES:
        raise LogError(f"exercise {changes['exercise']!r} is not one of {', '.join(EXERCISES)}")
    for k in ("load_kg", "body_weight_kg"):
        if changes.get(k) is not None:
            _check_number(k.replace("_kg", " (kg)").replace("_", " "), changes[k], 0 if k == "load_kg" else 20,
                          1000 if k == "load_kg" else 400)
    written = []
    try:
        with _transaction(conn):
            if conn.execute("SELECT 1 FROM audit WHERE session_id = ? AND action = 'original'", (session_id,)).fetchone() is None:
                _audit(conn, session_id, "original", "session", None, None, _snapshot(conn, session_id))
            if set_index is None:
                table, key, target = "sessions", session_id, "session"
                row = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
            else:
                row = conn.execute("SELECT * FROM sets WHERE session_id = ? AND idx = ?", (session_id, set_index - 1)).fetchone()
                if row is None:
                    n = conn.execute("SELECT count(*) FROM sets WHERE session_id = ?", (session_id,)).fetchone()[0]
                    raise LogError(f"session {session_id} has no set {set_index} (it has {n})")
                table, key, target = "sets", row["id"], f"set {set_index}"
            for k, v in changes.items():
                old = row[k]
                if old == v:
                    continue
                conn.execute(f"UPDATE {table} SET {k} = ? WHERE id = ?", (v, key))
                _audit(conn, session_id, "edit", target, k, old, v)
                written.append({"target": target, "field": k, "old": old, "new": v})
            if set_index is not None and "rep_count" in changes:
                conn.execute(
                    "UPDATE sessions SET rep_count = (SELECT sum(rep_count) FROM sets WHERE session_id = ?) WHERE id = ?",
                    (session_id, session_id))
    except sqlite3.Error as exc:
        raise translate(exc, Path("session log"), "editing (nothing was changed)") from None
    return written


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT; on any error or interruption, ROLLBACK and re-raise, so a
    session is written whole or not at all. A body may end the transaction itself."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        if conn.in_transaction:
            conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _snapshot(conn: sqlite3.Connection, session_id: int) -> dict:
    d = session_dict(conn, session_id, with_reps=False)
    d.pop("edits", None)
    return d


def delete_session(conn: sqlite3.Connection, session_id: int) -> dict:
    """Delete a session (its sets and reps); the audit keeps a snapshot of it."""
    try:
        with _transaction(conn):
            snap = _snapshot(conn, session_id)
            _audit(conn, session_id, "delete", "session", None, snap, None)
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
    except sqlite3.Error as exc:
        raise translate(exc, Path("session log"), "deleting (nothing was changed)") from None
    return snap


def original_counts(conn: sqlite3.Connection, session_id: int) -> dict | None:
    """What the counter originally said about a session that was edited (or None)."""
    row = conn.execute("SELECT new_value FROM audit WHERE session_id = ? AND action = 'original' ORDER BY id LIMIT 1",
                       (session_id,)).fetchone()
    return None if row is None else json.loads(row[0])


def iter_all_sets(conn: sqlite3.Connection) -> Iterable[sqlite3.Row]:
    yield from conn.execute("SELECT * FROM sets ORDER BY session_id, idx")
