"""Differential tests against the real upstream block (roboflow-workflows)."""

import numpy as np
import pytest
import supervision as sv

from dynacrop_native.integrations import inference as di
from helpers import assert_detections_equal

up = di.upstream()
base = __import__(up.WorkflowImageData.__module__, fromlist=["ImageParentMetadata"])

CASES = 300


def random_detections(rng, h, w, n, with_masks):
    x = np.sort(rng.uniform(0, w, (n, 2)), axis=1)
    y = np.sort(rng.uniform(0, h, (n, 2)), axis=1)
    xyxy = np.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], axis=1)
    ties = rng.random(n) < 0.3
    xyxy[ties] = np.floor(xyxy[ties]) + 0.5  # exact .5: half-to-even rounding
    xyxy = np.clip(xyxy, 0, [w, h, w, h])
    return sv.Detections(
        xyxy=xyxy.astype(rng.choice([np.float32, np.float64])),
        mask=(rng.random((n, h, w)) < 0.5) if with_masks else None,
        confidence=rng.random(n).astype(np.float32),
        class_id=rng.integers(0, 4, n),
        tracker_id=rng.integers(0, 100, n) if rng.random() < 0.5 else None,
        data={
            "detection_id": np.array([f"d{i}" for i in range(n)]),
            "class_name": np.array(["a", "b", "c", "d"])[rng.integers(0, 4, n)],
            "keypoints_xy": rng.uniform(0, w, (n, 2, 2)),
            "polygon": rng.uniform(0, w, (n, 6, 2)),
            "xyxyxyxy": rng.uniform(0, w, (n, 4, 2)).astype(np.float32),
            "parent_id": np.array(["img"] * n),
        },
    )


def image_data(image, parent_id="root"):
    return up.WorkflowImageData(parent_metadata=base.ImageParentMetadata(parent_id=parent_id), numpy_image=image)


def assert_same_result(ours, theirs):
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        if t["crops"] is None:
            assert o == {"crops": None, "predictions": None}
            continue
        np.testing.assert_array_equal(o["crops"].numpy_image, t["crops"].numpy_image)
        assert o["crops"].numpy_image.dtype == t["crops"].numpy_image.dtype
        assert o["crops"].parent_metadata == t["crops"].parent_metadata
        assert o["crops"].workflow_root_ancestor_metadata == t["crops"].workflow_root_ancestor_metadata
        assert_detections_equal(o["predictions"], t["predictions"])


def test_differential_random_inputs():
    rng = np.random.default_rng(2026)
    compared = 0
    for case in range(CASES):
        h, w = int(rng.integers(8, 120)), int(rng.integers(8, 120))
        image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        det = random_detections(rng, h, w, int(rng.integers(0, 6)), with_masks=rng.random() < 0.7)
        opacity = float(rng.choice([0.0, 1.0, 0.5, rng.random()]))
        forms = [
            "#%02x%02x%02x" % tuple(rng.integers(0, 256, 3)),
            "#%x%x%x" % tuple(rng.integers(0, 16, 3)),
            "(%d, %d, %d)" % tuple(rng.integers(0, 256, 3)),
            tuple(int(v) for v in rng.integers(0, 256, 3)),
        ]
        colour = forms[int(rng.integers(0, len(forms)))]
        theirs = up.crop_image(image_data(image), det, opacity, colour)
        ours = di.crop_image(image_data(image), det, opacity, colour)
        assert_same_result(ours, theirs)
        compared += len(theirs)
    assert compared > CASES  # most cases carry detections


def test_nested_crops_match():
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, (90, 110, 3), dtype=np.uint8)
    outer = sv.Detections(xyxy=np.array([[10.0, 12.0, 100.0, 80.0]]), data={"detection_id": np.array(["outer"])})
    (first,) = up.crop_image(image_data(image), outer, 0.0, "#000")
    (mine,) = di.crop_image(image_data(image), outer, 0.0, "#000")
    inner = random_detections(rng, 68, 90, 4, with_masks=True)
    assert_same_result(
        di.crop_image(mine["crops"], inner, 0.8, "#abcdef"),
        up.crop_image(first["crops"], inner, 0.8, "#abcdef"),
    )


def test_missing_id_key_and_empty_detections_match():
    image = image_data(np.zeros((10, 10, 3), np.uint8))
    assert di.crop_image(image, sv.Detections.empty(), 0.5, "#000") == up.crop_image(image, sv.Detections.empty(), 0.5, "#000")
    det = sv.Detections(xyxy=np.array([[0.0, 0.0, 5.0, 5.0]]))
    with pytest.raises(ValueError, match="lack of detection_id key"):
        up.crop_image(image, det, 0.5, "#000")
    with pytest.raises(ValueError, match="lack of detection_id key"):
        di.crop_image(image, det, 0.5, "#000")


def test_patch_routes_upstream_block_to_native_backend():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (50, 60, 3), dtype=np.uint8)
    det = random_detections(rng, 50, 60, 3, with_masks=True)
    block = up.DynamicCropBlockV1()
    before = block.run([image_data(image)], [det], 0.5, "#102030")
    di.patch()
    try:
        assert up.crop_image is di.crop_image
        after = block.run([image_data(image)], [det], 0.5, "#102030")
    finally:
        di.unpatch()
    assert up.crop_image is not di.crop_image
    assert_same_result(after[0], before[0])


