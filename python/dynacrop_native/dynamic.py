"""dynamic_crop: the Dynamic Crop block (crop, background removal, predictions translated) and its options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from . import _native, frames
from ._checks import channels, image_array, opacity
from ._checks import threads as threads_arg
from .boxes import as_xyxy, round_and_clamp
from .color import background_for_channels, parse_color
from .crop import crop_views
from .schemas import pad_to, schema_for
from .shaping import shape_boxes, small_boxes, with_alpha


@dataclass(frozen=True, eq=False)
class Crop(frames.MapsBack):
    """One detection's crop and its translated prediction.

    ``offset`` is ``(x_min, y_min)`` in the parent image, ``origin_size`` the parent's
    ``(width, height)``; for nested crops ``root_parent_id`` and ``root_offset`` refer to the
    first image in the chain. A ``Crop`` can be passed back to :func:`dynamic_crop` as ``image``.
    ``to_image(points)`` (alias ``to_parent``) and ``to_root(points)`` map crop coordinates
    back, e.g. a second-stage model's boxes or keypoints.
    """

    image: np.ndarray
    predictions: Any
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


def _crop(image, predictions, parent_id, offset, origin_size, root_parent_id, root_offset) -> Crop:
    """A Crop without the frozen dataclass's per-field object.__setattr__ (microseconds per
    detection, which S1 counts)."""
    c = object.__new__(Crop)
    c.__dict__.update(image=image, predictions=predictions, parent_id=parent_id, offset=offset,
                      origin_size=origin_size, root_parent_id=root_parent_id, root_offset=root_offset)
    return c


def dynamic_crop(
    image: np.ndarray | Crop,
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
    output: str = "image",
    out_of_bounds: str = "clamp",
) -> list[Crop | None]:
    """One :class:`Crop` per detection (``None`` where the box is empty), like Inference's
    ``roboflow_core/dynamic_crop@v1``: boxes rounded half to even and clamped to the image,
    background outside each instance mask blended toward ``background_color`` when masks exist
    and ``mask_opacity > 0``, every coordinate translated into the crop's frame.

    All crops and blends of the image happen in one native call with the GIL released, split
    over ``threads`` threads (``None``: the machine's cores when the work is a few MB or more;
    ``1``: serial; results never depend on it). Without blending, crops are views of ``image``
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
    """
    parent = image if isinstance(image, Crop) else None
    source = image_array(parent.image if parent else image)
    if output not in ("image", "bgra"):
        raise ValueError(f"output: expected 'image' or 'bgra', got {output!r}")
    if out_of_bounds not in ("clamp", "pad"):
        raise ValueError(f"out_of_bounds: expected 'clamp' or 'pad', got {out_of_bounds!r}")
    shaping = dict(margin=margin, margin_ratio=margin_ratio, square=square, min_size=min_size,
                   alpha=output == "bgra", pad=out_of_bounds == "pad")
    id_prefix = f"{parent.parent_id}/" if parent else ""
    cut = cut_detections(source, detections, mask_opacity, background_color, detection_id_key, copy, threads,
                         id_prefix=id_prefix, **shaping)
    height, width = source.shape[:2]
    root_x, root_y = parent.root_offset if parent else (0, 0)
    root_id = parent.root_parent_id if parent else None
    results: list[Crop | None] = []
    for (x0, y0, _, _), crop, predictions, parent_id in cut:
        if crop is None:
            results.append(None)
            continue
        parent_id = str(parent_id)
        results.append(_crop(crop, predictions, parent_id, (x0, y0), (width, height), root_id if parent else parent_id,
                             (root_x + x0, root_y + y0)))
    return results


def cut_detections(
    source: np.ndarray,
    detections: Any,
    mask_opacity: float,
    background_color: object,
    detection_id_key: str,
    copy: bool,
    threads: int | None,
    *,
    margin: float = 0,
    margin_ratio: float = 0.0,
    square: bool = False,
    min_size: float = 0,
    alpha: bool = False,
    pad: bool = False,
    id_prefix: str | None = None,
) -> list[tuple[tuple[int, int, int, int], np.ndarray | None, Any, Any]]:
    """The work behind :func:`dynamic_crop` for a validated image array: per detection, its
    clamped int box, crop (None if empty), translated prediction (None if empty) and id, as
    the detections carry it. Integrations build their own result objects from this.
    Detections without ids get `id_prefix` + their index; `id_prefix=None` (the Inference
    drop-in) raises upstream's error instead."""
    a = opacity(mask_opacity)
    bgr = parse_color(background_color)
    n_threads = threads_arg(threads)
    if not isinstance(detection_id_key, str):
        raise TypeError(f"detection_id_key: expected a string, got {type(detection_id_key).__name__}")
    schema = schema_for(detections, detection_id_key)
    if schema.n == 0:
        return []
    ids = schema.ids(id_prefix)
    boxes, canvas = detection_boxes(source, schema, margin, margin_ratio, square, min_size, pad)
    masks = schema.local_masks(boxes, *source.shape[:2], polygons=a > 0)  # polygons: only when used
    schema.prepare(boxes if canvas is None else canvas)

    blend = masks is not None and a > 0 and not alpha  # with alpha, colours stay and the mask goes to alpha
    arrays = crop_arrays(source, boxes, masks if blend else None, a, bgr, copy and not alpha, n_threads, canvas)
    if alpha:
        frames = boxes if canvas is None else canvas
        arrays = [None if crop is None else alpha_crop(crop, None if masks is None or not a else masks[i], a,
                                                       tuple(boxes[i]), tuple(frames[i]))
                  for i, crop in enumerate(arrays)]
    if canvas is None:
        return [
            (box, crop, None if crop is None else schema.translated(i, *box), ids[i])
            for i, (box, crop) in enumerate(zip(map(tuple, boxes.tolist()), arrays))
        ]
    return [
        (out, crop, None if crop is None else schema.translated(i, *out, region=box), ids[i])
        for i, (out, box, crop) in enumerate(zip(map(tuple, canvas.tolist()), map(tuple, boxes.tolist()), arrays))
    ]


