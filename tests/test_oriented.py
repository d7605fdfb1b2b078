"""oriented_crop (issue 15): pixels against OpenCV 5.1's cv2.warpAffine and masks against its
nearest warp at every kernel level, the background removal against the numpy blend reference,
every memory layout against the contiguous image, predictions mapped back to the image."""

import platform

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native import frames, rle
from dynacrop_native.color import background_for_channels

from helpers import LEVELS, strided_variants
from reference import numpy_reference

cv2 = pytest.importorskip("cv2")
sv = pytest.importorskip("supervision")

OPENCV5 = int(cv2.__version__.split(".")[0]) >= 5
needs_opencv5 = pytest.mark.skipif(
    not OPENCV5, reason="OpenCV 4 warps with 1/32-pixel fixed-point coordinates; oriented crops are OpenCV 5's float32"
)
# Where OpenCV runs the code the crops reproduce (5.1 on x86-64 hands uint8 bilinear warps to
# Intel IPP, whose AVX2 and AVX-512 code agree), every value must be equal; elsewhere (5.0 and
# builds without IPP run OpenCV's own float kernel, ~0.1% of values one level apart; IPP's SSE4.2
# code, NEON) one level on 1% of values is allowed.
EXACT = (cv2.__version__.startswith("5.1.") and platform.machine() in ("x86_64", "AMD64") and cv2.ipp.useIPP()
         and "*AVX2" in cv2.getCPUFeaturesLine().split())
COLOUR = "#3080c0"


def rotated_boxes(rng, n, width, height, *, angles=None, reach=0.25, sides=(1.0, 60.0)):
    """(n, 4, 2) corners of rotated rectangles, clockwise on screen from the top-left one,
    centred anywhere within `reach` of the image (so some lie partly or wholly outside)."""
    if angles is None:
        angles = rng.uniform(0, 2 * np.pi, n)
    centre = rng.uniform([-reach * width, -reach * height], [(1 + reach) * width, (1 + reach) * height], (n, 2))
    w, h = rng.uniform(*sides, n), rng.uniform(*sides, n)
    ex = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    ey = np.stack([-ex[:, 1], ex[:, 0]], axis=1)
    p0 = centre - ex * w[:, None] / 2 - ey * h[:, None] / 2
    return np.stack([p0, p0 + ex * w[:, None], p0 + ex * w[:, None] + ey * h[:, None], p0 + ey * h[:, None]], axis=1)


def every_angle(rng, n, width, height):
    """Boxes at every 15 degrees, the right angles exactly, integer corners among them."""
    angles = np.concatenate([np.radians(np.arange(0, 360, 15)), rng.uniform(0, 2 * np.pi, n)])
    corners = rotated_boxes(rng, len(angles), width, height, angles=angles)
    corners[::5] = np.round(corners[::5])  # integer corners (exact right angles stay rectangles)
    right = np.array([[0, 0], [40, 0], [40, 25], [0, 25]], float) + [20.0, 10.0]
    exact = [np.roll(right, k, axis=0) for k in range(4)] + [np.roll(right[::-1], k, axis=0) for k in range(4)]
    return np.concatenate([corners, np.array(exact)])


def border(image, colour=COLOUR):
    c = 1 if image.ndim == 2 else image.shape[2]
    bg = background_for_channels(dc.parse_color(colour), c)
    return tuple(bg) + (0,) * (4 - c)


def cv2_warp(image, crop, colour=COLOUR):
    want = cv2.warpAffine(image, crop.warp_matrix, crop.size, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border(image, colour))
    return want.reshape(crop.image.shape)


def gray_or_colour(rng, shape):
    return rng.integers(0, 256, shape, dtype=np.uint8)


@needs_opencv5
@pytest.mark.parametrize("shape", [(90, 130), (90, 130, 1), (90, 130, 3), (90, 130, 4)])
@pytest.mark.parametrize("orientation", ["upright", "corners"])
def test_pixels_equal_cv2_warp_affine(isa, rng, shape, orientation):
    image = gray_or_colour(rng, shape)
    corners = every_angle(rng, 40, shape[1], shape[0])
    exact = total = 0
    for long_side in (None, "width"):
        options = dict(background_color=COLOUR, orientation=orientation, long_side=long_side)
        for crop in dc.oriented_crop(image, corners, **options):
            if crop is None:
                continue
            exact, total = tally(crop, cv2_warp(image, crop), exact, total)
    assert_as_exact_as_promised(exact, total)


