"""Opening the session log: where it lives, schema migrations, and turning SQLite
failures into one-line user errors.

The log is one SQLite file (stdlib sqlite3) in WAL mode. Its schema version is
PRAGMA user_version; PRAGMA application_id marks the file as a soleus log so a
foreign database is refused instead of being written into.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
import sqlite3
from pathlib import Path

from sensor.errors import SoleusError

APPLICATION_ID = 0x534F4C45  # "SOLE"
ENV_VAR = "SOLEUS_DB"
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 15_000


class LogError(SoleusError):
    """The session log cannot be used (corrupt, foreign, read-only, full, unknown id...)."""


# Each migration takes the schema from version i to i+1 and runs inside one transaction
# (SQLite DDL is transactional), so a crash mid-migration leaves the old version intact.
MIGRATIONS: list[str] = [
    # v1: sessions, sets, reps
    """
    CREATE TABLE sessions (
        id              INTEGER PRIMARY KEY,
        started_at      TEXT NOT NULL,          -- ISO 8601 with UTC offset
        started_ts      REAL NOT NULL,          -- the same instant, Unix seconds
        duration_s      REAL,
        device          TEXT,
        placement       TEXT,
        source          TEXT NOT NULL,          -- live | replay | analyze | import
        notes           TEXT,
        body_weight_kg  REAL,
        load_kg         REAL,                   -- external load (dumbbells, vest), kg
        recording_path  TEXT,
        recording_hash  TEXT UNIQUE,            -- sha256 of the raw recording: no duplicates
        saved_at        TEXT NOT NULL,
        set_count       INTEGER NOT NULL,
        rep_count       INTEGER NOT NULL
    );
    CREATE TABLE sets (
        id                   INTEGER PRIMARY KEY,
        session_id           INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        idx                  INTEGER NOT NULL,
        exercise             TEXT,
        load_kg              REAL,              -- per-set external load; NULL = session load
        start_s              REAL NOT NULL,
        end_s                REAL NOT NULL,
        rep_count            INTEGER NOT NULL,  -- what the user accepts (editable)
        counted_reps         INTEGER NOT NULL,  -- what the counter said (never edited)
        partial_reps         INTEGER NOT NULL,
        rest_before_s        REAL,
        time_under_tension_s REAL NOT NULL,
        tempo                TEXT,
        tempo_eccentric_s    REAL,
        tempo_bottom_s       REAL,
        tempo_concentric_s   REAL,
        tempo_top_s          REAL,
        rom_unit             TEXT NOT NULL,
        mean_rom             REAL NOT NULL,
        rom_loss_pct         REAL,
        tempo_change_s       REAL,
        UNIQUE (session_id, idx)
    );
    CREATE TABLE reps (
        id              INTEGER PRIMARY KEY,
        set_id          INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        idx             INTEGER NOT NULL,
        start_s         REAL NOT NULL,
        end_s           REAL NOT NULL,
        peak_s          REAL NOT NULL,
        concentric_s    REAL,
        top_hold_s      REAL,
        eccentric_s     REAL,
        bottom_pause_s  REAL,
        rom             REAL NOT NULL,
        rom_unit        TEXT NOT NULL,
        peak_velocity   REAL,
        sway_deg        REAL,
        partial         INTEGER NOT NULL,
        exercise        TEXT
    );
    CREATE INDEX sessions_started ON sessions(started_ts);
    CREATE INDEX sets_session ON sets(session_id);
    CREATE INDEX reps_set ON reps(set_id);
    """,
    # v2: audit trail of edits and deletions (what the counter originally said)
    """
    CREATE TABLE audit (
        id          INTEGER PRIMARY KEY,
        session_id  INTEGER NOT NULL,           -- no FK: survives deletion of the session
        at          TEXT NOT NULL,
        action      TEXT NOT NULL,              -- original | edit | delete
        target      TEXT NOT NULL,              -- e.g. "session", "set 2"
        field       TEXT,
        old_value   TEXT,                       -- JSON
        new_value   TEXT                        -- JSON
    );
    CREATE INDEX audit_session ON audit(session_id);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def default_db_path() -> Path:
    """$SOLEUS_DB, else soleus.db in the platform's user data directory."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("soleus", appauthor=False)) / "soleus.db"


def resolve_db_path(db: str | Path | None) -> Path:
    return default_db_path() if db in (None, "") else Path(db).expanduser()


def translate(exc: sqlite3.Error, path: Path, doing: str) -> LogError:
    """A one-line, actionable message for an SQLite failure."""
    msg = str(exc)
    low = msg.lower()
    if "full" in low:
        what = "the disk is full"
    elif "readonly" in low or "read-only" in low:
        what = "the database is read-only (check the file and folder permissions)"
    elif "unable to open" in low:
        what = "cannot open the database file (does the folder exist and is it writable?)"
    elif "not a database" in low or "malformed" in low or "corrupt" in low:
        what = "the file is not a valid soleus database (corrupt?); it was left untouched"
    elif "locked" in low or "busy" in low:
        what = "the database is busy (another soleus is writing); try again"
    elif "disk i/o" in low:
        what = "disk I/O error"
    else:
        what = msg
    return LogError(f"{path}: {doing}: {what}")


def _check_header(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if path.is_dir():
        raise LogError(f"{path}: is a directory, not a soleus database")
    if size == 0:
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except PermissionError:
        raise LogError(f"{path}: permission denied") from None
    if head != SQLITE_MAGIC:
        raise LogError(f"{path}: not a soleus database (not an SQLite file); it was left untouched")


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")


def _identify(conn: sqlite3.Connection, path: Path) -> int:
    """Return the schema version; refuse foreign or newer databases."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
    if app_id != APPLICATION_ID and (tables or version):
        raise LogError(f"{path}: not a soleus database (an SQLite file of another program); it was left untouched")
    if version > SCHEMA_VERSION:
        raise LogError(
            f"{path}: made by a newer soleus (schema v{version}, this one knows v{SCHEMA_VERSION}); upgrade soleus"
        )
    return version


