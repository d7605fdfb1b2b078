"""oriented_crop: upright crops of rotated boxes (four corners each), pixel for pixel what OpenCV
5's cv2.warpAffine gives, with their instance masks, background removal and predictions."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import _native, frames
from ._checks import channels, image_array, opacity
from ._checks import threads as threads_arg
from .color import background_for_channels, parse_color
from .dynamic import Crop
from .options import Output
from .oriented_inputs import reader_for
from .alpha import with_alpha

@dataclass(frozen=True, eq=False)
class OrientedCrop(frames.MapsBack):
    """One rotated box cut out upright, and its prediction in the crop's frame.

    ``transform`` (2x3, float64) maps parent-image coordinates to crop coordinates (box
    coordinates: pixel (i, j) covers [i, i + 1) x [j, j + 1)); ``root_transform`` does the same
    from the first image of a chain of nested crops. ``warp_matrix`` is the matrix for
    cv2.warpAffine, which addresses pixels by their centres:
    ``crop.image == cv2.warpAffine(parent, crop.warp_matrix, crop.size, flags=cv2.INTER_LINEAR,
    borderMode=cv2.BORDER_CONSTANT, borderValue=background)`` (before background removal).
    """

    image: np.ndarray
    predictions: Any
    parent_id: str
    transform: np.ndarray
    origin_size: tuple[int, int]
    root_parent_id: str
    root_transform: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the crop."""
        return self.image.shape[1], self.image.shape[0]

    @property
    def warp_matrix(self) -> np.ndarray:
        """The 2x3 matrix to give cv2.warpAffine for these pixels from the parent image."""
        return frames.warp_matrices(self.transform)


def oriented_crop(
    image: np.ndarray | Crop[Any] | OrientedCrop,
    detections: Any,
    *,
    mask_opacity: float = 0.0,
    background_color: object = (0, 0, 0),
    margin: int = 0,
    orientation: Literal["upright", "corners"] = "upright",
    long_side: Literal["width"] | None = None,
    output: Output = "image",
    corners_key: str | None = None,
    detection_id_key: str = "detection_id",
    threads: int | None = None,
) -> list[OrientedCrop | None]:
    """One upright :class:`OrientedCrop` per rotated box (``None`` where the box is degenerate
    or has no area inside the image).

    ``detections``: ``supervision.Detections`` with the corners in ``data["xyxyxyxy"]``
    (supervision's oriented boxes) or ``data["rect"]`` (Inference's Bounding Rectangle block), a
    Roboflow JSON prediction dict whose predictions carry ``"rect"`` corners, or an (N, 4, 2)
    array of corners; ``corners_key`` names another key. Predictions come back in the same form;
    ids as in :func:`dynamic_crop` (the detection's index where it carries none).

    The crop's frame (see the README's picture): three consecutive corners p0, p1, p2 taken
    clockwise on screen (counter-clockwise corners are walked the other way: a crop is never a
    mirror image); the crop's x axis runs from p0 to p1, its y axis from p1 to p2, and its size
    is ``round(|p1 - p0|) x round(|p2 - p1|)`` plus ``margin`` crop pixels on every side. For
    quadrilaterals that are not parallelograms the crop is the affine map of those three corners.
    ``orientation="upright"`` picks as p0 the corner that turns the box least (by at most 45
    degrees; so the corner order of a model does not matter); ``"corners"`` takes corner 0.
    ``long_side="width"`` only allows frames at least as wide as tall (a 90 degree turn where
    needed, e.g. for OCR).

    Pixels are OpenCV 5's bilinear ``cv2.warpAffine`` with ``BORDER_CONSTANT`` in the
    background colour, exactly (``crop.warp_matrix``); the instance mask is warped with
    nearest sampling (``cv2.warpAffine(mask, crop.warp_matrix, crop.size,
    flags=cv2.INTER_NEAREST)``) and, with ``mask_opacity > 0``, the pixels outside it are
    blended toward ``background_color`` exactly as :func:`dynamic_crop` blends. The image must
    be uint8 with 1, 3 or 4 channels (gray, BGR, BGRA); the colour is given as RGB like
    everywhere in this package (alpha 255 on 4 channels, its luma on gray). ``output="bgra"``
    keeps the colours and puts the mask in the alpha channel (255 inside, round(255 * (1 -
    mask_opacity)) outside, 0 where the pixel centre lies outside the image). ``image`` may be a :class:`Crop` or
    :class:`OrientedCrop`: transforms compose. All crops are warped in one native call with the
    GIL released, over ``threads`` threads (``None``: automatic).
    """
    parent = image if isinstance(image, (Crop, OrientedCrop)) else None
    source = image_array(parent.image if parent else image, "image", blend=True)
    if channels(source) == 2:  # OpenCV warps 2 channels with its older fixed-point code: not reproduced
        raise ValueError(f"image: expected 1, 3 or 4 channels (gray, BGR, BGRA), got shape {source.shape}")
    if output not in ("image", "bgra"):
        raise ValueError(f"output: expected 'image' or 'bgra', got {output!r}")
    m = frames.check_options(orientation, long_side, margin)
    a = opacity(mask_opacity)
    bg = background_for_channels(parse_color(background_color), channels(source))
    n_threads = threads_arg(threads)
    if not isinstance(detection_id_key, str):
        raise TypeError(f"detection_id_key: expected a string, got {type(detection_id_key).__name__}")
    reader = reader_for(detections, corners_key, detection_id_key)
    if reader.n == 0:
        return []
    height, width = source.shape[:2]
    frame = frames.crop_frames(reader.corners, orientation, long_side, m)
    kept = np.flatnonzero(frame.valid & frames.overlaps(frame.quads, width, height))
    regions = np.zeros((reader.n, 4), dtype=np.int64)  # empty where no crop
    regions[kept] = frames.footprints(frame.quads[kept], width, height)
    masks = reader.mask_regions(regions, height, width, polygons=a > 0)
    alpha = output == "bgra"
    crops, warped, inside = _warp(source, frame.transforms[kept], frame.sizes[kept], regions[kept],
                                  None if masks is None else [masks[i] for i in kept], 0.0 if alpha else a, bg,
                                  alpha, n_threads)
    ids = reader.ids(f"{parent.parent_id}/" if parent else "")
    root_id, root = _root(parent)
    results: list[OrientedCrop | None] = [None] * reader.n
    moved = frames.apply_each(frame.transforms[kept], reader.corners[kept])  # each crop's corners in its frame
    for j, i in enumerate(kept.tolist()):
        crop, mask, transform = crops[j], warped[j], frame.transforms[i]
        if alpha:
            crop = with_alpha(crop, mask, a if mask is not None else 0.0)
            crop[..., 3][inside[j] == 0] = 0
        size = (int(frame.sizes[i, 0]), int(frame.sizes[i, 1]))
        c = object.__new__(OrientedCrop)  # frozen: fill __dict__ directly (no per-field setattr)
        c.__dict__.update(
            image=crop, predictions=reader.translated(i, transform, size, mask, moved[j]), parent_id=ids[i],
            transform=transform,
            origin_size=(width, height), root_parent_id=ids[i] if parent is None else root_id,
            root_transform=transform if root is None else frames.compose(transform, root),
        )
        results[i] = c
    return results