def tally(crop, want, exact, total):
    assert np.abs(crop.image.astype(np.int16) - want).max() <= 1
    return exact + int((crop.image == want).sum()), total + want.size


def assert_as_exact_as_promised(exact, total):
    assert total and (exact == total if EXACT else exact / total >= 0.99), f"{exact} of {total} values equal"


@needs_opencv5
def test_margin_and_crops_reaching_past_every_edge(rng):
    image = gray_or_colour(rng, (40, 50, 3))
    corners = rotated_boxes(rng, 60, 50, 40, reach=0.6, sides=(5, 90))
    exact = total = 0
    for margin in (0, 3):
        crops = dc.oriented_crop(image, corners, margin=margin, background_color=COLOUR)
        assert any(c is not None for c in crops)
        for crop in crops:
            if crop is not None:
                exact, total = tally(crop, cv2_warp(image, crop), exact, total)
    assert_as_exact_as_promised(exact, total)


def test_simd_levels_equal_the_scalar_twin(rng):
    for shape in [(61, 77), (61, 77, 3), (61, 77, 4), (8, 9, 3)]:
        image = gray_or_colour(rng, shape)
        det = sv.Detections(xyxy=np.zeros((30, 4)), mask=rng.random((30, *shape[:2])) < 0.5,
                            data={"xyxyxyxy": rotated_boxes(rng, 30, shape[1], shape[0], sides=(1, 70))})
        dc.set_isa("scalar")
        want = dc.oriented_crop(image, det, mask_opacity=0.6, background_color=COLOUR)
        for level in LEVELS:
            dc.set_isa(level)
            got = dc.oriented_crop(image, det, mask_opacity=0.6, background_color=COLOUR)
            for g, w in zip(got, want):
                assert (g is None) == (w is None)
                if g is not None:
                    np.testing.assert_array_equal(g.image, w.image, err_msg=level)
                    np.testing.assert_array_equal(g.predictions.mask, w.predictions.mask, err_msg=level)
        dc.set_isa("best")


def test_every_memory_layout_of_the_image(isa, rng):
    for shape in [(37, 45), (37, 45, 3), (37, 45, 4)]:
        image = gray_or_colour(rng, shape)
        corners = rotated_boxes(rng, 20, shape[1], shape[0], sides=(1, 40))
        want = dc.oriented_crop(np.ascontiguousarray(image), corners, background_color=COLOUR)
        for name, view in strided_variants(image, rng):
            got = dc.oriented_crop(view, corners, background_color=COLOUR)
            for g, w in zip(got, want):
                assert (g is None) == (w is None)
                if g is not None:
                    np.testing.assert_array_equal(g.image, w.image, err_msg=name)


@pytest.mark.parametrize("orientation", ["upright", "corners"])
def test_right_angles_of_integer_boxes_are_exact_rotations_of_the_slice(isa, rng, orientation):
    image = gray_or_colour(rng, (50, 60, 3))
    tl, tr, br, bl = [10, 5], [41, 5], [41, 22], [10, 22]
    region = image[5:22, 10:41]
    for clockwise in ([tl, tr, br, bl], [tr, br, bl, tl], [br, bl, tl, tr], [bl, tl, tr, br]):
        for order in (clockwise, clockwise[::-1]):
            crop = dc.oriented_crop(image, np.array([order], float), orientation=orientation)[0]
            walked = clockwise if order is clockwise else [order[0], order[3], order[2], order[1]]
            # "corners": corner 0 is the crop's top-left, each corner later a quarter turn (np.rot90)
            turns = 0 if orientation == "upright" else (4 - walked.index(tl)) % 4
            np.testing.assert_array_equal(crop.image, np.rot90(region, turns))
    tall = dc.oriented_crop(image, np.array([[[10, 5], [20, 5], [20, 45], [10, 45]]], float), long_side="width")[0]
    np.testing.assert_array_equal(tall.image, np.rot90(image[5:45, 10:20]))
    aligned = dc.oriented_crop(image, np.array([[tl, tr, br, bl]], float), margin=4)[0]
    np.testing.assert_array_equal(aligned.image[4:-4, 4:-4], region)


