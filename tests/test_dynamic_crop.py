import copy

import numpy as np
import pytest

import dynacrop_native as dc

sv = pytest.importorskip("supervision")
pytest.importorskip("cv2")
from dynacrop_native.bench import upstream_v1 as upstream  # noqa: E402  (the re-creation, the oracle)

from helpers import assert_detections_equal, random_detections  # noqa: E402
from reference import numpy_reference  # noqa: E402


@pytest.mark.parametrize("opacity", [0.0, 0.5, 1.0, 0.37])
def test_matches_upstream_on_in_bounds_inputs(rng, isa, opacity):
    for _ in range(4):
        h, w = int(rng.integers(20, 90)), int(rng.integers(20, 90))
        image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        det = random_detections(rng, h, w, int(rng.integers(1, 8)))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        want = upstream.crop_image(image, det, opacity, colour)
        got = dc.dynamic_crop(image, det, mask_opacity=opacity, background_color=colour)
        assert len(got) == len(want)
        for i, (g, e) in enumerate(zip(got, want)):
            if e["crops"] is None:
                assert g is None
                continue
            crop, offset = e["crops"]
            np.testing.assert_array_equal(g.image, crop)
            assert g.offset == offset
            assert g.origin_size == (w, h)
            assert g.parent_id == det.data["detection_id"][i]
            assert_detections_equal(g.predictions, e["predictions"])


def test_views_without_blending_copies_when_asked(rng):
    image = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    det = random_detections(rng, 40, 50, 4, masks=False)
    for crop in dc.dynamic_crop(image, det):
        if crop is not None:
            assert np.shares_memory(crop.image, image)
    for crop in dc.dynamic_crop(image, det, copy=True):
        if crop is not None:
            assert not np.shares_memory(crop.image, image) and crop.image.flags.c_contiguous
    masked = random_detections(rng, 40, 50, 4)
    for crop in dc.dynamic_crop(image, masked, mask_opacity=0.0):  # opacity 0: no blend
        if crop is not None:
            assert np.shares_memory(crop.image, image)


def test_translated_mask_is_a_small_copy_not_a_frame_view(rng):
    image = rng.integers(0, 256, (60, 70, 3), dtype=np.uint8)
    det = random_detections(rng, 60, 70, 3)
    for crop in dc.dynamic_crop(image, det):
        if crop is not None:
            m = crop.predictions.mask
            assert m.shape == (1, *crop.image.shape[:2])
            assert not np.shares_memory(m, det.mask)


def test_nested_crops_accumulate_root_offset(rng):
    image = rng.integers(0, 256, (100, 100, 3), dtype=np.uint8)
    det = sv.Detections(xyxy=np.array([[10.0, 20.0, 90.0, 80.0]]), data={"detection_id": np.array(["outer"])})
    (outer,) = dc.dynamic_crop(image, det)
    inner_det = sv.Detections(xyxy=np.array([[5.0, 6.0, 30.0, 40.0]]), data={"detection_id": np.array(["inner"])})
    (inner,) = dc.dynamic_crop(outer, inner_det)
    assert inner.parent_id == "inner"
    assert inner.offset == (5, 6)
    assert inner.origin_size == (80, 60)
    assert inner.root_parent_id == "outer"
    assert inner.root_offset == (15, 26)
    np.testing.assert_array_equal(inner.image, image[26:60, 15:40])
    (deeper,) = dc.dynamic_crop(inner, sv.Detections(xyxy=np.array([[1.0, 1.0, 3.0, 3.0]]), data={"detection_id": np.array(["d"])}))
    assert deeper.root_parent_id == "outer" and deeper.root_offset == (16, 27)


@pytest.mark.parametrize("shape", [(30, 40), (30, 40, 1), (30, 40, 3), (30, 40, 4)])
def test_channel_counts_with_masks(rng, isa, shape):
    image = rng.integers(0, 256, shape, dtype=np.uint8)
    det = random_detections(rng, 30, 40, 5)
    crops = dc.dynamic_crop(image, det, mask_opacity=0.6, background_color="#102030")
    c = 1 if len(shape) == 2 else shape[2]
    bg = dc.color.background_for_channels(dc.parse_color("#102030"), c)
    for i, crop in enumerate(crops):
        if crop is None:
            continue
        x0, y0 = crop.offset
        h, w = crop.image.shape[:2]
        m = det.mask[i, y0 : y0 + h, x0 : x0 + w]
        want = numpy_reference(image[y0 : y0 + h, x0 : x0 + w], m, 0.6, bg)  # bg: one value per channel
        np.testing.assert_array_equal(crop.image, want.reshape(crop.image.shape))


def test_out_of_bounds_boxes_are_clamped(rng):
    image = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    det = sv.Detections(
        xyxy=np.array([[-10.0, -5.0, 10.0, 10.0], [35.0, 25.0, 60.0, 50.0], [50.0, 50.0, 60.0, 60.0]]),
        mask=np.ones((3, 30, 40), bool),
        data={"detection_id": np.array(["a", "b", "c"])},
    )
    a, b, c = dc.dynamic_crop(image, det, mask_opacity=0.5)
    assert a.offset == (0, 0) and a.image.shape == (10, 10, 3)
    np.testing.assert_array_equal(a.predictions.xyxy, [[-10.0, -5.0, 10.0, 10.0]])
    assert b.offset == (35, 25) and b.image.shape == (5, 5, 3)
    assert c is None


