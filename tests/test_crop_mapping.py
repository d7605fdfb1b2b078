"""Crop coordinates back to the parent and root images: Crop.to_image / to_parent / to_root, the
same methods as OrientedCrop's, round trips through nested crops."""

import numpy as np
import supervision as sv

import dynacrop_native as dc
from dynacrop_native import frames


def box(x0, y0, x1, y1):
    return sv.Detections(xyxy=np.array([[x0, y0, x1, y1]], float))


def test_a_crop_maps_points_to_its_parent_and_root():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    (outer,) = dc.dynamic_crop(image, box(30.2, 20.7, 140.0, 110.0))
    (inner,) = dc.dynamic_crop(outer, box(10.0, 5.0, 70.0, 60.0))
    assert outer.offset == (30, 21) and inner.offset == (10, 5) and inner.root_offset == (40, 26)
    pts = rng.uniform(-5, 80, (50, 2))
    np.testing.assert_array_equal(inner.to_image(pts), pts + [10, 5])
    np.testing.assert_array_equal(inner.to_parent(pts), inner.to_image(pts))
    np.testing.assert_array_equal(inner.to_root(pts), pts + [40, 26])
    np.testing.assert_allclose(outer.to_image(inner.to_image(pts)), inner.to_root(pts), rtol=0, atol=1e-12)
    # The crop's pixels are the root's pixels at the mapped coordinates.
    (x, y), = inner.to_root([[3, 4]]).astype(int)
    np.testing.assert_array_equal(inner.image[4, 3], image[y, x])
    assert inner.to_root(np.zeros((2, 3, 2))).shape == (2, 3, 2)


def test_round_trips_through_nested_crops_within_1e_6():
    """root -> Crop -> Crop -> OrientedCrop -> OrientedCrop: a point of the root mapped into
    the last crop with its root_transform comes back with to_root; each level's to_image
    composes to the same; the second stage's boxes land on the first stage's."""
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (400, 500, 3), dtype=np.uint8)
    (a,) = dc.dynamic_crop(image, box(41.6, 33.2, 420.0, 380.0), margin=3)
    (b,) = dc.dynamic_crop(a, box(12.4, 20.5, 300.0, 310.0))
    (c,) = dc.oriented_crop(b, np.array([[[30, 40], [250, 80], [230, 200], [10, 160]]], float), margin=2)
    (d,) = dc.oriented_crop(c, np.array([[[20, 10], [150, 30], [140, 90], [10, 70]]], float))
    chain = [a, b, c, d]
    for crop in chain:
        q = rng.uniform(0, 500, (200, 2))
        in_crop = frames.apply(crop.root_transform, q)
        np.testing.assert_allclose(crop.to_root(in_crop), q, rtol=0, atol=1e-6)
        p = rng.uniform(0, 50, (200, 2))
        np.testing.assert_allclose(frames.apply(crop.transform, crop.to_parent(p)), p, rtol=0, atol=1e-6)
    p = rng.uniform(0, 60, (100, 2))
    through = a.to_image(b.to_image(c.to_image(d.to_image(p))))
    np.testing.assert_allclose(d.to_root(p), through, rtol=0, atol=1e-6)
    # A root detection, carried through two axis-aligned crops, maps back to where it was.
    root_det = box(100.25, 120.5, 180.75, 200.0)
    root_det.data["detection_id"] = np.array(["x"])
    (a2,) = dc.dynamic_crop(image, root_det)
    np.testing.assert_allclose(a2.to_root(a2.predictions.xyxy.reshape(2, 2)).ravel(), root_det.xyxy[0], atol=1e-6)
    inner_det = box(5.5, 6.25, 40.0, 50.0)
    (b2,) = dc.dynamic_crop(a2, inner_det)
    np.testing.assert_allclose(b2.to_root(b2.predictions.xyxy.reshape(2, 2)).ravel(),
                               a2.to_image(inner_det.xyxy.reshape(2, 2)).ravel(), atol=1e-6)
