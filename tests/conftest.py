import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import dynacrop_native as dc

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

LEVELS = dc.capabilities()["available"]


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


def rows_of_wider(arr: np.ndarray) -> np.ndarray:
    """`arr` as the left part of a wider image: contiguous rows that do not follow one another,
    so kernels run row by row instead of on one long row."""
    wide = np.zeros((arr.shape[0], arr.shape[1] + 5, *arr.shape[2:]), arr.dtype)
    wide[:, : arr.shape[1]] = arr
    return wide[:, : arr.shape[1]]


def strided_variants(arr: np.ndarray, rng: np.random.Generator):
    """The same pixels seen through different memory layouts: contiguous, negative strides,
    every other pixel of a larger buffer, channel-reversed, Fortran order, unaligned start."""
    yield "contiguous", arr
    yield "flipped", np.ascontiguousarray(arr[::-1, ::-1])[::-1, ::-1]
    big = np.zeros((arr.shape[0] * 2 + 1, arr.shape[1] * 3 + 2, *arr.shape[2:]), arr.dtype)
    big[1::2, 2::3] = arr
    yield "strided", big[1::2, 2::3]
    yield "rows of a wider image", rows_of_wider(arr)
    if arr.ndim == 3:
        rev = np.ascontiguousarray(arr[..., ::-1])
        yield "channel-reversed", rev[..., ::-1]
    yield "fortran", np.asfortranarray(arr)
    raw = np.zeros(arr.nbytes + arr.itemsize + 1, np.uint8)
    off = 1 if arr.itemsize == 1 else arr.itemsize  # odd start for bytes, element-aligned otherwise
    view = raw[off : off + arr.nbytes].view(arr.dtype).reshape(arr.shape)
    view[...] = arr
    yield "offset", view


# The upstream re-creation lives with the benchmarks (it is their baseline); tests use it as an oracle.
import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent / "benchmarks"))