def _statements(script: str) -> list[str]:
    """Split a script into complete statements (semicolons inside comments are fine)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip() and not all(ln.strip().startswith("--") or not ln.strip() for ln in buf.splitlines()):
        out.append(buf.strip())
    return out


def migrate(conn: sqlite3.Connection, path: Path, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema to `target`, one transaction per step. Returns the final version."""
    version = _identify(conn, path)
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # re-read under the write lock: another process may have migrated meanwhile
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= target:
                conn.execute("COMMIT")
                break
            for stmt in _statements(MIGRATIONS[version]):
                conn.execute(stmt)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
    return version


@contextmanager
def guard(path: str | Path | None, doing: str):
    """Turn any SQLite failure inside the block into a one-line LogError."""
    try:
        yield
    except sqlite3.Error as exc:
        raise translate(exc, resolve_db_path(path) if not isinstance(path, Path) else path, doing) from None


def connect(db: str | Path | None = None, *, create: bool = True,
            target_version: int = SCHEMA_VERSION) -> sqlite3.Connection | None:
    """Open (and migrate) the session log.

    create: when False and the file does not exist, return None instead of creating it
            (reading commands never create a log).
    Raises LogError with a one-line message for every failure a user can cause.
    """
    path = resolve_db_path(db)
    _check_header(path)
    exists = path.exists() and path.stat().st_size > 0
    if not exists and not create:
        return None
    if not exists:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LogError(f"{path}: cannot create the folder: {exc.strerror or exc}") from None
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = sqlite3.Row
        _configure(conn)
        _identify(conn, path)  # before anything writes: never touch a foreign file
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn, path, target_version)
    except sqlite3.Error as exc:
        raise translate(exc, path, "opening the session log") from None
    return conn


def empty_log() -> sqlite3.Connection:
    """An in-memory log with the current schema (reading commands before anything was saved)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.row_factory = sqlite3.Row
    for m in MIGRATIONS:
        for stmt in _statements(m):
            conn.execute(stmt)
    return conn
