"""Tensors in and out: any DLPack producer on the CPU (torch, JAX, ...) is read without a copy,
and results go back as tensors of the same library, sharing the native buffers (zero-copy).

Layouts: ``"hwc"`` (OpenCV's, numpy's default) or ``"chw"`` (torch models'); a CHW image is read
as the strided HWC view of the same memory, so shapes, boxes and masks are handled once, and the
native kernels are told it is planar so crops come out ``(C, h, w)`` without any transpose.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Literal, Protocol

import numpy as np

Layout = Literal["hwc", "chw"]

# DLPack device types (dlpack.h DLDeviceType): the CPU and the names of the others, for errors.
_CPU = 1
_DEVICES = {2: "cuda", 3: "cuda host", 4: "opencl", 7: "vulkan", 8: "metal", 9: "vpi", 10: "rocm",
            13: "cuda managed", 14: "oneapi", 15: "webgpu", 16: "hexagon", 17: "maia"}


class DLPackArray(Protocol):
    """What the public functions take besides numpy arrays: a DLPack producer (torch.Tensor, JAX
    arrays, ...), on the CPU."""

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any: ...

    def __dlpack_device__(self) -> tuple[int, int]: ...


def read(value: Any, name: str) -> tuple[Any, Callable[[Any], Any] | None]:
    """`value` as a numpy array (the same memory) and the function that hands a result array back
    to `value`'s library (None for numpy arrays and other objects, which pass through unchanged
    for the usual checks to judge)."""
    if isinstance(value, np.ndarray) or not hasattr(value, "__dlpack__"):
        return value, None
    device, _ = _device(value, name)
    if device != _CPU:
        where = _DEVICES.get(device, f"device type {device}")
        raise ValueError(f"{name}: expected a tensor on the CPU, got one on {where}; the kernels run on the "
                         "CPU only (move it with .cpu(), or use the library's own GPU path)")
    back = _from_dlpack(value, name)
    try:
        array = np.from_dlpack(value)
    except (BufferError, TypeError, RuntimeError, ValueError) as e:  # e.g. torch: requires_grad, a dtype numpy lacks
        raise TypeError(f"{name}: cannot read this {type(value).__name__} through DLPack: {e}") from None
    return array, back


def read_array(value: Any, name: str) -> Any:
    """:func:`read` for inputs whose library does not matter (masks, boxes): the array only."""
    return read(value, name)[0]


def layout_arg(value: object, name: str = "layout") -> bool:
    """True for "chw" (planar), False for "hwc"."""
    if value not in ("hwc", "chw"):
        raise ValueError(f"{name}: expected 'hwc' or 'chw', got {value!r}")
    return value == "chw"


def hwc(image: Any, planar: bool, name: str = "image") -> Any:
    """The HWC view of a (C, H, W) image when `planar` (same memory, no copy); 2-D images and
    HWC ones as they are. Other objects pass through for the usual checks."""
    if not planar or not isinstance(image, np.ndarray) or image.ndim != 3:
        return image
    if not 1 <= image.shape[0] <= 4:
        raise ValueError(f"{name}: expected shape (C, H, W) with 1 to 4 channels for layout='chw', got {image.shape}")
    return image.transpose(1, 2, 0)


def chw(array: np.ndarray) -> np.ndarray:
    """The (C, h, w) view of an HWC array (2-D arrays as they are)."""
    return array.transpose(2, 0, 1) if array.ndim == 3 else array


def give_back(back: Callable[[Any], Any] | None, array: Any) -> Any:
    """A result array as a tensor of the input's library (None stays None)."""
    return array if back is None or array is None else back(array)


def _device(value: Any, name: str) -> tuple[int, int]:
    try:
        device = value.__dlpack_device__()
        return int(device[0]), int(device[1])
    except Exception as e:  # a producer without a usable device query cannot be read safely
        raise TypeError(f"{name}: a {type(value).__name__} with __dlpack__ but no usable __dlpack_device__(): {e}") from None


def _from_dlpack(value: Any, name: str) -> Callable[[Any], Any]:
    """The `from_dlpack` of `value`'s library: its array-API namespace's, else its top-level
    module's (torch.from_dlpack)."""
    space = getattr(value, "__array_namespace__", None)
    if callable(space):
        f = getattr(space(), "from_dlpack", None)
        if callable(f):
            return f
    module = sys.modules.get(type(value).__module__.partition(".")[0])
    f = getattr(module, "from_dlpack", None)
    if not callable(f):
        raise TypeError(f"{name}: cannot hand results back as {type(value).__name__}: its library has no from_dlpack")
    return f
