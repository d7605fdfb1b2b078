"""dynamic_crop: the Dynamic Crop block (crop, background removal, predictions translated) and Crop."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar, overload

import numpy as np

from . import _native, frames, tensors
from ._checks import image_array
from .cutting import cut_detections
from .options import CropOptions, OutOfBounds, Output
from .tensors import DLPackArray, Layout

if TYPE_CHECKING:  # supervision is optional and typing_extensions only for checkers (Python 3.10)
    import supervision as sv
    from typing_extensions import Unpack

P = TypeVar("P")  # the form of a crop's predictions: that of the detections given


@dataclass(frozen=True, eq=False)
class Crop(frames.MapsBack, Generic[P]):
    """One detection's crop and its translated prediction.

    ``offset`` is ``(x_min, y_min)`` in the parent image, ``origin_size`` the parent's
    ``(width, height)``; for nested crops ``root_parent_id`` and ``root_offset`` refer to the
    first image in the chain. A ``Crop`` can be passed back to :func:`dynamic_crop` as ``image``.
    ``to_image(points)`` (alias ``to_parent``) and ``to_root(points)`` map crop coordinates
    back, e.g. a second-stage model's boxes or keypoints.
    """

    image: np.ndarray
    predictions: P
    parent_id: str
    offset: tuple[int, int]
    origin_size: tuple[int, int]
    root_parent_id: str
    root_offset: tuple[int, int]

    @property
    def transform(self) -> np.ndarray:
        """2x3 map of parent-image coordinates to crop coordinates (a translation by -offset)."""
        return frames.translation(-self.offset[0], -self.offset[1])

    @property
    def root_transform(self) -> np.ndarray:
        """2x3 map of root-image coordinates to crop coordinates."""
        return frames.translation(-self.root_offset[0], -self.root_offset[1])


class DynamicCropOptions(TypedDict, total=False):
    """The keyword options of :func:`dynamic_crop` (for ``**options`` of the batch form)."""

    mask_opacity: float
    background_color: object
    detection_id_key: str
    copy: bool
    threads: int | None
    margin: float
    margin_ratio: float
    square: bool
    min_size: float
    output: Output
    out_of_bounds: OutOfBounds
    layout: Layout


# Predictions come back in the form the detections were given: sv.Detections, a Roboflow JSON
# payload (dict), a prediction dict per crop for a list of them, a (1, 4) array for plain boxes.
@overload
def dynamic_crop(image: np.ndarray | DLPackArray | Crop[Any], detections: sv.Detections,
                 **options: Unpack[DynamicCropOptions]) -> list[Crop[sv.Detections] | None]: ...
@overload
def dynamic_crop(image: np.ndarray | DLPackArray | Crop[Any], detections: Mapping[str, Any],
                 **options: Unpack[DynamicCropOptions]) -> list[Crop[dict[str, Any]] | None]: ...
@overload
def dynamic_crop(image: np.ndarray | DLPackArray | Crop[Any], detections: Sequence[Mapping[str, Any]],
                 **options: Unpack[DynamicCropOptions]) -> list[Crop[dict[str, Any]] | None]: ...
@overload
def dynamic_crop(image: np.ndarray | DLPackArray | Crop[Any], detections: np.ndarray | Sequence[Sequence[float]],
                 **options: Unpack[DynamicCropOptions]) -> list[Crop[np.ndarray] | None]: ...


def dynamic_crop(
    image: np.ndarray | DLPackArray | Crop[Any],
    detections: Any,
    *,
    mask_opacity: float = 0.0,
    background_color: object = (0, 0, 0),
    detection_id_key: str = "detection_id",
    copy: bool = False,
    threads: int | None = None,
    margin: float = 0,
    margin_ratio: float = 0.0,
    square: bool = False,
    min_size: float = 0,
    output: Output = "image",
    out_of_bounds: OutOfBounds = "clamp",
    layout: Layout = "hwc",
) -> list[Crop[Any] | None]:
    """One :class:`Crop` per detection (``None`` where the box is empty), like Inference's
    ``roboflow_core/dynamic_crop@v1``: boxes rounded half to even and clamped to the image,
    background outside each instance mask blended toward ``background_color`` when masks exist
    and ``mask_opacity > 0``, every coordinate translated into the crop's frame.

    All crops and blends of the image happen in one native call with the GIL released, split
    over ``threads`` threads (``None``: one thread under 384 KB of output, above it one or every
    usable core, whichever the process's recent calls measured faster; ``1``: serial; results
    never depend on it). Without blending, crops are views of ``image``
    unless ``copy=True``.

    ``detections``: ``supervision.Detections``, a Roboflow JSON payload or a list of its
    prediction dicts (polygon ``points`` and ``rle`` are masks), or a plain ``(N, 4)`` array of
    boxes; each crop's ``predictions`` has the same form. Masks may be bool, integer or float
    (non-zero is inside) or a ``CompactMask``.

    Ids: ``data[detection_id_key]`` (Roboflow JSON: each prediction's key) becomes each crop's
    ``parent_id``; detections that carry none (``sv.Detections.from_ultralytics``,
    ``from_inference``, plain boxes) get their index as a string, ``"0"``, ``"1"``, ...,
    after ``"<parent_id>/"`` when ``image`` is a :class:`Crop`.

    Opt-in extras (the defaults keep upstream's behaviour): ``margin`` pixels and
    ``margin_ratio`` of the box size added on every side, ``square=True`` grows the short side
    around the centre, ``min_size`` gives None for boxes narrower or shorter than it (as
    detected); predictions translate with the shaped box. ``output="bgra"`` returns 4-channel
    crops with the original colours and alpha 255 inside the mask, round(255 * (1 -
    mask_opacity)) outside (255 everywhere without masks), for transparent cut-outs.
    ``out_of_bounds="pad"`` keeps the shaped box's full size where it reaches past the image,
    filling that part with ``background_color`` (offsets may then be negative; with
    ``output="bgra"`` the padding is transparent, alpha 0); boxes with no pixel inside the image
    still give None.

    ``image`` may be a CPU tensor of any DLPack library (torch, JAX, ...), read without a copy;
    each ``Crop.image`` is then a tensor of the same library sharing the native buffer.
    ``layout="chw"`` takes a ``(C, H, W)`` image and gives ``(C, h, w)`` crops, cut and blended
    plane by plane (the colour still applies in BGR order: reverse it for an RGB image).
    """
    planar = tensors.layout_arg(layout)
    parent = image if isinstance(image, Crop) else None
    array, back = tensors.read(parent.image if parent else image, "image")
    source = image_array(tensors.hwc(array, planar))
    options = CropOptions(mask_opacity, background_color, margin, margin_ratio, square, min_size, out_of_bounds, output)
    id_prefix = f"{parent.parent_id}/" if parent else ""
    size = source.shape[1], source.shape[0]
    root_x, root_y = parent.root_offset if parent else (0, 0)
    root_id = parent.root_parent_id if parent else None

    def make(frames: np.ndarray, crops: list, predictions: list, ids: list) -> list[Crop[Any]]:
        # All crops' Crop objects at once, without the frozen dataclass's per-field
        # object.__setattr__ (microseconds per detection, which S1 counts).
        n = len(crops)
        offsets = list(map(tuple, frames[:, :2].tolist()))
        parent_ids = [str(i) for i in ids]
        return _native.records(Crop, {
            "image": crops if back is None else [tensors.give_back(back, c) for c in crops],
            "predictions": predictions,
            "parent_id": parent_ids,
            "offset": offsets,
            "origin_size": [size] * n,
            "root_parent_id": [root_id] * n if parent else parent_ids,
            "root_offset": [(root_x + x, root_y + y) for x, y in offsets] if parent else offsets,
        })

    return cut_detections(source, detections, options, detection_id_key, copy, threads, id_prefix, make=make,
                          planar=planar)


def dynamic_crop_batch(images: Sequence[np.ndarray | DLPackArray | Crop[Any]], detections: Sequence[Any],
                       **options: Unpack[DynamicCropOptions]) -> list[list[Crop[Any] | None]]:
    """:func:`dynamic_crop` for many frames: ``images[k]`` with ``detections[k]``; the keyword
    options (``mask_opacity``, ``background_color``, ``threads``, ...) apply to every frame."""
    if len(images) != len(detections):
        raise ValueError(f"detections: expected one entry per image ({len(images)}), got {len(detections)}")
    return [dynamic_crop(image, dets, **options) for image, dets in zip(images, detections)]
