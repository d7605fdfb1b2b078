"""crop_resize_batch (issue 8): each slot against the unfused pipeline it replaces,
dynamic_crop -> cv2.resize -> letterbox -> np.stack -> normalise, on every kernel level."""

import numpy as np
import pytest

import dynacrop_native as dc

cv2 = pytest.importorskip("cv2")
sv = pytest.importorskip("supervision")

from helpers import random_detections, strided_variants  # noqa: E402
from reference import resize_reference  # noqa: E402



def check(image, det, size, **options):
    got = dc.crop_resize_batch(image, det, size, **options)
    want = resize_reference(image, det, size, **options)
    assert got.images.shape == want.shape and got.images.dtype == want.dtype
    assert got.images.flags.c_contiguous
    if want.dtype == np.uint8:  # one level is allowed; with OpenCV 4.12 every value is exact
        assert np.abs(got.images.astype(np.int16) - want).max(initial=0) <= 1
        assert (got.images == want).mean() >= 0.99 if want.size else True
    else:
        np.testing.assert_allclose(got.images, want, rtol=0, atol=1.01 / np.min(options.get("std", 1.0)))
    return got, want


@pytest.mark.parametrize("shape", [(50, 70), (50, 70, 1), (50, 70, 2), (50, 70, 3), (50, 70, 4)])
@pytest.mark.parametrize("keep_aspect", [False, True])
def test_matches_crop_then_cv2_resize(isa, rng, shape, keep_aspect):
    image = rng.integers(0, 256, shape, dtype=np.uint8)
    det = random_detections(rng, *shape[:2], 12, reach=0.2)
    for size in [(32, 32), (17, 45), (90, 3), (1, 1)]:
        check(image, det, size, keep_aspect=keep_aspect, mask_opacity=0.6, background_color="#3080c0")


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_exact_half_size_equals_cv2_resize(isa, rng, channels):
    """cv2.resize takes its INTER_AREA path at exactly half size in both axes; for 2 channels
    that path rounds halves to even, unlike the linear fixed point (the 1, 3 and 4 channel
    results agree either way). Every value must equal OpenCV's."""
    image = rng.integers(0, 256, (64, 90, channels), dtype=np.uint8)
    boxes = [[0, 0, 90, 64], [3, 5, 43, 35], [10, 0, 12, 2], [-4, -6, 36, 14], [51, 41, 91, 65]]
    det = sv.Detections(xyxy=np.array(boxes, float), mask=rng.random((len(boxes), 64, 90)) < 0.5,
                        data={"detection_id": np.array(list("abcde"))})
    for options in [{}, {"out_of_bounds": "pad"}, {"mask_opacity": 0.4}, {"layout": "NCHW"}]:
        for size in [(32, 45), (15, 20), (1, 1), (10, 20), (5, 20)]:  # some exactly half, some not
            got, want = check(image, det, size, **options)
            if size in ((32, 45), (15, 20), (1, 1)):
                np.testing.assert_array_equal(got.images, want, err_msg=f"{size} {options}")


# Boxes and slot sizes for INTER_AREA's paths: whole-number factors (2x2 and others, one axis
# kept), fractional shrinking, enlarging (its bilinear variant), one axis each way, 1 x 1, the
# crop's own size; odd widths so SIMD loops leave tails.
AREA_BOXES = [[0, 0, 64, 48], [1, 1, 70, 46], [5, 3, 42, 40], [-7, 30, 20, 51], [60, -4, 91, 9], [30, 20, 31, 21]]
AREA_SIZES = [(24, 32), (16, 16), (48, 32), (15, 23), (17, 29), (7, 3), (1, 1), (45, 69), (50, 90), (3, 130), (61, 5)]


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("keep_aspect", [False, True])
def test_area_equals_cv2_inter_area(isa, rng, channels, keep_aspect):
    """interpolation="area" is cv2.resize(crop, (W, H), interpolation=cv2.INTER_AREA) of the crop
    dynamic_crop makes: every value equal on every path (whole-number box sums, float cells,
    the bilinear variant for enlarging), with clamped and padded crops and background removal."""
    image = rng.integers(0, 256, (64, 90, channels), dtype=np.uint8)
    det = sv.Detections(xyxy=np.array(AREA_BOXES, float), mask=rng.random((len(AREA_BOXES), 64, 90)) < 0.5,
                        data={"detection_id": np.array(list("abcdef"))})
    for options in [{}, {"out_of_bounds": "pad"}, {"mask_opacity": 0.6, "background_color": "#3080c0"},
                    {"out_of_bounds": "pad", "layout": "NCHW", "rgb": True}]:
        for size in AREA_SIZES:
            got, want = check(image, det, size, interpolation="area", keep_aspect=keep_aspect, **options)
            np.testing.assert_array_equal(got.images, want, err_msg=f"{size} {options}")


