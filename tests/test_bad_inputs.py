"""The README's bad-input table: every row below is a test, and the README must show exactly
these rows (regenerate with `python tests/test_bad_inputs.py`)."""

from pathlib import Path

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native import _native

IMG = np.zeros((4, 6, 3), np.uint8)
BOX = [[0, 0, 2, 2]]
MASK = np.zeros((4, 6), bool)


def payload(**fields):
    """A Roboflow JSON payload with one prediction."""
    return {"predictions": [{"x": 1, "y": 1, "width": 2, "height": 2, "detection_id": "a", **fields}]}


# (what is wrong, call, exception, message exactly as raised)
ROWS = [
    ("image is not a numpy array or a DLPack tensor", lambda: dc.crop_boxes([[1, 2]], BOX), TypeError,
     "image: expected a numpy array or a DLPack tensor, got list"),
    ("image dtype not supported", lambda: dc.crop_boxes(IMG.astype(np.int64), BOX), TypeError,
     "image: expected dtype uint8, uint16 or float32, got int64"),
    ("image not 2-D or 3-D", lambda: dc.crop_boxes(IMG[None], BOX), ValueError,
     "image: expected shape (H, W) or (H, W, C), got (1, 4, 6, 3)"),
    ("more than 4 channels", lambda: dc.crop_boxes(np.zeros((4, 6, 5), np.uint8), BOX), ValueError,
     "image: expected 1 to 4 channels, got shape (4, 6, 5)"),
    ("boxes not (N, 4)", lambda: dc.crop_boxes(IMG, [[0, 0, 2]]), ValueError,
     "xyxy: expected shape (N, 4), got (1, 3)"),
    ("NaN or infinite box", lambda: dc.crop_boxes(IMG, [[0, 0, np.nan, 2]]), ValueError,
     "xyxy: boxes must be finite, row 0 is [0.0, 0.0, nan, 2.0]"),
    ("boxes not numbers", lambda: dc.crop_boxes(IMG, [["a", 0, 1, 1]]), TypeError,
     "xyxy: expected an (N, 4) array of numbers (could not convert string to float: 'a')"),
    ("outputs larger than memory", lambda: dc.crop_boxes(
        np.broadcast_to(np.zeros(3, np.uint8), (100_000, 100_000, 3)), np.tile([[0, 0, 100_000, 100_000]], (1000, 1))),
     MemoryError, "xyxy: the requested crops need 27939.7 GiB, more than this machine's {mem} of memory"),
    ("threads not a positive integer", lambda: dc.crop_boxes(IMG, BOX, threads=0), ValueError,
     "threads: expected None or an integer >= 1, got 0"),
    ("blend on a non-uint8 crop", lambda: dc.remove_background(IMG.astype(np.float32), MASK, 0.5), TypeError,
     "crop: expected dtype uint8, got float32"),
    ("mask of another shape", lambda: dc.remove_background(IMG, MASK[:3], 0.5), ValueError,
     "mask: expected shape (4, 6) or (4, 6, 3), got (3, 6)"),
    ("mask dtype not numeric", lambda: dc.remove_background(IMG, MASK.astype(np.complex64), 0.5), TypeError,
     "mask: expected dtype bool, integer or float, got complex64"),
    ("opacity outside [0, 1] or NaN", lambda: dc.remove_background(IMG, MASK, 1.5), ValueError,
     "mask_opacity: expected a number in [0, 1], got 1.5"),
    ("opacity not a number", lambda: dc.remove_background(IMG, MASK, "0.5"), TypeError,
     "mask_opacity: expected a number in [0, 1], got str"),
    ("colour string not understood", lambda: dc.parse_color("reddish"), ValueError,
     "background_color: invalid colour 'reddish', expected '#RRGGBB', '#RGB', '(r, g, b)' or a CSS colour name"),
    ("colour component out of range", lambda: dc.parse_color((0, 0, 300)), ValueError,
     "background_color: components must be integers in 0..255, got (0, 0, 300)"),
    ("detections of an unknown type", lambda: dc.dynamic_crop(IMG, "0 0 2 2"), TypeError,
     "detections: expected supervision.Detections, a Roboflow JSON payload or list of predictions, "
     "a list of COCO annotations, or an (N, 4) array of boxes, got str"),
    ("some detections without their id", lambda: dc.dynamic_crop(IMG, {"predictions": [
        {"x": 1, "y": 1, "width": 2, "height": 2, "detection_id": "a"}, {"x": 1, "y": 1, "width": 2, "height": 2}]}),
     ValueError, "detections: prediction 1 lacks the 'detection_id' key"),
    ("RLE run length fractional or negative", lambda: dc.remove_background(
        IMG, {"size": [4, 6], "counts": [0.5, 23.5]}, 0.5), ValueError,
     "mask: 'counts' must be non-negative whole numbers up to h * w = 24, got 0.5 at position 0"),
    ("RLE size beyond 32 bits", lambda: dc.remove_background(IMG, {"size": [2**32, 6], "counts": [0]}, 0.5),
     ValueError, "mask: 'size' must be [height, width], integers in 0..2147483647, got [4294967296, 6]"),
    ("Roboflow JSON number as a string", lambda: dc.dynamic_crop(IMG, payload(x="20")), TypeError,
     "detections['predictions'][0]['x']: expected a number, got str"),
    ("Roboflow JSON malformed points", lambda: dc.dynamic_crop(IMG, payload(points=[[1, 2]])), TypeError,
     "detections['predictions'][0]['points'][0]: expected a dict with 'x' and 'y', got list"),
    ("polygon vertex not finite", lambda: dc.dynamic_crop(IMG, payload(points=[
        {"x": 0, "y": 0}, {"x": float("inf"), "y": 0}, {"x": 1, "y": 1}]), mask_opacity=0.5), ValueError,
     "detections['predictions'][0]['points']: vertices must be finite and within int32, "
     "got [[0.0, 0.0], [inf, 0.0], [1.0, 1.0]]"),
    ("one box without its row", lambda: dc.dynamic_crop(IMG, [0, 0, 2, 2]), ValueError,
     "detections: expected shape (N, 4), got (4,)"),
    ("number too large for a float", lambda: dc.remove_background(IMG, MASK, 10**400), ValueError,
     "mask_opacity: expected a number in [0, 1], got 100000000000000000...0000000000000000000"),
    ("normalisation overflowing float32", lambda: dc.crop_resize_batch(IMG, payload(), 2, dtype=np.float32,
                                                                        std=1e-40), ValueError,
     "std: (value - mean) / std must stay finite in float32 for values 0..255, got mean=0.0, std=1e-40"),
    ("mean or std beyond float32", lambda: dc.crop_resize_batch(IMG, payload(), 2, dtype=np.float32, mean=1e39),
     ValueError, "mean: expected numbers within float32's range (+-3.4e38), got 1e+39"),
    ("native call with an out-of-image box", lambda: _native.crop(IMG, np.array([[0, 0, 7, 2]], np.int64), None, 0.0, [], 1),
     ValueError, "xyxy: box 0 lies outside the image; clamp boxes first"),
    ("unknown kernel level", lambda: dc.set_isa("avx1024"), ValueError,
     "isa: unknown level 'avx1024' (expected one of: best, {levels})"),
]


def expected_message(message: str) -> str:
    caps = dc.capabilities()
    mem = _native_memory()
    return message.format(mem=mem, levels=", ".join(caps["compiled"]))


def _native_memory() -> str:
    import os

    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGESIZE")
    return f"{total / 2**30:.1f} GiB"


@pytest.mark.parametrize("what, call, exc, message", ROWS, ids=[r[0] for r in ROWS])
def test_row(what, call, exc, message):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value) == expected_message(message)


def render() -> str:
    lines = ["| bad input | exception | message (example) |", "|---|---|---|"]
    for what, _, exc, message in ROWS:
        shown = message.format(mem="<RAM> GiB", levels="scalar, sse4.1, avx2, avx512")
        lines.append(f"| {what} | `{exc.__name__}` | `{shown}` |")
    return "\n".join(lines)


def test_readme_table_matches_these_rows():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert render() in readme, "README's bad-input table is out of date: run python tests/test_bad_inputs.py"


if __name__ == "__main__":
    print(render())
