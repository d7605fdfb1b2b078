"""Detections readers: boxes, ids and masks read from the caller's detections, and each
crop's translated single-detection prediction built in the same form.

Every reader follows `DetectionsReader`: `xyxy` and `ids()` from the detections alone, then
`read(boxes, frames, ...)` for one call's boxes gives a `Reading`, a per-call object holding
the box-local masks and translating predictions into the crop frames; nothing is kept on the
reader between calls. supervision is never imported here: `sv.Detections` objects are
recognised by their fields and new ones are made with the input's own class.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from . import _native, rle
from ._checks import needs_conversion, real
from .copying import deep_copy
from .geometry import as_xyxy, in_frames
from .polygons import has_polygon, polygon_region

# Keys of sv.Detections.data that hold image coordinates (Inference's names).
KEYPOINTS_KEY = "keypoints_xy"
POLYGON_KEY = "polygon"
OBB_KEY = "xyxyxyxy"
POINT_KEYS = (KEYPOINTS_KEY, POLYGON_KEY, OBB_KEY)
RLE_KEY = "rle_mask"  # Inference's compact masks: one COCO RLE dict per detection


class Reading(Protocol):
    """What one call reads of the detections at its boxes."""

    masks: list[np.ndarray | None] | None  # each detection's mask over its clamped box, or None

    def translations(self, kept: list[int], frames: list[list[int]], regions: list[list[int]] | None) -> list:
        """Each detection i in `kept` alone, in the frame frames[i] = (x0, y0, x1, y1) of its
        crop; regions[i] is the part of that frame inside the image when crops are padded."""


class OneByOne:
    """`Reading.translations` from a reading's `translated(i, x0, y0, x1, y1, region=None)`, one
    detection at a time."""

    def translations(self, kept: list[int], frames: list[list[int]], regions: list[list[int]] | None) -> list:
        translated = self.translated  # type: ignore[attr-defined]
        if regions is None:
            return [translated(i, *frames[i]) for i in kept]
        return [translated(i, *frames[i], region=regions[i]) for i in kept]


class DetectionsReader(Protocol):
    n: int
    xyxy: np.ndarray  # (N, 4) float boxes as given

    def ids(self, prefix: str | None = None) -> list:
        """Each detection's id; without ids, `prefix` + its index (None: the error upstream raises)."""

    def read(self, boxes: np.ndarray, frames: np.ndarray, height: int, width: int, polygons: bool = False,
             threads: int = 0) -> Reading:
        """The call's clamped int boxes and crop frames (the boxes, or padded frames) in a
        height x width image; `polygons`: rasterise polygon masks (only when they are used);
        `threads`: the native thread count (0 = automatic) for copies the reading makes."""


def is_compact_mask(mask: Any) -> bool:
    """supervision's CompactMask (>= 0.28), recognised without importing supervision."""
    return type(mask).__name__ == "CompactMask" and hasattr(mask, "crop") and hasattr(mask, "offsets")


def compact_local(mask: Any, i: int, box: tuple[int, int, int, int]) -> np.ndarray:
    """Detection i's mask over box (x0, y0, x1, y1) from a CompactMask, decoding only its own
    crop (CompactMask stores each mask over its box, at `offsets[i]` = (x, y))."""
    x0, y0, x1, y1 = box
    local = np.zeros((y1 - y0, x1 - x0), dtype=bool)
    part = mask.crop(i)
    ox, oy = (int(v) for v in mask.offsets[i])
    ax0, ay0 = max(x0, ox), max(y0, oy)
    ax1, ay1 = min(x1, ox + part.shape[1]), min(y1, oy + part.shape[0])
    if ax1 > ax0 and ay1 > ay0:
        local[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0] = part[ay0 - oy : ay1 - oy, ax0 - ox : ax1 - ox]
    return local


def pad_to(local: np.ndarray, region: Sequence[int], canvas: Sequence[int]) -> np.ndarray:
    """A mask over `region` placed in a zero mask over `canvas` (which contains it); both
    (x0, y0, x1, y1), as lists or tuples."""
    if tuple(region) == tuple(canvas):
        return local
    out = np.zeros((canvas[3] - canvas[1], canvas[2] - canvas[0], *local.shape[2:]), dtype=local.dtype)
    out[region[1] - canvas[1] : region[3] - canvas[1], region[0] - canvas[0] : region[2] - canvas[0]] = local
    return out


