"""Helpers the tests share: kernel levels, memory layouts of the same pixels, and equality of
supervision detections. (Pure-numpy and OpenCV references of what the library computes live
in reference.py.)"""

import numpy as np
import pytest

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


def random_detections(rng, h, w, n, *, masks=True, reach=0.0):
    """`sv.Detections` with every field upstream translates: n boxes in an h x w image (with
    `reach`, boxes may stick out past each edge by that fraction of the image, some entirely
    outside), every third box on .5 ties, dense masks (or none), point data and extra keys."""
    sv = pytest.importorskip("supervision")
    x = np.sort(rng.uniform(-reach * w, (1 + reach) * w, (n, 2)), axis=1)
    y = np.sort(rng.uniform(-reach * h, (1 + reach) * h, (n, 2)), axis=1)
    xyxy = np.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], axis=1)
    xyxy[::3] = np.round(xyxy[::3]) + 0.5  # ties
    return sv.Detections(
        xyxy=xyxy,
        mask=rng.random((n, h, w)) < 0.5 if masks else None,
        confidence=rng.random(n),
        class_id=rng.integers(0, 5, n),
        tracker_id=np.arange(n) + 100,
        data={
            "detection_id": np.array([f"det-{i}" for i in range(n)]),
            "class_name": np.array(["cat", "dog", "eel", "fox", "gnu"])[rng.integers(0, 5, n)],
            "keypoints_xy": rng.uniform(0, w, (n, 3, 2)),
            "polygon": [rng.uniform(0, w, (5, 2)) for _ in range(n)],
            "xyxyxyxy": rng.uniform(0, w, (n, 4, 2)),
            "embedding": rng.random((n, 8)),
        },
        metadata={"source": "test"},
    )


def box_detections(xyxy, masks=None):
    """`sv.Detections` of given boxes (ids "0", "1", ...; a keypoint inside each box)."""
    sv = pytest.importorskip("supervision")
    xyxy = np.asarray(xyxy, dtype=np.float64)
    return sv.Detections(xyxy=xyxy, mask=masks, data={"detection_id": np.array([str(i) for i in range(len(xyxy))]),
                                                      "keypoints_xy": xyxy[:, None, :2] + 1.0})
