"""The inputs of oriented crops: boxes given by four corners in `supervision.Detections`
(`data["xyxyxyxy"]`, supervision's oriented boxes; or `data["rect"]`, Inference's Bounding
Rectangle block), in Roboflow JSON predictions (`"rect"`), or as a plain (N, 4, 2) array. Each
reader gives the corners, ids and instance masks, and builds a detection's prediction in its
crop's frame in the form it came in (`translated`, given its corners already mapped into that
frame: oriented_crop maps every crop's corners in one batch).

supervision is never imported here: `sv.Detections` objects are recognised by their fields and
new ones are made with the input's own class.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from . import frames, rle
from ._checks import shown
from .copying import deep_copy
from .polygons import has_polygon
from .schemas import (
    KEYPOINTS_KEY, OBB_KEY, POLYGON_KEY, RLE_KEY, index_ids, is_compact_mask, is_prediction_list, prediction_ids,
    schema_for,
)

RECT_KEY = "rect"  # Inference's Bounding Rectangle block: the 4 corners of cv2.minAreaRect
CORNER_KEYS = (OBB_KEY, RECT_KEY)
POINT_KEYS = (KEYPOINTS_KEY, POLYGON_KEY, OBB_KEY, RECT_KEY)


def reader_for(detections: Any, corners_key: str | None, detection_id_key: str):
    if isinstance(detections, dict):
        return RoboflowJsonCorners(detections, corners_key, detection_id_key)
    if hasattr(detections, "xyxy") and hasattr(detections, "data") and dataclasses.is_dataclass(detections):
        return SupervisionCorners(detections, corners_key, detection_id_key)
    if is_prediction_list(detections):
        return RoboflowPredictionCorners(detections, corners_key, detection_id_key)
    if isinstance(detections, (np.ndarray, list, tuple)):
        return CornerArray(detections)
    raise TypeError(
        "detections: expected supervision.Detections with oriented boxes, a Roboflow JSON payload or list of "
        f"predictions, or an (N, 4, 2) array of corners, got {type(detections).__name__}"
    )


def mask_regions(
    detections: Any, detection_id_key: str, boxes: np.ndarray, height: int, width: int, polygons: bool = False
) -> list | None:
    """Each detection's instance mask over its (x0, y0, x1, y1) region of the image, read the
    way dynamic_crop reads masks (dense, CompactMask, COCO RLE; only the region is decoded): the
    one place oriented crops use the axis-aligned schemas."""
    return schema_for(detections, detection_id_key).read(boxes, boxes, height, width, polygons).masks


def _corner_key(keys: Any, corners_key: str | None, where: str) -> str:
    if corners_key is not None:
        if not isinstance(corners_key, str):
            raise TypeError(f"corners_key: expected a string, got {type(corners_key).__name__}")
        return corners_key
    for key in CORNER_KEYS:
        if key in keys:
            return key
    raise ValueError(f"detections: no oriented box corners: expected {where} '{OBB_KEY}' or '{RECT_KEY}'")


def _mapped(value: Any, transform: np.ndarray) -> np.ndarray:
    """Points (..., 2) in the crop's frame: float inputs keep their dtype, others become float64."""
    points = np.asarray(value)
    out = frames.apply(transform, points)
    return out.astype(points.dtype) if np.issubdtype(points.dtype, np.floating) else out


def _box_of(corners: np.ndarray) -> np.ndarray:
    return np.concatenate([corners.min(axis=0), corners.max(axis=0)])


class CornerArray:
    """A plain (N, 4, 2) array of corners; each prediction is the box's corners in its crop."""

    def __init__(self, value: Any):
        self.corners = frames.as_corners(value, "detections")
        self.n = len(self.corners)

    def ids(self, prefix: str) -> list:
        return index_ids(self.n, prefix, "")

    def has_masks(self) -> bool:
        return False

    def mask_regions(self, boxes: np.ndarray, height: int, width: int, polygons: bool = False) -> list | None:
        return None

    def translated(self, i: int, transform: np.ndarray, size: tuple, mask: np.ndarray | None,
                   corners: np.ndarray) -> np.ndarray:
        return corners


