"""Detections as a plain (N, 4) box array or a list of Roboflow prediction dicts: the same crops
as the equivalent sv.Detections / JSON payload, predictions in the form they came in."""

import numpy as np
import pytest
import supervision as sv

import dynacrop_native as dc


def random_boxes(rng, h, w, n):
    xy = rng.uniform(-5, [w, h], (n, 2))
    return np.concatenate([xy, xy + rng.uniform(0.3, 30, (n, 2))], axis=1)


@pytest.mark.parametrize("form", [np.asarray, lambda a: a.tolist(), lambda a: tuple(map(tuple, a)),
                                  lambda a: a.astype(np.float32), lambda a: np.round(a).astype(np.int32)])
def test_box_arrays_crop_like_detections(form):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (50, 60, 3), dtype=np.uint8)
    xyxy = random_boxes(rng, 50, 60, 12)
    boxes = form(xyxy)
    det = sv.Detections(xyxy=np.asarray(boxes, dtype=np.float64))
    for opts in ({}, {"margin": 2, "square": True}, {"out_of_bounds": "pad", "margin_ratio": 0.2}):
        got = dc.dynamic_crop(image, boxes, **opts)
        want = dc.dynamic_crop(image, det, **opts)
        assert [c and c.parent_id for c in got] == [c and c.parent_id for c in want]
        for g, w in zip(got, want, strict=True):
            assert (g is None) == (w is None)
            if g is not None:
                assert g.offset == w.offset
                np.testing.assert_array_equal(g.image, w.image)
                assert isinstance(g.predictions, np.ndarray) and g.predictions.shape == (1, 4)
                np.testing.assert_array_equal(g.predictions, w.predictions.xyxy)
    np.testing.assert_array_equal(dc.crop_resize_batch(image, boxes, 8).images, dc.crop_resize_batch(image, det, 8).images)
    assert dc.dynamic_crop(image, []) == [] and dc.dynamic_crop(image, np.zeros((0, 4))) == []


def test_prediction_lists_crop_like_the_payload():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    preds = [{"x": 10.0, "y": 12.0, "width": 8.0, "height": 6.0, "class": "a", "detection_id": "p0",
              "points": [{"x": 7.0, "y": 9.0}, {"x": 13.0, "y": 9.0}, {"x": 10.0, "y": 15.0}]},
             {"x": 30.0, "y": 20.0, "width": 10.0, "height": 12.0, "class": "b", "detection_id": "p1"}]
    payload = {"image": {"width": 50, "height": 40}, "predictions": preds}
    got = dc.dynamic_crop(image, preds, mask_opacity=1.0)
    want = dc.dynamic_crop(image, payload, mask_opacity=1.0)
    for g, w in zip(got, want, strict=True):
        assert g.parent_id == w.parent_id and g.offset == w.offset
        np.testing.assert_array_equal(g.image, w.image)
        assert g.predictions == w.predictions["predictions"][0]  # the prediction dict itself
    assert (got[0].image == 0).any()  # the polygon removed the background
    np.testing.assert_array_equal(dc.crop_resize_batch(image, preds, 8, mask_opacity=1.0).images,
                                  dc.crop_resize_batch(image, payload, 8, mask_opacity=1.0).images)
    rect = {"x": 20.0, "y": 20.0, "width": 20.0, "height": 10.0, "rect": [[10, 15], [30, 15], [30, 25], [10, 25]]}
    (o,) = dc.oriented_crop(image, [rect])
    (p,) = dc.oriented_crop(image, {"predictions": [rect]})
    np.testing.assert_array_equal(o.image, p.image)
    assert o.predictions == p.predictions["predictions"][0] and o.parent_id == "0"


@pytest.mark.parametrize("value, exc, match", [
    ([1, 2, 3, 4], ValueError, r"^detections: expected shape \(N, 4\), got \(4,\)"),  # one box without its row
    (np.zeros((2, 4, 2)), ValueError, r"^detections: expected shape \(N, 4\), got \(2, 4, 2\)"),
    ([{"x": 1, "y": 1, "width": 2, "height": 2}, [0, 0, 1, 1]], TypeError, "^detections: expected an \\(N, 4\\) array"),
    ([[0, 0, 1, np.nan]], ValueError, "^detections: boxes must be finite"),
    ("0 0 1 1", TypeError, "^detections: expected supervision.Detections"),
])
def test_ambiguous_or_bad_forms_are_refused(value, exc, match):
    with pytest.raises(exc, match=match):
        dc.dynamic_crop(np.zeros((4, 4, 3), np.uint8), value)