def test_sizes_and_degenerate_boxes(rng):
    image = gray_or_colour(rng, (30, 40, 3))
    corners = np.array([
        [[5, 5], [5.4, 5], [5.4, 20], [5, 20]],  # 0.4 px wide: rounds to 0
        [[5, 5], [25, 5], [25, 5.5], [5, 5.5]],  # 0.5 px tall: rounds half to even, to 0
        [[5, 5], [15, 5], [25, 5], [15, 5]],  # collinear
        [[5, 5], [5, 5], [5, 5], [5, 5]],  # a point
        [[100, 100], [120, 100], [120, 110], [100, 110]],  # outside
        [[-10, -10], [0, -10], [0, 0], [-10, 0]],  # touching a corner only
        [[5, 5], [7.5, 5], [7.5, 6.5], [5, 6.5]],  # 2.5 x 1.5 -> 2 x 2
        [[-5, -5], [5, -5], [5, 5], [-5, 5]],  # partly outside: background there
        [[-5, -11], [1, -5], [-5, 1], [-11, -5]],  # its bounding box overlaps the image, it does not
    ])
    crops = dc.oriented_crop(image, corners, background_color="#ff0000")
    assert crops[:6] == [None] * 6 and crops[8] is None
    assert crops[6].size == (2, 2)
    np.testing.assert_array_equal(crops[7].image[:5, :5], np.broadcast_to([0, 0, 255], (5, 5, 3)))
    np.testing.assert_array_equal(crops[7].image[5:, 5:], image[:5, :5])
    assert dc.oriented_crop(image, np.zeros((0, 4, 2))) == []
    assert dc.oriented_crop(image, sv.Detections.empty()) == []
    assert dc.oriented_crop(image, {"image": {"width": 40, "height": 30}, "predictions": []}) == []


def test_nearly_degenerate_box_with_a_far_corner():
    # Found by the fuzz stage: three corners give a 1 x 1 crop with a ~1e12 scale, the fourth lies
    # at 1e300, so its translated coordinates overflow float64: inf, without a numpy warning.
    image = np.zeros((10, 10, 3), np.uint8)
    crop = dc.oriented_crop(image, [[(0, 0), (1, 0), (2, 1e-12), (1e300, -1e300)]], orientation="corners")[0]
    assert crop.size == (1, 1)
    np.testing.assert_array_equal(crop.predictions[:3], [[0, 0], [1, 0], [1, 1]])
    assert not np.isfinite(crop.predictions[3]).all()


def obb_detections(rng, image_shape, n, *, masks=True):
    h, w = image_shape[:2]
    corners = rotated_boxes(rng, n, w, h, sides=(2, 50)).astype(np.float32)
    return sv.Detections(
        xyxy=np.concatenate([corners.min(axis=1), corners.max(axis=1)], axis=1),
        mask=rng.random((n, h, w)) < 0.5 if masks else None,
        confidence=rng.random(n).astype(np.float32),
        class_id=rng.integers(0, 5, n),
        tracker_id=np.arange(n),
        data={
            "xyxyxyxy": corners,
            "detection_id": np.array([f"d{i}" for i in range(n)]),
            "class_name": np.array(["thing"] * n),
            "keypoints_xy": rng.uniform(0, w, (n, 3, 2)).astype(np.float32),
        },
        metadata={"source": "test"},
    )


@needs_opencv5
@pytest.mark.parametrize("shape", [(50, 60), (50, 60, 3), (50, 60, 4)])
def test_masks_are_warped_with_nearest_and_blended(isa, rng, shape):
    image = gray_or_colour(rng, shape)
    det = obb_detections(rng, shape, 25)
    a = 0.6
    plain = dc.oriented_crop(image, det, background_color=COLOUR)
    crops = dc.oriented_crop(image, det, mask_opacity=a, background_color=COLOUR)
    c = 1 if image.ndim == 2 else shape[2]
    bg = background_for_channels(dc.parse_color(COLOUR), c)
    for i, (p, crop) in enumerate(zip(plain, crops)):
        if crop is None:
            continue
        want_mask = cv2.warpAffine(det.mask[i].astype(np.uint8), crop.warp_matrix, crop.size, flags=cv2.INTER_NEAREST)
        np.testing.assert_array_equal(crop.predictions.mask[0], want_mask.astype(bool))
        np.testing.assert_array_equal(crop.image, numpy_reference(p.image, want_mask, a, bg))
        assert p.predictions.mask.dtype == bool and p.predictions.mask.shape == (1, *crop.image.shape[:2])


