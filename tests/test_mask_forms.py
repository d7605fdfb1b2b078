"""Masks as float or integer arrays (non-zero is inside) and as supervision CompactMask, wherever
masks are accepted: each gives exactly what the equivalent bool mask gives."""

import numpy as np
import pytest
import supervision as sv

import dynacrop_native as dc

# supervision warns (deprecation) when a Detections is built with a non-bool mask; such masks
# still arrive (older code, masks assigned after construction), and are what this file tests.
pytestmark = pytest.mark.filterwarnings("ignore:A `Detections` object was created with a mask of type")


def soft_masks(rng, n, h, w, dtype):
    """Masks with zeros and assorted non-zero values (fractions, negatives, NaN for floats)."""
    values = rng.uniform(-2, 2, (n, h, w))
    values[rng.uniform(size=values.shape) < 0.5] = 0
    if np.dtype(dtype).kind == "f":
        values[rng.uniform(size=values.shape) < 0.02] = np.nan
    return values.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int32, np.int8])
def test_numeric_masks_mean_non_zero(dtype):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    soft = soft_masks(rng, 4, 30, 40, dtype)
    if np.dtype(dtype).kind != "f":
        soft = (rng.integers(-3, 3, soft.shape) * (soft != 0)).astype(dtype)
    hard = soft != 0
    before = soft.copy()
    xyxy = np.array([[0, 0, 20, 20], [5, 5, 40, 30], [10.4, 2.6, 18.5, 29.5], [-5, -5, 8, 9]], float)
    a = sv.Detections(xyxy=xyxy, mask=soft)
    b = sv.Detections(xyxy=xyxy, mask=hard)
    for opts in ({"mask_opacity": 0.6}, {"mask_opacity": 1.0, "output": "bgra"}, {"mask_opacity": 1.0, "out_of_bounds": "pad", "margin": 3}):
        for x, y in zip(dc.dynamic_crop(image, a, **opts), dc.dynamic_crop(image, b, **opts)):
            np.testing.assert_array_equal(x.image, y.image)
    np.testing.assert_array_equal(dc.crop_resize_batch(image, a, 9, mask_opacity=0.5).images,
                                  dc.crop_resize_batch(image, b, 9, mask_opacity=0.5).images)
    corners = np.array([[[2, 3], [25, 8], [22, 25], [1, 20]]] * 4, float)
    a.data["xyxyxyxy"] = b.data["xyxyxyxy"] = corners
    for x, y in zip(dc.oriented_crop(image, a, mask_opacity=0.8), dc.oriented_crop(image, b, mask_opacity=0.8)):
        np.testing.assert_array_equal(x.image, y.image)
    crop = image[:20, :20]
    np.testing.assert_array_equal(dc.remove_background(crop, soft[0, :20, :20], 0.7, "white"),
                                  dc.remove_background(crop, hard[0, :20, :20], 0.7, "white"))
    np.testing.assert_array_equal(soft, before)  # never modified
    assert np.isnan(soft).any() == (np.dtype(dtype).kind == "f")


def test_float_mask_translated_prediction_keeps_its_dtype():
    image = np.zeros((10, 10, 3), np.uint8)
    mask = np.zeros((1, 10, 10), np.float32)
    mask[0, 2:5, 3:6] = 0.75
    (crop,) = dc.dynamic_crop(image, sv.Detections(xyxy=np.array([[1.0, 1.0, 8.0, 8.0]]), mask=mask), mask_opacity=1.0)
    assert crop.predictions.mask.dtype == np.float32
    np.testing.assert_array_equal(crop.predictions.mask[0], mask[0, 1:8, 1:8])


def test_remove_background_takes_a_compact_mask():
    rng = np.random.default_rng(1)
    crop = rng.integers(0, 256, (12, 15, 3), dtype=np.uint8)
    dense = np.zeros((12, 15), bool)
    dense[3:9, 4:11] = rng.uniform(size=(6, 7)) < 0.6
    compact = sv.CompactMask.from_dense(dense[None], np.array([[4.0, 3.0, 10.0, 8.0]]), image_shape=(12, 15))
    np.testing.assert_array_equal(dc.remove_background(crop, compact, 0.5, sv.Color.RED),
                                  dc.remove_background(crop, dense, 0.5, sv.Color.RED))
    with pytest.raises(ValueError, match=r"^mask: expected a CompactMask of one mask of the crop's size \(5, 15\), got 1 of \(12, 15\)"):
        dc.remove_background(crop[:5], compact, 0.5)


