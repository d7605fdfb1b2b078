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
    options = CropOptions(mask_opacity, background_color)
    factory = CropFactory(image)

    def result(box: tuple, crop: Any, predictions: Any, detection_id: Any) -> dict[str, Any]:
        return {"crops": factory(crop, detection_id, box[0], box[1]), "predictions": predictions}

    cut = cut_detections(source, detections, options, detection_id_key, False, None, id_prefix=None, make=result)
    return [{"crops": None, "predictions": None} if r is None else r for r in cut]


class CropFactory:
    """``WorkflowImageData.create_crop`` (``create_crop_from_tensor`` with ``tensor=True``, the
    origin's ``size`` given so that no other representation is materialised) for many crops of one
    image, without its per-crop ``dataclasses.replace``: the parent's and root's metadata are read
    once and the same upstream classes are built directly. The first crop is also made by upstream's
    own method and compared; on any difference (say, a field a newer upstream added) every crop of
    the call goes through it. The image's metadata is read at the first crop, so a call whose
    detections are refused raises that error first, as upstream's does."""

    def __init__(self, image: Any, tensor: bool = False, size: tuple[int, int] | None = None):
        self.image = image
        self.tensor = tensor  # crops are CHW tensors: create_crop_from_tensor and tensor_image
        self.size = size
        self.fast: bool | None = None  # decided on the first crop

    def read_metadata(self) -> None:
        self.root = self.image.workflow_root_ancestor_metadata
        self.height, self.width = self.size or self.image.numpy_image.shape[:2]
        self.image_class = upstream().WorkflowImageData
        rc = self.root.origin_coordinates
        self.meta, self.coords = type(self.root), type(rc)
        self.root_fields = (self.root.parent_id, rc.left_top_x, rc.left_top_y, rc.origin_width, rc.origin_height)

    def __call__(self, crop: Any, crop_id: Any, x0: int, y0: int) -> Any:
        if self.fast:
            return self.direct(crop, crop_id, x0, y0)
        if self.fast is None:
            self.read_metadata()
        if self.tensor:
            slow = self.image_class.create_crop_from_tensor(
                origin_image_data=self.image, crop_identifier=crop_id, cropped_tensor_image=crop, offset_x=x0, offset_y=y0
            )
        else:
            slow = self.image_class.create_crop(
                origin_image_data=self.image, crop_identifier=crop_id, cropped_image=crop, offset_x=x0, offset_y=y0
            )
        if self.fast is None:
            try:
                fast = self.direct(crop, crop_id, x0, y0)
                self.fast = (
                    fast.parent_metadata == slow.parent_metadata
                    and fast.workflow_root_ancestor_metadata == slow.workflow_root_ancestor_metadata
                    and vars(fast).keys() == vars(slow).keys()
                )
            except Exception:  # noqa: BLE001 - any disagreement with upstream means: use upstream
                self.fast = False
        return slow

    def direct(self, crop: Any, crop_id: Any, x0: int, y0: int) -> Any:
        meta, coords = self.meta, self.coords
        root_id, root_x, root_y, root_w, root_h = self.root_fields
        parent = _frozen(meta, {"parent_id": crop_id, "origin_coordinates": _frozen(coords, {
            "left_top_x": x0, "left_top_y": y0, "origin_width": self.width, "origin_height": self.height})})
        root = _frozen(meta, {"parent_id": root_id, "origin_coordinates": _frozen(coords, {
            "left_top_x": root_x + x0, "left_top_y": root_y + y0, "origin_width": root_w, "origin_height": root_h})})
        pixels = {"tensor_image" if self.tensor else "numpy_image": crop}
        return self.image_class(parent_metadata=parent, workflow_root_ancestor_metadata=root, **pixels)


def _frozen(cls: type, values: dict) -> Any:
    """An instance of upstream's frozen metadata dataclass `cls` with every field given, built
    without its generated __init__ (one object.__setattr__ per field, microseconds per crop).
    CropFactory compares the first such crop with upstream's own create_crop."""
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj


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
