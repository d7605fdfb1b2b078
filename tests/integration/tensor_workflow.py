"""Run as a script by test_inference_tensor_upstream.py: a Workflow through the Execution Engine
with ENABLE_TENSOR_DATA_REPRESENTATION on (fixed per process, at import), its Dynamic Crop step
either our plugin block (argv[1] == "plugin") or upstream's block after patch() ("patched").
Every crop and prediction must equal upstream's v1_tensor.crop_image on the same inputs."""

import os
import sys

import torch
from roboflow_workflows.configuration import TensorConfiguration, WorkflowsConfiguration, configure_process

configure_process(WorkflowsConfiguration(tensor=TensorConfiguration(
    representation_enabled=True, image_tensor_device=torch.device("cpu"))))
if sys.argv[1] == "plugin":
    os.environ["WORKFLOWS_PLUGINS"] = "dynacrop_native.integrations.inference"

import numpy as np  # noqa: E402
from roboflow_workflows.execution_engine.core import ExecutionEngine  # noqa: E402
from tensor_cases import assert_same, base, random_prediction, ut  # noqa: E402

from dynacrop_native.integrations import inference as di  # noqa: E402
from dynacrop_native.integrations import inference_tensor as dt  # noqa: E402

STEP = {"plugin": "dynacrop/dynamic_crop@v1", "patched": "roboflow_core/dynamic_crop@v1"}[sys.argv[1]]
# Keypoint tuples come only from model steps (no runtime-input deserializer takes them); the
# differential tests cover them.
KINDS = {"dense": "instance_segmentation_prediction", "rle": "instance_segmentation_prediction",
         "detections": "object_detection_prediction"}
original = dt.original_crop_image()  # upstream's, captured before any patch
runs = []
run = dt.Job.run
dt.Job.run = lambda job: runs.append(job) or run(job)  # counts the calls our backend computed
if sys.argv[1] == "patched":
    di.patch()
rng = np.random.default_rng(21)
checked = 0
for kind, kind_name in KINDS.items():
    workflow = {
        "version": "1.0",
        "inputs": [{"type": "WorkflowImage", "name": "image"},
                   {"type": "WorkflowBatchInput", "name": "predictions", "kind": [kind_name]}],
        "steps": [{"type": STEP, "name": "crop", "images": "$inputs.image", "predictions": "$inputs.predictions",
                   "mask_opacity": 0.37, "background_color": "#ff8000"}],
        "outputs": [{"type": "JsonField", "name": "crops", "selector": "$steps.crop.crops"},
                    {"type": "JsonField", "name": "predictions", "selector": "$steps.crop.predictions"}],
    }
    engine = ExecutionEngine.init(workflow_definition=workflow, init_parameters={})
    # Tensor images (CHW RGB: the engine keeps them as tensor_image) and numpy images (HWC BGR).
    images = [torch.from_numpy(rng.integers(0, 256, (3, 48, 64), dtype=np.uint8)),
              rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)]
    predictions = [random_prediction(rng, kind, 48, 64, 5) for _ in images]
    results = engine.run(runtime_parameters={"image": images, "predictions": predictions})
    for image, prediction, result in zip(images, predictions, results):
        data = ut.WorkflowImageData(parent_metadata=base.ImageParentMetadata(parent_id="x"),
                                    **{"tensor_image" if torch.is_tensor(image) else "numpy_image": image})
        want = [r for r in original(data, prediction, 0.37, "#ff8000") if r["crops"] is not None]
        got = [c for c in result["crops"] if c is not None]
        assert len(got) == len(want) > 0, (kind, len(got), len(want))
        for g, w in zip(got, want):
            assert_same(g._tensor_image, w["crops"]._tensor_image, "tensor crop")
            assert_same(g._numpy_image, w["crops"]._numpy_image, "numpy crop")
            assert g.parent_metadata.origin_coordinates == w["crops"].parent_metadata.origin_coordinates
        assert_same([p for p in result["predictions"] if p is not None], [w["predictions"] for w in want])
        checked += len(got)
assert len(runs) == 2 * len(KINDS), len(runs)  # every image's step ran on our backend
print(f"workflow outputs equal upstream's ({checked} crops, {sys.argv[1]})")
