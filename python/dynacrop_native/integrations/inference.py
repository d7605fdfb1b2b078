"""Drop-in backend for Roboflow Inference's Dynamic Crop block.

- ``crop_image(...)``: same arguments and result as upstream's v1 ``crop_image`` (the
  tensor-native block's equivalent is ``inference_tensor.crop_image``).
- ``load_blocks()``: makes this module a Workflows plugin
  (``WORKFLOWS_PLUGINS=dynacrop_native.integrations.inference``) with a block of upstream's
  manifest fields under the type ``dynacrop/dynamic_crop@v1``: v1's, or the tensor-native
  block's when Workflows runs with ``ENABLE_TENSOR_DATA_REPRESENTATION``.
- ``patch()`` / ``unpatch()``: route upstream's own ``roboflow_core/dynamic_crop@v1`` block, both
  forms, to this backend and back.

Upstream is found in the ``roboflow-workflows`` package or, for older releases, in
``inference``; nothing is imported until one of these functions is called.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from types import ModuleType
from typing import Any

import numpy as np

from .. import _native
from .._checks import image_array
from ..cutting import cut_detections
from ..options import CropOptions

BLOCK_TYPE = "dynacrop/dynamic_crop@v1"
UPSTREAM_MODULES = (
    "roboflow_workflows.core_steps.transformations.dynamic_crop.v1",
    "inference.core.workflows.core_steps.transformations.dynamic_crop.v1",
)


@lru_cache(maxsize=None)
def upstream() -> ModuleType:
    """Upstream's Dynamic Crop v1 module."""
    errors = []
    for name in UPSTREAM_MODULES:
        try:
            return importlib.import_module(name)
        except ImportError as e:
            errors.append(f"{name}: {e}")
    raise ImportError("Roboflow Workflows is not installed (pip install roboflow-workflows): " + "; ".join(errors))


def crop_image(
    image: Any,
    detections: Any,
    mask_opacity: float,
    background_color: Any,
    detection_id_key: str = "detection_id",
) -> list[dict[str, Any]]:
    """Upstream's ``crop_image`` on this backend: ``[{"crops": WorkflowImageData | None,
    "predictions": sv.Detections | None}]`` with the same parent and root-ancestor metadata."""
    source = image_array(image.numpy_image)
    options = block_options(mask_opacity, background_color)
    factory = CropFactory(image)

    def results(frames: np.ndarray, crops: list, predictions: list, ids: list) -> list[dict[str, Any]]:
        return block_results(factory(crops, ids, frames[:, 0].tolist(), frames[:, 1].tolist()), predictions)

    return with_empty_entries(cut_detections(source, detections, options, detection_id_key, False, None,
                                             id_prefix=None, make=results))


def block_options(mask_opacity: Any, background_color: Any) -> CropOptions:
    """The block's CropOptions, kept for arguments seen before (a workflow passes the same ones
    for every frame; checking them costs microseconds, as much as cropping a box). Only plain
    forms are kept, a float or int opacity with a string or a tuple of ints, and the key holds
    the types, so values that compare equal but are checked differently (1 and True, 1.0 and 1
    inside a colour) never stand in for each other; other forms are checked every time."""
    colour = background_color
    plain = type(mask_opacity) in (float, int) and (
        type(colour) is str or (type(colour) is tuple and all(type(v) is int for v in colour)))
    if not plain:
        return CropOptions(mask_opacity, background_color)
    return _checked_options((type(mask_opacity), mask_opacity, type(colour), colour))


@lru_cache(maxsize=64)
def _checked_options(key: tuple) -> CropOptions:
    return CropOptions(key[1], key[3])


def block_results(images: list, predictions: list) -> list[dict[str, Any]]:
    """Upstream's result entries, ``{"crops": image, "predictions": prediction}``, all at once."""
    return _native.records(None, {"crops": images, "predictions": predictions})


def with_empty_entries(entries: list) -> list[dict[str, Any]]:
    """Upstream's entry for an empty crop, ``{"crops": None, "predictions": None}``, in place of None."""
    return [{"crops": None, "predictions": None} if e is None else e for e in entries]


