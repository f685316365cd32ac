"""Errors a user can cause. The CLI prints them as one line and exits with status 2."""
from __future__ import annotations


class SoleusError(Exception):
    """A problem with the user's input or environment (not a bug in soleus)."""


class RecordingError(SoleusError):
    """A recording that cannot be read; names the file and, where known, the line."""

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")
