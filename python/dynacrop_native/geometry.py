"""Box geometry: boxes checked, shaped (margins, square), rounded half to even and clamped to
the image as upstream crops them, and the unclamped frames of padded crops."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _native
from .options import CropOptions


def as_xyxy(value: object, name: str = "xyxy") -> np.ndarray:
    """(N, 4) float64 boxes, finite; an empty sequence gives (0, 4)."""
    try:
        boxes = np.asarray(value, dtype=np.float64)
    except OverflowError:  # an int beyond float64 (10**400): a value, not a type, error
        raise ValueError(f"{name}: boxes must be finite numbers within float64's range") from None
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name}: expected an (N, 4) array of numbers ({e})") from None
    if boxes.shape in ((0,), (0, 4)) or (boxes.ndim == 2 and boxes.shape[0] == 0):
        return boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{name}: expected shape (N, 4), got {boxes.shape}")
    if not np.isfinite(boxes).all():
        row = int(np.flatnonzero(~np.isfinite(boxes).all(axis=1))[0])
        raise ValueError(f"{name}: boxes must be finite, row {row} is {boxes[row].tolist()}")
    return boxes


def round_and_clamp(xyxy: np.ndarray, width: int, height: int) -> np.ndarray:
    """Round half to even like numpy (upstream's `xyxy.round().astype(int)`), then clamp to the
    image. Returns contiguous int64 (N, 4); a box with x1 <= x0 or y1 <= y0 is empty."""
    boxes, bad = _native.round_boxes(xyxy, width, height)
    if bad >= 0:
        raise ValueError(f"xyxy: boxes must be numbers, row {bad} is {xyxy[bad].tolist()}")
    return boxes


def in_frames(xyxy: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """(N, 4) boxes moved into frames whose top-left corners are the (N, 2) `origins`: the same
    values and dtype as upstream's ``xyxy + array([-x0, -y0, -x0, -y0])``."""
    return xyxy - np.concatenate([origins, origins], axis=1)


def shape_boxes(xyxy: np.ndarray, options: CropOptions) -> np.ndarray:
    """Float (N, 4) boxes grown by `margin` pixels and `margin_ratio` of their width/height on
    every side, then, with `square`, the short side grown around the centre to the long one."""
    m, r = options.margin, options.margin_ratio
    if m == 0 and r == 0 and not options.square:
        return xyxy
    out = xyxy.astype(np.float64, copy=True)
    w = out[:, 2] - out[:, 0]
    h = out[:, 3] - out[:, 1]
    grow = np.stack([m + r * w, m + r * h], axis=1)
    out[:, :2] -= grow
    out[:, 2:] += grow
    if options.square:
        w = out[:, 2] - out[:, 0]
        h = out[:, 3] - out[:, 1]
        side = np.maximum(w, h)
        cx, cy = (out[:, 0] + out[:, 2]) / 2, (out[:, 1] + out[:, 3]) / 2
        out = np.stack([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], axis=1)
    return out


def frame_boxes(xyxy: np.ndarray, width: int, height: int, options: CropOptions) -> tuple[np.ndarray, np.ndarray | None]:
    """Float (N, 4) boxes in a width x height image: shaped, rounded and clamped (empty where the
    box is under `min_size`, as detected, or outside), and, with padding, the unclamped shaped
    boxes the crops cover (None without)."""
    shaped = shape_boxes(xyxy, options)
    boxes = round_and_clamp(shaped, width, height)
    # Too small: an empty box, so None like empty crops. With min_size 0 only boxes of negative
    # size qualify, and rounding and clamping already left those empty (not so their canvas).
    small = None
    if options.min_size > 0 or options.pad:
        small = (xyxy[:, 2] - xyxy[:, 0] < options.min_size) | (xyxy[:, 3] - xyxy[:, 1] < options.min_size)
        boxes[small, 2:] = boxes[small, :2]
    if not options.pad:
        return boxes, None
    canvas = np.clip(np.round(shaped), -(2.0**40), 2.0**40).astype(np.int64)  # no int overflow
    if small is not None:
        canvas[small] = boxes[small]
    return boxes, canvas


def detection_boxes(source: np.ndarray, schema: Any, options: CropOptions) -> tuple[np.ndarray, np.ndarray | None]:
    """The int boxes of a detections reader's boxes in `source`, as :func:`frame_boxes` gives them."""
    height, width = source.shape[:2]
    return frame_boxes(as_xyxy(schema.xyxy, "detections.xyxy"), width, height, options)
