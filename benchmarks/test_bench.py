"""pytest-benchmark suite for the performance table (S1-S4, K1, K1', K2), the fused batch (B1) and oriented crops (O1): each
scenario's baseline and ours in one group, same process, same inputs.

    python -m pytest benchmarks                       # full size
    DYNACROP_BENCH_SCALE=0.05 python -m pytest benchmarks --benchmark-disable   # CI smoke run

`python -m dynacrop_native bench` prints the same comparisons as one table with ratios.
"""

import os

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native.bench import BATCH_FLOAT, BATCH_SIZE, SCENES, scenarios, unfused_batch, upstream_backend
from dynacrop_native.bench.oriented import rotate_frame_per_box, warp_per_box

pytest.importorskip("pytest_benchmark")
SCALE = float(os.environ.get("DYNACROP_BENCH_SCALE", "1"))
LABEL, THEIRS, OURS, WRAP = upstream_backend()


@pytest.fixture(scope="module", params=list(SCENES))
def scene(request):
    h, w, n, masks, a, _, _ = SCENES[request.param]
    s = scenarios.scene(h, w, n, masks=masks, scale=SCALE)
    return request.param, WRAP(s.image), scenarios.detections(s), a


@pytest.mark.parametrize("side", ["upstream", "ours"])
def test_scenario(benchmark, scene, side):
    name, image, det, a = scene
    benchmark.group = name
    benchmark.extra_info["baseline"] = LABEL
    fn = THEIRS if side == "upstream" else OURS
    result = benchmark(fn, image, det, a, "#000000")
    assert len(result) == len(det)


@pytest.mark.parametrize("opacity", [0.5, 1.0])
@pytest.mark.parametrize("side", ["crop.copy()", "remove_background"])
def test_blend_kernel(benchmark, opacity, side):
    crop, mask = scenarios.blend_inputs(SCALE)
    benchmark.group = f"K1 opacity {opacity}"
    if side == "crop.copy()":
        benchmark(crop.copy)
    else:
        out = benchmark(dc.remove_background, crop, mask, opacity, (0, 0, 0), threads=1)
        assert out.shape == crop.shape


@pytest.mark.parametrize("side", ["memcpy", "crop_boxes"])
def test_crop_copy(benchmark, side):
    s = scenarios.scene(1080, 1920, 50, masks=False, scale=SCALE)
    benchmark.group = "K2 crop copy"
    if side == "memcpy":
        flat = np.concatenate([c.reshape(-1) for c in dc.crop_boxes(s.image, s.xyxy) if c is not None])
        benchmark(flat.copy)
    else:
        benchmark(dc.crop_boxes, s.image, s.xyxy, copy=True, threads=1)


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("side", ["unfused", "crop_resize_batch"])
def test_crop_resize_batch(benchmark, dtype, side):
    s = scenarios.scene(1080, 1920, 50, masks=False, scale=SCALE)
    det = scenarios.detections(s)
    size = tuple(max(8, int(v * SCALE)) for v in BATCH_SIZE)
    options = BATCH_FLOAT if dtype == "float32" else {}
    benchmark.group = f"B1 crop+resize {dtype}"
    if side == "unfused":
        out = benchmark(unfused_batch, s.image, det, size, **options)
    else:
        out = benchmark(lambda: dc.crop_resize_batch(s.image, det, size, **options).images)
    assert out.shape[0] == len(det)


@pytest.mark.parametrize("side", ["per-box cv2.warpAffine", "rotate the frame per box", "oriented_crop"])
def test_oriented_crops(benchmark, side):
    s = scenarios.rotated_scene(1080, 1920, 50, scale=SCALE)
    benchmark.group = "O1 oriented, 50 boxes"
    if side == "per-box cv2.warpAffine":
        out = benchmark(warp_per_box, s.image, s.corners)
    elif side == "rotate the frame per box":
        out = benchmark(rotate_frame_per_box, s.image, s)
    else:
        out = benchmark(dc.oriented_crop, s.image, s.corners, orientation="corners")
    assert len(out) == len(s.corners)


def test_tensor_rows_are_skipped_with_a_note_without_the_tensor_block(monkeypatch):
    from dynacrop_native.bench import tensor

    monkeypatch.setattr(tensor, "tensor_backend", lambda: None)
    rows, note = tensor.tensor_rows(quick=True, scale=SCALE)
    assert rows == [] and note.startswith("tensor rows skipped:") and "\n" not in note