class SupervisionCorners:
    """`supervision.Detections` (duck-typed) with corners in `data[corners_key]`, out as real
    `sv.Detections` of one detection each (built without re-running supervision's validation,
    from rows of the validated input)."""

    def __init__(self, detections: Any, corners_key: str | None, detection_id_key: str):
        self.det = detections
        self.n = len(detections.xyxy)
        self.id_key = detection_id_key
        self.corners = np.zeros((0, 4, 2))
        if self.n == 0:  # no boxes: no corners needed
            return
        self.key = _corner_key(detections.data, corners_key, "detections.data")
        if self.key not in detections.data:
            raise ValueError(f"detections: no '{self.key}' key in detections.data")
        self.corners = frames.as_corners(detections.data[self.key], f"detections.data['{self.key}']")
        if len(self.corners) != self.n:
            raise ValueError(f"detections.data['{self.key}']: expected {self.n} boxes, got {len(self.corners)}")

    def ids(self, prefix: str) -> list:
        ids = self.det.data.get(self.id_key)
        return index_ids(self.n, prefix, "") if ids is None else [str(v) for v in ids]

    def has_masks(self) -> bool:
        return self.det.mask is not None or RLE_KEY in self.det.data

    def mask_regions(self, boxes: np.ndarray, height: int, width: int, polygons: bool = False) -> list | None:
        return mask_regions(self.det, self.id_key, boxes, height, width) if self.has_masks() else None

    def translated(self, i: int, transform: np.ndarray, size: tuple, mask: np.ndarray | None,
                   corners: np.ndarray) -> Any:
        det = self.det
        new = type(det).__new__(type(det))
        new.__dict__ = {
            "xyxy": _box_of(corners)[None].astype(det.xyxy.dtype),
            "mask": self._mask(mask, size),
            "confidence": None if det.confidence is None else det.confidence[i : i + 1].copy(),
            "class_id": None if det.class_id is None else det.class_id[i : i + 1].copy(),
            "tracker_id": None if det.tracker_id is None else det.tracker_id[i : i + 1].copy(),
            "data": {key: self._data_row(key, value, i, transform, mask) for key, value in det.data.items()},
            "metadata": dict(det.metadata),
        }
        return new

    def _mask(self, mask: np.ndarray | None, size: tuple) -> Any:
        if self.det.mask is None:
            return None
        local = np.zeros((size[1], size[0]), dtype=bool) if mask is None else mask.view(bool)
        if is_compact_mask(self.det.mask):  # a CompactMask in the crop's frame (inclusive box corners)
            corners = np.array([[0, 0, local.shape[1] - 1, local.shape[0] - 1]], dtype=np.float32)
            return type(self.det.mask).from_dense(local[None], corners, image_shape=local.shape)
        return local[None].copy()

    def _data_row(self, key: str, value: Any, i: int, transform: np.ndarray, mask: np.ndarray | None) -> Any:
        if key == RLE_KEY and mask is not None:  # crop-local RLE, in the form it came in
            local = rle.encode_like(mask.view(bool), value[i])
            return [local] if isinstance(value, list) else _object_row(local)
        if key in POINT_KEYS or key == self.key:
            if isinstance(value, np.ndarray) and value.dtype != object:
                return _mapped(value[i : i + 1], transform)
            mapped = _mapped(value[i], transform)  # ragged points: object arrays or lists
            return _object_row(mapped) if isinstance(value, np.ndarray) else [mapped]
        if isinstance(value, np.ndarray):
            return value.copy() if value.ndim == 0 else value[i : i + 1].copy()
        return [value[i]]


def _object_row(value: Any) -> np.ndarray:
    row = np.empty(1, dtype=object)
    row[0] = value
    return row


