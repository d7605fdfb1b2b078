"""Detection schemas: read boxes, ids and masks from the caller's detections, and build the
translated single-detection prediction of each crop in the same form.

supervision is never imported here: `sv.Detections` objects are recognised by their fields and
new ones are made with the input's own class.
"""

from __future__ import annotations

import copy as _copy
import dataclasses
from typing import Any

import numpy as np

# Keys of sv.Detections.data that hold image coordinates (Inference's names).
KEYPOINTS_KEY = "keypoints_xy"
POLYGON_KEY = "polygon"
OBB_KEY = "xyxyxyxy"
POINT_KEYS = (KEYPOINTS_KEY, POLYGON_KEY, OBB_KEY)


def _rows(array: np.ndarray) -> list[np.ndarray]:
    """One (1, ...) row per detection, all views of a single private copy: the caller's arrays
    stay untouched and rows of different crops never overlap."""
    return list(array.copy()[:, None])


class SupervisionDetections:
    """`supervision.Detections` (duck-typed) in, real `sv.Detections` out (SPEC §2 step 5).

    Every per-detection field is sliced once per call, in bulk; the translated detections are
    assembled from those rows without re-running supervision's validation, which the input
    already passed (the rows are consistent slices of it)."""

    def __init__(self, detections: Any, detection_id_key: str):
        self.det = detections
        self.n = len(detections.xyxy)
        self.key = detection_id_key
        self.xyxy = detections.xyxy

    def ids(self) -> list:
        if self.key not in self.det.data:
            raise ValueError(
                f"detections: sv.Detections object passed to crop step do not fulfill contract - "
                f"lack of {self.key} key in data dictionary."
            )
        return list(self.det.data[self.key])

    def local_masks(self, boxes: np.ndarray, height: int, width: int) -> list[np.ndarray | None] | None:
        """Each detection's mask over its clamped box (views of a dense full-frame mask)."""
        mask = self.det.mask
        if mask is None:
            return None
        if not isinstance(mask, np.ndarray):
            raise TypeError(f"detections.mask: expected a numpy array, got {type(mask).__name__}")
        if mask.shape != (self.n, height, width):
            raise ValueError(f"detections.mask: expected shape {(self.n, height, width)}, got {mask.shape}")
        if mask.dtype not in (np.bool_, np.uint8):
            raise TypeError(f"detections.mask: expected dtype bool or uint8, got {mask.dtype}")
        return [mask[i, y0:y1, x0:x1] for i, (x0, y0, x1, y1) in enumerate(boxes.tolist())]

    def prepare(self, boxes: np.ndarray) -> None:
        """Slice all fields for the rounded, clamped int boxes (N, 4)."""
        det = self.det
        offsets = boxes[:, :2]
        # Same values and dtype as upstream's xyxy[[i]] + array([-x0, -y0, -x0, -y0]).
        self._xyxy = list((det.xyxy - np.concatenate([offsets, offsets], axis=1))[:, None])
        self._fields = {
            name: None if getattr(det, name) is None else _rows(getattr(det, name))
            for name in ("confidence", "class_id", "tracker_id")
        }
        self._data = {}
        for key, value in det.data.items():
            if isinstance(value, np.ndarray) and value.ndim >= 1:
                if key in POINT_KEYS and value.dtype != object and value.ndim >= 2 and value.shape[-1] == 2:
                    shift = offsets.reshape(self.n, *([1] * (value.ndim - 2)), 2)
                    self._data[key] = list((value - shift)[:, None])
                elif key not in POINT_KEYS:
                    self._data[key] = _rows(value)

    def translated(self, i: int, x0: int, y0: int, x1: int, y1: int) -> Any:
        """Detection i alone, in the crop's frame: what upstream gets from `detections[i]`,
        `sv.move_boxes` and its key offsets, but reading only the box region of the mask."""
        det = self.det
        data = {}
        for key, value in det.data.items():
            rows = self._data.get(key)
            if rows is not None:
                data[key] = rows[i]
            elif isinstance(value, np.ndarray):  # 0-d arrays, object-dtype point arrays
                data[key] = value.copy() if value.ndim == 0 else value[[i]] - np.array([x0, y0])
            else:  # lists, as supervision keeps them
                data[key] = [value[i]] if key not in POINT_KEYS else [value[i]] - np.array([x0, y0])
        fields = self._fields
        new = type(det).__new__(type(det))
        new.__dict__.update(
            xyxy=self._xyxy[i],
            mask=None if det.mask is None else det.mask[i : i + 1, y0:y1, x0:x1].copy(),
            confidence=None if fields["confidence"] is None else fields["confidence"][i],
            class_id=None if fields["class_id"] is None else fields["class_id"][i],
            tracker_id=None if fields["tracker_id"] is None else fields["tracker_id"][i],
            data=data,
            metadata=dict(det.metadata),
        )
        return new


class RoboflowJson:
    """Roboflow JSON predictions: `{"image": {"width", "height"}, "predictions": [{x, y,
    width, height, ...}]}` with centre-format boxes, `points` and `keypoints` lists."""

    def __init__(self, payload: dict, detection_id_key: str):
        preds = payload.get("predictions")
        if not isinstance(preds, list):
            raise TypeError("detections: expected a 'predictions' list in the Roboflow JSON payload")
        self.payload = payload
        self.preds = preds
        self.n = len(preds)
        self.key = detection_id_key
        try:
            c = np.array([[p["x"], p["y"], p["width"], p["height"]] for p in preds], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"detections: every prediction needs numeric x, y, width, height ({e!r})") from None
        c = c.reshape(-1, 4)
        half = c[:, 2:] / 2
        self.xyxy = np.concatenate([c[:, :2] - half, c[:, :2] + half], axis=1)

    def ids(self) -> list:
        missing = [i for i, p in enumerate(self.preds) if self.key not in p]
        if missing:
            raise ValueError(f"detections: prediction {missing[0]} lacks the '{self.key}' key")
        return [p[self.key] for p in self.preds]

    def local_masks(self, boxes: np.ndarray, height: int, width: int) -> None:
        return None  # polygons are translated, not rasterised, for JSON input

    def prepare(self, boxes: np.ndarray) -> None:
        pass

    def translated(self, i: int, x0: int, y0: int, x1: int, y1: int) -> dict:
        pred = _copy.deepcopy(self.preds[i])
        pred["x"] = pred["x"] - x0
        pred["y"] = pred["y"] - y0
        for key in ("points", "keypoints"):
            for point in pred.get(key) or ():
                point["x"] = point["x"] - x0
                point["y"] = point["y"] - y0
        out = {k: _copy.deepcopy(v) for k, v in self.payload.items() if k not in ("predictions", "image")}
        image = dict(self.payload.get("image") or {})
        image.update(width=x1 - x0, height=y1 - y0)
        out["image"] = image
        out["predictions"] = [pred]
        return out


def schema_for(detections: Any, detection_id_key: str):
    if isinstance(detections, dict):
        return RoboflowJson(detections, detection_id_key)
    if hasattr(detections, "xyxy") and hasattr(detections, "data") and dataclasses.is_dataclass(detections):
        return SupervisionDetections(detections, detection_id_key)
    raise TypeError(
        "detections: expected supervision.Detections or a Roboflow JSON prediction dict, "
        f"got {type(detections).__name__}"
    )
