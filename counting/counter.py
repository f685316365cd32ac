"""The streaming rep counter: the one entry point of the counting core.

feed() chunks of Samples, get events back; finish() flushes the end of the session.
Analysing a file is feeding it the whole file, so live and replay agree exactly.
"""
from __future__ import annotations

from counting.events import Event, SetEnded, SetSummary
from counting.samples import Samples


class RepCounter:
    """Streaming calf-raise counter (work in progress: detection lands next)."""

    def __init__(self, *, placement: str | None = None, exercise: str | None = None) -> None:
        self.placement = placement
        self.exercise = exercise
        self.sets_: list[SetSummary] = []

    def feed(self, chunk: Samples) -> list[Event]:
        """Process a chunk (t in s, acc in m/s^2, gyro in rad/s, sensor frame)."""
        return []

    def finish(self) -> list[Event]:
        """End of stream: close any open set."""
        return []


def analyze(samples: Samples, *, placement: str | None = None, exercise: str | None = None,
            chunk_size: int | None = None) -> list[SetSummary]:
    """Offline analysis = the streaming counter fed the whole recording."""
    counter = RepCounter(placement=placement, exercise=exercise)
    events: list[Event] = []
    chunks = [samples] if chunk_size is None else samples.chunks(chunk_size)
    for c in chunks:
        events += counter.feed(c)
    events += counter.finish()
    return [e.summary for e in events if isinstance(e, SetEnded)]
