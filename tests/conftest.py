import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import dynacrop_native as dc

from helpers import LEVELS

# Property-based runs: "default" for the core stage, fewer examples under the (slow) sanitizer
# build, many more in CI's fuzz stage; all three derandomized, so a CI run is repeatable and a
# red one reproduces. "explore" draws fresh random examples on every run: the bug hunt that feeds
# regression tests. DYNACROP_HYPOTHESIS_PROFILE picks one.
_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("default", max_examples=150, derandomize=True, **_common)
settings.register_profile("sanitizers", max_examples=60, derandomize=True, **_common)
settings.register_profile("fuzz", max_examples=3000, derandomize=True, **_common)
settings.register_profile("explore", max_examples=20000, print_blob=True, **_common)
settings.load_profile(os.environ.get("DYNACROP_HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(params=LEVELS)
def isa(request):
    """Run the test once per kernel level this CPU can execute, restoring the best after."""
    dc.set_isa(request.param)
    yield request.param
    dc.set_isa("best")


@pytest.fixture
def rng(request):
    seed = int.from_bytes(request.node.nodeid.encode()[-8:], "little") ^ int(os.environ.get("DYNACROP_SEED", "0"))
    return np.random.default_rng(seed)