def _root(parent: Any) -> tuple[str | None, np.ndarray | None]:
    """The root id and root -> parent transform of a nested crop's parent (None, None if none)."""
    if parent is None:
        return None, None
    return parent.root_parent_id, parent.root_transform


def _warp(source: np.ndarray, transforms: np.ndarray, sizes: np.ndarray, regions: np.ndarray,
          masks: list | None, opacity: float, background: list[int], inside: bool, threads: int):
    """The native call: crops (views of one buffer), warped masks (0/1 uint8, None where a
    detection has no mask) and, with `inside`, the maps of pixels whose centre is in the image."""
    c = channels(source)
    pixels = sizes[:, 0] * sizes[:, 1]
    has_mask = np.array([masks is not None and masks[j] is not None for j in range(len(sizes))], dtype=bool)

    def offsets(counts: np.ndarray, used: np.ndarray) -> tuple[np.ndarray, int]:
        ends = np.cumsum(np.where(used, counts, 0))
        return np.where(used, ends - counts, -1), int(ends[-1]) if len(ends) else 0

    out_off, out_total = offsets(pixels * c, np.ones(len(sizes), dtype=bool))
    mask_off, mask_total = offsets(pixels, has_mask)
    inside_off, inside_total = offsets(pixels, np.full(len(sizes), inside))
    _check_memory(out_total + mask_total + inside_total)
    layout = np.stack([sizes[:, 0], sizes[:, 1], out_off, mask_off, inside_off, regions[:, 0], regions[:, 1]], axis=1)
    out = np.empty(out_total, dtype=np.uint8)
    mask_out = np.empty(mask_total, dtype=np.uint8) if has_mask.any() else None
    inside_out = np.empty(inside_total, dtype=np.uint8) if inside else None
    regions_arg = masks if has_mask.any() else None
    _native.warp_crops(source, np.ascontiguousarray(frames.warp_matrices(transforms)), np.ascontiguousarray(layout),
                       out, mask_out, inside_out, regions_arg, opacity, background, threads)
    shape = (lambda w, h: (h, w)) if source.ndim == 2 else (lambda w, h: (h, w, c))
    crops, warped, maps = [], [], []
    for j, (w, h) in enumerate(sizes.tolist()):
        crops.append(out[out_off[j] : out_off[j] + w * h * c].reshape(shape(w, h)))
        warped.append(mask_out[mask_off[j] : mask_off[j] + w * h].reshape(h, w) if has_mask[j] else None)
        maps.append(inside_out[inside_off[j] : inside_off[j] + w * h].reshape(h, w) if inside else None)
    return crops, warped, maps


def _check_memory(total: int) -> None:
    """Outputs beyond the machine's physical memory fail now instead of being killed later."""
    try:
        limit = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGESIZE")
    except (ValueError, OSError, AttributeError):
        return
    if total > limit:
        raise MemoryError(f"detections: the requested crops need {total / 2**30:.1f} GiB, "
                          f"more than this machine's {limit / 2**30:.1f} GiB of memory")
