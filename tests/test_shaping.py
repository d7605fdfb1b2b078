"""Opt-in crop options: margins, square crops, minimum size and alpha output (issue 8)."""

import numpy as np
import pytest

import dynacrop_native as dc

sv = pytest.importorskip("supervision")


def detections(xyxy, masks=None):
    xyxy = np.asarray(xyxy, dtype=np.float64)
    return sv.Detections(xyxy=xyxy, mask=masks, data={"detection_id": np.array([str(i) for i in range(len(xyxy))]),
                                                      "keypoints_xy": xyxy[:, None, :2] + 1.0})


IMAGE = np.arange(60 * 80 * 3, dtype=np.uint32).reshape(60, 80, 3).astype(np.uint8)


def test_defaults_are_upstream():
    det = detections([[10.0, 10.0, 20.0, 20.0]])
    (plain,) = dc.dynamic_crop(IMAGE, det)
    (same,) = dc.dynamic_crop(IMAGE, det, margin=0, margin_ratio=0.0, square=False, min_size=0, output="image")
    np.testing.assert_array_equal(plain.image, same.image)
    assert plain.offset == same.offset == (10, 10)


def test_margin_pixels_and_ratio_translate_predictions():
    det = detections([[10.0, 10.0, 20.0, 30.0]])
    (c,) = dc.dynamic_crop(IMAGE, det, margin=5)
    assert c.offset == (5, 5) and c.image.shape[:2] == (30, 20)
    np.testing.assert_array_equal(c.image, IMAGE[5:35, 5:25])
    np.testing.assert_array_equal(c.predictions.xyxy, [[5.0, 5.0, 15.0, 25.0]])
    np.testing.assert_array_equal(c.predictions.data["keypoints_xy"], [[[6.0, 6.0]]])
    (r,) = dc.dynamic_crop(IMAGE, det, margin_ratio=0.5)  # 5 px of width, 10 px of height per side
    assert r.offset == (5, 0) and r.image.shape[:2] == (40, 20)


def test_square_grows_the_short_side_around_the_centre():
    (c,) = dc.dynamic_crop(IMAGE, detections([[10.0, 20.0, 30.0, 30.0]]), square=True)
    assert c.offset == (10, 15) and c.image.shape[:2] == (20, 20)
    (m,) = dc.dynamic_crop(IMAGE, detections([[10.0, 20.0, 30.0, 30.0]]), square=True, margin=2)
    assert m.image.shape[:2] == (24, 24)


def test_shaped_boxes_are_clamped_at_every_edge():
    det = detections([[0.0, 0.0, 10.0, 10.0], [70.0, 50.0, 80.0, 60.0]])
    a, b = dc.dynamic_crop(IMAGE, det, margin=6)
    assert a.offset == (0, 0) and a.image.shape[:2] == (16, 16)
    assert b.offset == (64, 44) and b.image.shape[:2] == (16, 16)


def test_min_size_skips_small_detections():
    det = detections([[10.0, 10.0, 14.0, 40.0], [10.0, 10.0, 30.0, 40.0]])
    small, big = dc.dynamic_crop(IMAGE, det, min_size=8, margin=10)
    assert small is None and big is not None


@pytest.mark.parametrize("shape", [(60, 80), (60, 80, 3), (60, 80, 4)])
def test_bgra_output_alpha_follows_the_mask(rng, shape):
    image = rng.integers(0, 256, shape, dtype=np.uint8)
    masks = np.zeros((1, 60, 80), bool)
    masks[0, 15:25, 12:30] = True
    det = detections([[10.0, 10.0, 40.0, 30.0]], masks)
    (c,) = dc.dynamic_crop(image, det, mask_opacity=0.5, output="bgra", margin=2)
    x0, y0 = c.offset
    h, w = c.image.shape[:2]
    assert c.image.shape == (h, w, 4) and (x0, y0) == (8, 8)
    source = image[y0 : y0 + h, x0 : x0 + w]
    bgr = np.repeat(source[..., None], 3, axis=2) if image.ndim == 2 else source[..., :3]
    np.testing.assert_array_equal(c.image[..., :3], bgr)  # colours untouched
    inside = masks[0, y0 : y0 + h, x0 : x0 + w]
    want_alpha = np.where(inside, 255, 128).astype(np.uint8)  # round(255 * 0.5) = 128
    if image.ndim == 3 and image.shape[2] == 4:
        want_alpha = np.minimum(want_alpha, source[..., 3])
    np.testing.assert_array_equal(c.image[..., 3], want_alpha)
    (opaque,) = dc.dynamic_crop(image, detections([[10.0, 10.0, 40.0, 30.0]]), output="bgra")
    if image.ndim == 2 or image.shape[2] == 3:
        assert (opaque.image[..., 3] == 255).all()


def test_options_on_nested_crops():
    (outer,) = dc.dynamic_crop(IMAGE, detections([[10.0, 10.0, 70.0, 50.0]]), margin=2)
    (inner,) = dc.dynamic_crop(outer, detections([[10.0, 10.0, 20.0, 20.0]]), square=True, margin=3)
    assert inner.root_offset == (8 + 7, 8 + 7)
    np.testing.assert_array_equal(inner.image, IMAGE[15:31, 15:31])


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"margin": -1}, ValueError, "margin: expected a finite number >= 0"),
        ({"margin": "2"}, TypeError, "margin: expected a number"),
        ({"margin_ratio": float("nan")}, ValueError, "margin_ratio"),
        ({"square": "yes"}, TypeError, "square: expected True or False"),
        ({"min_size": -3}, ValueError, "min_size"),
        ({"output": "rgba"}, ValueError, "output: expected 'image' or 'bgra'"),
    ],
)
def test_bad_option_values(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        dc.dynamic_crop(IMAGE, detections([[1.0, 1.0, 5.0, 5.0]]), **kwargs)


def test_bgra_needs_uint8():
    with pytest.raises(TypeError, match="output: 'bgra' needs a uint8 image"):
        dc.dynamic_crop(IMAGE.astype(np.float32), detections([[1.0, 1.0, 5.0, 5.0]]), output="bgra")
