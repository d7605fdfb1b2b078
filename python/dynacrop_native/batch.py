"""crop_resize_batch: every detection cropped and resized into one model-ready batch."""

from __future__ import annotations

import math
import numbers
from typing import Any, Literal, NamedTuple, Sequence

import numpy as np

from . import _native, tensors
from ._checks import channels, image_array, shown
from ._checks import threads as threads_arg
from .color import background_for_channels
from .dynamic import Crop
from .geometry import detection_boxes
from .options import CropOptions, OutOfBounds
from .schemas import schema_for
from .tensors import DLPackArray, Layout

_INTERPOLATIONS = {"bilinear": 0, "nearest": 1, "area": 2}  # value: the kernel's code
_LAYOUTS = {"NHWC": False, "NCHW": True}  # value: planar
_DTYPES = (np.dtype(np.uint8), np.dtype(np.float32), np.dtype(np.float16))
_F32_MAX = float(np.finfo(np.float32).max)


class ResizedBatch(NamedTuple):
    """What :func:`crop_resize_batch` returns.

    ``images``: ``(N, H, W, C)`` or ``(N, C, H, W)``, slot i for detection i. ``scale`` and
    ``offset`` (``(N, 2)``, x then y) map slot coordinates back: ``image_xy = slot_xy / scale +
    offset``, in the coordinates of the image passed in. ``valid[i]`` is False where box i has
    no pixel in the image (or is under ``min_size``): that slot is background only and its
    ``scale``/``offset`` are NaN.
    """

    images: np.ndarray
    scale: np.ndarray
    offset: np.ndarray
    valid: np.ndarray

    def to_image(self, points: Any, index: int) -> np.ndarray:
        """Points ``(..., 2)`` given as (x, y) in slot ``index`` mapped to the image."""
        return np.asarray(points, dtype=np.float64) / self.scale[index] + self.offset[index]


def crop_resize_batch(
    image: np.ndarray | DLPackArray | Crop[Any],
    detections: Any,
    size: int | Sequence[int],
    *,
    keep_aspect: bool = False,
    interpolation: Literal["bilinear", "nearest", "area"] = "bilinear",
    layout: Literal["NHWC", "NCHW"] = "NHWC",
    dtype: Any = np.uint8,
    mean: float | Sequence[float] | None = None,
    std: float | Sequence[float] | None = None,
    rgb: bool = False,
    mask_opacity: float = 0.0,
    background_color: object = (0, 0, 0),
    detection_id_key: str = "detection_id",
    threads: int | None = None,
    margin: float = 0,
    margin_ratio: float = 0.0,
    square: bool = False,
    min_size: float = 0,
    out_of_bounds: OutOfBounds = "clamp",
    image_layout: Layout = "hwc",
) -> ResizedBatch:
    """Crop every detection of a uint8 image and resize it to ``size`` = ``(H, W)`` in one
    native pass per crop, into one contiguous batch ready for a classifier.

    Each slot equals ``cv2.resize(crop, (W, H), interpolation=cv2.INTER_LINEAR)`` (or
    ``INTER_NEAREST`` with ``interpolation="nearest"``, ``INTER_AREA`` with ``"area"``) of the crop :func:`dynamic_crop` makes with the same options
    (``mask_opacity``, ``background_color``, ``margin``, ``margin_ratio``, ``square``,
    ``min_size``, ``out_of_bounds``), without making that crop. ``keep_aspect=True`` resizes
    to fit inside ``size`` and centres the result on ``background_color`` (letterbox).
    ``rgb=True`` swaps B and R. ``dtype=np.float32`` gives ``(value - mean) / std`` per output
    channel in float32, with ``mean`` and ``std`` on the 0..255 scale (``mean=0, std=255``
    gives 0..1); ``dtype=np.float16`` gives that float32 result converted to float16 (rounded
    to nearest even, as ``astype(np.float16)``). ``layout`` is ``"NHWC"`` or ``"NCHW"``; gray images have C = 1.

    ``image`` may be a CPU tensor of any DLPack library, read without a copy; ``images`` is then
    a tensor of the same library on the native buffer (``scale``, ``offset``, ``valid`` stay
    numpy). ``image_layout="chw"`` reads a ``(C, H, W)`` image in place.
    """
    parent = image if isinstance(image, Crop) else None
    planar_source = tensors.layout_arg(image_layout, "image_layout")
    array, back = tensors.read(parent.image if parent else image, "image")
    source = image_array(tensors.hwc(array, planar_source), blend=True)
    height, width = _size(size)
    if not isinstance(keep_aspect, (bool, np.bool_)):
        raise TypeError(f"keep_aspect: expected True or False, got {type(keep_aspect).__name__}")
    if not isinstance(rgb, (bool, np.bool_)):
        raise TypeError(f"rgb: expected True or False, got {type(rgb).__name__}")
    interp = _choice(interpolation, _INTERPOLATIONS, "interpolation")
    planar = _choice(layout, _LAYOUTS, "layout")
    options = CropOptions(mask_opacity, background_color, margin, margin_ratio, square, min_size, out_of_bounds)
    c = channels(source)
    out_dtype = _dtype(dtype)
    norm = _normalisation(out_dtype, mean, std, c)
    a = options.mask_opacity
    background = background_for_channels(options.bgr, c)
    n_threads = threads_arg(threads)
    if not isinstance(detection_id_key, str):
        raise TypeError(f"detection_id_key: expected a string, got {type(detection_id_key).__name__}")

    schema = schema_for(detections, detection_id_key)
    boxes, canvas = detection_boxes(source, schema, options)
    if canvas is None:
        canvas = boxes
    too_large = ((canvas[:, 2] - canvas[:, 0]) * c > 2**31 - 1) | (canvas[:, 3] - canvas[:, 1] > 2**31 - 1)
    if too_large.any():
        i = int(np.flatnonzero(too_large)[0])
        raise ValueError(f"out_of_bounds: padded crop {i} is {canvas[i, 2] - canvas[i, 0]} x "
                         f"{canvas[i, 3] - canvas[i, 1]} px, too large to resample (rows up to 2 GiB)")
    valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    placement, scale, offset = _placement(canvas, valid, height, width, keep_aspect)
    # Masks (RLE decoded, polygons rasterised) only when they are used.
    masks = schema.read(boxes, canvas, *source.shape[:2], polygons=True).masks if schema.n and a > 0 else None
    images = _native.crop_resize(
        source, boxes, canvas, masks, a, background, placement,
        height, width, planar, bool(rgb), interp, *norm, n_threads, out_dtype == np.float16,
    )
    return ResizedBatch(tensors.give_back(back, images), scale, offset, valid)


