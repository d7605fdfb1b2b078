"""Property-based fuzzing of the public entry points (hypothesis).

Whatever is drawn (shapes, strides including negative and zero-size, dtypes, channel counts,
boxes with NaN/inf/huge/negative/reversed values, masks of the wrong shape or dtype,
opacities, colours), every call either raises ValueError/TypeError whose message starts with
an argument's name, or returns exactly what the pure-numpy reference gives; the caller's
arrays never change, and promised copies never alias an input.
"""

import numpy as np
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

import dynacrop_native as dc
from dynacrop_native.color import background_for_channels

from reference import crop_reference, numpy_reference, resize_reference

ARGUMENT_NAMES = ("image:", "xyxy:", "crop:", "mask:", "mask_opacity:", "background_color:", "threads:",
                  "detections:", "detections.xyxy:", "detections.mask:", "detections.data[")
DTYPES = [np.uint8, np.uint8, np.uint16, np.float32, np.uint8, np.int32, np.float64, np.bool_, np.int8]
levels = st.sampled_from(dc.capabilities()["available"])  # every property runs on every kernel level


@pytest.fixture(autouse=True, scope="module")
def best_level_after():
    yield
    dc.set_isa("best")


@st.composite
def arrays(draw, *, dtypes=DTYPES, min_ndim=1, max_ndim=4, max_side=12, shape=None):
    """A numpy array seen through an arbitrary strided view (negative steps, offsets, Fortran
    order, zero-size), as callers hand them over."""
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    if shape is None:  # mostly valid images (2-D, or 3-D with 1-4 channels), some of any shape
        ndim = draw(st.sampled_from([2, 3, 3, 3, min_ndim, max_ndim]))
        ndim = min(max(ndim, min_ndim), max_ndim)
        shape = tuple(draw(st.integers(0, max_side)) for _ in range(ndim))
        if ndim == 3 and draw(st.integers(0, 9)) > 0:
            shape = (*shape[:2], draw(st.sampled_from([1, 3, 3, 4, 2])))
    steps = [draw(st.sampled_from([1, 1, 2, -1, -2, 3])) for _ in shape]
    base_shape = tuple(max(1, n * abs(k) + 1) for n, k in zip(shape, steps))
    seed = draw(st.integers(0, 2**32 - 1))
    base = np.random.default_rng(seed).integers(0, 256, base_shape).astype(dtype)
    if draw(st.booleans()):
        base = np.asfortranarray(base)
    index = tuple(slice(None, None, k) if k > 0 else slice(None, None, k) for k in steps)
    view = base[index]
    view = view[tuple(slice(0, n) for n in shape)]
    assert view.shape == shape
    return view


finite = st.floats(-40, 60, allow_nan=False)
coordinate = st.one_of(finite, st.sampled_from([np.nan, np.inf, -np.inf, 1e300, -1e300, 2.5, 3.5]))
box_lists = st.one_of(
    st.lists(st.tuples(finite, finite, finite, finite), max_size=6),  # mostly valid
    st.lists(st.tuples(coordinate, coordinate, coordinate, coordinate), max_size=4),
    st.lists(st.lists(finite, min_size=0, max_size=6), max_size=3),  # ragged / wrong width
)
colours = st.one_of(
    st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
    st.integers(0, 255).map(lambda g: (g, g, g)),  # grey: one table for all channels (avx512's lookups)
    st.tuples(st.integers(-5, 260), st.integers(0, 255), st.integers(0, 255)),
    st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True),
    st.from_regex(r"#[0-9a-fA-F]{3}", fullmatch=True),
    st.text(max_size=8),
    st.lists(st.integers(0, 255), max_size=4),
    st.none(),
)
opacities = st.one_of(
    st.floats(0, 1), st.floats(0, 1), st.sampled_from([0.0, 0.5, 1.0]),  # valid, mostly
    st.floats(-0.5, 1.5), st.sampled_from([np.nan, np.inf]), st.text(max_size=2),
)


def check_error(excinfo):
    message = str(excinfo.value)
    assert message.startswith(ARGUMENT_NAMES), f"error does not name its argument: {message!r}"
    event(f"{type(excinfo.value).__name__} {message.split(':')[0]}")


