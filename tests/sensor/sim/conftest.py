from __future__ import annotations

import functools

import pytest

from sensor.sim import SessionSpec, simulate_session


@functools.lru_cache(maxsize=None)
def sim(**kw):
    """simulate_session, cached per spec (sessions are deterministic)."""
    return simulate_session(SessionSpec(**kw))


@pytest.fixture(scope="session")
def simulate():
    return sim
