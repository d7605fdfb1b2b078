import numpy as np
import pytest

import dynacrop_native as dc

from helpers import strided_variants
from reference import crop_reference


def random_boxes(rng, w, h, n):
    xs = rng.uniform(-0.3 * w, 1.3 * w, (n, 2))
    ys = rng.uniform(-0.3 * h, 1.3 * h, (n, 2))
    boxes = np.stack([xs.min(1), ys.min(1), xs.max(1), ys.max(1)], axis=1)
    boxes[::5] = np.round(boxes[::5]) + 0.5  # exact .5 ties
    return boxes


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("channels", [None, 1, 2, 3, 4])
def test_crops_equal_numpy_slicing(isa, rng, dtype, channels):
    for _ in range(3):
        h, w = int(rng.integers(1, 40)), int(rng.integers(1, 70))
        shape = (h, w) if channels is None else (h, w, channels)
        image = (rng.random(shape) * 1000).astype(dtype)
        boxes = random_boxes(rng, w, h, 12)
        want = crop_reference(image, boxes)
        for layout, view in strided_variants(image, rng):
            got = dc.crop_boxes(view, boxes)
            for g, e in zip(got, want):
                assert (g is None) == (e is None), layout
                if g is not None:
                    assert g.flags.c_contiguous, layout
                    np.testing.assert_array_equal(g, e, err_msg=layout)
            views = dc.crop_boxes(view, boxes, copy=False)
            for v, e in zip(views, want):
                assert (v is None) == (e is None)
                if v is not None:
                    assert np.shares_memory(v, view)
                    np.testing.assert_array_equal(v, e, err_msg=layout)


def test_copies_are_fresh_and_writable(rng):
    image = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    image.flags.writeable = False
    before = image.copy()
    crops = dc.crop_boxes(image, [[0, 0, 30, 20], [5, 5, 10, 10]])
    for c in crops:
        assert not np.shares_memory(c, image)
        c[...] = 0  # writable, owned by numpy through a capsule
    np.testing.assert_array_equal(image, before)


def test_crops_of_one_call_never_overlap(rng):
    # All copies of a call live in one arena; each must still be its own memory.
    image = rng.integers(0, 256, (50, 60, 3), dtype=np.uint8)
    crops = [c for c in dc.crop_boxes(image, random_boxes(rng, 60, 50, 20)) if c is not None]
    for i, a in enumerate(crops):
        assert a.ctypes.data % 64 == 0  # aligned starts for the SIMD kernels and the caller
        for b in crops[i + 1 :]:
            assert not np.shares_memory(a, b)
    del image
    crops[0][...] = 7  # the arena outlives the source image and stays writable
    assert (crops[0] == 7).all()


def test_half_to_even_rounding():
    image = np.arange(10 * 10, dtype=np.uint8).reshape(10, 10)
    # 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, 3.5 -> 4 (numpy/upstream rounding, not round-half-up)
    (crop,) = dc.crop_boxes(image, [[0.5, 1.5, 2.5, 3.5]])
    np.testing.assert_array_equal(crop, image[2:4, 0:2])
    (crop,) = dc.crop_boxes(image, np.array([[1.49999, 2.50001, 4.5, 5.5]], np.float32))
    np.testing.assert_array_equal(crop, image[3:6, 1:4])


def test_boxes_outside_the_image_are_clamped_or_none():
    image = np.arange(8 * 12 * 3, dtype=np.uint8).reshape(8, 12, 3)
    crops = dc.crop_boxes(image, [[-5, -3, 4, 4], [10, 6, 50, 60], [20, 20, 30, 30], [-9, -9, -1, -1], [5, 5, 5, 9], [6, 6, 3, 3]])
    np.testing.assert_array_equal(crops[0], image[0:4, 0:4])
    np.testing.assert_array_equal(crops[1], image[6:8, 10:12])
    assert crops[2:] == [None, None, None, None]


def test_empty_detections():
    image = np.zeros((4, 4, 3), np.uint8)
    assert dc.crop_boxes(image, np.zeros((0, 4))) == []
    assert dc.crop_boxes(image, []) == []
    assert dc.crop_boxes(image, [], copy=False) == []


def test_zero_sized_image():
    image = np.zeros((0, 5, 3), np.uint8)
    assert dc.crop_boxes(image, [[0, 0, 5, 5]]) == [None]