def test_non_numeric_masks_are_refused():
    image = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(TypeError, match="^detections.mask: expected dtype bool, integer or float, got complex128"):
        dc.dynamic_crop(image, sv.Detections(xyxy=np.array([[0.0, 0.0, 2.0, 2.0]]), mask=np.zeros((1, 4, 4), complex)),
                        mask_opacity=1.0)


def test_compact_masks_in_every_detection_path():
    """dynamic_crop, crop_resize_batch and oriented_crop give with a CompactMask what they give with
    the same dense masks."""
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    xyxy = np.array([[2.0, 3.0, 30.0, 25.0], [10.0, 5.0, 48.0, 39.0], [-4.0, 20.0, 12.0, 44.0]])
    dense = rng.uniform(size=(3, 40, 50)) < 0.5
    compact = sv.CompactMask.from_dense(dense, xyxy.clip(0, [49, 39, 49, 39]), image_shape=(40, 50))
    dense = compact.to_dense()  # from_dense keeps each mask inside its box only
    corners = np.array([[[5, 5], [25, 8], [22, 24], [3, 20]]] * 3, float)
    a = sv.Detections(xyxy=xyxy, mask=compact, data={"xyxyxyxy": corners})
    b = sv.Detections(xyxy=xyxy, mask=dense, data={"xyxyxyxy": corners})
    for x, y in zip(dc.dynamic_crop(image, a, mask_opacity=0.5), dc.dynamic_crop(image, b, mask_opacity=0.5)):
        np.testing.assert_array_equal(x.image, y.image)
    np.testing.assert_array_equal(dc.crop_resize_batch(image, a, (10, 14), mask_opacity=0.9).images,
                                  dc.crop_resize_batch(image, b, (10, 14), mask_opacity=0.9).images)
    for x, y in zip(dc.oriented_crop(image, a, mask_opacity=0.7), dc.oriented_crop(image, b, mask_opacity=0.7)):
        np.testing.assert_array_equal(x.image, y.image)


def _mask_layouts(masks):
    """The same (N, H, W) masks as C-contiguous, reversed-plane, Fortran-ordered and strided
    views (only some of which can be seen as one (N * H, W) image without a copy)."""
    n = len(masks)
    wide = np.zeros((n, masks.shape[1], 2 * masks.shape[2]), masks.dtype)
    wide[:, :, ::2] = masks
    return [masks, masks[::-1][::-1], np.asfortranarray(masks), wide[:, :, ::2], masks.copy()[::-1][::-1]]


@pytest.mark.parametrize("dtype", [bool, np.uint8, np.int8, np.float32])
def test_prediction_masks_are_own_copies_of_the_box_regions(dtype):
    # All regions are copied by one native call where the masks can be seen as one image, else
    # one numpy copy each; either way each prediction owns its mask and the caller's is untouched.
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    base = (rng.integers(0, 3, (6, 60, 80)) * (rng.uniform(size=(6, 60, 80)) < 0.6)).astype(dtype)
    xyxy = np.array([[0, 0, 30, 20], [5.4, 7.6, 79, 59], [70, 50, 90, 70], [10, 10, 10, 30],
                     [-10, -5, 12, 8], [1, 1, 2, 2]], float)
    for masks in _mask_layouts(base):
        before = masks.copy()
        det = sv.Detections(xyxy=xyxy, mask=masks, class_id=np.arange(6))
        for opts in ({"mask_opacity": 0.0}, {"mask_opacity": 1.0}, {"out_of_bounds": "pad", "margin": 4}):
            crops = dc.dynamic_crop(image, det, threads=1, **opts)
            for i, crop in enumerate(crops):
                if crop is None:
                    assert i == 3  # zero width
                    continue
                (x0, y0), (h, w) = crop.offset, crop.image.shape[:2]
                x1, y1 = x0 + w, y0 + h
                got = crop.predictions.mask
                assert got.dtype == masks.dtype and got.shape == (1, y1 - y0, x1 - x0) and got.flags.c_contiguous
                want = np.zeros((y1 - y0, x1 - x0), masks.dtype)
                cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, 80), min(y1, 60)
                want[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0] = masks[i, cy0:cy1, cx0:cx1]
                np.testing.assert_array_equal(got[0], want)
                got[...] = 1  # the caller's masks and the other predictions are not affected
            np.testing.assert_array_equal(masks, before)
