"""The work behind dynamic_crop: detections read, boxes shaped and clamped, every crop of an
image cut (and blended) by one native call, predictions translated. The one place that calls
the native crop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import _native
from ._checks import channels, image_array
from ._checks import threads as threads_arg
from .alpha import alpha_crop
from .color import background_for_channels
from .geometry import detection_boxes
from .options import CropOptions
from .schemas import DetectionsReader, Reading, schema_for
from .tensors import chw

Cut = tuple[tuple[int, int, int, int], "np.ndarray | None", Any, Any]
# make(frames, crops, predictions, ids) -> one result per crop (the non-empty crops only);
# frames: their (K, 4) int64 frames, so a maker takes the columns it needs in one call
Make = Callable[[np.ndarray, list, list, list], list]


@dataclass
class Cutting:
    """One image's detections cut: clamped int boxes, crop frames (the boxes, or the padded
    frames with out_of_bounds="pad"), crops (None where a box is empty) and the reading that
    holds the box-local masks and translates predictions."""

    boxes: np.ndarray
    frames: np.ndarray
    crops: list[np.ndarray | None]
    reading: Reading


def cut_detections(
    source: np.ndarray,
    detections: Any,
    options: CropOptions,
    detection_id_key: str,
    copy: bool,
    threads: int | None,
    id_prefix: str | None = None,
    make: Make | None = None,
    planar: bool = False,
) -> list:
    """Per detection of a validated image array: its int box (the padded frame with
    out_of_bounds="pad"), crop, translated prediction and id, as the detections carry it; None
    where the crop is empty. The results of the non-empty crops are made by one call
    `make(frames, crops, predictions, ids)` (tuples without `make`), so a caller builds its
    result objects for all crops at once. Detections without ids get `id_prefix` + their
    index; `id_prefix=None` (the Inference drop-in) raises upstream's error instead. `planar`:
    `source` is the HWC view of a (C, H, W) image and crops come out (C, h, w)."""
    n_threads = threads_arg(threads)
    if not isinstance(detection_id_key, str):
        raise TypeError(f"detection_id_key: expected a string, got {type(detection_id_key).__name__}")
    schema = schema_for(detections, detection_id_key)
    if schema.n == 0:
        return []
    ids = schema.ids(id_prefix)
    cut = cut_reader(source, schema, options, copy, n_threads, planar)
    frames = cut.frames.tolist()
    regions = None if cut.frames is cut.boxes else cut.boxes.tolist()  # padded: the parts inside the image
    kept = [i for i, crop in enumerate(cut.crops) if crop is not None]
    predictions = cut.reading.translations(kept, frames, regions)
    if len(kept) == schema.n:
        return (make or _as_tuples)(cut.frames, cut.crops, predictions, ids)
    made = (make or _as_tuples)(cut.frames[kept], [cut.crops[i] for i in kept], predictions, [ids[i] for i in kept])
    return placed(made, kept, schema.n)


def placed(made: list, kept: list[int], n: int) -> list:
    """n results: made[j] at index kept[j], None elsewhere (the empty crops)."""
    out: list = [None] * n
    for i, result in zip(kept, made):
        out[i] = result
    return out


def _as_tuples(frames: np.ndarray, crops: list, predictions: list, ids: list) -> list[Cut]:
    return list(zip(map(tuple, frames.tolist()), crops, predictions, ids))


def cut_reader(source: np.ndarray, reader: DetectionsReader, options: CropOptions, copy: bool, threads: int,
               planar: bool = False) -> Cutting:
    """Every detection of `reader` cut from `source` (and blended, or made bgra) by one native
    call; `threads` is the native count (0 = automatic); `planar` as in :func:`cut_detections`."""
    a = options.mask_opacity
    boxes, canvas = detection_boxes(source, reader, options)
    frames = boxes if canvas is None else canvas
    reading = reader.read(boxes, frames, *source.shape[:2], polygons=a > 0, threads=threads)  # polygons: when used
    masks = reading.masks
    blend = masks is not None and options.blends
    arrays = crop_arrays(source, boxes, masks if blend else None, a, options.bgr, copy and not options.alpha,
                         threads, canvas, planar and not options.alpha)
    if options.alpha:  # BGRA is made interleaved from views (planar: then laid out as planes)
        arrays = [None if crop is None else alpha_crop(crop, None if masks is None or not a else masks[i], a,
                                                       tuple(boxes[i]), tuple(frames[i]))
                  for i, crop in enumerate(arrays)]
        if planar:
            arrays = [None if crop is None else np.ascontiguousarray(chw(crop)) for crop in arrays]
    return Cutting(boxes, frames, arrays, reading)


def crop_arrays(
    source: np.ndarray,
    boxes: np.ndarray,
    masks: list[np.ndarray | None] | None,
    opacity: float,
    bgr: tuple[int, int, int],
    copy: bool,
    threads: int,
    canvas: np.ndarray | None = None,
    planar: bool = False,
) -> list[np.ndarray | None]:
    """Crops for clamped int boxes, blending each with its box-local mask when masks are given
    and opacity > 0 (one native call); views of `source` when neither blending nor copying.
    With `canvas` (the unclamped boxes of out_of_bounds="pad") each crop covers its canvas box,
    the part outside the image painted with the background by the same native call.
    Arguments are already validated (`threads` as the native count, 0 = automatic). `planar`:
    `source` is the HWC view of a (C, H, W) image (any strides), and crops are (C, h, w), cut plane
    by plane by the native kernels."""
    planar = planar and source.ndim == 3
    blend = masks is not None and opacity > 0
    if blend and canvas is None:
        source = image_array(source, "image", blend=True)
    if not (blend or copy or canvas is not None):
        views = crop_views(source, boxes)
        return [None if v is None else chw(v) for v in views] if planar else views
    bg = background_for_channels(bgr, channels(source)) if blend or canvas is not None else []
    fill = b"" if canvas is None else np.array(bg, dtype=source.dtype).tobytes()
    return _native.crop(source, boxes, masks if blend else None, opacity if blend else 0.0, bg if blend else [],
                        threads, canvas, fill, planar)


def crop_views(image: np.ndarray, boxes: np.ndarray) -> list[np.ndarray | None]:
    """Views of ``image`` for rounded, clamped int boxes; ``None`` where a box is empty."""
    return [image[y0:y1, x0:x1] if x1 > x0 and y1 > y0 else None for x0, y0, x1, y1 in boxes.tolist()]