def region_copies(mask: np.ndarray, boxes: np.ndarray, threads: int = 0) -> list[np.ndarray]:
    """C-contiguous copies, in the masks' dtype, of each detection's region of (N, H, W) masks
    under its clamped int box (x0, y0, x1, y1): one native call for all of them, the masks seen
    as one (N * H, W) image, where that view exists (1-byte dtypes); else a numpy copy each."""
    listed = np.asarray(boxes).tolist()

    def copied(i: int) -> np.ndarray:
        x0, y0, x1, y1 = listed[i]
        return mask[i, y0:y1, x0:x1].copy()

    n, h, w = mask.shape
    flat = mask.view(np.uint8).reshape(n * h, w) if n * h > 0 and mask.dtype.itemsize == 1 else None
    if flat is None or not np.may_share_memory(flat, mask):  # wider dtypes, or the reshape had to copy
        return [copied(i) for i in range(n)]
    shifted = np.array(boxes, dtype=np.int64)
    shifted[:, 1::2] += (np.arange(n, dtype=np.int64) * h)[:, None]
    copies = _native.crop(flat, shifted, None, 0.0, [], threads, None, b"", False)
    return [copied(i) if c is None else c.view(mask.dtype) for i, c in enumerate(copies)]  # None: an empty box


def index_ids(n: int, prefix: str | None, missing: str) -> list[str]:
    """Ids for detections that carry none: the detection's index as a string after `prefix`
    ("0", "1", ...; a nested crop's parent id and "/" before it). `prefix` None means ids are
    required (upstream's contract, kept by the Inference drop-in): ValueError(`missing`)."""
    if prefix is None:
        raise ValueError(missing)
    return [f"{prefix}{i}" for i in range(n)]


def prediction_ids(preds: list, key: str, prefix: str | None) -> list:
    """The `key` of each Roboflow prediction; index ids (see index_ids) when none has one. A
    partial set is refused: generated ids could collide with the given ones."""
    missing = [i for i, p in enumerate(preds) if key not in p]
    if not missing:
        return [p[key] for p in preds]
    error = f"detections: prediction {missing[0]} lacks the '{key}' key"
    if len(missing) < len(preds):
        raise ValueError(error)
    return index_ids(len(preds), prefix, error)


def _object_row(value: Any) -> np.ndarray:
    row = np.empty(1, dtype=object)
    row[0] = value
    return row


def _rows(array: np.ndarray) -> list[np.ndarray]:
    """One (1, ...) row per detection, all views of a single private copy: the caller's arrays
    stay untouched and rows of different crops never overlap."""
    return list(array.copy()[:, None])


class SupervisionDetections:
    """`supervision.Detections` (duck-typed) in, real `sv.Detections` out (predictions translated into each crop)."""

    def __init__(self, detections: Any, detection_id_key: str):
        self.det = detections
        self.n = len(detections.xyxy)
        self.key = detection_id_key
        self.xyxy = detections.xyxy

    def ids(self, prefix: str | None = None) -> list:
        if self.key not in self.det.data:
            return index_ids(self.n, prefix, f"detections: sv.Detections object passed to crop step do not fulfill "
                                             f"contract - lack of {self.key} key in data dictionary.")
        return list(self.det.data[self.key])

    def read(self, boxes: np.ndarray, frames: np.ndarray, height: int, width: int,
             polygons: bool = False, threads: int = 0) -> SupervisionReading:
        return SupervisionReading(self.det, boxes, frames, height, width, threads)