def test_rle_and_compact_masks_give_the_dense_crops(rng):
    image = gray_or_colour(rng, (40, 50, 3))
    det = obb_detections(rng, image.shape, 12)
    want = dc.oriented_crop(image, det, mask_opacity=1.0)
    for form in ("str", "list"):
        rles = [rle.encode_like(m, {"size": [40, 50], "counts": "" if form == "str" else []}) for m in det.mask]
        compact = sv.Detections(xyxy=det.xyxy, data={**det.data, "rle_mask": rles})
        for g, w in zip(dc.oriented_crop(image, compact, mask_opacity=1.0), want):
            assert (g is None) == (w is None)
            if g is not None:
                np.testing.assert_array_equal(g.image, w.image)
                local = g.predictions.data["rle_mask"][0]
                assert local["size"] == list(g.image.shape[:2]) and type(local["counts"]) is type(rles[0]["counts"])
                np.testing.assert_array_equal(rle.decode(local), w.predictions.mask[0])
    compact_mask = pytest.importorskip("supervision.detection.compact_mask")
    whole = np.array([[0, 0, 49, 39]] * len(det), np.float32)
    cm = compact_mask.CompactMask.from_dense(det.mask, whole, image_shape=(40, 50))
    got = dc.oriented_crop(image, sv.Detections(xyxy=det.xyxy, mask=cm, data=det.data), mask_opacity=1.0)
    for g, w in zip(got, want):
        if g is not None:
            np.testing.assert_array_equal(g.image, w.image)
            assert type(g.predictions.mask).__name__ == "CompactMask"
            np.testing.assert_array_equal(g.predictions.mask.to_dense(), w.predictions.mask)


def test_predictions_map_back_to_the_image(rng):
    image = gray_or_colour(rng, (60, 80, 3))
    det = obb_detections(rng, image.shape, 30)
    for orientation, long_side, margin in [("upright", None, 0), ("corners", "width", 5)]:
        crops = dc.oriented_crop(image, det, orientation=orientation, long_side=long_side, margin=margin)
        for i, crop in enumerate(crops):
            if crop is None:
                continue
            p = crop.predictions
            corners = p.data["xyxyxyxy"][0]
            w, h = crop.size
            # the corners become the crop rectangle (inset by the margin), in some rotation
            assert {tuple(np.round(q, 3)) for q in corners} == {(margin, margin), (w - margin, margin),
                                                               (w - margin, h - margin), (margin, h - margin)}
            np.testing.assert_allclose(p.xyxy[0], [margin, margin, w - margin, h - margin], atol=1e-3)
            assert p.xyxy.dtype == det.xyxy.dtype and corners.dtype == np.float32
            for key in ("xyxyxyxy", "keypoints_xy"):
                back = crop.to_image(p.data[key][0].astype(np.float64))
                np.testing.assert_allclose(back, det.data[key][i], atol=1e-4)  # float32 in, float32 out
            exact = frames.apply(crop.transform, det.data["keypoints_xy"][i].astype(np.float64))
            np.testing.assert_allclose(crop.to_image(exact), det.data["keypoints_xy"][i], atol=1e-6)
            assert p.class_id[0] == det.class_id[i] and p.confidence[0] == det.confidence[i]
            assert p.tracker_id[0] == det.tracker_id[i] and p.data["class_name"][0] == "thing"
            assert crop.parent_id == f"d{i}" == p.data["detection_id"][0] and p.metadata == {"source": "test"}
            assert crop.origin_size == (80, 60)


def test_transform_is_get_affine_transform_of_three_corners(rng):
    corners = rotated_boxes(rng, 20, 100, 100, reach=0.0, sides=(5, 60))
    for i, crop in enumerate(dc.oriented_crop(np.zeros((100, 100), np.uint8), corners, orientation="corners")):
        w, h = crop.size
        want = cv2.getAffineTransform(corners[i, :3].astype(np.float32), np.float32([[0, 0], [w, 0], [w, h]]))
        np.testing.assert_allclose(crop.transform, want, atol=1e-3)  # getAffineTransform takes float32 points
        np.testing.assert_allclose(crop.warp_matrix, frames.warp_matrices(crop.transform))


