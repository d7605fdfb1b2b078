"""remove_background: the mask blend (cv2.addWeighted semantics) on one crop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

import numpy as np

from . import _native, rle, tensors
from ._checks import channels, image_array, mask_array, opacity
from ._checks import threads as threads_arg
from .color import background_for_channels, parse_color
from .schemas import compact_local, is_compact_mask
from .tensors import DLPackArray, Layout

if TYPE_CHECKING:  # supervision is optional; only type checkers read this
    from supervision import CompactMask


T = TypeVar("T", bound=DLPackArray)


@overload
def remove_background(crop: np.ndarray, mask: np.ndarray | Mapping[str, Any] | CompactMask | DLPackArray,
                      mask_opacity: float, background_color: object = (0, 0, 0), *, threads: int | None = None,
                      layout: Layout = "hwc") -> np.ndarray: ...
@overload
def remove_background(crop: T, mask: np.ndarray | Mapping[str, Any] | CompactMask | DLPackArray,
                      mask_opacity: float, background_color: object = (0, 0, 0), *, threads: int | None = None,
                      layout: Layout = "hwc") -> T: ...


def remove_background(
    crop: Any,
    mask: np.ndarray | Mapping[str, Any] | CompactMask | DLPackArray,
    mask_opacity: float,
    background_color: object = (0, 0, 0),
    *,
    threads: int | None = None,
    layout: Layout = "hwc",
) -> Any:
    """Blend the pixels outside ``mask`` toward ``background_color``; returns a new array.

    ``mask`` is an array (``(h, w)`` or ``(h, w, C)``; bool, integer or float: non-zero is
    inside, NaN included), a COCO RLE dict of the crop's size or a ``supervision.CompactMask``
    of one mask over the crop. Inside the mask pixels are unchanged; outside, channel ``c`` of value ``v``
    becomes exactly ``cv2.addWeighted(bg, a, crop, 1 - a, 0)``, i.e.
    ``rint_half_even(f32(fma(f32(bg[c]), f32(a), f32(v * f32(1 - a)))))``. The colour is RGB
    (any ``parse_color`` form) applied in BGR order; on 4-channel crops the alpha channel is
    blended toward 255, on grayscale crops the colour's luma is used.

    ``crop`` and ``mask`` may be CPU tensors of any DLPack library (read without a copy; the
    result is a tensor of ``crop``'s library). ``layout="chw"``: ``crop`` is ``(C, h, w)``, the
    mask ``(h, w)`` (or ``(C, h, w)``, one per plane), blended plane by plane; the result is
    ``(C, h, w)``.
    """
    planar = tensors.layout_arg(layout)
    array, back = tensors.read(crop, "crop")
    crop = image_array(tensors.hwc(array, planar, "crop"), "crop", blend=True)
    planar = planar and crop.ndim == 3
    mask = tensors.read_array(mask, "mask")
    if planar and isinstance(mask, np.ndarray) and mask.ndim == 3:
        mask = tensors.hwc(mask, True, "mask")
    if not isinstance(mask, np.ndarray) and isinstance(mask, Mapping):  # a COCO RLE dict of the crop's size
        h, w, _ = rle.parse(mask, "mask")
        if (h, w) != crop.shape[:2]:
            raise ValueError(f"mask: RLE size {[h, w]} does not match the crop {crop.shape[:2]}")
        mask = rle.decode(mask, "mask")
    elif is_compact_mask(mask):  # one mask over the crop
        if len(mask) != 1 or tuple(mask.image_shape) != crop.shape[:2]:
            raise ValueError(f"mask: expected a CompactMask of one mask of the crop's size {crop.shape[:2]}, "
                             f"got {len(mask)} of {tuple(mask.image_shape)}")
        mask = compact_local(mask, 0, (0, 0, crop.shape[1], crop.shape[0]))
    mask = mask_array(mask, crop.shape[:2], channels(crop))
    a = opacity(mask_opacity)
    bg = background_for_channels(parse_color(background_color), channels(crop))
    return tensors.give_back(back, _native.blend(crop, mask, a, bg, threads_arg(threads), planar))
