"""Boxes: checked, rounded half to even and clamped to the image, as upstream crops them."""

from __future__ import annotations

import numpy as np

from . import _native


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
