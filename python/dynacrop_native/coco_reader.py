"""COCO annotations of one image read as detections: `[{"bbox": [x, y, width, height],
"segmentation": polygons or RLE, "id": ...}, ...]`, as an annotation file lists them. Masks
are rasterised or decoded over each box only; each crop's prediction is its annotation moved
into the crop's frame. The dataset export reads its images' annotations through this reader."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import rle
from .copying import deep_copy
from .polygons import fill_region, int32_vertices, require_opencv
from .schemas import OneByOne, pad_to, prediction_ids


def is_coco_list(value: Any) -> bool:
    """A non-empty list or tuple of dicts that all have a "bbox": COCO annotations."""
    return (isinstance(value, (list, tuple)) and len(value) > 0
            and all(isinstance(a, Mapping) and "bbox" in a for a in value))


def coco_bbox(value: Any) -> tuple[float, float, float, float] | None:
    """A COCO bbox [x, y, width, height] of four finite real numbers as floats; None otherwise."""
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return None
    try:
        x, y, w, h = (float(v) for v in value)
    except OverflowError:
        return None
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        return None
    return x, y, w, h


class CocoAnnotations:
    """COCO annotation dicts of one image. Ids are the annotations' "id" (index ids when none
    has one). `lenient`: a bad segmentation leaves that annotation without a mask and is listed
    in the reading's `problems` instead of raising (the export reports it as a skip)."""

    def __init__(self, annotations: list | tuple, lenient: bool = False):
        self.anns = list(annotations)
        self.n = len(self.anns)
        self.lenient = lenient
        xywh = []
        for i, ann in enumerate(self.anns):
            box = coco_bbox(ann.get("bbox")) if isinstance(ann, Mapping) else None
            if box is None:
                raise ValueError(f"detections[{i}]['bbox']: expected [x, y, width, height] as four finite numbers, "
                                 f"got {ann.get('bbox') if isinstance(ann, Mapping) else type(ann).__name__!r}")
            xywh.append(box)
        c = np.array(xywh, dtype=np.float64).reshape(-1, 4)
        self.xyxy = np.concatenate([c[:, :2], c[:, :2] + c[:, 2:]], axis=1)

    def ids(self, prefix: str | None = None) -> list:
        return prediction_ids(self.anns, "id", prefix)

    def read(self, boxes: np.ndarray, frames: np.ndarray, height: int, width: int,
             polygons: bool = False, threads: int = 0) -> CocoReading:
        return CocoReading(self, boxes, height, width, polygons)


class CocoReading(OneByOne):
    """One call's boxes in COCO annotations. With `masks_wanted` (blending or alpha output),
    every segmentation is made over its box (None without one); otherwise RLE is decoded only
    when a crop's annotation is translated."""

    def __init__(self, reader: CocoAnnotations, boxes: np.ndarray, height: int, width: int, masks_wanted: bool):
        self.reader, self.height, self.width = reader, height, width
        self.boxes = [tuple(b) for b in boxes.tolist()]
        self.problems: dict[int, str] = {}  # annotation index -> what is wrong with its segmentation (lenient)
        self.masks: list[np.ndarray | None] | None = None
        if not masks_wanted:
            return
        masks: list[np.ndarray | None] = []
        for i, box in enumerate(self.boxes):
            try:
                masks.append(self._mask(i, box))
            except (ValueError, TypeError) as e:
                if not reader.lenient:
                    raise type(e)(f"detections[{i}]['segmentation']: {e}") from None
                self.problems[i] = str(e)
                masks.append(None)
        self.masks = masks if any(m is not None for m in masks) else None

    def _mask(self, i: int, box: tuple[int, int, int, int]) -> np.ndarray | None:
        return segmentation_mask(self.reader.anns[i].get("segmentation"), box, self.height, self.width)

    def translated(self, i: int, x0: int, y0: int, x1: int, y1: int, region: tuple | None = None) -> dict:
        """Annotation i (a copy) in the frame of its crop: bbox and polygons shifted, an RLE
        mask re-encoded over the crop in the counts form it came in."""
        ann = deep_copy(self.reader.anns[i])
        x, y, w, h = ann["bbox"]
        ann["bbox"] = [x - x0, y - y0, w, h]
        seg = ann.get("segmentation")
        if isinstance(seg, list):
            ann["segmentation"] = [[v - (y0 if j % 2 else x0) for j, v in enumerate(poly)] for poly in seg]
        elif isinstance(seg, Mapping) and seg:
            canvas = (x0, y0, x1, y1)
            local = self.masks[i] if self.masks is not None and self.masks[i] is not None else None
            if local is None:
                try:
                    local = self._mask(i, self.boxes[i])
                except (ValueError, TypeError) as e:
                    raise type(e)(f"detections[{i}]['segmentation']: {e}") from None
            ann["segmentation"] = rle.encode_like(pad_to(local, region or canvas, canvas), seg)
        return ann


def segmentation_mask(seg: Any, box: tuple[int, int, int, int], height: int, width: int) -> np.ndarray | None:
    """A COCO segmentation's bool mask over `box` (x0, y0, x1, y1) of a height x width image;
    None without one. ValueError/TypeError say what is wrong."""
    if seg is None or (isinstance(seg, (list, dict, str)) and not seg):
        return None
    if isinstance(seg, Mapping):
        h, w, _ = rle.parse(seg, "RLE")
        if (h, w) != (height, width):
            raise ValueError(f"RLE size {[h, w]} does not match the image's [{height}, {width}]")
        return rle.decode_box(seg, box, "RLE")
    if not isinstance(seg, list):
        raise TypeError(f"expected a list of polygons or an RLE dict, got {type(seg).__name__}")
    require_opencv("segmentation")
    return fill_region([_polygon(poly) for poly in seg], box, height, width)


def _polygon(values: Any) -> np.ndarray:
    """(n, 2) int32 rounded points of one COCO polygon [x1, y1, x2, y2, ...], n >= 3."""
    if not isinstance(values, list) or not all(type(v) in (int, float) for v in values):
        raise ValueError("a polygon must be a flat list of numbers [x1, y1, x2, y2, ...]")
    if len(values) % 2 or len(values) < 6:
        raise ValueError(f"a polygon needs an even number (>= 6) of coordinates, got {len(values)}")
    try:
        points = np.array(values, dtype=np.float64).reshape(-1, 2)
    except OverflowError:  # an int beyond float64
        raise ValueError("polygon: vertices must be finite and within int32, got an integer beyond float64") from None
    return int32_vertices(points, "polygon")
