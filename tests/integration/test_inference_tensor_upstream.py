"""Differential tests against the real tensor-native Dynamic Crop block (roboflow-workflows'
dynamic_crop/v1_tensor, inference_models predictions) and a Workflow run with the tensor data
representation switched on."""

import copy
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

if os.environ.get("DYNACROP_REQUIRE_UPSTREAM") != "1":  # in CI the tensor block must be there
    pytest.importorskip("torch")
    pytest.importorskip("inference_models")

import torch  # noqa: E402
from tensor_cases import assert_same, base, image_data, outcome, random_case, random_prediction, ut  # noqa: E402

from dynacrop_native.integrations import inference as di  # noqa: E402
from dynacrop_native.integrations import inference_tensor as dt  # noqa: E402

CASES = 600
HERE = Path(__file__).parent


@pytest.fixture
def fast_path(monkeypatch):
    """Counts the calls our backend computes itself (not handed to upstream)."""
    runs = []
    original = dt.Job.run

    def counted(job):
        runs.append(job)
        return original(job)

    monkeypatch.setattr(dt.Job, "run", counted)
    return runs


def compare(image, prediction, opacity, colour):
    before = copy.deepcopy(prediction)
    ours, our_error = outcome(dt.crop_image, image, prediction, opacity, colour)
    assert_same(prediction, before, "input after our call")  # never modified
    theirs, their_error = outcome(ut.crop_image, image, prediction, opacity, colour)
    assert our_error == their_error
    if theirs is not None:
        assert_same(ours, theirs)
    return theirs


def test_differential_random_inputs(fast_path):
    rng = np.random.default_rng(14)
    crops = blended = 0
    kinds = set()
    for _ in range(CASES):
        case = random_case(rng)
        image = image_data(case["pixels"], case["as_tensor"])
        theirs = compare(image, case["prediction"], case["opacity"], case["colour"])
        crops += sum(r["crops"] is not None for r in theirs or [])
        blended += bool(theirs) and case["opacity"] > 0 and case["kind"] not in ("detections", "keypoints")
        kinds.add((case["kind"], case["as_tensor"], case["pixels"].shape[0]))
    assert len(kinds) == 24  # every prediction kind on gray and RGB, tensor and numpy images
    assert crops > 2 * CASES and blended > CASES // 4
    # Cases are ours, not upstream's: only gray numpy images with a blend are handed over
    # (upstream broadcasts the colour against them its own way), and calls without detections.
    assert len(fast_path) > 0.75 * CASES


def test_every_opacity_and_colour_form_on_one_scene(fast_path):
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, (3, 64, 96), dtype=np.uint8)
    for kind in ("dense", "rle", "keypoints_instances"):
        prediction = random_prediction(rng, kind, 64, 96, 6)
        for opacity in (0.0, 0.5, 1.0, 0.1, 0.3, 0.7, 0.999, float(rng.random())):
            for colour in ("#0a1b2c", "#abc", "(250, 3, 128)", (250, 3, 128), (0, 0, 0), "#ffffff"):
                for as_tensor in (True, False):
                    compare(image_data(pixels, as_tensor), prediction, opacity, colour)
    assert len(fast_path) == 3 * 8 * 6 * 2


def test_images_blend_natively_only_where_the_tables_agree(monkeypatch):
    """cv2.addWeighted's fused multiply-add (the native kernel) and the tensor block's float32
    `op*bg + (1-op)*v` agree for most (opacity, colour) pairs, not all: (0.7, (250, 3, 128)) differs.
    Numpy images then take one interleaved native call, tensors one planar call."""
    native_calls = []
    real = dt.crop_arrays

    def counted(*args, **kwargs):
        native_calls.append((args[2] is not None, kwargs.get("planar", False)))
        return real(*args, **kwargs)

    monkeypatch.setattr(dt, "crop_arrays", counted)
    rng = np.random.default_rng(12)
    pixels = rng.integers(0, 256, (3, 40, 60), dtype=np.uint8)
    prediction = random_prediction(rng, "dense", 40, 60, 4)
    colour = (250, 3, 128)
    for as_tensor in (False, True):
        for opacity, native in ((0.5, True), (0.7, False)):
            table = dt.outside_table(ut, as_tensor, opacity, colour)
            assert dt.native_table_matches(opacity, colour if as_tensor else colour[::-1], table) is native
            compare(image_data(pixels, as_tensor), prediction, opacity, colour)
    # 0.5: one native crop-and-blend call (numpy: interleaved; tensor: planar); 0.7: the table.
    assert native_calls == [(True, False), (True, True)]