@pytest.mark.parametrize(
    "image, xyxy, exc, match",
    [
        (np.zeros((4, 4), np.int32), [[0, 0, 2, 2]], TypeError, "image: expected dtype uint8, uint16 or float32, got int32"),
        (np.zeros((4, 4, 3, 1), np.uint8), [[0, 0, 2, 2]], ValueError, r"image: expected shape \(H, W\) or \(H, W, C\)"),
        (np.zeros((4, 4, 5), np.uint8), [[0, 0, 2, 2]], ValueError, "image: expected 1 to 4 channels"),
        ([[0, 1], [2, 3]], [[0, 0, 2, 2]], TypeError, "image: expected a numpy array or a DLPack tensor, got list"),
        (np.zeros((4, 4), np.uint8), [[0, 0, 2]], ValueError, r"xyxy: expected shape \(N, 4\), got \(1, 3\)"),
        (np.zeros((4, 4), np.uint8), [0, 0, 2, 2], ValueError, r"xyxy: expected shape \(N, 4\), got \(4,\)"),
        (np.zeros((4, 4), np.uint8), [[0, 0, np.nan, 2]], ValueError, "xyxy: boxes must be finite, row 0"),
        (np.zeros((4, 4), np.uint8), [[]], ValueError, r"xyxy: expected shape \(N, 4\), got \(1, 0\)"),
        (np.zeros((4, 4), np.uint8), [[0, 0, 2, 2], [0, -np.inf, 2, 2]], ValueError, "xyxy: boxes must be finite, row 1"),
        (np.zeros((4, 4), np.uint8), [["a", 0, 2, 2]], TypeError, "xyxy: expected an"),
    ],
)
def test_bad_inputs_name_the_argument(image, xyxy, exc, match):
    with pytest.raises(exc, match=match):
        dc.crop_boxes(image, xyxy)


def test_huge_boxes_are_clamped_not_overflowed():
    image = np.ones((3, 3), np.uint8)
    (crop,) = dc.crop_boxes(image, [[-1e300, -1e300, 1e300, 1e300]])
    np.testing.assert_array_equal(crop, image)


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def test_a_released_large_output_is_reused_by_the_next_call(rng):
    # A stream of frames writes into memory already mapped instead of faulting in a fresh block
    # (a page fault per 4 KiB) for every call's output.
    image = np.full((1200, 1800, 3), 7, np.uint8)
    (first,) = dc.crop_boxes(image, [[0, 0, 1800, 1000]], copy=True)
    address = _address(first)
    del first
    other = rng.integers(0, 256, (1200, 1800, 3), dtype=np.uint8)
    (second,) = dc.crop_boxes(other, [[5, 3, 1705, 1003]], copy=True)  # a little smaller: it fits
    assert _address(second) == address
    np.testing.assert_array_equal(second, other[3:1003, 5:1705])
    (third,) = dc.crop_boxes(other, [[0, 0, 1800, 1000]], copy=True)  # `second` still holds it
    assert _address(third) != address
    np.testing.assert_array_equal(third, other[:1000])
    np.testing.assert_array_equal(second, other[3:1003, 5:1705])


def test_a_much_smaller_call_does_not_keep_the_large_block(rng):
    image = rng.integers(0, 256, (1200, 1800, 3), dtype=np.uint8)
    (big,) = dc.crop_boxes(image, [[0, 0, 1800, 1200]], copy=True)
    address = _address(big)
    del big
    (small,) = dc.crop_boxes(image, [[0, 0, 600, 600]], copy=True)  # 1 MiB: under half the block
    assert _address(small) != address
    np.testing.assert_array_equal(small, image[:600, :600])


def test_round_and_clamp_equals_numpy(rng):
    from dynacrop_native.geometry import round_and_clamp

    values = np.concatenate(
        [
            rng.uniform(-50, 250, 400),
            np.round(rng.uniform(-50, 250, 200)) + 0.5,  # ties: half to even, both signs
            [-0.5, 0.5, 1.5, 2.5, -1e300, 1e300, np.inf, -np.inf, 0.0, -0.0, 199.5, 200.5],
        ]
    )
    xyxy = rng.permutation(np.resize(values, 4 * 400)).reshape(-1, 4)
    limits = np.array([200, 120, 200, 120], dtype=np.float64)
    want = np.clip(np.round(xyxy), 0.0, limits).astype(np.int64)
    for layout in (xyxy, np.asfortranarray(xyxy), np.repeat(xyxy, 2, axis=0)[::2], xyxy[::-1][::-1]):
        got = round_and_clamp(layout, 200, 120)
        assert got.dtype == np.int64 and got.flags.c_contiguous
        np.testing.assert_array_equal(got, want)
    assert round_and_clamp(np.zeros((0, 4)), 5, 5).shape == (0, 4)


def test_round_and_clamp_refuses_nan():
    from dynacrop_native.geometry import round_and_clamp

    with pytest.raises(ValueError, match=r"xyxy: boxes must be numbers, row 1 is \[0.0, nan, 1.0, 1.0\]"):
        round_and_clamp(np.array([[0, 0, 1, 1], [0, np.nan, 1, 1]], dtype=np.float64), 5, 5)