class SupervisionReading:
    """One call's boxes in `sv.Detections`. Masks: views of a dense mask, or the box region
    decoded from a CompactMask or `data["rle_mask"]`, never expanded to the full frame. Every
    per-detection field is sliced once, in bulk, on the first translation; the translated
    detections are assembled from those rows without re-running supervision's validation,
    which the input already passed (the rows are consistent slices of it)."""

    def __init__(self, det: Any, boxes: np.ndarray, frames: np.ndarray, height: int, width: int, threads: int = 0):
        self.det, self.n, self.frames, self.boxes, self.threads = det, len(det.xyxy), frames, boxes, threads
        mask, data = det.mask, det.data
        boxes_list = boxes.tolist() if mask is not None or RLE_KEY in data else []
        self.rle_local = None
        if RLE_KEY in data:  # cropped to the box whatever drives blending (upstream leaves it stale)
            self.rle_local = [self._rle_region(i, box, height, width) for i, box in enumerate(boxes_list)]
        self.masks = self.rle_local if mask is None else self._mask_regions(mask, boxes_list, height, width)

    def _mask_regions(self, mask: Any, boxes_list: list, height: int, width: int) -> list[np.ndarray]:
        if is_compact_mask(mask):
            if tuple(mask.image_shape) != (height, width):
                raise ValueError(f"detections.mask: CompactMask of image shape {tuple(mask.image_shape)}, "
                                 f"expected {(height, width)}")
            return [compact_local(mask, i, box) for i, box in enumerate(boxes_list)]
        if not isinstance(mask, np.ndarray):
            raise TypeError(f"detections.mask: expected a numpy array or CompactMask, got {type(mask).__name__}")
        if mask.shape != (self.n, height, width):
            raise ValueError(f"detections.mask: expected shape {(self.n, height, width)}, got {mask.shape}")
        if needs_conversion(mask, "detections.mask"):  # float/int masks: only each box region converted
            return [mask[i, y0:y1, x0:x1] != 0 for i, (x0, y0, x1, y1) in enumerate(boxes_list)]
        return [mask[i, y0:y1, x0:x1] for i, (x0, y0, x1, y1) in enumerate(boxes_list)]

    def _rle_region(self, i: int, box: tuple[int, int, int, int], height: int, width: int) -> np.ndarray:
        name = f"detections.data['{RLE_KEY}'][{i}]"
        value = self.det.data[RLE_KEY][i]
        h, w, _ = rle.parse(value, name)
        if (h, w) != (height, width):
            raise ValueError(f"{name}: size {[h, w]} does not match the image ({height}, {width})")
        return rle.decode_box(value, box, name)

    @cached_property
    def mask_copies(self) -> list[np.ndarray]:
        """Each detection's box region of the dense mask as its own array: predictions own
        their masks, as upstream's do."""
        return region_copies(self.det.mask, self.boxes, self.threads)

    @cached_property
    def rows(self) -> tuple[list, dict, dict, bool]:
        """All fields sliced for the crop frames: xyxy rows, field rows, data rows, and whether
        every data key is a plain per-detection row (the common case)."""
        det = self.det
        offsets = self.frames[:, :2]
        xyxy = list(in_frames(det.xyxy, offsets)[:, None])
        fields = {
            name: None if getattr(det, name) is None else _rows(getattr(det, name))
            for name in ("confidence", "class_id", "tracker_id")
        }
        data = {}
        for key, value in det.data.items():
            if isinstance(value, np.ndarray) and value.ndim >= 1:
                if key in POINT_KEYS and value.dtype != object and value.ndim >= 2 and value.shape[-1] == 2:
                    shift = offsets.reshape(self.n, *([1] * (value.ndim - 2)), 2)
                    data[key] = list((value - shift)[:, None])
                elif key not in POINT_KEYS:
                    data[key] = _rows(value)
        return xyxy, fields, data, all(key in data and key != RLE_KEY for key in det.data)

    def translations(self, kept: list[int], frames: list[list[int]], regions: list[list[int]] | None) -> list:
        """Each kept detection alone, in the frame of its crop: what upstream gets from
        `detections[i]`, `sv.move_boxes` and its key offsets, reading only the box region of the
        mask (`regions[i]`: the part of crop i inside the image when crops are padded). Built
        field by field for all crops at once (`_native.records`)."""
        det = self.det
        xyxy, fields, rows, simple = self.rows
        n, inside = len(kept), regions or frames

        def column(values: list) -> list:
            return values if n == self.n else [values[i] for i in kept]

        if not simple:
            data = [self._data_of(i, *frames[i][:2], inside[i], frames[i], rows) for i in kept]
        elif rows:
            data = _native.records(None, {key: column(r) for key, r in rows.items()})
        else:
            data = [{} for _ in kept]
        columns = {
            "xyxy": column(xyxy),
            "mask": [None] * n if det.mask is None else [self._mask(i, inside[i], frames[i]) for i in kept],
            **{name: [None] * n if r is None else column(r) for name, r in fields.items()},
            "data": data,
            "metadata": [dict(det.metadata) for _ in kept],
        }
        return _native.records(type(det), columns)

    def _mask(self, i: int, region: tuple, canvas: tuple) -> Any:
        """Detection i's mask in the frame `canvas` of its crop, `region` of it inside the image."""
        if is_compact_mask(self.det.mask):  # a CompactMask in the crop's frame (inclusive box corners)
            local = pad_to(self.masks[i], region, canvas)
            corners = np.array([[0, 0, local.shape[1] - 1, local.shape[0] - 1]], dtype=np.float32)
            return type(self.det.mask).from_dense(local[None], corners, image_shape=local.shape)
        return pad_to(self.mask_copies[i], region, canvas)[None]

    def _data_of(self, i: int, x0: int, y0: int, region: tuple, canvas: tuple, rows: dict) -> dict:
        """Detection i's `data` for keys that are not plain per-detection rows."""
        data = {}
        for key, value in self.det.data.items():
            row = rows.get(key)
            if key == RLE_KEY and self.rle_local is not None:  # crop-local RLE, same form as given
                local = rle.encode_like(pad_to(self.rle_local[i], region, canvas), value[i])
                data[key] = [local] if isinstance(value, list) else _object_row(local)
            elif row is not None:
                data[key] = row[i]
            elif isinstance(value, np.ndarray):  # 0-d arrays, object-dtype point arrays
                data[key] = value.copy() if value.ndim == 0 else value[[i]] - np.array([x0, y0])
            else:  # lists, as supervision keeps them
                data[key] = [value[i]] if key not in POINT_KEYS else [value[i]] - np.array([x0, y0])
        return data