class RoboflowJsonCorners:
    """Roboflow JSON predictions (`{"image": {...}, "predictions": [...]}`) whose corners are a
    list of four [x, y] pairs (or {"x", "y"} points) under `corners_key`; each prediction comes
    back as a payload of one prediction in its crop's frame: corners, `x`, `y`, `width`,
    `height` (the box around the corners), `points` and `keypoints` mapped, `rle` warped."""

    def __init__(self, payload: dict, corners_key: str | None, detection_id_key: str):
        preds = payload.get("predictions")
        if not isinstance(preds, list):
            raise TypeError("detections: expected a 'predictions' list in the Roboflow JSON payload")
        self.payload, self.preds, self.n = payload, preds, len(preds)
        self.id_key = detection_id_key
        self.corners = np.zeros((0, 4, 2))
        if self.n == 0:  # no predictions: no corners needed
            return
        keys = set().union(*(p.keys() for p in preds if isinstance(p, dict)))
        self.key = _corner_key(keys, corners_key, "every prediction to carry")
        rows = []
        for i, p in enumerate(preds):
            if not isinstance(p, dict) or self.key not in p:
                raise ValueError(f"detections: prediction {i} lacks the '{self.key}' corners")
            try:
                rows.append([[q["x"], q["y"]] if isinstance(q, dict) else q for q in p[self.key]])
            except (TypeError, KeyError):
                raise ValueError(f"detections['predictions'][{i}]['{self.key}']: expected four [x, y] corners, "
                                 f"got {shown(p[self.key])}") from None
        self.corners = frames.as_corners(rows, f"detections['predictions'][...]['{self.key}']")

    def ids(self, prefix: str) -> list:
        return [str(v) for v in prediction_ids(self.preds, self.id_key, prefix)]

    def has_masks(self) -> bool:
        return any("rle" in p for p in self.preds)

    def mask_regions(self, boxes: np.ndarray, height: int, width: int, polygons: bool = False) -> list | None:
        if not (self.has_masks() or polygons and any(has_polygon(p) for p in self.preds)):
            return None
        return mask_regions(self.payload, self.id_key, boxes, height, width, polygons)

    def translated(self, i: int, transform: np.ndarray, size: tuple, mask: np.ndarray | None,
                   corners: np.ndarray) -> dict:
        pred = deep_copy(self.preds[i])
        as_dicts = isinstance(pred[self.key][0], dict) if len(pred[self.key]) else False
        pred[self.key] = [{"x": float(x), "y": float(y)} if as_dicts else [float(x), float(y)] for x, y in corners]
        x0, y0, x1, y1 = _box_of(corners).tolist()
        pred.update(x=(x0 + x1) / 2, y=(y0 + y1) / 2, width=x1 - x0, height=y1 - y0)
        for key in ("points", "keypoints"):
            for point in pred.get(key) or ():
                point["x"], point["y"] = (float(v) for v in frames.apply(transform, [point["x"], point["y"]]))
        if mask is not None and "rle" in pred:
            pred["rle"] = rle.encode_like(mask.view(bool), self.preds[i]["rle"])
        out = {k: deep_copy(v) for k, v in self.payload.items() if k not in ("predictions", "image")}
        out["image"] = {**(self.payload.get("image") or {}), "width": int(size[0]), "height": int(size[1])}
        out["predictions"] = [pred]
        return out


class RoboflowPredictionCorners(RoboflowJsonCorners):
    """A list of Roboflow prediction dicts with corners; each crop's prediction is its dict."""

    def __init__(self, preds: list | tuple, corners_key: str | None, detection_id_key: str):
        super().__init__({"predictions": list(preds)}, corners_key, detection_id_key)

    def translated(self, i: int, transform: np.ndarray, size: tuple, mask: np.ndarray | None,
                   corners: np.ndarray) -> dict:
        return super().translated(i, transform, size, mask, corners)["predictions"][0]