def test_roboflow_json_rects(rng):
    image = gray_or_colour(rng, (50, 70, 3))
    corners = rotated_boxes(rng, 6, 70, 50, reach=0.0, sides=(5, 30))
    mask = rng.random((50, 70)) < 0.5
    rle0 = rle.encode_like(mask, {"size": [50, 70], "counts": ""})
    payload = {
        "image": {"width": 70, "height": 50},
        "inference_id": "x",
        "predictions": [
            {"x": 1.0, "y": 2.0, "width": 3.0, "height": 4.0, "class": "a", "detection_id": f"p{i}", "rect": c.tolist(),
             "points": [{"x": float(c[0, 0]), "y": float(c[0, 1])}], "rle": rle0}
            for i, c in enumerate(corners)
        ],
    }
    crops = dc.oriented_crop(image, payload, mask_opacity=1.0)
    arrays = dc.oriented_crop(image, corners)
    for i, (crop, plain) in enumerate(zip(crops, arrays)):
        out = crop.predictions
        assert out["inference_id"] == "x" and out["image"] == {"width": crop.size[0], "height": crop.size[1]}
        pred = out["predictions"][0]
        w, h = crop.size
        assert (pred["x"], pred["y"], pred["width"], pred["height"]) == pytest.approx((w / 2, h / 2, w, h), abs=1e-6)
        np.testing.assert_allclose(crop.to_image(pred["rect"]), corners[i], atol=1e-6)
        point = crop.to_image([pred["points"][0]["x"], pred["points"][0]["y"]])
        np.testing.assert_allclose(point, corners[i, 0], atol=1e-6)
        np.testing.assert_array_equal(crop.image, numpy_reference(plain.image, rle.decode(pred["rle"]), 1.0, [0, 0, 0]))
        assert crop.parent_id == f"p{i}" and pred["class"] == "a"
        np.testing.assert_array_equal(plain.predictions, frames.apply(plain.transform, corners[i]))
    assert payload["predictions"][0]["rect"] == corners[0].tolist()  # the input is untouched


def test_nested_crops_compose_their_transforms(rng):
    image = gray_or_colour(rng, (120, 160, 3))
    outer = dc.oriented_crop(image, np.array([[[20, 30], [120, 10], [130, 60], [30, 80]]], float))[0]
    inner_corners = np.array([[[10, 10], [60, 20], [55, 45], [5, 35]]], float)
    inner = dc.oriented_crop(outer, inner_corners)[0]
    pts = np.array([[0.0, 0.0], [3.5, 7.25], [inner.size[0], inner.size[1]]])
    np.testing.assert_allclose(inner.to_root(pts), outer.to_image(inner.to_image(pts)), atol=1e-9)
    assert inner.origin_size == outer.size and inner.root_parent_id == "0" and inner.parent_id == "0/0"
    axis = dc.dynamic_crop(image, sv.Detections(xyxy=np.array([[40.0, 20, 140, 100]]),
                                                data={"detection_id": np.array(["box"])}))[0]
    nested = dc.oriented_crop(axis, inner_corners)[0]
    np.testing.assert_allclose(nested.to_root(pts), nested.to_image(pts) + [40, 20], atol=1e-9)
    assert nested.root_parent_id == "box"


@needs_opencv5
def test_bgra_output(isa, rng):
    image = gray_or_colour(rng, (40, 50, 3))
    det = obb_detections(rng, image.shape, 10)
    det.data["xyxyxyxy"][0] = [[-10, -10], [10, -10], [10, 10], [-10, 10]]  # a quarter inside
    plain = dc.oriented_crop(image, det)
    bgra = dc.oriented_crop(image, det, output="bgra", mask_opacity=0.25)
    for p, b in zip(plain, bgra):
        if p is None:
            continue
        np.testing.assert_array_equal(b.image[..., :3], p.image)
        alpha = np.where(p.predictions.mask[0], 255, round(255 * 0.75))
        inside = cv2.warpAffine(np.ones((40, 50), np.uint8), b.warp_matrix, b.size, flags=cv2.INTER_NEAREST)
        np.testing.assert_array_equal(b.image[..., 3], np.where(inside == 1, alpha, 0))
    assert (bgra[0].image[..., 3] == 0).any()


