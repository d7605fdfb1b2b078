"""Detections as a list of COCO annotations (what an annotation file lists for an image): the
same crops as sv.Detections carrying full-frame masks, each crop's prediction its annotation in
the crop's frame, and bad entries refused by name."""

import cv2
import numpy as np
import pytest
import supervision as sv

import dynacrop_native as dc
from dynacrop_native import rle

H, W = 48, 64


def random_annotations(rng, n):
    """Annotations with polygons (some past the edges), list- and string-count RLE, or none;
    and each one's full-frame mask, made independently of the reader (fillPoly on the frame,
    the whole RLE decoded)."""
    anns, full = [], []
    for i in range(n):
        x, y = rng.uniform(-8, [W - 4, H - 4])
        w, h = rng.uniform(1, 30, 2)
        ann = {"id": 100 + i, "bbox": [float(x), float(y), float(w), float(h)], "category_id": 1, "area": w * h}
        kind = i % 4
        mask = np.zeros((H, W), np.uint8)
        if kind in (0, 1):
            polys = [rng.uniform([x - 3, y - 3], [x + w + 3, y + h + 3], (int(rng.integers(3, 7)), 2))
                     for _ in range(kind + 1)]
            ann["segmentation"] = [p.ravel().tolist() for p in polys]
            cv2.fillPoly(mask, [np.round(p).astype(np.int32) for p in polys], 1)
        elif kind == 2:
            mask = (rng.random((H, W)) < 0.5).astype(np.uint8)
            ann["segmentation"] = rle.encode_like(mask, {"counts": "" if i % 8 == 2 else []})
        else:  # no segmentation: the crop is kept whole, as under an all-ones mask
            mask[:] = 1
        anns.append(ann)
        full.append(mask.astype(bool))
    return anns, np.array(full)


@pytest.mark.parametrize("opts", [{}, {"mask_opacity": 1.0, "background_color": "#102030"},
                                  {"mask_opacity": 0.4, "margin": 3, "out_of_bounds": "pad"},
                                  {"mask_opacity": 1.0, "output": "bgra", "square": True}])
def test_coco_annotations_crop_like_detections_with_full_masks(opts, isa):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    anns, full = random_annotations(rng, 24)
    xyxy = np.array([[x, y, x + w, y + h] for x, y, w, h in (a["bbox"] for a in anns)])
    det = sv.Detections(xyxy=xyxy, mask=full, data={"detection_id": np.array([a["id"] for a in anns])})
    got = dc.dynamic_crop(image, anns, **opts)
    want = dc.dynamic_crop(image, det, **opts)
    assert len(got) == len(want) == len(anns)
    for ann, g, w in zip(anns, got, want, strict=True):
        assert (g is None) == (w is None)
        if g is None:
            continue
        assert g.parent_id == str(ann["id"]) == w.parent_id and g.offset == w.offset
        np.testing.assert_array_equal(g.image, w.image)
        x0, y0 = g.offset
        moved = g.predictions
        assert moved is not ann and moved["category_id"] == 1 and moved["area"] == ann["area"]
        assert moved["bbox"] == [ann["bbox"][0] - x0, ann["bbox"][1] - y0, *ann["bbox"][2:]]
        seg = ann.get("segmentation")
        if isinstance(seg, list):
            assert moved["segmentation"] == [[v - (y0 if j % 2 else x0) for j, v in enumerate(p)] for p in seg]
        elif seg is not None:
            assert type(moved["segmentation"]["counts"]) is type(seg["counts"])
            np.testing.assert_array_equal(rle.decode(moved["segmentation"]), w.predictions.mask[0])
    np.testing.assert_array_equal(dc.crop_resize_batch(image, anns, 8, mask_opacity=1.0).images,
                                  dc.crop_resize_batch(image, det, 8, mask_opacity=1.0).images)


def test_the_callers_annotations_are_not_modified():
    rng = np.random.default_rng(4)
    anns, _ = random_annotations(rng, 8)
    before = repr(anns)
    dc.dynamic_crop(np.zeros((H, W, 3), np.uint8), anns, mask_opacity=0.5)
    assert repr(anns) == before


def test_ids_are_the_annotation_ids_or_indexes():
    image = np.zeros((H, W), np.uint8)
    boxes = [{"bbox": [1, 2, 5, 5]}, {"bbox": [10, 10, 4, 4]}]
    assert [c.parent_id for c in dc.dynamic_crop(image, boxes)] == ["0", "1"]
    with pytest.raises(ValueError, match=r"detections: prediction 1 lacks the 'id' key"):
        dc.dynamic_crop(image, [{"bbox": [1, 2, 5, 5], "id": 7}, {"bbox": [10, 10, 4, 4]}])


@pytest.mark.parametrize("anns, match", [
    ([{"bbox": [1, 2, 3]}], r"detections\[0\]\['bbox'\]: expected \[x, y, width, height\]"),
    ([{"bbox": [0, 0, 4, 4]}, {"bbox": [1, "2", 3, 4]}], r"detections\[1\]\['bbox'\]"),
    ([{"bbox": [0, 0, 4, float("nan")]}], r"detections\[0\]\['bbox'\]"),
    ([{"bbox": [0, 0, 4, 4], "segmentation": [[1, 2, 3, 4]]}], r"detections\[0\]\['segmentation'\]: a polygon needs"),
    ([{"bbox": [0, 0, 4, 4], "segmentation": {"size": [3, 3], "counts": [9]}}],
     r"detections\[0\]\['segmentation'\]: RLE size \[3, 3\] does not match"),
    ([{"bbox": [0, 0, 4, 4], "segmentation": 5}], r"detections\[0\]\['segmentation'\]: expected a list of polygons"),
    ([{"bbox": [0, 0, 4, 4], "segmentation": [[0, 0, 4, 0, 4, float("nan")]]}],
     r"detections\[0\]\['segmentation'\]: polygon: vertices must be finite and within int32, got \[\[0.0, 0.0\]"),
    ([{"bbox": [0, 0, 4, 4], "segmentation": [[0, 0, 4, 0, 3e9, 4]]}],
     r"detections\[0\]\['segmentation'\]: polygon: vertices must be finite and within int32"),
    ([{"bbox": [0, 0, 4, 4], "segmentation": [[0, 0, 4, 0, 10**400, 4]]}],
     r"detections\[0\]\['segmentation'\]: polygon: .* an integer beyond float64"),
])
def test_bad_annotations_are_refused_by_name(anns, match):
    with pytest.raises((ValueError, TypeError), match=match):
        dc.dynamic_crop(np.zeros((H, W, 3), np.uint8), anns, mask_opacity=1.0)
