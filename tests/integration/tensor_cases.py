"""Random inputs for the tensor-native Dynamic Crop block (inference_models predictions, CHW tensor
or HWC numpy images) and a field-by-field comparison of two results. Shared by the differential
tests and the Workflow run in a subprocess."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from dynacrop_native.integrations import inference_tensor as dt

ut = dt.upstream_tensor()
base = __import__(ut.WorkflowImageData.__module__, fromlist=["ImageParentMetadata"])
KINDS = ("detections", "dense", "dense_numeric", "rle", "keypoints", "keypoints_instances")


def colour_forms(rng) -> list:
    r, g, b = (int(v) for v in rng.integers(0, 256, 3))
    return ["#%02x%02x%02x" % (r, g, b), "#%x%x%x" % tuple(rng.integers(0, 16, 3)), f"({r}, {g}, {b})", (r, g, b)]


def random_boxes(rng, h: int, w: int, n: int, dtype) -> torch.Tensor:
    """Boxes inside, at and past the edges (clamped by the block), some empty, some with exact .5
    corners (half-to-even rounding)."""
    x = np.sort(rng.uniform(-0.3 * w, 1.3 * w, (n, 2)), axis=1)
    y = np.sort(rng.uniform(-0.3 * h, 1.3 * h, (n, 2)), axis=1)
    xyxy = np.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], axis=1)
    ties = rng.random(n) < 0.3
    xyxy[ties] = np.floor(xyxy[ties]) + 0.5
    edges = rng.random(n) < 0.2
    xyxy[edges] = [0, 0, w, h]  # exactly the frame
    return torch.from_numpy(xyxy).to(dtype)


def box_metadata(rng, n: int, w: int) -> list[dict]:
    """Per-box metadata as model blocks attach it: ids, geometry in the forms upstream shifts
    (lists of ints or floats, float or int arrays) and the host mirror the block drops."""
    entries = []
    for i in range(n):
        entry = {"detection_id": f"det-{i}", "class_name": "abc"[i % 3], "tracker_id": int(rng.integers(0, 9))}
        if rng.random() < 0.5:
            entry["keypoints_xy"] = rng.integers(0, w, (3, 2)).tolist()
        if rng.random() < 0.5:
            entry["polygon"] = rng.uniform(0, w, (5, 2))
        if rng.random() < 0.3:
            entry["xyxyxyxy"] = rng.integers(0, w, (4, 2)).astype(np.int32)
        if rng.random() < 0.5:
            entry.update({"_host_xyxy": [1.0, 2.0, 3.0, 4.0], "_host_class_id": 1, "_host_confidence": 0.5})
        entries.append(entry)
    return entries


def numeric_mask(rng, masks: np.ndarray) -> np.ndarray:
    """Masks as uint8 (inside: 3) or float32 (inside: 1.5 or NaN, outside: 0.0 or -0.0); the block
    takes non-zero as inside."""
    if rng.random() < 0.5:
        return masks.astype(np.uint8) * 3
    inside = np.where(rng.random(masks.shape) < 0.5, np.float32(1.5), np.float32(np.nan))
    return np.where(masks, inside, np.where(rng.random(masks.shape) < 0.5, np.float32(0.0), np.float32(-0.0)))


def random_prediction(rng, kind: str, h: int, w: int, n: int):
    xyxy = random_boxes(rng, h, w, n, [torch.float32, torch.float32, torch.float64, torch.float16][rng.integers(0, 4)])
    fields = dict(
        xyxy=xyxy,
        class_id=torch.from_numpy(rng.integers(0, 5, n)),
        confidence=torch.from_numpy(rng.random(n).astype(np.float32)),
        image_metadata={"image_id": "frame", "size": [h, w]} if rng.random() < 0.7 else None,
        bboxes_metadata=box_metadata(rng, n, w),
    )
    if kind in ("detections", "keypoints"):
        det = ut.Detections(**fields)
    else:
        masks = rng.random((n, h, w)) < rng.uniform(0.2, 0.8)
        if kind == "rle":
            mask = ut.InstancesRLEMasks(image_size=(h, w), masks=[
                ut.torch_mask_to_coco_rle(torch.from_numpy(m))["counts"] for m in masks])
        else:
            mask = torch.from_numpy(numeric_mask(rng, masks) if kind == "dense_numeric" else masks)
        det = ut.InstanceDetections(mask=mask, **fields)
    if not kind.startswith("keypoints"):
        return det
    k = int(rng.integers(0, 4))
    key_points = ut.KeyPoints(
        xy=torch.from_numpy(rng.uniform(0, w, (n, k, 2)).astype(np.float32)),
        class_id=torch.from_numpy(rng.integers(0, 3, n)),
        confidence=torch.from_numpy(rng.random((n, k)).astype(np.float32)),
        image_metadata={"kp": True} if rng.random() < 0.5 else None,
        key_points_metadata=[{"n": i} for i in range(n)] if rng.random() < 0.5 else None,
        covariance=torch.ones((n, k, 2, 2)) if rng.random() < 0.3 else None,
        detection_confidence=torch.rand(n) if rng.random() < 0.3 else None,
    )
    return key_points, det


def image_data(pixels_chw: np.ndarray, as_tensor: bool, parent_id: str = "root"):
    """A WorkflowImageData of a CHW RGB image: its tensor, or only its HWC BGR numpy form (2-D for
    gray)."""
    meta = base.ImageParentMetadata(parent_id=parent_id)
    if as_tensor:
        return ut.WorkflowImageData(parent_metadata=meta, tensor_image=torch.from_numpy(pixels_chw.copy()))
    hwc = pixels_chw[0] if pixels_chw.shape[0] == 1 else pixels_chw.transpose(1, 2, 0)[:, :, ::-1]
    return ut.WorkflowImageData(parent_metadata=meta, numpy_image=np.ascontiguousarray(hwc))


def random_case(rng) -> dict:
    h, w = (int(v) for v in rng.integers(4, 90, 2))
    channels = 1 if rng.random() < 0.25 else 3
    pixels = rng.integers(0, 256, (channels, h, w), dtype=np.uint8)
    kind = KINDS[int(rng.integers(0, len(KINDS)))]
    opacity = float([0.0, 0.5, 1.0, rng.random()][rng.integers(0, 4)])
    forms = colour_forms(rng)
    return dict(pixels=pixels, as_tensor=bool(rng.random() < 0.65), kind=kind, opacity=opacity,
                colour=forms[int(rng.integers(0, len(forms)))],
                prediction=random_prediction(rng, kind, h, w, int(rng.integers(0, 7))))


def assert_same(ours, theirs, path: str = "result") -> None:
    """Equal in type and value, tensors in dtype, device and shape too, recursively."""
    assert type(ours) is type(theirs), f"{path}: {type(ours).__name__} != {type(theirs).__name__}"
    if isinstance(theirs, torch.Tensor):
        assert (ours.dtype, ours.device, ours.shape) == (theirs.dtype, theirs.device, theirs.shape), path
        if theirs.is_floating_point():  # NaN equals NaN in the same place; zeros keep their sign
            assert torch.equal(ours.isnan(), theirs.isnan()) and torch.equal(ours.signbit(), theirs.signbit()), path
            ours, theirs = ours.nan_to_num(), theirs.nan_to_num()
        assert torch.equal(ours, theirs), path
    elif isinstance(theirs, np.ndarray):
        assert (ours.dtype, ours.shape) == (theirs.dtype, theirs.shape), path
        np.testing.assert_array_equal(ours, theirs, err_msg=path)
    elif isinstance(theirs, ut.WorkflowImageData):
        for name in ("_tensor_image", "_numpy_image", "_video_metadata"):
            assert_same(getattr(ours, name), getattr(theirs, name), f"{path}.{name}")
        assert ours.parent_metadata == theirs.parent_metadata, path
        assert ours.workflow_root_ancestor_metadata == theirs.workflow_root_ancestor_metadata, path
    elif dataclasses.is_dataclass(theirs):
        for f in dataclasses.fields(theirs):
            assert_same(getattr(ours, f.name), getattr(theirs, f.name), f"{path}.{f.name}")
    elif isinstance(theirs, dict):
        assert list(ours) == list(theirs), f"{path}: keys {list(ours)} != {list(theirs)}"
        for k in theirs:
            assert_same(ours[k], theirs[k], f"{path}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), f"{path}: length {len(ours)} != {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{path}[{i}]")
    else:
        assert ours == theirs, f"{path}: {ours!r} != {theirs!r}"


def outcome(fn, *args):
    """(result, None) or (None, (exception type, message))."""
    try:
        return fn(*args), None
    except Exception as e:  # noqa: BLE001 - compared with upstream's
        return None, (type(e), str(e))
