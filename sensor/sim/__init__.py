"""The virtual wearable: a physically grounded simulator of calf-raise sessions with exact truth.

    from sensor.sim import SessionSpec, simulate_session
    res = simulate_session(SessionSpec(placement="shank", exercise="step_calf_raise", seed=3))
    res.samples  # counting.samples.Samples as a device would report them
    res.truth    # the `soleus analyze --json` document plus extra keys

See docs/simulator.md for the model and its sources.
"""
from sensor.sim.spec import DISTURBANCES, RATES_HZ, WRIST_MODES, SessionSpec, random_spec
from sensor.sim.session import SimResult, simulate_session
from sensor.sim.corpus import write_corpus, write_session
from sensor.sim.stream import stream_session

__all__ = ["SessionSpec", "SimResult", "simulate_session", "random_spec", "write_corpus", "write_session",
           "stream_session", "DISTURBANCES", "RATES_HZ", "WRIST_MODES"]
