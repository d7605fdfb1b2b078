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
