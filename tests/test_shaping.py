"""Opt-in crop options: margins, square crops, minimum size and alpha output (issue 8)."""

import numpy as np
import pytest

import dynacrop_native as dc

sv = pytest.importorskip("supervision")


from helpers import box_detections  # noqa: E402
from reference import padded_reference  # noqa: E402

IMAGE = np.arange(60 * 80 * 3, dtype=np.uint32).reshape(60, 80, 3).astype(np.uint8)


def test_defaults_are_upstream():
    det = box_detections([[10.0, 10.0, 20.0, 20.0]])
    (plain,) = dc.dynamic_crop(IMAGE, det)
    (same,) = dc.dynamic_crop(IMAGE, det, margin=0, margin_ratio=0.0, square=False, min_size=0, output="image")
    np.testing.assert_array_equal(plain.image, same.image)
    assert plain.offset == same.offset == (10, 10)


def test_margin_pixels_and_ratio_translate_predictions():
    det = box_detections([[10.0, 10.0, 20.0, 30.0]])
    (c,) = dc.dynamic_crop(IMAGE, det, margin=5)
    assert c.offset == (5, 5) and c.image.shape[:2] == (30, 20)
    np.testing.assert_array_equal(c.image, IMAGE[5:35, 5:25])
    np.testing.assert_array_equal(c.predictions.xyxy, [[5.0, 5.0, 15.0, 25.0]])
    np.testing.assert_array_equal(c.predictions.data["keypoints_xy"], [[[6.0, 6.0]]])
    (r,) = dc.dynamic_crop(IMAGE, det, margin_ratio=0.5)  # 5 px of width, 10 px of height per side
    assert r.offset == (5, 0) and r.image.shape[:2] == (40, 20)


def test_square_grows_the_short_side_around_the_centre():
    (c,) = dc.dynamic_crop(IMAGE, box_detections([[10.0, 20.0, 30.0, 30.0]]), square=True)
    assert c.offset == (10, 15) and c.image.shape[:2] == (20, 20)
    (m,) = dc.dynamic_crop(IMAGE, box_detections([[10.0, 20.0, 30.0, 30.0]]), square=True, margin=2)
    assert m.image.shape[:2] == (24, 24)


def test_shaped_boxes_are_clamped_at_every_edge():
    det = box_detections([[0.0, 0.0, 10.0, 10.0], [70.0, 50.0, 80.0, 60.0]])
    a, b = dc.dynamic_crop(IMAGE, det, margin=6)
    assert a.offset == (0, 0) and a.image.shape[:2] == (16, 16)
    assert b.offset == (64, 44) and b.image.shape[:2] == (16, 16)


def test_min_size_skips_small_detections():
    det = box_detections([[10.0, 10.0, 14.0, 40.0], [10.0, 10.0, 30.0, 40.0]])
    small, big = dc.dynamic_crop(IMAGE, det, min_size=8, margin=10)
    assert small is None and big is not None


@pytest.mark.parametrize("shape", [(60, 80), (60, 80, 3), (60, 80, 4)])
def test_bgra_output_alpha_follows_the_mask(rng, shape):
    image = rng.integers(0, 256, shape, dtype=np.uint8)
    masks = np.zeros((1, 60, 80), bool)
    masks[0, 15:25, 12:30] = True
    det = box_detections([[10.0, 10.0, 40.0, 30.0]], masks)
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
    (opaque,) = dc.dynamic_crop(image, box_detections([[10.0, 10.0, 40.0, 30.0]]), output="bgra")
    if image.ndim == 2 or image.shape[2] == 3:
        assert (opaque.image[..., 3] == 255).all()


def test_options_on_nested_crops():
    (outer,) = dc.dynamic_crop(IMAGE, box_detections([[10.0, 10.0, 70.0, 50.0]]), margin=2)
    (inner,) = dc.dynamic_crop(outer, box_detections([[10.0, 10.0, 20.0, 20.0]]), square=True, margin=3)
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
        dc.dynamic_crop(IMAGE, box_detections([[1.0, 1.0, 5.0, 5.0]]), **kwargs)


def test_bgra_needs_uint8():
    with pytest.raises(TypeError, match="output: 'bgra' needs a uint8 image"):
        dc.dynamic_crop(IMAGE.astype(np.float32), box_detections([[1.0, 1.0, 5.0, 5.0]]), output="bgra")


EDGE_BOXES = [[-6.0, 10.0, 8.0, 20.0], [10.0, -5.0, 20.0, 6.0], [70.0, 10.0, 90.0, 20.0], [10.0, 52.0, 20.0, 70.0],
              [-5.0, -5.0, 5.0, 5.0], [75.0, 55.0, 85.0, 65.0], [-10.0, -10.0, 90.0, 70.0]]


PAD_CASES = [(shape, np.uint8, a) for shape in [(60, 80, 3), (60, 80), (60, 80, 4)] for a in (0.0, 0.5, 1.0)]


