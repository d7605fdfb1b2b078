"""COCO RLE and supervision CompactMask inputs: decoded only over each box, giving the same
crops as dense masks; translated predictions carry crop-local masks in the form they came in."""

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native import rle

pm = pytest.importorskip("pycocotools.mask")
sv = pytest.importorskip("supervision")


def coco(mask, form):
    r = pm.encode(np.asfortranarray(mask.astype(np.uint8)))
    r["size"] = [int(v) for v in r["size"]]
    if form == "str":
        r["counts"] = r["counts"].decode("ascii")
    elif form == "list":
        r["counts"] = rle.runs(mask)
    return r


@pytest.mark.parametrize("form", ["bytes", "str", "list"])
def test_round_trips_with_pycocotools(rng, form):
    for _ in range(200):
        h, w = (int(v) for v in rng.integers(0, 48, 2))
        mask = rng.random((h, w)) < rng.random()
        r = coco(mask, form)
        np.testing.assert_array_equal(rle.decode(r), mask)
        if h and w:
            x0, x1 = sorted(rng.integers(0, w + 1, 2))
            y0, y1 = sorted(rng.integers(0, h + 1, 2))
            np.testing.assert_array_equal(rle.decode_box(r, (x0, y0, x1, y1)), mask[y0:y1, x0:x1])
        encoded = rle.encode_like(mask, r)
        assert type(encoded["counts"]) is type(r["counts"])
        np.testing.assert_array_equal(pm.decode({"size": [h, w], "counts": rle.counts_to_string(rle.runs(mask))}), mask)
        if form != "list":
            assert encoded["counts"] == r["counts"]  # byte-identical to pycocotools


def scene(rng, n=6, h=60, w=80):
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    x = np.sort(rng.uniform(-5, w + 5, (n, 2)), axis=1)
    y = np.sort(rng.uniform(-5, h + 5, (n, 2)), axis=1)
    xyxy = np.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], axis=1)
    masks = rng.random((n, h, w)) < 0.5
    return image, xyxy, masks


@pytest.mark.parametrize("form", ["bytes", "str", "list"])
@pytest.mark.parametrize("container", [list, "object-array"])
def test_rle_mask_data_gives_the_dense_crops(rng, form, container):
    image, xyxy, masks = scene(rng)
    ids = np.array([f"d{i}" for i in range(len(xyxy))])
    rles = [coco(m, form) for m in masks]
    if container == "object-array":
        arr = np.empty(len(rles), dtype=object)
        arr[:] = rles
        rles = arr
    dense = sv.Detections(xyxy=xyxy, mask=masks, data={"detection_id": ids})
    compact = sv.Detections(xyxy=xyxy, data={"detection_id": ids, "rle_mask": rles})
    want = dc.dynamic_crop(image, dense, mask_opacity=0.6, background_color="#abc")
    got = dc.dynamic_crop(image, compact, mask_opacity=0.6, background_color="#abc")
    for g, w in zip(got, want):
        assert (g is None) == (w is None)
        if g is None:
            continue
        np.testing.assert_array_equal(g.image, w.image)
        local = g.predictions.data["rle_mask"]
        assert isinstance(local, list if container is list else np.ndarray) and len(local) == 1
        assert local[0]["size"] == list(g.image.shape[:2])
        assert type(local[0]["counts"]) is type(rles[0]["counts"])
        np.testing.assert_array_equal(rle.decode(local[0]), w.predictions.mask[0])


def test_dense_mask_and_rle_mask_together_updates_the_rle(rng):
    image, xyxy, masks = scene(rng, n=3)
    det = sv.Detections(xyxy=xyxy, mask=masks, data={"detection_id": np.array(["a", "b", "c"]),
                                                     "rle_mask": [coco(m, "str") for m in masks]})
    for crop in dc.dynamic_crop(image, det):
        if crop is not None:
            np.testing.assert_array_equal(rle.decode(crop.predictions.data["rle_mask"][0]), crop.predictions.mask[0])