def test_callers_arrays_are_untouched(rng):
    image = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    det = random_detections(rng, 30, 40, 4)
    before_image, before_det = image.copy(), copy.deepcopy(det)
    crops = dc.dynamic_crop(image, det, mask_opacity=1.0, background_color="#ffffff")
    for crop in crops:
        if crop is not None:
            crop.predictions.xyxy += 1
            crop.predictions.data["keypoints_xy"] += 1
            crop.predictions.confidence[:] = 0
    np.testing.assert_array_equal(image, before_image)
    assert_detections_equal(det, before_det)


def test_empty_detections_and_missing_id():
    image = np.zeros((10, 10, 3), np.uint8)
    assert dc.dynamic_crop(image, sv.Detections.empty()) == []
    det = sv.Detections(xyxy=np.array([[0.0, 0.0, 5.0, 5.0]]))
    assert dc.dynamic_crop(image, det)[0].parent_id == "0"  # no ids: the index (tests/test_detection_ids.py)
    det = sv.Detections(xyxy=np.array([[0.0, 0.0, 5.0, 5.0]]), data={"my_id": np.array(["x"])})
    assert dc.dynamic_crop(image, det, detection_id_key="my_id")[0].parent_id == "x"


def test_roboflow_json_round_trip():
    image = np.arange(50 * 60 * 3, dtype=np.uint8).reshape(50, 60, 3)
    payload = {
        "image": {"width": 60, "height": 50},
        "inference_id": "abc",
        "predictions": [
            {
                "x": 20.0, "y": 15.0, "width": 10.0, "height": 8.0, "class": "cat", "class_id": 1,
                "confidence": 0.9, "detection_id": "p1",
                "points": [{"x": 16.0, "y": 12.0}, {"x": 24.0, "y": 18.0}],
                "keypoints": [{"x": 20.0, "y": 15.0, "confidence": 0.5, "class": "nose", "class_id": 0}],
            },
            {"x": 100.0, "y": 100.0, "width": 4.0, "height": 4.0, "class": "dog", "class_id": 2,
             "confidence": 0.1, "detection_id": "p2"},
        ],
    }
    before = copy.deepcopy(payload)
    first, second = dc.dynamic_crop(image, payload)
    assert second is None
    assert first.offset == (15, 11) and first.image.shape == (8, 10, 3)
    np.testing.assert_array_equal(first.image, image[11:19, 15:25])
    out = first.predictions
    assert out["image"] == {"width": 10, "height": 8}
    assert out["inference_id"] == "abc"
    (p,) = out["predictions"]
    assert (p["x"], p["y"], p["width"], p["height"]) == (5.0, 4.0, 10.0, 8.0)
    assert p["points"] == [{"x": 1.0, "y": 1.0}, {"x": 9.0, "y": 7.0}]
    assert p["keypoints"][0]["x"] == 5.0 and p["keypoints"][0]["class"] == "nose"
    assert payload == before
    with pytest.raises(ValueError, match="prediction 1 lacks the 'detection_id' key"):
        dc.dynamic_crop(image, {"predictions": [payload["predictions"][0], {"x": 1, "y": 1, "width": 2, "height": 2}]})


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"mask_opacity": 2.0}, ValueError, "mask_opacity"),
        ({"mask_opacity": float("nan")}, ValueError, "mask_opacity"),
        ({"background_color": "blueish"}, ValueError, "background_color"),
        ({"detection_id_key": 3}, TypeError, "detection_id_key"),
    ],
)
def test_bad_arguments(rng, kwargs, exc, match):
    image = np.zeros((10, 10, 3), np.uint8)
    det = sv.Detections(xyxy=np.array([[0.0, 0.0, 5.0, 5.0]]), data={"detection_id": np.array(["a"])})
    with pytest.raises(exc, match=match):
        dc.dynamic_crop(image, det, **kwargs)


def test_bad_detections():
    image = np.zeros((10, 10, 3), np.uint8)
    with pytest.raises(TypeError, match="detections: expected supervision.Detections"):
        dc.dynamic_crop(image, {0, 5})
    det = sv.Detections(xyxy=np.array([[0.0, 0.0, 5.0, 5.0]]), mask=np.zeros((1, 9, 10), bool),
                        data={"detection_id": np.array(["a"])})
    with pytest.raises(ValueError, match=r"detections.mask: expected shape \(1, 10, 10\)"):
        dc.dynamic_crop(image, det, mask_opacity=0.5)
    payload = {"predictions": [{"x": float("nan"), "y": 1, "width": 2, "height": 2, "detection_id": "a"}]}
    with pytest.raises(ValueError, match="detections.xyxy: boxes must be finite"):
        dc.dynamic_crop(image, payload)
    with pytest.raises(TypeError, match="image: expected dtype uint8"):
        dc.dynamic_crop(np.zeros((10, 10, 3), np.float32),
                        sv.Detections(xyxy=np.array([[0.0, 0.0, 5.0, 5.0]]), mask=np.ones((1, 10, 10), bool),
                                      data={"detection_id": np.array(["a"])}), mask_opacity=0.5)
