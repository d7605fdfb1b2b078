"""Hostile library inputs: every one is a clear ValueError/TypeError naming the argument (or
field), raised before any crop is made; never OverflowError, never a silently wrong mask."""

import copy
import os
import subprocess
import sys

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native import rle

IMG = np.arange(10 * 12 * 3, dtype=np.uint8).reshape(10, 12, 3)


def payload(**fields):
    pred = {"x": 6, "y": 5, "width": 4, "height": 4, "detection_id": "a", **fields}
    return {"image": {"width": 12, "height": 10}, "predictions": [pred]}


# --- RLE: run lengths are whole, non-negative numbers; sizes cannot wrap -------------------------

BAD_COUNTS = [
    ([0.5, 119.5], "got 0.5 at position 0"),  # truncated to [0, 119] it would invert the mask
    ([60, 59.999, 0.001], "got 59.999 at position 1"),
    ([-1, 121], "got -1 at position 0"),
    ([float("nan"), 120], "got nan"),
    ([float("inf"), 120], "got inf"),
    ([10**30, 120], "flat list"),  # beyond int64: not a number numpy can hold
    ([2**63 + 5, 0], "up to h * w = 120"),
    (np.array([2**63 + 5, 0], np.uint64), "up to h * w = 120"),  # would wrap negative as int64
    ([121], "up to h * w = 120"),
    (["60", "60"], "flat list"),
    ([True, False], "flat list"),
    ([[60], [60]], "flat list"),
    ([[60, 0], [60]], "flat list"),
    ([None, 120], "flat list"),
    ([{"a": 1}], "flat list"),
]


@pytest.mark.parametrize("counts, message", BAD_COUNTS, ids=[repr(c)[:30] for c, _ in BAD_COUNTS])
def test_bad_run_lengths_are_refused_not_truncated(counts, message):
    mask = {"size": [10, 12], "counts": counts}
    for call in (lambda: rle.decode(mask), lambda: dc.remove_background(IMG, mask, 1.0),
                 lambda: dc.dynamic_crop(IMG, payload(rle=mask), mask_opacity=1.0)):
        with pytest.raises(ValueError, match="'counts' must be") as info:
            call()
        assert message in str(info.value)


def test_whole_float_run_lengths_are_the_integers_they_spell():
    as_ints = rle.decode({"size": [10, 12], "counts": [5, 50, 65]})
    np.testing.assert_array_equal(rle.decode({"size": [10, 12], "counts": [5.0, 50.0, 65.0]}), as_ints)
    np.testing.assert_array_equal(rle.decode({"size": [10, 12], "counts": np.array([5, 50, 65], np.uint16)}), as_ints)


@pytest.mark.parametrize("size", [[2**32, 2**32], [2**31, 1], [-1, 5], [5], [1, 2, 3], 7, "10x12", [1.0, 2.0],
                                  [True, 1], None, [10**400, 1]])
def test_bad_rle_sizes_are_refused_before_the_native_call(size):
    with pytest.raises(ValueError, match=r"'size' must be \[height, width\], integers in 0..2147483647"):
        rle.decode_box({"size": size, "counts": [0]}, (0, 0, 0, 0))


def test_largest_rle_size_is_still_checked_exactly():
    side = 2**31 - 1
    with pytest.raises(ValueError, match=f"runs add up to 1, expected size h \\* w = {side * side}"):
        rle.decode_box({"size": [side, side], "counts": [1]}, (0, 0, 1, 1))


# --- Roboflow JSON: checked field by field before any crop --------------------------------------

ROBOFLOW_BAD = [
    (payload(x="20"), TypeError, r"detections\['predictions'\]\[0\]\['x'\]: expected a number, got str"),
    (payload(width=True), TypeError, r"\['width'\]: expected a number, got bool"),
    (payload(height=None), TypeError, r"\['height'\]: expected a number, got NoneType"),
    (payload(x=10**400), ValueError, r"\['x'\]: expected a number, got 1000"),
    (payload(y=[1]), TypeError, r"\['y'\]: expected a number, got list"),
    ({"predictions": [{"y": 1, "width": 2, "height": 2, "detection_id": "a"}]}, ValueError,
     r"detections\['predictions'\]\[0\]: missing 'x'"),
    ({"predictions": [5]}, TypeError, r"detections\['predictions'\]\[0\]: expected a dict, got int"),
    ({"predictions": [None]}, TypeError, r"\[0\]: expected a dict, got NoneType"),
    (payload(points=5), TypeError, r"\['points'\]: expected a list of \{'x': ..., 'y': ...\} dicts, got int"),
    (payload(points="xy"), TypeError, r"\['points'\]: expected a list"),
    (payload(points=[[1, 2]]), TypeError, r"\['points'\]\[0\]: expected a dict with 'x' and 'y', got list"),
    (payload(points=[{"x": 1}]), ValueError, r"\['points'\]\[0\]: missing 'y'"),
    (payload(points=[{"x": "1", "y": 2}]), TypeError, r"\['points'\]\[0\]\['x'\]: expected a number, got str"),
    (payload(keypoints={"x": 1, "y": 2}), TypeError, r"\['keypoints'\]: expected a list"),
    (payload(keypoints=[{"x": 1, "y": 2}, {"x": 1, "y": "2"}]), TypeError, r"\['keypoints'\]\[1\]\['y'\]"),
    ({"image": 5, "predictions": []}, TypeError, r"detections\['image'\]: expected a dict"),
    ({**payload(), "image": [12, 10]}, TypeError, r"detections\['image'\]: expected a dict"),
    ({"predictions": {"x": 1}}, TypeError, "expected a 'predictions' list"),
    (payload(rle={"size": [10, 12], "counts": [0.5, 119.5]}), ValueError, r"\['rle'\]: 'counts' must be"),
]


