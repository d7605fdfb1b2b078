"""Detections without ids (what sv.Detections.from_ultralytics / from_inference give) get their
index as the id in our own API; the Inference drop-in keeps upstream's error (tests/integration)."""

from types import SimpleNamespace

import numpy as np
import pytest
import supervision as sv

import dynacrop_native as dc
from dynacrop_native.integrations.inference import crop_image


def ultralytics_result(rng, h, w, n):
    """An object shaped like ultralytics' Results for a detection model (numpy instead of torch)."""
    xy = rng.uniform(0, [w - 10, h - 10], (n, 2))
    xyxy = np.concatenate([xy, xy + rng.uniform(2, 10, (n, 2))], axis=1).astype(np.float32)
    boxes = SimpleNamespace(xyxy=xyxy, conf=rng.uniform(0, 1, n).astype(np.float32),
                            cls=rng.integers(0, 2, n).astype(np.float32), id=None)
    return SimpleNamespace(boxes=boxes, masks=None, names={0: "car", 1: "person"}, orig_shape=(h, w))


def roboflow_json(rng, h, w, n, **extra):
    preds = []
    for i in range(n):
        bw, bh = rng.uniform(2, 12, 2)
        preds.append({"x": float(rng.uniform(bw, w - bw)), "y": float(rng.uniform(bh, h - bh)), "width": float(bw),
                      "height": float(bh), "confidence": 0.5, "class": "car", "class_id": 0, **extra})
    return {"image": {"width": w, "height": h}, "predictions": preds}


def test_from_ultralytics_gets_index_ids():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    det = sv.Detections.from_ultralytics(ultralytics_result(rng, 40, 50, 5))
    assert "detection_id" not in det.data
    crops = dc.dynamic_crop(image, det)
    assert [c.parent_id for c in crops] == ["0", "1", "2", "3", "4"]
    assert [c.root_parent_id for c in crops] == ["0", "1", "2", "3", "4"]
    for i, c in enumerate(crops):
        x0, y0 = c.offset
        np.testing.assert_array_equal(c.image, image[y0 : y0 + c.image.shape[0], x0 : x0 + c.image.shape[1]])
        assert c.predictions.data["class_name"][0] == det.data["class_name"][i]
        assert "detection_id" not in c.predictions.data  # the prediction stays as it came
    assert [c.parent_id for c in dc.dynamic_crop(image, det)] == [c.parent_id for c in crops]


def test_from_inference_gets_index_ids_and_nested_ids_are_prefixed():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (60, 70, 3), dtype=np.uint8)
    payload = roboflow_json(rng, 60, 70, 3)
    det = sv.Detections.from_inference(payload)
    outer = dc.dynamic_crop(image, det)
    assert [c.parent_id for c in outer] == ["0", "1", "2"]
    inner = dc.dynamic_crop(outer[1], sv.Detections(xyxy=np.array([[0.0, 0.0, 2.0, 2.0], [1.0, 1.0, 3.0, 3.0]])))
    assert [c.parent_id for c in inner] == ["1/0", "1/1"] and inner[0].root_parent_id == "1"
    # The JSON payload itself, without ids, gives the same ids and crops.
    same = dc.dynamic_crop(image, payload)
    assert [c.parent_id for c in same] == ["0", "1", "2"]
    for a, b in zip(same, outer):
        assert a.offset == b.offset
        np.testing.assert_array_equal(a.image, b.image)


def test_given_ids_are_kept_and_a_partial_set_is_refused():
    rng = np.random.default_rng(2)
    image = np.zeros((30, 30, 3), np.uint8)
    payload = roboflow_json(rng, 30, 30, 2, detection_id="given")
    assert [c.parent_id for c in dc.dynamic_crop(image, payload)] == ["given", "given"]
    del payload["predictions"][1]["detection_id"]
    with pytest.raises(ValueError, match="^detections: prediction 1 lacks the 'detection_id' key"):
        dc.dynamic_crop(image, payload)


def test_batch_and_oriented_generate_ids_too():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    det = sv.Detections.from_ultralytics(ultralytics_result(rng, 40, 50, 3))
    (frame,) = dc.dynamic_crop_batch([image], [det])
    assert [c.parent_id for c in frame] == ["0", "1", "2"]
    batch = dc.crop_resize_batch(image, det, 8, mask_opacity=0.5)
    assert batch.images.shape == (3, 8, 8, 3) and batch.valid.all()
    corners = np.array([[[5, 5], [20, 8], [18, 20], [3, 17]]], dtype=np.float64)
    obb = sv.Detections(xyxy=np.array([[3.0, 5.0, 20.0, 20.0]]), data={"xyxyxyxy": corners})
    (crop,) = dc.oriented_crop(image, obb)
    assert crop.parent_id == "0" == crop.root_parent_id
    (nested,) = dc.oriented_crop(crop, np.array([[[1, 1], [6, 1], [6, 6], [1, 6]]], dtype=np.float64))
    assert nested.parent_id == "0/0" and nested.root_parent_id == "0"


def test_the_drop_in_still_requires_ids():
    """Upstream's error, word for word (tests/integration compares it with upstream itself); the
    drop-in fails before it needs upstream's classes, so a stand-in image object will do."""
    image = SimpleNamespace(numpy_image=np.zeros((10, 10, 3), np.uint8))
    det = sv.Detections(xyxy=np.array([[0.0, 0.0, 5.0, 5.0]]))
    with pytest.raises(ValueError, match="^detections: sv.Detections object passed to crop step do not fulfill "
                                         "contract - lack of detection_id key in data dictionary.$"):
        crop_image(image, det, 0.5, "#000")
