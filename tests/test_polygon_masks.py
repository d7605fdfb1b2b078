"""Roboflow JSON polygons (`points`) are instance masks: rasterised as sv.Detections.from_inference
does, over the box only, and used wherever masks are."""

import sys

import numpy as np
import pytest
import supervision as sv
from supervision.detection.utils.converters import polygon_to_mask

import dynacrop_native as dc
from dynacrop_native.polygons import polygon_region


def random_points(rng, h, w, spread):
    k = int(rng.integers(3, 14))
    centre = rng.uniform([0, 0], [w, h])
    pts = centre + rng.normal(0, spread, (k, 2))
    return [{"x": float(x), "y": float(y)} for x, y in pts]


def test_polygon_region_equals_supervision_cropped():
    """Many random polygons (sub-pixel vertices, self-crossing, reaching past the image), many
    boxes (inside, crossing the polygon, empty, at the image's edges)."""
    rng = np.random.default_rng(0)
    checked = 0
    for t in range(3000):
        h, w = int(rng.integers(1, 70)), int(rng.integers(1, 70))
        points = random_points(rng, h, w, rng.uniform(0.5, 40))
        if t % 7 == 0:  # exact .5 vertices: rounded half to even, like np.round
            points = [{"x": round(p["x"]) + 0.5, "y": round(p["y"]) + 0.5} for p in points]
        vertices = np.round([[p["x"], p["y"]] for p in points]).astype(np.int32)
        full = polygon_to_mask(vertices, (w, h)).astype(bool)
        x0, x1 = sorted(rng.integers(0, w + 1, 2))
        y0, y1 = sorted(rng.integers(0, h + 1, 2))
        got = polygon_region(points, (x0, y0, x1, y1), h, w, "p")
        assert got.dtype == bool and got.shape == (y1 - y0, x1 - x0)
        np.testing.assert_array_equal(got, full[y0:y1, x0:x1], err_msg=f"case {t}")
        checked += got.any()
    assert checked > 1000  # most cases have pixels to compare


def polygon_payload(rng, h, w, n):
    """Predictions as Inference's instance segmentation returns them: integer-centred boxes
    (so the float box corners are exact either way they are computed), polygons in and
    around them, ids."""
    preds = []
    for i in range(n):
        bw, bh = 2 * rng.integers(2, 15, 2)
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        pts = [{"x": float(px), "y": float(py)} for px, py in rng.uniform([x - bw, y - bh], [x + bw, y + bh], (rng.integers(3, 9), 2))]
        preds.append({"x": float(x), "y": float(y), "width": float(bw), "height": float(bh), "confidence": 0.9,
                      "class": "thing", "class_id": 0, "detection_id": f"d{i}", "points": pts})
    return {"image": {"width": w, "height": h}, "predictions": preds}


@pytest.mark.parametrize("opacity", [1.0, 0.4])
def test_dynamic_crop_of_json_polygons_equals_from_inference(opacity):
    rng = np.random.default_rng(1)
    for _ in range(40):
        h, w = int(rng.integers(20, 90)), int(rng.integers(20, 90))
        image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        payload = polygon_payload(rng, h, w, int(rng.integers(1, 6)))
        det = sv.Detections.from_inference(payload)
        assert det.mask is not None
        mine = dc.dynamic_crop(image, payload, mask_opacity=opacity, background_color="#10e0a0")
        want = dc.dynamic_crop(image, det, mask_opacity=opacity, background_color="#10e0a0")
        for a, b in zip(mine, want, strict=True):
            assert (a is None) == (b is None)
            if a is not None:
                assert a.offset == b.offset
                np.testing.assert_array_equal(a.image, b.image)
        batch = dc.crop_resize_batch(image, payload, (16, 12), mask_opacity=opacity)
        np.testing.assert_array_equal(batch.images, dc.crop_resize_batch(image, det, (16, 12), mask_opacity=opacity).images)


def test_polygons_remove_background_and_alpha():
    image = np.full((20, 20, 3), 200, np.uint8)
    square = [{"x": 5.0, "y": 5.0}, {"x": 9.0, "y": 5.0}, {"x": 9.0, "y": 9.0}, {"x": 5.0, "y": 9.0}]
    payload = {"predictions": [{"x": 7.0, "y": 7.0, "width": 10.0, "height": 10.0, "points": square},
                               {"x": 7.0, "y": 7.0, "width": 10.0, "height": 10.0, "points": square[:2]}]}
    cut, too_few = dc.dynamic_crop(image, payload, mask_opacity=1.0)
    inside = np.zeros((10, 10), bool)
    inside[3:8, 3:8] = True  # vertices 5..9 inclusive, box from 2
    np.testing.assert_array_equal(cut.image[inside], 200)
    np.testing.assert_array_equal(cut.image[~inside], 0)
    np.testing.assert_array_equal(too_few.image, 200)  # under 3 points: no mask, as in supervision
    (bgra, _) = dc.dynamic_crop(image, payload, mask_opacity=1.0, output="bgra")
    np.testing.assert_array_equal(bgra.image[..., 3], np.where(inside, 255, 0))
    (kept, _) = dc.dynamic_crop(image, payload)  # mask_opacity=0: nothing rasterised or removed
    np.testing.assert_array_equal(kept.image, 200)
    assert cut.predictions["predictions"][0]["points"][0] == {"x": 3.0, "y": 3.0}


def test_oriented_crop_of_json_polygons_equals_the_dense_mask():
    rng = np.random.default_rng(2)
    h, w = 60, 70
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    points = random_points(rng, h, w, 12)
    corners = [[10.0, 12.0], [50.0, 20.0], [45.0, 45.0], [5.0, 37.0]]
    pred = {"x": 30.0, "y": 30.0, "width": 40.0, "height": 30.0, "rect": corners, "points": points}
    mask = polygon_to_mask(np.round([[p["x"], p["y"]] for p in points]).astype(np.int32), (w, h)).astype(bool)
    det = sv.Detections(xyxy=np.array([[5.0, 12.0, 50.0, 45.0]]), mask=mask[None], data={"rect": np.array([corners])})
    (a,) = dc.oriented_crop(image, {"predictions": [pred]}, mask_opacity=0.7)
    (b,) = dc.oriented_crop(image, det, mask_opacity=0.7)
    np.testing.assert_array_equal(a.image, b.image)


def test_without_opencv_polygons_need_it_only_when_masks_are_used(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 now raises ImportError
    image = np.zeros((20, 20, 3), np.uint8)
    square = [{"x": 5.0, "y": 5.0}, {"x": 9.0, "y": 5.0}, {"x": 9.0, "y": 9.0}]
    payload = {"predictions": [{"x": 7.0, "y": 7.0, "width": 10.0, "height": 10.0, "points": square}]}
    assert dc.dynamic_crop(image, payload)[0].image.shape == (10, 10, 3)
    with pytest.raises(ImportError, match=r"^detections\['predictions'\]\[0\]\['points'\]: .*pip install opencv-python-headless"):
        dc.dynamic_crop(image, payload, mask_opacity=0.5)


def test_non_finite_vertices_are_refused():
    image = np.zeros((20, 20, 3), np.uint8)
    pts = [{"x": 5.0, "y": 5.0}, {"x": float("nan"), "y": 5.0}, {"x": 9.0, "y": 9.0}]
    with pytest.raises(ValueError, match=r"^detections\['predictions'\]\[0\]\['points'\]: vertices must be finite"):
        dc.dynamic_crop(image, {"predictions": [{"x": 7.0, "y": 7.0, "width": 10.0, "height": 10.0, "points": pts}]},
                        mask_opacity=0.5)