@pytest.mark.parametrize("detections, exc, match", ROBOFLOW_BAD, ids=range(len(ROBOFLOW_BAD)))
def test_malformed_roboflow_json_names_the_field(detections, exc, match):
    before = copy.deepcopy(detections)
    with pytest.raises(exc, match=match):
        dc.dynamic_crop(IMG, detections, mask_opacity=1.0)
    with pytest.raises(exc, match=match):
        dc.crop_resize_batch(IMG, detections, 4, mask_opacity=1.0)
    assert detections == before


def test_roboflow_fields_are_checked_even_when_the_box_is_empty():
    # The old reader converted "20" silently and failed only while translating a non-empty crop.
    with pytest.raises(TypeError, match=r"\['x'\]"):
        dc.dynamic_crop(IMG, payload(x="20", width=0))


class CopyCounter:
    copies = 0

    def __deepcopy__(self, memo):
        CopyCounter.copies += 1
        return CopyCounter()


def test_other_top_level_keys_are_copied_once_per_call_not_per_prediction():
    preds = [{"x": 6, "y": 5, "width": 4, "height": 4, "detection_id": str(i)} for i in range(2000)]
    big = list(range(2000))
    detections = {"image": {"width": 12, "height": 10}, "predictions": preds, "extra": big, "counter": CopyCounter()}
    CopyCounter.copies = 0
    crops = dc.dynamic_crop(IMG, detections)
    assert CopyCounter.copies == 1
    first, last = crops[0].predictions, crops[-1].predictions
    assert first["extra"] == big and first["extra"] is not big  # a copy: the caller's payload is safe
    assert first["extra"] is last["extra"]  # shared by the call's results
    assert first["image"] == {"width": 4, "height": 4} and first["image"] is not last["image"]
    assert first["predictions"][0]["x"] == 2 and preds[0]["x"] == 6


# --- numeric options: huge integers and float32 overflow -----------------------------------------

HUGE = 10**400

OPTIONS_BAD = [
    (lambda: dc.remove_background(IMG, np.ones((10, 12), bool), HUGE), ValueError, "mask_opacity: expected a number in"),
    (lambda: dc.remove_background(IMG, np.ones((10, 12), bool), -HUGE), ValueError, "mask_opacity"),
    (lambda: dc.dynamic_crop(IMG, payload(), mask_opacity=HUGE), ValueError, "mask_opacity"),
    (lambda: dc.dynamic_crop(IMG, payload(), margin=HUGE), ValueError, "margin: expected a number >= 0"),
    (lambda: dc.dynamic_crop(IMG, payload(), margin_ratio=HUGE), ValueError, "margin_ratio"),
    (lambda: dc.dynamic_crop(IMG, payload(), min_size=HUGE), ValueError, "min_size"),
    (lambda: dc.dynamic_crop(IMG, payload(), background_color=(HUGE, 0, 0)), ValueError, "background_color"),
    (lambda: dc.dynamic_crop(IMG, payload(), background_color=(10**5000, 0, 0)), ValueError, "background_color"),
    (lambda: dc.crop_boxes(IMG, [[0, 0, HUGE, 5]]), ValueError, "xyxy: boxes must be finite"),
    (lambda: dc.crop_resize_batch(IMG, payload(), HUGE), ValueError, "size: expected"),
    (lambda: dc.crop_resize_batch(IMG, payload(), (4, 10**5000)), ValueError, "size: expected"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, margin=HUGE), ValueError, "margin"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, mean=HUGE), ValueError, "mean: expected"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, std=[1, HUGE, 1]), ValueError, "std: expected"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, mean=1e39), ValueError, "float32's range"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, mean=-1e39), ValueError, "float32's range"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, std=1e39), ValueError, "float32's range"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, std=1e-40), ValueError, "must stay finite"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, std=-1e-40), ValueError, "must stay finite"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, std=1e-50), ValueError, "non-zero"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, mean=3.4e38, std=0.5), ValueError,
     "must stay finite"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, std=[1, 1, 1e-39]), ValueError,
     "must stay finite"),
    (lambda: dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, mean=object()), ValueError, "mean: expected"),
]


@pytest.mark.parametrize("call, exc, match", OPTIONS_BAD, ids=range(len(OPTIONS_BAD)))
def test_numeric_options_fail_with_value_or_type_errors(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert len(str(info.value)) < 300  # a 400-digit number is not printed whole


def test_extreme_but_finite_normalisation_is_allowed():
    out = dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, mean=-3.0e38, std=1.0).images
    assert np.isfinite(out).all()
    out = dc.crop_resize_batch(IMG, payload(), 4, dtype=np.float32, std=1e-36).images
    assert np.isfinite(out).all()


# --- DYNACROP_ISA ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["avx1024", "AVX2!", "scalar;rm -rf", "\u202e"])
def test_invalid_isa_environment_variable_warns_and_falls_back(value):
    env = dict(os.environ, DYNACROP_ISA=value)
    out = subprocess.run([sys.executable, "-c", "import dynacrop_native as dc; print(dc.get_isa())"],
                         env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == dc.capabilities()["available"][-1]
    assert "DYNACROP_ISA=" in out.stderr and "ignored" in out.stderr and "RuntimeWarning" in out.stderr
