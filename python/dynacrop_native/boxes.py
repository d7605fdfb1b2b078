"""Box rounding and clamping (SPEC §2 steps 1-2, §2.1)."""

from __future__ import annotations

import numpy as np


def as_xyxy(value: object, name: str = "xyxy") -> np.ndarray:
    """(N, 4) float64 boxes, finite; an empty sequence gives (0, 4)."""
    try:
        boxes = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name}: expected an (N, 4) array of numbers ({e})") from None
    if boxes.shape in ((0,), (0, 4)) or (boxes.ndim == 2 and boxes.shape[0] == 0):
        return boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{name}: expected shape (N, 4), got {boxes.shape}")
    bad = ~np.isfinite(boxes).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}: boxes must be finite, row {row} is {boxes[row].tolist()}")
    return boxes


def round_and_clamp(xyxy: np.ndarray, width: int, height: int) -> np.ndarray:
    """Round half to even like numpy (upstream's `xyxy.round().astype(int)`), then clamp to the
    image. Returns contiguous int64 (N, 4); a box with x1 <= x0 or y1 <= y0 is empty."""
    limits = np.array([width, height, width, height], dtype=np.float64)
    return np.clip(np.round(xyxy), 0.0, limits).astype(np.int64)