def alpha_crop(crop: np.ndarray, mask: np.ndarray | None, opacity: float, region: tuple, canvas: tuple) -> np.ndarray:
    """BGRA of a crop over `canvas` whose image part is `region`: alpha as :func:`with_alpha`
    there, 0 over any padding, where no image lies."""
    out = with_alpha(crop, None if mask is None else pad_to(mask, region, canvas), opacity)
    if region == canvas:
        return out
    inside = np.zeros(out.shape[:2], dtype=bool)
    inside[region[1] - canvas[1] : region[3] - canvas[1], region[0] - canvas[0] : region[2] - canvas[0]] = True
    out[..., 3][~inside] = 0
    return out


def detection_boxes(
    source: np.ndarray, schema: Any, margin: float, margin_ratio: float, square: bool, min_size: float, pad: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """The int boxes of a schema's detections in `source`, as :func:`frame_boxes` gives them."""
    height, width = source.shape[:2]
    return frame_boxes(as_xyxy(schema.xyxy, "detections.xyxy"), width, height, margin, margin_ratio, square, min_size,
                       pad)


def frame_boxes(
    xyxy: np.ndarray, width: int, height: int, margin: float, margin_ratio: float, square: bool, min_size: float,
    pad: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Float (N, 4) boxes in a width x height image: shaped, rounded and clamped (empty where the
    box is too small or outside), and, with `pad`, the unclamped shaped boxes the crops cover
    (None without)."""
    small = small_boxes(xyxy, min_size)
    shaped = shape_boxes(xyxy, margin, margin_ratio, square)
    boxes = round_and_clamp(shaped, width, height)
    boxes[small, 2:] = boxes[small, :2]  # too small: an empty box, so None like empty crops
    if not pad:
        return boxes, None
    canvas = np.clip(np.round(shaped), -(2.0**40), 2.0**40).astype(np.int64)  # no int overflow
    canvas[small] = boxes[small]
    return boxes, canvas


def crop_arrays(
    source: np.ndarray,
    boxes: np.ndarray,
    masks: list[np.ndarray | None] | None,
    opacity: float,
    bgr: tuple[int, int, int],
    copy: bool,
    threads: int,
    canvas: np.ndarray | None = None,
) -> list[np.ndarray | None]:
    """Crops for clamped int boxes, blending each with its box-local mask when masks are given
    and opacity > 0 (one native call); views of `source` when neither blending nor copying.
    With `canvas` (the unclamped boxes of out_of_bounds="pad") each crop covers its canvas box,
    the part outside the image painted with the background by the same native call.
    Arguments are already validated (`threads` as the native count, 0 = automatic)."""
    if canvas is not None:
        bg = background_for_channels(bgr, channels(source))
        blend = masks is not None and opacity > 0
        return _native.crop(source, boxes, masks if blend else None, opacity, bg if blend else [], threads, canvas,
                            np.array(bg, dtype=source.dtype).tobytes())
    if masks is not None and opacity > 0:
        source = image_array(source, "image", blend=True)
        bg = background_for_channels(bgr, channels(source))
        return _native.crop(source, boxes, masks, opacity, bg, threads)
    if copy:
        return _native.crop(source, boxes, None, 0.0, [], threads)
    return crop_views(source, boxes)


def dynamic_crop_batch(images: Sequence[Any], detections: Sequence[Any], **options: Any) -> list[list[Crop | None]]:
    """:func:`dynamic_crop` for many frames: ``images[k]`` with ``detections[k]``; the keyword
    options (``mask_opacity``, ``background_color``, ``threads``, ...) apply to every frame."""
    if len(images) != len(detections):
        raise ValueError(f"detections: expected one entry per image ({len(images)}), got {len(detections)}")
    return [dynamic_crop(image, dets, **options) for image, dets in zip(images, detections)]