@given(image=arrays(), xyxy=box_lists, copy=st.booleans(), threads=st.sampled_from([None, 1, 2]), level=levels)
def test_crop_boxes_never_crashes_and_matches_numpy(image, xyxy, copy, threads, level):
    dc.set_isa(level)
    before = image.copy()
    try:
        crops = dc.crop_boxes(image, xyxy, copy=copy, threads=threads)
    except (ValueError, TypeError) as e:
        check_error(pytest.ExceptionInfo.from_exception(e))
        return
    finally:
        np.testing.assert_array_equal(image, before)
    event("result compared")
    for got, want in zip(crops, crop_reference(image, xyxy), strict=True):
        assert (got is None) == (want is None)
        if got is not None:
            np.testing.assert_array_equal(got, want)
            assert got.dtype == want.dtype
            if copy:
                assert got.flags.c_contiguous and not np.shares_memory(got, image)


@given(
    crop=arrays(dtypes=[np.uint8] * 6 + [np.uint16, np.float32], min_ndim=2, max_ndim=4),
    mask_seed=st.integers(0, 2**32 - 1),
    mask_kind=st.sampled_from(["match", "match", "per-channel", "wrong-shape", "wrong-dtype", "strided"]),
    a=opacities,
    colour=colours,
    level=levels,
)
def test_remove_background_never_crashes_and_matches_numpy(crop, mask_seed, mask_kind, a, colour, level):
    dc.set_isa(level)
    rng = np.random.default_rng(mask_seed)
    hw = crop.shape[:2]
    if mask_kind == "per-channel" and crop.ndim == 3:
        mask = rng.random(crop.shape) < 0.5
    elif mask_kind == "wrong-shape":
        mask = rng.random((hw[0] + 1, max(hw[1] - 1, 0) if len(hw) > 1 else 1)) < 0.5
    elif mask_kind == "wrong-dtype":
        mask = rng.integers(0, 2, hw).astype(np.int16)
    elif mask_kind == "strided":
        mask = (rng.random((hw[0] * 2 + 1, (hw[1] if len(hw) > 1 else 1) * 2 + 1)) < 0.5)[::-2, ::2][: hw[0], : hw[1] if len(hw) > 1 else 1]
    else:
        mask = (rng.random(hw) < 0.5).astype(rng.choice([np.bool_, np.uint8]))
    crop_before, mask_before = crop.copy(), mask.copy()
    try:
        out = dc.remove_background(crop, mask, a, colour)
    except (ValueError, TypeError) as e:
        check_error(pytest.ExceptionInfo.from_exception(e))
        return
    finally:
        np.testing.assert_array_equal(crop, crop_before)
        np.testing.assert_array_equal(mask, mask_before)
    event("result compared")
    channels = 1 if crop.ndim == 2 else crop.shape[2]
    bg = background_for_channels(dc.parse_color(colour), channels)
    np.testing.assert_array_equal(out, numpy_reference(crop, mask, float(a), bg))
    assert out.flags.c_contiguous and not np.shares_memory(out, crop)


@given(
    image=arrays(dtypes=[np.uint8], shape=None, min_ndim=3, max_ndim=3, max_side=14),
    xyxy=st.lists(st.tuples(finite, finite, finite, finite), min_size=0, max_size=5),
    a=st.sampled_from([0.0, 0.5, 0.3, 1.0]),
    with_masks=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
    level=levels,
)
def test_dynamic_crop_matches_per_box_reference(image, xyxy, a, with_masks, seed, level):
    dc.set_isa(level)
    sv = pytest.importorskip("supervision")
    assume(image.shape[2] in (1, 3, 4) and 0 not in image.shape[:2])
    n = len(xyxy)
    rng = np.random.default_rng(seed)
    masks = (rng.random((n, *image.shape[:2])) < 0.5) if with_masks else None
    boxes = np.array(xyxy, dtype=np.float64).reshape(n, 4)
    det = sv.Detections(xyxy=boxes, mask=masks, data={"detection_id": np.array([str(i) for i in range(n)])})
    image_before = image.copy()
    crops = dc.dynamic_crop(image, det, mask_opacity=a, background_color="#3366cc")
    np.testing.assert_array_equal(image, image_before)
    bg = background_for_channels(dc.parse_color("#3366cc"), image.shape[2])
    for i, (got, want) in enumerate(zip(crops, crop_reference(image, boxes), strict=True)):
        assert (got is None) == (want is None)
        if got is None:
            continue
        if with_masks and a > 0:
            x0, y0 = got.offset
            m = masks[i, y0 : y0 + want.shape[0], x0 : x0 + want.shape[1]]
            want = numpy_reference(want, m, a, bg)
            assert not np.shares_memory(got.image, image)
        np.testing.assert_array_equal(got.image, want)