def test_plugin_block_manifest():
    (block,) = di.load_blocks()
    manifest = block.get_manifest()
    assert manifest.model_fields["type"].annotation.__args__ == ("dynacrop/dynamic_crop@v1",)
    upstream_fields = set(up.BlockManifest.model_fields)
    assert set(manifest.model_fields) == upstream_fields
    parsed = manifest.model_validate(
        {"type": "dynacrop/dynamic_crop@v1", "name": "crop", "images": "$inputs.image",
         "predictions": "$steps.model.predictions", "mask_opacity": 0.5}
    )
    assert parsed.mask_opacity == 0.5
    assert manifest.describe_outputs() == up.BlockManifest.describe_outputs()


def test_plugin_block_runs_in_the_execution_engine(monkeypatch):
    """A real Workflow through Inference's Execution Engine: image + detections (batch input)
    into the plugin block; its crops equal upstream's crop_image on the same inputs."""
    monkeypatch.setenv("WORKFLOWS_PLUGINS", "dynacrop_native.integrations.inference")
    from roboflow_workflows.execution_engine.core import ExecutionEngine

    workflow = {
        "version": "1.0",
        "inputs": [
            {"type": "WorkflowImage", "name": "image"},
            {"type": "WorkflowBatchInput", "name": "predictions", "kind": ["instance_segmentation_prediction"]},
        ],
        "steps": [
            {"type": "dynacrop/dynamic_crop@v1", "name": "crop", "images": "$inputs.image",
             "predictions": "$inputs.predictions", "mask_opacity": 0.5, "background_color": "#ff0000"}
        ],
        "outputs": [
            {"type": "JsonField", "name": "crops", "selector": "$steps.crop.crops"},
            {"type": "JsonField", "name": "predictions", "selector": "$steps.crop.predictions"},
        ],
    }
    engine = ExecutionEngine.init(workflow_definition=workflow, init_parameters={})
    rng = np.random.default_rng(11)
    images = [rng.integers(0, 256, (60, 80, 3), dtype=np.uint8) for _ in range(2)]
    dets = [random_detections(rng, 60, 80, 4, with_masks=True) for _ in range(2)]
    results = engine.run(runtime_parameters={"image": images, "predictions": dets})
    assert len(results) == 2
    for image, det, result in zip(images, dets, results):
        want = [r for r in up.crop_image(image_data(image), det, 0.5, "#ff0000") if r["crops"] is not None]
        got = [c for c in result["crops"] if c is not None]
        assert len(got) == len(want) > 0
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.numpy_image, w["crops"].numpy_image)
            assert g.parent_metadata.parent_id == w["crops"].parent_metadata.parent_id
            assert g.parent_metadata.origin_coordinates == w["crops"].parent_metadata.origin_coordinates
        preds = [p for p in result["predictions"] if p is not None]
        for p, w in zip(preds, want):
            assert_detections_equal(p, w["predictions"])


def test_crop_factory_takes_the_direct_path_and_falls_back(monkeypatch):
    image = image_data(np.zeros((20, 30, 3), np.uint8))
    det = sv.Detections(xyxy=np.array([[1.0, 2.0, 10.0, 12.0], [5.0, 5.0, 25.0, 15.0]]),
                        data={"detection_id": np.array(["a", "b"])})
    pixels = [np.zeros((3, 3, 3), np.uint8), np.zeros((4, 3, 3), np.uint8)]
    # A crop of a crop: the root metadata differs from the parent's.
    nested = up.WorkflowImageData.create_crop(origin_image_data=image, crop_identifier="outer",
                                              cropped_image=np.zeros((12, 20, 3), np.uint8), offset_x=3, offset_y=2)
    for origin in (image, nested):
        factory = di.CropFactory(origin)
        crops = factory(pixels, ["x", "y"], [4, 6], [5, 7])
        assert factory.fast is True
        for got, pixel, cid, (x, y) in zip(crops, pixels, ["x", "y"], [(4, 5), (6, 7)]):
            want = up.WorkflowImageData.create_crop(origin_image_data=origin, crop_identifier=cid, cropped_image=pixel,
                                                    offset_x=x, offset_y=y)
            assert got.numpy_image is pixel
            assert got.parent_metadata == want.parent_metadata
            assert got.workflow_root_ancestor_metadata == want.workflow_root_ancestor_metadata
            assert vars(got).keys() == vars(want).keys()
    # A metadata layout that no longer matches upstream's: every crop goes through create_crop.
    def broken(self, *args):
        raise TypeError("a field a newer upstream added")

    monkeypatch.setattr(di.CropFactory, "direct", broken)
    slow = di.CropFactory(image)
    crop = np.zeros((3, 3, 3), np.uint8)
    got = slow([crop, crop], ["x", "y"], [4, 6], [5, 7])
    assert slow.fast is False
    for g, (cid, x, y) in zip(got, [("x", 4, 5), ("y", 6, 7)]):
        want = up.WorkflowImageData.create_crop(origin_image_data=image, crop_identifier=cid, cropped_image=crop,
                                                offset_x=x, offset_y=y)
        assert g.parent_metadata == want.parent_metadata
        assert g.workflow_root_ancestor_metadata == want.workflow_root_ancestor_metadata