def test_tensor_crops_without_a_blend_are_one_planar_native_call(monkeypatch):
    calls = []
    real = dt.crop_arrays
    monkeypatch.setattr(dt, "crop_arrays", lambda *a, **k: calls.append(k.get("planar")) or real(*a, **k))
    rng = np.random.default_rng(3)
    for planes in (1, 3):
        pixels = rng.integers(0, 256, (planes, 30, 50), dtype=np.uint8)
        compare(image_data(pixels, True), random_prediction(rng, "dense", 30, 50, 5), 0.0, "#000")
    assert calls == [True, True]


def test_gray_tensor_blends_into_three_planes():
    """Upstream broadcasts the RGB colour against a (1, H, W) crop: the blended crop has 3 planes."""
    rng = np.random.default_rng(8)
    pixels = rng.integers(0, 256, (1, 30, 40), dtype=np.uint8)
    prediction = random_prediction(rng, "dense", 30, 40, 3)
    prediction.xyxy = torch.tensor([[2.0, 3.0, 30.0, 25.0], [0, 0, 40, 30], [5, 5, 6, 6]])
    theirs = compare(image_data(pixels, True), prediction, 0.4, "#204060")
    assert [tuple(r["crops"].tensor_image.shape) for r in theirs] == [(3, 22, 28), (3, 30, 40), (3, 1, 1)]


def test_rle_masks_are_decoded_over_the_box_only(monkeypatch):
    """A 4000 x 6000 RLE frame and small boxes: our backend never decodes (or allocates) a frame-
    sized mask, and its re-encoded crop masks are byte-identical to upstream's."""
    h, w = 4000, 6000
    masks = np.zeros((2, h, w), bool)
    masks[0, 100:140, 200:260] = True
    masks[1, 3000:3100, 5950:] = True
    prediction = ut.InstanceDetections(
        xyxy=torch.tensor([[190.0, 90.0, 270.0, 150.0], [5940.0, 2990.0, 6100.0, 3110.0]]),
        class_id=torch.tensor([0, 1]), confidence=torch.tensor([0.5, 0.6]),
        mask=ut.InstancesRLEMasks(image_size=(h, w), masks=[ut.torch_mask_to_coco_rle(torch.from_numpy(m))["counts"]
                                                            for m in masks]),
        bboxes_metadata=[{"detection_id": "a"}, {"detection_id": "b"}])
    image = ut.WorkflowImageData(parent_metadata=base.ImageParentMetadata(parent_id="big"), tensor_image=torch.zeros((3, h, w), dtype=torch.uint8))
    decoded = []
    from dynacrop_native import rle

    real = rle.decode_box
    monkeypatch.setattr(rle, "decode_box", lambda r, box, name="rle": decoded.append(box) or real(r, box, name))
    ours = dt.crop_image(image, prediction, 0.5, "#ffffff")
    assert decoded == [(190, 90, 270, 150), (5940, 2990, 6000, 3110)]
    assert_same(ours, ut.crop_image(image, prediction, 0.5, "#ffffff"))


def test_inputs_off_the_cpu_go_to_upstream(monkeypatch, fast_path):
    """A tensor on another device (CUDA in production; the 'meta' device here, which upstream's own
    code cannot crop either) is handed to upstream's function, never computed by ours."""
    seen = []
    monkeypatch.setattr(ut, "_dynacrop_original_crop_image",
                        lambda *args: seen.append(args) or "upstream's result", raising=False)
    rng = np.random.default_rng(2)
    prediction = random_prediction(rng, "dense", 20, 30, 3)
    meta_image = ut.WorkflowImageData(parent_metadata=base.ImageParentMetadata(parent_id="x"), tensor_image=torch.zeros((3, 20, 30), dtype=torch.uint8))
    meta_image._tensor_image = meta_image._tensor_image.to("meta")
    assert dt.crop_image(meta_image, prediction, 0.5, "#000") == "upstream's result"
    prediction.mask = prediction.mask.to("meta")
    assert dt.crop_image(image_data(np.zeros((3, 20, 30), np.uint8), True), prediction, 0.5, "#000") == \
        "upstream's result"
    assert len(seen) == 2 and fast_path == []


