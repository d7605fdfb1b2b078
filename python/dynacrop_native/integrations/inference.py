"""Drop-in backend for Roboflow Inference's Dynamic Crop block (SPEC §5).

- ``crop_image(...)``: same arguments and result as upstream's v1 ``crop_image``.
- ``load_blocks()``: makes this module a Workflows plugin
  (``WORKFLOWS_PLUGINS=dynacrop_native.integrations.inference``) with a block of upstream's
  manifest fields under the type ``dynacrop/dynamic_crop@v1``.
- ``patch()`` / ``unpatch()``: route upstream's own ``roboflow_core/dynamic_crop@v1`` block to
  this backend and back.

Upstream is found in the ``roboflow-workflows`` package or, for older releases, in
``inference``; nothing is imported until one of these functions is called.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from types import ModuleType
from typing import Any

from ..dynamic import dynamic_crop

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
    workflow_image_data = upstream().WorkflowImageData
    crops = dynamic_crop(
        image.numpy_image,
        detections,
        mask_opacity=mask_opacity,
        background_color=background_color,
        detection_id_key=detection_id_key,
    )
    if not crops:
        return []
    ids = detections.data[detection_id_key]
    results = []
    for i, crop in enumerate(crops):
        if crop is None:
            results.append({"crops": None, "predictions": None})
            continue
        cropped = workflow_image_data.create_crop(
            origin_image_data=image,
            crop_identifier=ids[i],
            cropped_image=crop.image,
            offset_x=crop.offset[0],
            offset_y=crop.offset[1],
        )
        results.append({"crops": cropped, "predictions": crop.predictions})
    return results


@lru_cache(maxsize=None)
def block_class() -> type:
    """The plugin block: upstream's manifest and block, typed ``dynacrop/dynamic_crop@v1``."""
    from typing import Literal

    from pydantic import ConfigDict

    up = upstream()
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
            return [
                crop_image(image=image, detections=detections, mask_opacity=mask_opacity, background_color=background_color)
                for image, detections in zip(images, predictions)
            ]

    return DynacropDynamicCropBlockV1


def load_blocks() -> list[type]:
    """Workflows plugin entry point."""
    return [block_class()]


def patch() -> None:
    """Make upstream's ``roboflow_core/dynamic_crop@v1`` block crop with this backend."""
    up = upstream()
    if up.crop_image is not crop_image:
        up._dynacrop_original_crop_image = up.crop_image
        up.crop_image = crop_image


def unpatch() -> None:
    """Undo :func:`patch`."""
    up = upstream()
    original = getattr(up, "_dynacrop_original_crop_image", None)
    if original is not None:
        up.crop_image = original
        del up._dynacrop_original_crop_image