def test_area_differs_from_bilinear_when_shrinking(rng):
    """The reason to ask for it: shrinking by 3.5 averages every pixel instead of sampling two."""
    image = rng.integers(0, 256, (70, 70, 3), dtype=np.uint8)
    det = sv.Detections(xyxy=np.array([[0, 0, 70, 70]], float), data={"detection_id": np.array(["a"])})
    area = dc.crop_resize_batch(image, det, (20, 20), interpolation="area").images[0]
    np.testing.assert_array_equal(area, cv2.resize(image, (20, 20), interpolation=cv2.INTER_AREA))
    assert (area != cv2.resize(image, (20, 20), interpolation=cv2.INTER_LINEAR)).mean() > 0.5


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_wide_slots_are_resampled_in_chunks(isa, rng, channels):
    """Slot rows wider than one chunk of working memory: chunks across the resized crop, chunks
    of letterbox only, chunks reading only the padding of a crop reaching far past the image."""
    image = rng.integers(0, 256, (40, 60, channels), dtype=np.uint8)
    boxes = [[5, 3, 55, 37], [-3000, 0, 60, 40], [20, 10, 24, 30], [-2, -2, 70, 50]]
    det = sv.Detections(xyxy=np.array(boxes, float), mask=rng.random((len(boxes), 40, 60)) < 0.5,
                        data={"detection_id": np.array(list("abcd"))})
    size = (3, 50000)  # 50000 * channels bytes a row: two to seven chunks
    for options in [{"out_of_bounds": "pad", "mask_opacity": 0.5}, {"keep_aspect": True, "background_color": "#3080c0"},
                    {"interpolation": "nearest", "out_of_bounds": "pad"},
                    {"interpolation": "area", "out_of_bounds": "pad", "mask_opacity": 0.5},
                    {"layout": "NCHW", "dtype": np.float32, "mean": 10, "std": 3, "out_of_bounds": "pad"}]:
        check(image, det, size, **options)
    check(image, det, (40000, 2), out_of_bounds="pad", mask_opacity=1.0)  # tall slots: one chunk


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "area"])
@pytest.mark.parametrize("out_of_bounds", ["clamp", "pad"])
def test_shaping_options_and_pad_mode(isa, rng, interpolation, out_of_bounds):
    image = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    det = random_detections(rng, 40, 60, 15, reach=0.5)
    for options in [{}, {"margin": 4}, {"square": True, "margin_ratio": 0.25}, {"min_size": 12}]:
        check(image, det, (24, 40), interpolation=interpolation, out_of_bounds=out_of_bounds, mask_opacity=1.0,
              keep_aspect=True, background_color=(10, 200, 30), **options)


def test_pad_mode_at_every_edge(rng):
    image = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    boxes = [[-10, -10, 10, 10], [30, -5, 50, 10], [-5, 20, 10, 40], [30, 20, 50, 40], [-20, 5, 60, 25]]
    det = sv.Detections(xyxy=np.array(boxes, float), data={"detection_id": np.array(list("abcde"))})
    got, _ = check(image, det, (16, 16), out_of_bounds="pad", background_color="#ffffff")
    assert got.valid.all()