class RoboflowJson:
    """Roboflow JSON predictions: `{"image": {"width", "height"}, "predictions": [{x, y,
    width, height, ...}]}` with centre-format boxes, `points` and `keypoints` lists.

    Every field the crop reads or translates is checked before any crop is made. Each
    translated payload gets its own copy of its prediction; the payload's other top-level keys
    are copied once per call and shared by all the call's results."""

    bare = False  # RoboflowPredictions: the predictions list alone

    def __init__(self, payload: dict, detection_id_key: str):
        preds = payload.get("predictions")
        if not isinstance(preds, list):
            raise TypeError("detections: expected a 'predictions' list in the Roboflow JSON payload")
        image = payload.get("image")
        if image is not None and not isinstance(image, Mapping):
            raise TypeError(f"detections['image']: expected a dict (width, height, ...), got {type(image).__name__}")
        self.payload = payload
        self.preds = preds
        self.n = len(preds)
        self.key = detection_id_key
        c = np.array([_checked_prediction(p, i) for i, p in enumerate(preds)], dtype=np.float64).reshape(-1, 4)
        half = c[:, 2:] / 2
        self.xyxy = np.concatenate([c[:, :2] - half, c[:, :2] + half], axis=1)

    def ids(self, prefix: str | None = None) -> list:
        return prediction_ids(self.preds, self.key, prefix)

    def read(self, boxes: np.ndarray, frames: np.ndarray, height: int, width: int,
             polygons: bool = False, threads: int = 0) -> RoboflowReading:
        return RoboflowReading(self, boxes, height, width, polygons)


class RoboflowReading(OneByOne):
    """One call's boxes in Roboflow JSON predictions. Masks are the box regions of the
    predictions' masks: `rle` decoded, or with `polygons` (when the masks will be used) the
    polygon `points` rasterised; None for a prediction with neither (or under 3 points), and
    None when no prediction has a mask."""

    def __init__(self, reader: RoboflowJson, boxes: np.ndarray, height: int, width: int, polygons: bool):
        self.reader = reader
        self.rle_local = None
        self.masks: list[np.ndarray | None] | None = None
        preds = reader.preds
        kinds = ["rle" if "rle" in p else "points" if polygons and has_polygon(p) else None for p in preds]
        if not any(kinds):
            return
        masks: list[np.ndarray | None] = []
        for i, (p, kind, box) in enumerate(zip(preds, kinds, boxes.tolist())):
            name = f"detections['predictions'][{i}]['{kind}']"
            if kind == "points":
                masks.append(polygon_region(p["points"], tuple(box), height, width, name))
            elif kind == "rle":
                h, w, _ = rle.parse(p["rle"], name)
                if (h, w) != (height, width):
                    raise ValueError(f"{name}: size {[h, w]} does not match the image ({height}, {width})")
                masks.append(rle.decode_box(p["rle"], tuple(box), name))
            else:
                masks.append(None)
        if "rle" in kinds:  # re-encoded crop-local in translated()
            self.rle_local = [m if kind == "rle" else None for m, kind in zip(masks, kinds)]
        self.masks = masks

    @cached_property
    def shared(self) -> tuple[dict, dict]:
        """One copy of the payload's other top-level keys for the whole call (not one per
        prediction), and its image entry."""
        payload = self.reader.payload
        return ({k: deep_copy(v) for k, v in payload.items() if k not in ("predictions", "image")},
                dict(payload.get("image") or {}))

    def translated(self, i: int, x0: int, y0: int, x1: int, y1: int, region: tuple | None = None) -> Any:
        original = self.reader.preds[i]
        pred = deep_copy(original)
        if self.rle_local is not None and self.rle_local[i] is not None:
            local = pad_to(self.rle_local[i], region or (x0, y0, x1, y1), (x0, y0, x1, y1))
            pred["rle"] = rle.encode_like(local, original["rle"])
        pred["x"] = pred["x"] - x0
        pred["y"] = pred["y"] - y0
        for key in ("points", "keypoints"):
            for point in pred.get(key) or ():
                point["x"] = point["x"] - x0
                point["y"] = point["y"] - y0
        if self.reader.bare:  # a list of predictions in: each crop's prediction dict out
            return pred
        shared, image = self.shared
        out = dict(shared)
        out["image"] = {**image, "width": x1 - x0, "height": y1 - y0}
        out["predictions"] = [pred]
        return out