def test_errors_are_upstreams():
    rng = np.random.default_rng(4)
    pixels = rng.integers(0, 256, (3, 20, 30), dtype=np.uint8)
    prediction = random_prediction(rng, "dense", 20, 30, 3)
    for colour in ("#12", "red", [1, 2, 3], "(1, 2)"):
        compare(image_data(pixels, True), prediction, 0.5, colour)
    del prediction.bboxes_metadata[1]["detection_id"]
    with pytest.raises(ValueError, match="lack of detection_id key"):
        dt.crop_image(image_data(pixels, True), prediction, 0.5, "#000")
    empty = random_prediction(rng, "rle", 20, 30, 0)
    assert dt.crop_image(image_data(pixels, True), empty, 0.5, "#000") == []


def test_nested_tensor_crops_match():
    rng = np.random.default_rng(9)
    pixels = rng.integers(0, 256, (3, 80, 100), dtype=np.uint8)
    outer = random_prediction(rng, "detections", 80, 100, 1)
    outer.xyxy = torch.tensor([[10.0, 12.0, 90.0, 70.0]])
    (ours,) = dt.crop_image(image_data(pixels, True), outer, 0.0, "#000")
    (theirs,) = ut.crop_image(image_data(pixels, True), outer, 0.0, "#000")
    inner = random_prediction(rng, "rle", 58, 80, 4)
    assert_same(dt.crop_image(ours["crops"], inner, 0.8, "#abcdef"), ut.crop_image(theirs["crops"], inner, 0.8, "#abcdef"))


def test_patch_covers_both_blocks():
    import roboflow_workflows.core_steps.transformations.dynamic_crop.v1 as v1

    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (3, 40, 50), dtype=np.uint8)
    prediction = random_prediction(rng, "rle", 40, 50, 3)
    block = ut.DynamicCropBlockV1()
    before = block.run([image_data(pixels, True)], [prediction], 0.5, "#102030")
    di.patch()
    try:
        assert v1.crop_image is di.crop_image and ut.crop_image is dt.crop_image
        assert dt.original_crop_image() is not dt.crop_image
        after = block.run([image_data(pixels, True)], [prediction], 0.5, "#102030")
    finally:
        di.unpatch()
    assert v1.crop_image is not di.crop_image and ut.crop_image is not dt.crop_image
    assert_same(after, before)


def test_plugin_block_follows_the_data_representation():
    tensor_block = di.block_class(tensor=True)
    manifest = tensor_block.get_manifest()
    assert manifest.model_fields["type"].annotation.__args__ == ("dynacrop/dynamic_crop@v1",)
    assert set(manifest.model_fields) == set(ut.BlockManifest.model_fields)
    assert manifest.describe_outputs() == ut.BlockManifest.describe_outputs()
    assert issubclass(tensor_block, ut.DynamicCropBlockV1)
    assert di.load_blocks() == [di.block_class(di.tensor_representation())]


@pytest.mark.parametrize("block", ["plugin", "patched"])
def test_workflow_with_tensor_representation(block):
    """Workflows fixes its data representation at import: a fresh process with it switched on runs
    a Workflow through the Execution Engine (the plugin block, or upstream's block patched) on
    tensor and numpy images with dense, RLE and keypoint predictions; the script compares every
    output with upstream's v1_tensor.crop_image and checks our backend did the work."""
    result = subprocess.run([sys.executable, str(HERE / "tensor_workflow.py"), block], capture_output=True, text=True,
                            cwd=HERE, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "workflow outputs equal upstream's" in result.stdout


def test_bench_tensor_rows():
    """`python -m dynacrop_native bench` shows these rows when the tensor block is installed."""
    from dynacrop_native.bench.tensor import tensor_rows

    rows, skipped = tensor_rows(quick=True, scale=0.05)
    assert skipped is None
    assert [r.scenario for r in rows[::2]] == ["S1 boxes tensor", "S2 masks tensor", "S3 masks tensor", "S4 4K tensor",
                                               "S4 4K tensor, RLE"]
    assert all(r.baseline.startswith("upstream v1_tensor") and r.baseline_ms > 0 and r.ours_ms > 0 for r in rows)
    assert {r.baseline.split(", ")[-1] for r in rows[1::2]} == {"torch 1 thr"}