def test_threads_and_inputs_untouched(rng):
    image = gray_or_colour(rng, (300, 400, 3))
    det = obb_detections(rng, image.shape, 40)
    before = (image.copy(), det.mask.copy(), det.data["xyxyxyxy"].copy())
    one = dc.oriented_crop(image, det, mask_opacity=0.5, threads=1)
    auto = dc.oriented_crop(image, det, mask_opacity=0.5, threads=None)
    four = dc.oriented_crop(image, det, mask_opacity=0.5, threads=4)
    for a, b, c in zip(one, auto, four):
        if a is not None:
            np.testing.assert_array_equal(a.image, b.image)
            np.testing.assert_array_equal(a.image, c.image)
    for was, now in zip(before, (image, det.mask, det.data["xyxyxyxy"])):
        np.testing.assert_array_equal(was, now)


@pytest.mark.parametrize(
    "kwargs, exc, message",
    [
        (dict(detections=[[0, 0], [1, 1]]), ValueError, r"detections: expected shape \(N, 4, 2\), got \(2, 2\)"),
        (dict(detections=[[[0, 0], [1, 0], [1, np.nan], [0, 1]]]), ValueError, "detections: corners must be finite"),
        (dict(detections=[[["a", 0], [1, 0], [1, 1], [0, 1]]]), TypeError, "detections: expected an"),
        (dict(detections=42), TypeError, "detections: expected supervision.Detections with oriented boxes"),
        (dict(detections={"predictions": [{"x": 1}]}), ValueError, "detections: no oriented box corners"),
        (dict(orientation="left"), ValueError, "orientation: expected 'upright' or 'corners'"),
        (dict(long_side="height"), ValueError, "long_side: expected None or 'width'"),
        (dict(margin=1.5), TypeError, "margin: expected an integer"),
        (dict(margin=-1), ValueError, "margin: expected an integer from 0 to 16777216"),
        (dict(margin=10**400), ValueError, r"margin: expected an integer from 0 to 16777216 \(crop pixels\), got 1000"),
        (dict(detections={"predictions": [{"rect": 3}]}), ValueError,
         r"detections\['predictions'\]\[0\]\['rect'\]: expected four \[x, y\] corners, got 3"),
        (dict(output="rgba"), ValueError, "output: expected 'image' or 'bgra'"),
        (dict(mask_opacity=2), ValueError, "mask_opacity"),
        (dict(background_color="reddish"), ValueError, "background_color"),
        (dict(threads=0), ValueError, "threads"),
        (dict(image=np.zeros((4, 4), np.float32)), TypeError, "image: expected dtype uint8, got float32"),
        (dict(image=np.zeros((4, 4, 5), np.uint8)), ValueError, "image: expected 1 to 4 channels"),
        (dict(image=np.zeros((4, 4, 2), np.uint8)), ValueError, r"image: expected 1, 3 or 4 channels \(gray, BGR"),
        (dict(detections=[[[0, 0], [1e9, 0], [1e9, 1e9], [0, 1e9]]]), ValueError, "detections: box 0 gives a"),
    ],
)
def test_bad_arguments(kwargs, exc, message):
    args = dict(image=np.zeros((10, 10, 3), np.uint8), detections=[[[0, 0], [5, 0], [5, 5], [0, 5]]])
    args.update(kwargs)
    with pytest.raises(exc, match=message):
        dc.oriented_crop(args.pop("image"), args.pop("detections"), **args)


def test_outputs_beyond_memory_are_refused_before_any_work():
    side = 2**24 - 8
    with pytest.raises(MemoryError, match=r"detections: the requested crops need \d+\.\d GiB"):
        dc.oriented_crop(np.zeros((5, 5), np.uint8), [[[0, 0], [side, 0], [side, side], [0, side]]])