@given(
    image=arrays(dtypes=[np.uint8], shape=None, min_ndim=2, max_ndim=3, max_side=14),
    xyxy=st.lists(st.tuples(finite, finite, finite, finite), min_size=0, max_size=5),
    size=st.tuples(st.integers(1, 20), st.integers(1, 20)),
    keep_aspect=st.booleans(),
    interpolation=st.sampled_from(["bilinear", "nearest"]),
    out_of_bounds=st.sampled_from(["clamp", "pad"]),
    a=st.sampled_from([0.0, 0.5, 1.0]),
    seed=st.integers(0, 2**32 - 1),
    level=levels,
)
def test_crop_resize_batch_matches_crop_then_cv2_resize(image, xyxy, size, keep_aspect, interpolation,
                                                        out_of_bounds, a, seed, level):
    dc.set_isa(level)
    sv = pytest.importorskip("supervision")
    pytest.importorskip("cv2")

    assume((image.ndim == 2 or image.shape[2] in (1, 3, 4)) and 0 not in image.shape[:2])
    n = len(xyxy)
    masks = np.random.default_rng(seed).random((n, *image.shape[:2])) < 0.5
    det = sv.Detections(xyxy=np.array(xyxy, dtype=np.float64).reshape(n, 4), mask=masks,
                        data={"detection_id": np.array([str(i) for i in range(n)])})
    options = dict(keep_aspect=keep_aspect, interpolation=interpolation, out_of_bounds=out_of_bounds,
                   mask_opacity=a, background_color="#3366cc")
    before = image.copy()
    got = dc.crop_resize_batch(image, det, size, **options)
    np.testing.assert_array_equal(image, before)
    want = resize_reference(image, det, size, **options)
    event("result compared")
    assert got.images.shape == want.shape
    assert np.abs(got.images.astype(np.int16) - want).max(initial=0) <= 1


corner_lists = st.one_of(
    st.lists(st.lists(st.tuples(finite, finite), min_size=4, max_size=4), max_size=5),  # boxes, mostly valid
    st.lists(st.lists(st.tuples(coordinate, coordinate), min_size=4, max_size=4), max_size=3),
    st.lists(st.lists(st.tuples(finite, finite), max_size=5), max_size=2),  # ragged / wrong shapes
)


@given(
    image=arrays(max_side=14),
    corners=corner_lists,
    a=opacities,
    colour=colours,
    orientation=st.sampled_from(["upright", "corners"]),
    long_side=st.sampled_from([None, "width"]),
    margin=st.integers(0, 3),
    output=st.sampled_from(["image", "image", "bgra"]),
    seed=st.one_of(st.none(), st.integers(0, 2**32 - 1)),  # None: no masks
    level=levels,
)
def test_oriented_crop_never_crashes_and_matches_cv2(image, corners, a, colour, orientation, long_side, margin, output,
                                                     seed, level):
    dc.set_isa(level)
    sv = pytest.importorskip("supervision")
    from test_oriented import EXACT, cv2, cv2_warp

    detections = corners
    shaped = np.array(corners, dtype=np.float64) if corners and all(len(b) == 4 for b in corners) else None
    if seed is not None and shaped is not None and image.ndim in (2, 3):
        masks = np.random.default_rng(seed).random((len(corners), *image.shape[:2])) < 0.5
        detections = sv.Detections(xyxy=np.zeros((len(corners), 4)), mask=masks, data={"xyxyxyxy": shaped})
    before = image.copy()
    try:
        crops = dc.oriented_crop(image, detections, mask_opacity=a, background_color=colour, orientation=orientation,
                                 long_side=long_side, margin=margin, output=output)
    except (ValueError, TypeError) as e:
        crops = e
    np.testing.assert_array_equal(image, before)
    if isinstance(crops, Exception):
        return check_error(pytest.ExceptionInfo.from_exception(crops))
    event("result compared")
    if not EXACT:  # comparisons with OpenCV hold where it runs the kernel reproduced (test_oriented.py)
        return
    for i, crop in enumerate(crops):
        if crop is None or output == "bgra":
            continue
        plain = cv2_warp(image, crop, colour)
        if not isinstance(detections, sv.Detections) or a == 0:
            np.testing.assert_array_equal(crop.image, plain)
            continue
        mask = cv2.warpAffine(detections.mask[i].astype(np.uint8), crop.warp_matrix, crop.size, flags=cv2.INTER_NEAREST)
        np.testing.assert_array_equal(crop.predictions.mask[0], mask.astype(bool))
        bg = background_for_channels(dc.parse_color(colour), 1 if image.ndim == 2 else image.shape[2])
        np.testing.assert_array_equal(crop.image, numpy_reference(plain, mask, a, bg))