@pytest.mark.parametrize("shape, dtype, opacity", [*PAD_CASES, ((60, 80, 3), np.uint16, 0.0)])  # blending is uint8 only
def test_pad_mode_at_every_edge(rng, isa, shape, dtype, opacity):
    image = rng.integers(0, 256, shape).astype(dtype)
    masks = rng.random((len(EDGE_BOXES), 60, 80)) < 0.5
    det = box_detections(EDGE_BOXES, masks)
    crops = dc.dynamic_crop(image, det, out_of_bounds="pad", mask_opacity=opacity, background_color="#204060")
    for i, (box, crop) in enumerate(zip(EDGE_BOXES, crops)):
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        assert crop.offset == (x0, y0) and crop.image.shape[:2] == (y1 - y0, x1 - x0)
        np.testing.assert_array_equal(crop.image, padded_reference(image, (x0, y0, x1, y1), masks[i], opacity, "#204060"))
        np.testing.assert_array_equal(crop.predictions.xyxy, [[box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0]])
        want_mask = np.zeros((y1 - y0, x1 - x0), bool)
        cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, 80), min(y1, 60)
        want_mask[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0] = masks[i, cy0:cy1, cx0:cx1]
        np.testing.assert_array_equal(crop.predictions.mask[0], want_mask)


def test_pad_mode_blending_other_dtypes_is_refused(rng):
    image = rng.integers(0, 256, (60, 80, 3)).astype(np.uint16)
    det = box_detections(EDGE_BOXES, rng.random((len(EDGE_BOXES), 60, 80)) < 0.5)
    with pytest.raises(ValueError, match="image: expected dtype uint8"):
        dc.dynamic_crop(image, det, out_of_bounds="pad", mask_opacity=0.5)


def test_pad_mode_with_rle_margins_and_nesting(rng):
    from dynacrop_native import rle

    image = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    mask = rng.random((60, 80)) < 0.5
    det = sv.Detections(xyxy=np.array([[2.0, 2.0, 12.0, 12.0]]),
                        data={"detection_id": np.array(["a"]), "rle_mask": [rle.encode_like(mask, {"counts": ""})]})
    (c,) = dc.dynamic_crop(image, det, out_of_bounds="pad", margin=5, mask_opacity=1.0)
    assert c.offset == (-3, -3) and c.image.shape[:2] == (20, 20)
    np.testing.assert_array_equal(c.image, padded_reference(image, (-3, -3, 17, 17), mask, 1.0, (0, 0, 0)))
    local = rle.decode(c.predictions.data["rle_mask"][0])
    assert local.shape == (20, 20) and not local[:3].any() and not local[:, :3].any()
    (inner,) = dc.dynamic_crop(c, box_detections([[-2.0, -2.0, 4.0, 4.0]]), out_of_bounds="pad")
    assert inner.offset == (-2, -2) and inner.root_offset == (-5, -5)


def test_pad_mode_json_and_outside_boxes():
    payload = {"image": {"width": 80, "height": 60}, "predictions": [
        {"x": 0.0, "y": 0.0, "width": 10.0, "height": 10.0, "detection_id": "p", "points": [{"x": 1.0, "y": 1.0}]},
        {"x": 200.0, "y": 200.0, "width": 4.0, "height": 4.0, "detection_id": "q"}]}
    inside, outside = dc.dynamic_crop(IMAGE, payload, out_of_bounds="pad")
    assert outside is None  # no pixel inside the image
    assert inside.offset == (-5, -5) and inside.image.shape[:2] == (10, 10)
    p = inside.predictions["predictions"][0]
    assert (p["x"], p["y"], p["points"][0]["x"]) == (5.0, 5.0, 6.0)
    assert inside.predictions["image"] == {"width": 10, "height": 10}


def test_pad_mode_bad_arguments():
    with pytest.raises(ValueError, match="out_of_bounds: expected 'clamp' or 'pad'"):
        dc.dynamic_crop(IMAGE, box_detections([[1.0, 1.0, 5.0, 5.0]]), out_of_bounds="wrap")


@pytest.mark.parametrize("shape", [(60, 80), (60, 80, 3), (60, 80, 4)])
@pytest.mark.parametrize("opacity", [0.0, 0.5, 1.0])
def test_bgra_with_pad_has_transparent_padding(rng, shape, opacity):
    image = rng.integers(0, 256, shape, dtype=np.uint8)
    masks = rng.random((len(EDGE_BOXES), 60, 80)) < 0.5
    crops = dc.dynamic_crop(image, box_detections(EDGE_BOXES, masks), out_of_bounds="pad", output="bgra",
                            mask_opacity=opacity, background_color="#204060")
    for i, (box, crop) in enumerate(zip(EDGE_BOXES, crops)):
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, 80), min(y1, 60)
        assert crop.offset == (x0, y0) and crop.image.shape == (y1 - y0, x1 - x0, 4)
        inside = np.zeros(crop.image.shape[:2], bool)
        inside[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0] = True
        # colours: the image's, untouched, and the background colour over the padding
        colours = padded_reference(image, (x0, y0, x1, y1), None, 0.0, "#204060")
        bgr = np.repeat(colours[..., None], 3, axis=2) if image.ndim == 2 else colours[..., :3]
        np.testing.assert_array_equal(crop.image[..., :3], bgr)
        # alpha: 0 over the padding, the mask's alpha (and the image's own, if lower) inside
        source = image[cy0:cy1, cx0:cx1]
        want = np.where(masks[i, cy0:cy1, cx0:cx1] | (opacity == 0), 255, round(255 * (1 - opacity)))
        if image.ndim == 3 and image.shape[2] == 4:
            want = np.minimum(want, source[..., 3])
        assert (crop.image[..., 3][~inside] == 0).all()
        np.testing.assert_array_equal(crop.image[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0, 3], want)