def _size(value: object) -> tuple[int, int]:
    sides = [value] if isinstance(value, numbers.Integral) else value
    ok = isinstance(sides, (tuple, list)) and len(sides) in (1, 2)
    ok = ok and all(isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in sides)
    if not ok or not all(1 <= v <= 2**31 for v in sides):
        raise ValueError(f"size: expected (height, width) of integers >= 1, got {shown(value)}")
    return int(sides[0]), int(sides[-1])


def _choice(value: object, options: dict, name: str) -> Any:
    if value not in options:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, options))}, got {value!r}")
    return options[value]


def _dtype(value: object) -> np.dtype:
    try:
        dt = np.dtype(value)
    except TypeError:
        dt = None
    if dt not in _DTYPES:
        raise TypeError(f"dtype: expected numpy.uint8, numpy.float32 or numpy.float16, got {value!r}")
    return dt


def _per_channel(value: object, c: int, name: str) -> np.ndarray:
    try:
        v = np.asarray(value, dtype=np.float64) if not isinstance(value, str) else None
    except (TypeError, ValueError, OverflowError):
        v = None
    if v is None or v.ndim > 1 or (v.ndim == 1 and len(v) != c):
        raise ValueError(f"{name}: expected a number or {c} numbers (one per channel), got {shown(value)}")
    if not np.isfinite(v).all():
        raise ValueError(f"{name}: expected finite numbers, got {shown(value)}")
    if (np.abs(v) > _F32_MAX).any():
        raise ValueError(f"{name}: expected numbers within float32's range (+-3.4e38), got {shown(value)}")
    return np.broadcast_to(v, (c,)).astype(np.float32)


def _normalisation(dtype: np.dtype, mean: object, std: object, c: int) -> tuple:
    """uint8 output: (None, None). float32 and float16: float32 (mean, std) per output channel;
    the kernel computes (v - mean) / std in float32, as ``(batch.astype(np.float32) - mean) /
    std`` does with float32 mean and std; float16 output is that float32 result rounded to
    nearest even. Both are refused where the output would not be finite (float16: beyond
    +-65504)."""
    if dtype == np.uint8:
        if mean is not None or std is not None:
            raise ValueError("mean: mean and std need dtype=numpy.float32 or numpy.float16")
        return None, None
    m = _per_channel(0.0 if mean is None else mean, c, "mean")
    s = _per_channel(1.0 if std is None else std, c, "std")
    if (s == 0).any():
        raise ValueError(f"std: expected non-zero values (in float32), got {shown(std)}")
    with np.errstate(all="ignore"):  # the extremes of (v - mean) / std are at v = 0 and v = 255
        ends = ((np.array([[0.0], [255.0]], np.float32) - m) / s).astype(dtype)
    if not np.isfinite(ends).all():
        raise ValueError(f"std: (value - mean) / std must stay finite in {dtype} for values 0..255, "
                         f"got mean={shown(0.0 if mean is None else mean)}, std={shown(std)}")
    return m, s


def _placement(
    canvas: np.ndarray, valid: np.ndarray, height: int, width: int, keep_aspect: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per crop: its rectangle (px, py, rw, rh) in the slot, and the scale and offset that map
    slot coordinates back to the image."""
    n = len(canvas)
    cw = np.maximum(canvas[:, 2] - canvas[:, 0], 1).astype(np.float64)
    ch = np.maximum(canvas[:, 3] - canvas[:, 1], 1).astype(np.float64)
    if keep_aspect:
        s = np.minimum(width / cw, height / ch)
        rw = np.clip(np.round(cw * s), 1, width).astype(np.int64)
        rh = np.clip(np.round(ch * s), 1, height).astype(np.int64)
    else:
        rw, rh = np.full(n, width, dtype=np.int64), np.full(n, height, dtype=np.int64)
    px, py = (width - rw) // 2, (height - rh) // 2
    placement = np.stack([px, py, rw, rh], axis=1)
    placement[~valid] = 0
    scale = np.stack([rw / cw, rh / ch], axis=1)
    offset = canvas[:, :2] - np.stack([px, py], axis=1) / scale
    scale[~valid] = math.nan
    offset[~valid] = math.nan
    return np.ascontiguousarray(placement), scale, offset