class CropFactory:
    """``WorkflowImageData.create_crop`` (``create_crop_from_tensor`` with ``tensor=True``, the
    origin's ``size`` given so that no other representation is materialised) for all crops of one
    image at once. The first crop is made by upstream's own method; the others are built field by
    field (``_native.records``) from it, without upstream's per-crop ``dataclasses.replace``: its
    attributes are their template, with each crop's pixels and parent and root metadata (the same
    upstream dataclasses, built the same way) in place of its own. That is used only when the
    first crop's other attributes are None or flags and its own rebuild equals it; on any
    difference (say, a field a newer upstream added) every crop goes through upstream's method.
    The image's metadata is read at the first crop, so a call whose detections are refused raises
    that error first, as upstream's does."""

    def __init__(self, image: Any, tensor: bool = False, size: tuple[int, int] | None = None):
        self.image = image
        self.tensor = tensor  # crops are CHW tensors: create_crop_from_tensor and tensor_image
        self.size = size
        self.fast: bool | None = None  # decided at the first call

    def __call__(self, crops: list, ids: list, xs: list[int], ys: list[int]) -> list:
        """One WorkflowImageData per crop; crop i cut at (xs[i], ys[i]), named ids[i]."""
        if not crops:
            return []
        first = self.upstream(crops[0], ids[0], xs[0], ys[0])
        if len(crops) > 1 and self.fast is not False:
            try:
                made = self.direct(first, crops, ids, xs, ys)
                self.fast = (type(made[0]) is type(first) and made[0].parent_metadata == first.parent_metadata
                             and made[0].workflow_root_ancestor_metadata == first.workflow_root_ancestor_metadata)
            except Exception:  # noqa: BLE001 - any disagreement with upstream means: use upstream
                self.fast = False
            if self.fast:
                made[0] = first
                return made
        return [first] + [self.upstream(*args) for args in zip(crops[1:], ids[1:], xs[1:], ys[1:])]

    def upstream(self, crop: Any, crop_id: Any, x0: int, y0: int) -> Any:
        cls = upstream().WorkflowImageData
        if self.tensor:
            return cls.create_crop_from_tensor(origin_image_data=self.image, crop_identifier=crop_id,
                                               cropped_tensor_image=crop, offset_x=x0, offset_y=y0)
        return cls.create_crop(origin_image_data=self.image, crop_identifier=crop_id, cropped_image=crop,
                               offset_x=x0, offset_y=y0)

    def direct(self, first: Any, crops: list, ids: list, xs: list[int], ys: list[int]) -> list:
        """Every crop's WorkflowImageData with `first` (upstream's own first crop) as the template."""
        parent, root = first.parent_metadata, first.workflow_root_ancestor_metadata
        roles = {}  # attribute name: what it holds
        for key, value in vars(first).items():
            role = "parent" if value is parent else "root" if value is root else "pixels" if value is crops[0] else None
            if role:
                roles[key] = role
            elif not (value is None or value is True or value is False):
                raise TypeError(f"WorkflowImageData.{key}: an attribute this factory does not know")
        if sorted(roles.values()) != ["parent", "pixels", "root"]:
            raise TypeError("WorkflowImageData: pixels, parent and root not found among its attributes")
        top = self.image.workflow_root_ancestor_metadata.origin_coordinates
        height, width = self.size or self.image.numpy_image.shape[:2]
        meta, coords = type(parent), type(parent.origin_coordinates)

        def metadata(parent_ids: list, x: list, y: list, origin_width: int, origin_height: int) -> list:
            origin = _native.records(coords, {"left_top_x": x, "left_top_y": y},
                                     {"left_top_x": 0, "left_top_y": 0, "origin_width": origin_width,
                                      "origin_height": origin_height})
            return _native.records(meta, {"parent_id": parent_ids, "origin_coordinates": origin})

        dx, dy = top.left_top_x, top.left_top_y
        made = {
            "pixels": crops,
            "parent": metadata(ids, xs, ys, width, height),
            "root": metadata([root.parent_id] * len(crops), [dx + x for x in xs] if dx else xs,
                             [dy + y for y in ys] if dy else ys, top.origin_width, top.origin_height),
        }
        columns = {key: made[role] for key, role in roles.items()}
        return _native.records(type(first), columns, vars(first))


@lru_cache(maxsize=None)
def block_class(tensor: bool = False) -> type:
    """The plugin block: upstream's manifest and block, typed ``dynacrop/dynamic_crop@v1``; with
    ``tensor=True`` those of the tensor-native block (predictions as inference_models objects)."""
    from typing import Literal

    from pydantic import ConfigDict

    from . import inference_tensor

    up = inference_tensor.upstream_tensor() if tensor else upstream()
    backend = inference_tensor.crop_image if tensor else crop_image
    extra = dict(up.BlockManifest.model_config.get("json_schema_extra") or {})
    extra["name"] = "Dynamic Crop (dynacrop_native)"
    extra["short_description"] = "Crop an image using bounding boxes from a detection model (native backend)."

    class DynacropBlockManifest(up.BlockManifest):
        model_config = ConfigDict(json_schema_extra=extra)
        type: Literal["dynacrop/dynamic_crop@v1"]

    class DynacropDynamicCropBlockV1(up.DynamicCropBlockV1):
        @classmethod
        def get_manifest(cls) -> type:
            return DynacropBlockManifest

        def run(self, images, predictions, mask_opacity, background_color):
            # positional: v1 names the second argument `detections`, the tensor block `predictions`
            return [backend(image, detections, mask_opacity, background_color)
                    for image, detections in zip(images, predictions)]

    return DynacropDynamicCropBlockV1


def tensor_representation() -> bool:
    """Whether Workflows runs with ENABLE_TENSOR_DATA_REPRESENTATION (it then loads the
    tensor-native block instead of v1); False where the release has no such setting."""
    try:
        from roboflow_workflows.environment import ENABLE_TENSOR_DATA_REPRESENTATION
    except ImportError:
        return False
    return bool(ENABLE_TENSOR_DATA_REPRESENTATION)


def load_blocks() -> list[type]:
    """Workflows plugin entry point: the block matching the data representation in use."""
    return [block_class(tensor_representation())]


def patched_modules() -> list[tuple[ModuleType, Any]]:
    """(upstream module, our crop_image) for v1 and, where installed, the tensor-native block."""
    from . import inference_tensor

    pairs = [(upstream(), crop_image)]
    try:
        pairs.append((inference_tensor.upstream_tensor(), inference_tensor.crop_image))
    except ImportError:  # older releases (or no torch): only v1 exists
        pass
    return pairs


def patch() -> None:
    """Make upstream's ``roboflow_core/dynamic_crop@v1`` block crop with this backend, in both of
    its forms (v1 and the tensor-native sibling). The tensor form still hands inputs on CUDA to
    upstream's own function."""
    for module, ours in patched_modules():
        if module.crop_image is not ours:
            module._dynacrop_original_crop_image = module.crop_image
            module.crop_image = ours


def unpatch() -> None:
    """Undo :func:`patch`."""
    for module, _ in patched_modules():
        original = getattr(module, "_dynacrop_original_crop_image", None)
        if original is not None:
            module.crop_image = original
            del module._dynacrop_original_crop_image
