"""crop_boxes: one crop per box, rounded half to even and clamped to the image."""

from __future__ import annotations

import numpy as np

from typing import Any, TypeVar, overload

from . import tensors
from ._checks import image_array
from ._checks import threads as threads_arg
from .cutting import crop_arrays
from .geometry import as_xyxy, round_and_clamp
from .tensors import DLPackArray, Layout

T = TypeVar("T", bound=DLPackArray)


@overload
def crop_boxes(image: np.ndarray, xyxy: object, *, copy: bool = True, threads: int | None = None,
               layout: Layout = "hwc") -> list[np.ndarray | None]: ...
@overload
def crop_boxes(image: T, xyxy: object, *, copy: bool = True, threads: int | None = None,
               layout: Layout = "hwc") -> list[T | None]: ...


def crop_boxes(
    image: Any, xyxy: object, *, copy: bool = True, threads: int | None = None, layout: Layout = "hwc"
) -> list[Any]:
    """One crop per box ``(x_min, y_min, x_max, y_max)``, ``None`` where the crop is empty.

    Boxes are rounded half to even (like ``numpy.round``) and clamped to the image. With
    ``copy=True`` every crop is a new C-contiguous array, all filled by one native call with
    the GIL released (over ``threads`` threads, ``None`` = automatic); with ``copy=False`` crops
    are views of ``image``.

    ``image`` may be a CPU tensor of any DLPack library (torch, JAX, ...): it is read without a
    copy and the crops are tensors of the same library sharing the native buffers.
    ``layout="chw"`` takes a ``(C, H, W)`` image (torch models' layout) and gives ``(C, h, w)``
    crops, cut plane by plane.
    """
    planar = tensors.layout_arg(layout)
    array, back = tensors.read(image, "image")
    source = image_array(tensors.hwc(array, planar))
    boxes = round_and_clamp(as_xyxy(tensors.read_array(xyxy, "xyxy")), source.shape[1], source.shape[0])
    n_threads = threads_arg(threads)
    crops = crop_arrays(source, boxes, None, 0.0, (0, 0, 0), copy, n_threads, planar=planar)
    return crops if back is None else [tensors.give_back(back, c) for c in crops]