def test_compact_mask_gives_the_dense_crops(rng):
    compact_mask = pytest.importorskip("supervision.detection.compact_mask")
    image, xyxy, masks = scene(rng)
    ids = np.array([f"d{i}" for i in range(len(xyxy))])
    inside = np.clip(xyxy, 0, [80, 60, 80, 60])
    for i, (x0, y0, x1, y1) in enumerate(inside.astype(int)):  # CompactMask keeps only its box
        keep = np.zeros_like(masks[i])
        keep[y0 : y1 + 1, x0 : x1 + 1] = True
        masks[i] &= keep
    cm = compact_mask.CompactMask.from_dense(masks, inside.astype(np.float32), image_shape=(60, 80))
    want = dc.dynamic_crop(image, sv.Detections(xyxy=xyxy, mask=masks, data={"detection_id": ids}), mask_opacity=1.0)
    got = dc.dynamic_crop(image, sv.Detections(xyxy=xyxy, mask=cm, data={"detection_id": ids}), mask_opacity=1.0)
    for g, w in zip(got, want):
        assert (g is None) == (w is None)
        if g is None:
            continue
        np.testing.assert_array_equal(g.image, w.image)
        assert type(g.predictions.mask).__name__ == "CompactMask"
        assert g.predictions.mask.image_shape == g.image.shape[:2]
        np.testing.assert_array_equal(g.predictions.mask.to_dense(), w.predictions.mask)


def test_json_rle_predictions(rng):
    image, _, _ = scene(rng, n=1)
    mask = np.zeros((60, 80), bool)
    mask[10:30, 20:50] = True
    payload = {"image": {"width": 80, "height": 60}, "predictions": [
        {"x": 35.0, "y": 20.0, "width": 30.0, "height": 20.0, "class": "a", "detection_id": "p", "rle": coco(mask, "str")}]}
    (crop,) = dc.dynamic_crop(image, payload, mask_opacity=1.0, background_color=(0, 255, 0))
    np.testing.assert_array_equal(crop.image, dc.remove_background(image[10:30, 20:50], mask[10:30, 20:50], 1.0, (0, 255, 0)))
    local = crop.predictions["predictions"][0]["rle"]
    assert local["size"] == [20, 30] and isinstance(local["counts"], str)
    assert rle.decode(local).all()


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        ({"size": [59, 80], "counts": "0"}, ValueError, r"size \[59, 80\] does not match the image \(60, 80\)"),
        ({"size": [60, 80], "counts": "\x01"}, ValueError, "invalid character"),
        ({"size": [60, 80], "counts": [4800, 1]}, ValueError, "runs add up to more than"),
        ({"size": [60, 80], "counts": [10]}, ValueError, "runs add up to 10, expected"),
        ({"size": [60, 80], "counts": [-1, 4801]}, ValueError, "non-negative"),
        ({"counts": "0"}, TypeError, "expected a COCO RLE dict"),
        ("not a dict", TypeError, "expected a COCO RLE dict"),
    ],
)
def test_bad_rle_names_the_detection(bad, exc, match):
    image = np.zeros((60, 80, 3), np.uint8)
    det = sv.Detections(xyxy=np.array([[0.0, 0.0, 10.0, 10.0]]), data={"detection_id": np.array(["a"]), "rle_mask": [bad]})
    with pytest.raises(exc, match=r"detections.data\['rle_mask'\]\[0\]: .*" + match):
        dc.dynamic_crop(image, det, mask_opacity=0.5)


def test_remove_background_takes_an_rle_mask(rng):
    crop = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    mask = rng.random((20, 30)) < 0.5
    for form in ("bytes", "str", "list"):
        np.testing.assert_array_equal(dc.remove_background(crop, coco(mask, form), 0.7, "#123"),
                                      dc.remove_background(crop, mask, 0.7, "#123"))
    with pytest.raises(ValueError, match=r"mask: RLE size \[20, 31\] does not match the crop \(20, 30\)"):
        dc.remove_background(crop, coco(np.zeros((20, 31), bool), "str"), 0.7)