@pytest.mark.parametrize("layout", ["NHWC", "NCHW"])
@pytest.mark.parametrize("rgb", [False, True])
def test_layout_rgb_and_normalisation(isa, rng, layout, rgb):
    image = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    det = random_detections(rng, 64, 64, 6, reach=0.2)
    check(image, det, (20, 28), layout=layout, rgb=rgb)
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    got, want = check(image, det, (20, 28), layout=layout, rgb=rgb, dtype=np.float32, mean=mean, std=std)
    np.testing.assert_array_equal(got.images, want)  # same float32 arithmetic as numpy
    check(image, det, (20, 28), layout=layout, rgb=rgb, dtype=np.float32, mean=0, std=255)


@pytest.mark.parametrize("layout", ["NHWC", "NCHW"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_float16_is_the_float32_result_rounded_to_even(isa, rng, layout, channels):
    """dtype=np.float16 equals astype(np.float16) of the float32 batch, bit for bit: normal
    values, ties to even (above 2048 and on the subnormal grid), float16 subnormals (huge std),
    negative values, odd widths so SIMD loops leave tails; mean and std that would overflow
    float16 (beyond 65504) are refused."""
    image = rng.integers(0, 256, (50, 70, channels), dtype=np.uint8)
    det = random_detections(rng, 50, 70, 8, reach=0.2)
    cases = [(0, 1), (0, 255), (127.5, 0.5), (3, 7), (-2048, 1), (-4096, 1), (0, 2**25), (0, 2**23), (0, 3e6),
             (255, 1.2e-3), (200, 3e-3), (100, 1e-3), (-20, 2e-7)]
    cases += [(float(rng.uniform(-300, 300)), float(10 ** rng.uniform(-5, 7))) for _ in range(8)]
    compared = 0
    for mean, std in cases:
        for interpolation in ("bilinear", "area"):
            options = dict(layout=layout, mean=mean, std=std, interpolation=interpolation, mask_opacity=0.4)
            as32 = dc.crop_resize_batch(image, det, (13, 29), dtype=np.float32, **options).images
            with np.errstate(over="ignore"):
                want = as32.astype(np.float16)
                ends = ((np.float32([0, 255]) - np.float32(mean)) / np.float32(std)).astype(np.float16)
            if not np.isfinite(ends).all():
                with pytest.raises(ValueError, match="^std: .* must stay finite in float16"):
                    dc.crop_resize_batch(image, det, (13, 29), dtype=np.float16, **options)
                continue
            got = dc.crop_resize_batch(image, det, (13, 29), dtype=np.float16, **options).images
            assert got.dtype == np.float16 and got.flags.c_contiguous
            np.testing.assert_array_equal(got.view(np.uint16), want.view(np.uint16), err_msg=f"{mean} {std}")
            np.testing.assert_array_equal(got, resize_reference(image, det, (13, 29), dtype=np.float16, **options))
            compared += 1
    assert compared >= 16


def test_every_memory_layout_of_the_image(isa, rng):
    base = rng.integers(0, 256, (33, 47, 3), dtype=np.uint8)
    det = random_detections(rng, 33, 47, 8, reach=0.2)
    want = dc.crop_resize_batch(base, det, (19, 23), mask_opacity=0.5).images
    for name, view in strided_variants(base, rng):
        got = dc.crop_resize_batch(view, det, (19, 23), mask_opacity=0.5).images
        np.testing.assert_array_equal(got, want, err_msg=name)


def test_simd_levels_equal_the_scalar_twin(rng):
    image = rng.integers(0, 256, (81, 67, 4), dtype=np.uint8)
    det = random_detections(rng, 81, 67, 20, reach=0.2)
    results = {}
    for level in dc.capabilities()["available"]:
        dc.set_isa(level)
        try:
            results[level] = [dc.crop_resize_batch(image[..., :c], det, size, mask_opacity=0.3, **options).images
                              for c in (1, 3, 4) for size in [(1, 1), (7, 129), (64, 33), (5, 16), (3, 47)]
                              for options in [{}, {"layout": "NCHW", "rgb": True},
                                              {"layout": "NCHW", "dtype": np.float32, "mean": 3, "std": 7},
                                              {"interpolation": "area"}, {"interpolation": "area", "keep_aspect": True},
                                              {"dtype": np.float16, "mean": 100, "std": 3e4},
                                              {"layout": "NCHW", "dtype": np.float16, "mean": -2048, "std": 1}]]
            boxes = sv.Detections(xyxy=np.array(AREA_BOXES, float), data={"detection_id": np.arange(6).astype(str)})
            results[level] += [dc.crop_resize_batch(image[..., :c], boxes, size, interpolation="area",
                                                    out_of_bounds=oob).images
                               for c in (1, 3, 4) for size in AREA_SIZES for oob in ("clamp", "pad")]
        finally:
            dc.set_isa("best")
    for level, arrays in results.items():
        for a, b in zip(arrays, results["scalar"]):
            np.testing.assert_array_equal(a, b, err_msg=level)


def test_nested_crop_and_threads(rng):
    image = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    outer = dc.dynamic_crop(image, random_detections(rng, 120, 160, 1, masks=False, reach=0))[0]
    inner = random_detections(rng, *outer.image.shape[:2], 30, reach=0.2)
    got, _ = check(outer, inner, (32, 48), mask_opacity=0.5, keep_aspect=True)
    for threads in (1, 2, 5):
        again = dc.crop_resize_batch(outer, inner, (32, 48), mask_opacity=0.5, keep_aspect=True, threads=threads)
        np.testing.assert_array_equal(again.images, got.images)


def test_scale_and_offset_map_slots_back_to_the_image(rng):
    image = np.zeros((100, 200, 3), np.uint8)
    det = sv.Detections(xyxy=np.array([[10.0, 20.0, 50.0, 100.0], [150.0, 10.0, 230.0, 30.0]]),
                        data={"detection_id": np.array(["a", "b"])})
    for keep_aspect in (False, True):
        for pad in ("clamp", "pad"):
            out = dc.crop_resize_batch(image, det, (40, 40), keep_aspect=keep_aspect, out_of_bounds=pad)
            crops = dc.dynamic_crop(image, det, out_of_bounds=pad)
            for i, crop in enumerate(crops):
                h, w = crop.image.shape[:2]
                sx, sy = out.scale[i]
                px, py = (40 - round(w * sx)) // 2, (40 - round(h * sy)) // 2
                corners = out.to_image([[px, py], [px + w * sx, py + h * sy]], i)
                x0, y0 = crop.offset
                np.testing.assert_allclose(corners, [[x0, y0], [x0 + w, y0 + h]], atol=1e-9)


def test_empty_boxes_give_background_slots():
    image = np.full((20, 20, 3), 7, np.uint8)
    det = sv.Detections(xyxy=np.array([[30.0, 30.0, 40.0, 40.0], [2.0, 2.0, 6.0, 6.0]]),
                        data={"detection_id": np.array(["out", "in"])})
    out = dc.crop_resize_batch(image, det, 8, background_color="#ff0000")
    assert out.valid.tolist() == [False, True]
    assert (out.images[0] == [0, 0, 255]).all() and (out.images[1] == 7).all()
    assert np.isnan(out.scale[0]).all() and np.isnan(out.offset[0]).all()
    none = dc.crop_resize_batch(image, sv.Detections.empty(), (8, 9), layout="NCHW")
    assert none.images.shape == (0, 3, 8, 9) and none.valid.shape == (0,)


def test_inputs_are_not_modified(rng):
    image = rng.integers(0, 256, (30, 30, 3), dtype=np.uint8)
    det = random_detections(rng, 30, 30, 5, reach=0.2)
    before = (image.copy(), det.xyxy.copy(), det.mask.copy())
    dc.crop_resize_batch(image, det, 16, mask_opacity=1.0, out_of_bounds="pad")
    for a, b in zip(before, (image, det.xyxy, det.mask)):
        np.testing.assert_array_equal(a, b)


IMG = np.zeros((10, 10, 3), np.uint8)
DET = sv.Detections(xyxy=np.array([[0.0, 0.0, 5.0, 5.0]]), data={"detection_id": np.array(["a"])})


@pytest.mark.parametrize("kwargs, exc, message", [
    ({"size": 0}, ValueError, "size: expected (height, width) of integers >= 1, got 0"),
    ({"size": (4, 4, 4)}, ValueError, "size: expected (height, width)"),
    ({"size": 2.5}, ValueError, "size: expected (height, width)"),
    ({"layout": "HWC"}, ValueError, "layout: expected one of 'NHWC', 'NCHW', got 'HWC'"),
    ({"interpolation": "cubic"}, ValueError, "interpolation: expected one of 'bilinear', 'nearest', 'area'"),
    ({"dtype": np.float64}, TypeError, "dtype: expected numpy.uint8, numpy.float32 or numpy.float16"),
    ({"dtype": "nonsense"}, TypeError, "dtype: expected numpy.uint8, numpy.float32 or numpy.float16"),
    ({"mean": 1.0}, ValueError, "mean: mean and std need dtype=numpy.float32 or numpy.float16"),
    ({"dtype": np.float32, "mean": [1, 2]}, ValueError, "mean: expected a number or 3 numbers"),
    ({"dtype": np.float32, "std": [1, 0, 1]}, ValueError, "std: expected non-zero values"),
    ({"dtype": np.float32, "std": float("nan")}, ValueError, "std: expected finite numbers"),
    ({"keep_aspect": "yes"}, TypeError, "keep_aspect: expected True or False"),
    ({"rgb": 1}, TypeError, "rgb: expected True or False"),
    ({"out_of_bounds": "wrap"}, ValueError, "out_of_bounds: expected 'clamp' or 'pad'"),
    ({"mask_opacity": 2}, ValueError, "mask_opacity: expected a number in [0, 1]"),
    ({"margin": -1}, ValueError, "margin: expected a finite number >= 0"),
    ({"threads": 0}, ValueError, "threads: expected None or an integer >= 1"),
    ({"size": (2**40, 2**40)}, ValueError, "size: expected (height, width)"),
])
def test_bad_arguments(kwargs, exc, message):
    kwargs = {"size": 8, **kwargs}
    with pytest.raises(exc, match=None) as info:
        dc.crop_resize_batch(IMG, DET, **kwargs)
    assert str(info.value).startswith(message)


def test_huge_padded_crops_are_refused_before_any_work():
    with pytest.raises(ValueError, match="out_of_bounds: padded crop 0 is .* too large to resample"):
        dc.crop_resize_batch(IMG, DET, 8, margin=1e9, out_of_bounds="pad")
    from dynacrop_native import _native
    box = np.array([[0, 0, 5, 5]], np.int64)
    with pytest.raises(ValueError, match="canvas: crop 0 is too large to resample"):
        _native.crop_resize(IMG, box, np.array([[-2**40, 0, 5, 5]], np.int64), None, 0.0, [0, 0, 0],
                            np.array([[0, 0, 8, 8]], np.int64), 8, 8, False, False, 0, None, None, 1)


def test_bad_images():
    with pytest.raises(TypeError, match="image: expected dtype uint8"):
        dc.crop_resize_batch(IMG.astype(np.float32), DET, 8)
    with pytest.raises(MemoryError, match="size: the requested crops need"):
        dc.crop_resize_batch(IMG, DET, (2**31, 2**31))


def test_rle_and_json_detections(rng):
    from dynacrop_native import rle

    image = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    mask = rng.random((60, 80)) < 0.5
    box = np.array([[5.0, 5.0, 40.0, 30.0]])
    dense = sv.Detections(xyxy=box, mask=mask[None], data={"detection_id": np.array(["a"])})
    compact = sv.Detections(xyxy=box, data={"detection_id": np.array(["a"]),
                                            "rle_mask": [rle.encode_like(mask, {"counts": ""})]})
    want = dc.crop_resize_batch(image, dense, 16, mask_opacity=1.0).images
    np.testing.assert_array_equal(dc.crop_resize_batch(image, compact, 16, mask_opacity=1.0).images, want)
    payload = {"image": {"width": 80, "height": 60},
               "predictions": [{"x": 22.5, "y": 17.5, "width": 35.0, "height": 25.0, "detection_id": "a"}]}
    plain = dc.crop_resize_batch(image, payload, 16)
    check(image, sv.Detections(xyxy=box, data={"detection_id": np.array(["a"])}), (16, 16))
    np.testing.assert_array_equal(plain.images, dc.crop_resize_batch(image, dense, 16).images)
