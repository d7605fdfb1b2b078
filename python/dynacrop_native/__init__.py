"""dynacrop_native: fast Dynamic Crop (Roboflow Inference's ``roboflow_core/dynamic_crop@v1``).

One crop per detection, optional background removal outside each instance mask, and every
coordinate translated into the crop's frame; upright crops of rotated boxes (``oriented_crop``);
C++ kernels with runtime SIMD dispatch.
"""

from __future__ import annotations

from .batch import ResizedBatch, crop_resize_batch
from .blend import remove_background
from .color import parse_color
from .crop import crop_boxes
from .dynamic import Crop, dynamic_crop, dynamic_crop_batch
from .isa import Capabilities, capabilities, get_isa, set_isa
from .oriented import OrientedCrop, oriented_crop
from .isa import _apply_environment

__version__ = "0.1.0"

__all__ = [
    "Capabilities",
    "Crop",
    "OrientedCrop",
    "ResizedBatch",
    "capabilities",
    "crop_boxes",
    "crop_resize_batch",
    "dynamic_crop",
    "dynamic_crop_batch",
    "get_isa",
    "oriented_crop",
    "parse_color",
    "remove_background",
    "set_isa",
]

_apply_environment()
del _apply_environment
