"""The S scenarios on CPU tensors: upstream's tensor-native Dynamic Crop block
(roboflow-workflows' dynamic_crop/v1_tensor) against our drop-in for it, on a CHW RGB tensor image
and inference_models predictions (Detections for S1, InstanceDetections with dense bool masks for
S2-S4, and S4 once more with the masks as InstancesRLEMasks)."""

from __future__ import annotations

import sys

import numpy as np

from . import SCENES, Row, compare, scenarios

# Rounds (full, --quick) per scenario: upstream's tensor block takes seconds per call on S2-S4.
ROUNDS = {"S1": (10, 3), "S2": (5, 2), "S3": (5, 2), "S4": (3, 1)}


def tensor_backend():
    """(label, upstream's crop_image, ours, module) or None when the tensor block (torch,
    inference_models) is not installed."""
    try:
        from ..integrations import inference_tensor as dt

        ut = dt.upstream_tensor()
    except ImportError:
        return None
    from importlib.metadata import PackageNotFoundError, version

    try:
        label = f"upstream v1_tensor {version('roboflow-workflows')}"
    except PackageNotFoundError:
        label = "upstream v1_tensor"
    return label, dt.original_crop_image(), dt.crop_image, ut


def tensor_inputs(ut, s: scenarios.Scene, rle: bool):
    """The scene as the tensor block sees it: a CPU CHW RGB tensor image and the predictions a
    model block hands over."""
    torch = ut.torch
    base = sys.modules[ut.WorkflowImageData.__module__]
    chw = torch.from_numpy(np.ascontiguousarray(s.image[:, :, ::-1].transpose(2, 0, 1)))
    image = ut.WorkflowImageData(parent_metadata=base.ImageParentMetadata(parent_id="image"), tensor_image=chw)
    n = len(s.xyxy)
    rng = np.random.default_rng(n)
    fields = dict(
        xyxy=torch.from_numpy(s.xyxy.astype(np.float32)),
        class_id=torch.from_numpy(rng.integers(0, 80, n)),
        confidence=torch.from_numpy(rng.random(n).astype(np.float32)),
        image_metadata={"class_names": ["object"]},
        bboxes_metadata=[{"detection_id": f"det-{i}", "class_name": "object"} for i in range(n)],
    )
    if s.masks is None:
        return image, ut.Detections(**fields)
    if rle:
        mask = ut.InstancesRLEMasks(image_size=s.masks.shape[1:], masks=[
            ut.torch_mask_to_coco_rle(torch.from_numpy(m))["counts"] for m in s.masks])
    else:
        mask = torch.from_numpy(s.masks)
    return image, ut.InstanceDetections(mask=mask, **fields)


def tensor_rows(quick: bool, scale: float) -> tuple[list[Row], str | None]:
    """The tensor rows, or none and a one-line note saying why they were skipped."""
    backend = tensor_backend()
    if backend is None:
        return [], "tensor rows skipped: the tensor-native block (roboflow-workflows with torch, inference_models) is not installed"
    label, theirs, ours, ut = backend
    rows = []
    cases = [(name, spec, False) for name, spec in SCENES.items()]
    cases.append(("S4 4K, 100 masks, 1.0", SCENES["S4 4K, 100 masks, 1.0"], True))
    torch = ut.torch
    default_threads = torch.get_num_threads()
    for name, (h, w, n, masks, a, *_), rle in cases:
        s = scenarios.scene(h, w, n, masks=masks, scale=scale)
        image, prediction = tensor_inputs(ut, s, rle)
        rounds, quick_rounds = ROUNDS[name[:2]]
        scenario = f"{name.split(',')[0]} tensor{', RLE' if rle else ''}"
        # Upstream copies each crop with torch, which splits copies of more than 32K elements over
        # its intra-op threads; on a busy machine it waits for them. Timed as deployed (torch's
        # default threads) and with torch on one thread.
        for threads in (default_threads, 1):
            torch.set_num_threads(threads)
            try:
                b, o, r = compare(lambda: theirs(image, prediction, a, "#000000"),
                                  lambda: ours(image, prediction, a, "#000000"), quick_rounds if quick else rounds)
            finally:
                torch.set_num_threads(default_threads)
            rows.append(Row(scenario, f"{label}, torch {threads} thr", b, o, r, ">= 1x (report)", r >= 1.0))
        del s, image, prediction
    return rows, None
