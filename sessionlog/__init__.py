"""The session log: SQLite storage of sessions, sets and reps, weekly summaries, exports, plots.

Producers call save_session(); the CLI reads with the query helpers.
"""
from sessionlog.db import LogError, connect, default_db_path
from sessionlog.store import SaveResult, hash_recording, save_session

__all__ = ["LogError", "SaveResult", "connect", "default_db_path", "hash_recording", "save_session"]