class RoboflowPredictions(RoboflowJson):
    """A list of Roboflow prediction dicts (a payload's "predictions" alone); each crop's
    prediction is its translated prediction dict."""

    bare = True

    def __init__(self, preds: list | tuple, detection_id_key: str):
        super().__init__({"predictions": list(preds)}, detection_id_key)


class BoxArray:
    """A plain (N, 4) array of (x_min, y_min, x_max, y_max) boxes; each crop's prediction is its
    box in the crop's frame, a (1, 4) float64 array."""

    masks = None

    def __init__(self, value: Any):
        self.xyxy = as_xyxy(value, "detections")
        self.n = len(self.xyxy)

    def ids(self, prefix: str | None = None) -> list:
        return index_ids(self.n, prefix, "detections: a plain box array carries no ids")

    def read(self, boxes: np.ndarray, frames: np.ndarray, height: int, width: int, polygons: bool = False,
             threads: int = 0) -> BoxArray:
        return self  # nothing depends on the call's boxes

    def translations(self, kept: list[int], frames: list[list[int]], regions: list[list[int]] | None) -> list:
        origins = np.array([frames[i][:2] for i in kept], dtype=np.float64).reshape(-1, 2)
        return list(in_frames(self.xyxy[kept], origins)[:, None])


def is_prediction_list(value: Any) -> bool:
    """A non-empty list or tuple of dicts: Roboflow predictions (an empty one is zero boxes)."""
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(isinstance(p, Mapping) for p in value)


def _checked_prediction(pred: Any, i: int) -> list[float]:
    """Prediction i's (x, y, width, height), after checking every field that will be read or
    shifted: numbers are real numbers (not numeric strings, not bools), points are dicts."""
    name = f"detections['predictions'][{i}]"
    if not isinstance(pred, Mapping):
        raise TypeError(f"{name}: expected a dict, got {type(pred).__name__}")
    box = [_number(pred, key, name) for key in ("x", "y", "width", "height")]
    for key in ("points", "keypoints"):
        points = pred.get(key)
        if points is None:
            continue
        if not isinstance(points, list):
            raise TypeError(f"{name}['{key}']: expected a list of {{'x': ..., 'y': ...}} dicts, got {type(points).__name__}")
        for j, point in enumerate(points):
            if not isinstance(point, Mapping):
                raise TypeError(f"{name}['{key}'][{j}]: expected a dict with 'x' and 'y', got {type(point).__name__}")
            _number(point, "x", f"{name}['{key}'][{j}]")
            _number(point, "y", f"{name}['{key}'][{j}]")
    return box


def _number(record: Mapping, key: str, name: str) -> float:
    if key not in record:
        raise ValueError(f"{name}: missing '{key}'")
    return real(record[key], f"{name}['{key}']", "a number")


def schema_for(detections: Any, detection_id_key: str) -> DetectionsReader:
    if isinstance(detections, dict):
        return RoboflowJson(detections, detection_id_key)
    if hasattr(detections, "xyxy") and hasattr(detections, "data") and dataclasses.is_dataclass(detections):
        return SupervisionDetections(detections, detection_id_key)
    from .coco_reader import CocoAnnotations, is_coco_list  # it builds on this module's helpers

    if is_coco_list(detections):
        return CocoAnnotations(detections)
    if is_prediction_list(detections):
        return RoboflowPredictions(detections, detection_id_key)
    if isinstance(detections, (np.ndarray, list, tuple)):
        return BoxArray(detections)
    raise TypeError(
        "detections: expected supervision.Detections, a Roboflow JSON payload or list of predictions, "
        f"a list of COCO annotations, or an (N, 4) array of boxes, got {type(detections).__name__}"
    )
