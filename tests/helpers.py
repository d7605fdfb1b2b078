"""Helpers the tests share: kernel levels, memory layouts of the same pixels, and equality of
supervision detections. (Pure-numpy and OpenCV references of what the library computes live
in reference.py.)"""

import numpy as np

import dynacrop_native as dc

LEVELS = dc.capabilities()["available"]


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


def assert_detections_equal(got, want):
    assert type(got) is type(want)
    for field in ("xyxy", "mask", "confidence", "class_id", "tracker_id"):
        g, w = getattr(got, field), getattr(want, field)
        assert (g is None) == (w is None), field
        if g is not None:
            np.testing.assert_array_equal(g, w, err_msg=field)
            assert g.dtype == w.dtype, field
    assert got.data.keys() == want.data.keys()
    for key in want.data:
        np.testing.assert_array_equal(np.asarray(got.data[key]), np.asarray(want.data[key]), err_msg=key)
        assert np.asarray(got.data[key]).dtype == np.asarray(want.data[key]).dtype, key
    assert got.metadata == want.metadata