def test_missing_corner_key_and_mask_shape_are_named():
    det = sv.Detections(xyxy=np.zeros((1, 4)))
    with pytest.raises(ValueError, match="detections: no oriented box corners"):
        dc.oriented_crop(np.zeros((5, 5), np.uint8), det)
    with pytest.raises(ValueError, match="detections: no 'quad' key"):
        dc.oriented_crop(np.zeros((5, 5), np.uint8), det, corners_key="quad")
    det = sv.Detections(xyxy=np.zeros((1, 4)), mask=np.zeros((1, 4, 4), bool),
                        data={"xyxyxyxy": np.array([[[0, 0], [3, 0], [3, 3], [0, 3]]], float)})
    with pytest.raises(ValueError, match=r"detections.mask: expected shape \(1, 5, 5\)"):
        dc.oriented_crop(np.zeros((5, 5), np.uint8), det, mask_opacity=1.0)


@needs_opencv5
def test_native_mask_region_may_cover_part_of_the_image(isa, rng):
    """Mask pixels outside the region passed count as outside the mask (0)."""
    image = gray_or_colour(rng, (50, 70, 3))
    full = rng.random((50, 70)) < 0.5
    for x0, y0, x1, y1 in [(0, 0, 70, 50), (10, 5, 60, 30), (-3, 40, 20, 53), (69, 49, 70, 50)]:
        region = full[max(y0, 0) : y1, max(x0, 0) : x1]
        part = np.zeros_like(full)
        part[max(y0, 0) : y1, max(x0, 0) : x1] = region
        corners = rotated_boxes(rng, 8, 70, 50, reach=0.1, sides=(5, 60))
        frame = frames.crop_frames(corners, "upright", None, 0)
        w, h = frame.sizes[:, 0], frame.sizes[:, 1]
        keep = np.flatnonzero(frame.valid)
        at = np.concatenate([[0], np.cumsum((w * h)[keep])])
        layout = np.stack([w[keep], h[keep], 3 * at[:-1], at[:-1], at[:-1], np.full(len(keep), max(x0, 0)),
                           np.full(len(keep), max(y0, 0))], axis=1)
        out, masks, inside = np.empty(3 * at[-1], np.uint8), np.empty(at[-1], np.uint8), np.empty(at[-1], np.uint8)
        matrices = np.ascontiguousarray(frames.warp_matrices(frame.transforms[keep]))
        dc._native.warp_crops(image, matrices, layout, out, masks, inside, [region] * len(keep), 0.0, [1, 2, 3], 1)
        for j, i in enumerate(keep):
            size = (int(w[i]), int(h[i]))
            got = masks[at[j] : at[j + 1]].reshape(size[1], size[0])
            want = cv2.warpAffine(part.astype(np.uint8), matrices[j], size, flags=cv2.INTER_NEAREST)
            np.testing.assert_array_equal(got, want)
            ones = cv2.warpAffine(np.ones((50, 70), np.uint8), matrices[j], size, flags=cv2.INTER_NEAREST)
            np.testing.assert_array_equal(inside[at[j] : at[j + 1]].reshape(size[1], size[0]), ones)


def lerp(a, b, t):
    """fma(t, b - a, a) in float32 (the product is exact in float64)."""
    return (t.astype(np.float64) * (b - a).astype(np.float64) + a).astype(np.float32)


def opencv_inverse(m):
    """The double map cv2.warpAffine derives from a forward matrix, step by step."""
    (a, b, c), (d, e, f) = m
    det = a * e - b * d
    det = 1.0 / det if det != 0 else 0.0
    a, b, d, e = e * det, b * -det, d * -det, a * det
    return a, b, -a * c - b * f, d, e, -d * c - e * f


