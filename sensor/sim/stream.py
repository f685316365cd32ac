"""A simulated session as a live source: Samples chunks paced in real time (or faster)."""
from __future__ import annotations

from typing import AsyncIterator

from counting.samples import Samples
from sensor.sim.session import simulate_session
from sensor.sim.spec import SessionSpec
from sensor.sources import paced


async def stream_session(spec: SessionSpec, speed: float | None = 1.0, chunk_s: float = 0.1) -> AsyncIterator[Samples]:
    """Yield the session's samples in chunks of about chunk_s seconds.

    speed: x real time following the samples' own clock (gaps are waited out); None = as fast
    as possible. The chunks concatenate to exactly simulate_session(spec).samples.
    """
    res = simulate_session(spec)
    async for chunk in paced([res.samples], speed, chunk_s):
        yield chunk