@pytest.mark.skipif(not EXACT, reason="ties resolve as the IPP arithmetic OpenCV 5.1 runs on x86-64")
@pytest.mark.parametrize("axis", [False, True])
def test_ties_resolve_in_opencvs_interpolation_order(isa, rng, axis):
    """Values within a float rounding of .5, placed where columns-first and rows-first
    interpolation round apart, at pixels of every column of a 1-channel crop (the rows-first
    4-pixel block of each row included) and of a rotation-free map: all as OpenCV's."""
    h, w = 30, 45  # rows of 45 inner pixels: 8-pixel blocks to 40, rows first 40..43, then one
    if axis:
        forward = np.array([[1 / 0.93, 0.0, 0.0], [0.0, 1 / 1.07, 0.0]])
    else:
        forward = np.array([[np.cos(0.3), np.sin(0.3), 0.0], [-np.sin(0.3), np.cos(0.3), 0.0]])
    forward[:, 2] = [w / 2, h / 2] - forward[:, :2] @ [40, 40]  # the crop centred on image pixel (40, 40)
    m = opencv_inverse(forward)
    image = gray_or_colour(rng, (80, 80))
    quads = rng.integers(0, 256, (100000, 4)).astype(np.float32)
    used = np.zeros((80, 80), bool)
    tied = []
    # every pixel of the rows-first block, and 60 others
    others = [p for p in np.ndindex(h, w) if not 40 <= p[1] < 44]
    pixels = [(y, x) for y in range(h) for x in range(40, 44)] + [others[i] for i in rng.choice(len(others), 60)]
    for y, x in pixels:
        sx, sy = m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]
        if not axis:  # inner pixels of a rotated map: floor and fraction of the float coordinate
            sx, sy = np.float32(sx), np.float32(sy)
        ix, iy = int(np.floor(sx)), int(np.floor(sy))
        if used[iy : iy + 2, ix : ix + 2].any():  # a tie set earlier keeps its image pixels
            continue
        tx, ty = (np.full(len(quads), np.float32(v - np.floor(v)), np.float32) for v in (sx, sy))
        p = quads.T
        rows = np.rint(lerp(lerp(p[0], p[1], tx), lerp(p[2], p[3], tx), ty))
        columns = np.rint(lerp(lerp(p[0], p[2], ty), lerp(p[1], p[3], ty), tx))
        apart = np.flatnonzero(rows != columns)
        if len(apart):
            image[iy : iy + 2, ix : ix + 2] = quads[apart[0]].reshape(2, 2)
            used[iy : iy + 2, ix : ix + 2] = True
            tied.append(x)
    assert sum(40 <= x < 44 for x in tied) >= 8 and sum(x < 40 for x in tied) >= 4
    want = cv2.warpAffine(image, forward, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    out = np.empty(w * h, np.uint8)
    dc._native.warp_crops(image, forward[None], np.array([[w, h, 0, -1, -1, 0, 0]]), out, None, None, None, 0.0, [0], 1)
    np.testing.assert_array_equal(out.reshape(h, w), want)


def native_call(**changes):
    image = np.zeros((10, 10, 3), np.uint8)
    args = dict(image=image, matrices=np.array([[[1.0, 0, 0], [0, 1, 0]]]), layout=np.array([[4, 4, 0, -1, -1, 0, 0]]),
                out=np.empty(48, np.uint8), mask_out=None, inside_out=None, masks=None, mask_opacity=0.0,
                background=[0, 0, 0], threads=0)
    args.update(changes)
    dc._native.warp_crops(**args)


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(layout=np.array([[5, 4, 0, -1, -1, 0, 0]])), "crop 0: output region outside its buffer"),
        (dict(layout=np.array([[0, 4, 0, -1, -1, 0, 0]])), "crop 0: expected a size from 1"),
        (dict(layout=np.array([[4, 4, -1, -1, -1, 0, 0]])), "crop 0: output region outside"),
        (dict(matrices=np.array([[[np.inf, 0, 0], [0, 1, 0]]])), "crop 0: the matrix must be finite"),
        (dict(layout=np.array([[4, 4, 0, 0, -1, 0, 0]])), "crop 0: a mask output needs a mask region"),
        (dict(layout=np.array([[4, 4, 0, 0, -1, 0, 0]]), masks=[np.zeros((3, 3), bool)]), "mask_out: required"),
        (dict(layout=np.array([[4, 4, 0, 0, -1, 0, 0]]), masks=[np.zeros((3, 3), np.float32)],
              mask_out=np.empty(16, np.uint8)), "mask 0: expected dtype bool or uint8"),
        (dict(masks=[None, None]), "masks: expected one mask region"),
        (dict(background=[0, 0]), "background: expected one value per channel"),
        (dict(background=[0, 0, 256]), "background: values must be integers in 0..255"),
        (dict(image=np.zeros((10, 10, 3), np.float32)), "image: expected dtype uint8"),
        (dict(mask_opacity=float("nan")), "mask_opacity"),
        (dict(threads=-1), "threads"),
    ],
)
def test_native_entry_point_checks_everything(changes, message):
    with pytest.raises(ValueError, match=message):
        native_call(**changes)
