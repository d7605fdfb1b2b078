"""Opt-in box shaping before cropping (margins, square crops, minimum size) and alpha output.
Defaults leave boxes exactly as upstream uses them."""

from __future__ import annotations

import math

import numpy as np

from ._checks import real


def _non_negative(value: object, name: str) -> float:
    v = real(value, name, "a number >= 0")
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name}: expected a finite number >= 0, got {v}")
    return v


def shape_boxes(xyxy: np.ndarray, margin: object = 0, margin_ratio: object = 0.0, square: bool = False) -> np.ndarray:
    """Grow float (N, 4) boxes by `margin` pixels and `margin_ratio` of their width/height on
    every side, then, with `square`, grow the short side around the centre to the long one."""
    m = _non_negative(margin, "margin")
    r = _non_negative(margin_ratio, "margin_ratio")
    if not isinstance(square, (bool, np.bool_)):
        raise TypeError(f"square: expected True or False, got {type(square).__name__}")
    if m == 0 and r == 0 and not square:
        return xyxy
    out = xyxy.astype(np.float64, copy=True)
    w = out[:, 2] - out[:, 0]
    h = out[:, 3] - out[:, 1]
    grow = np.stack([m + r * w, m + r * h], axis=1)
    out[:, :2] -= grow
    out[:, 2:] += grow
    if square:
        w = out[:, 2] - out[:, 0]
        h = out[:, 3] - out[:, 1]
        side = np.maximum(w, h)
        cx, cy = (out[:, 0] + out[:, 2]) / 2, (out[:, 1] + out[:, 3]) / 2
        out = np.stack([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], axis=1)
    return out


def small_boxes(xyxy: np.ndarray, min_size: object) -> np.ndarray:
    """Rows whose width or height (as detected, before shaping) is below `min_size`."""
    limit = _non_negative(min_size, "min_size")
    return (xyxy[:, 2] - xyxy[:, 0] < limit) | (xyxy[:, 3] - xyxy[:, 1] < limit)


def with_alpha(crop: np.ndarray, mask: np.ndarray | None, opacity: float) -> np.ndarray:
    """A BGRA copy of `crop` (gray is replicated to BGR; an existing alpha is kept where lower):
    alpha 255 inside the mask, round(255 * (1 - opacity)) outside, 255 without a mask."""
    if crop.dtype != np.uint8:
        raise TypeError(f"output: 'bgra' needs a uint8 image, got {crop.dtype}")
    c = 1 if crop.ndim == 2 else crop.shape[2]
    bgr = np.repeat(crop.reshape(*crop.shape[:2], 1), 3, axis=2) if c == 1 else crop[..., :3]
    out = np.empty((*crop.shape[:2], 4), dtype=np.uint8)
    out[..., :3] = bgr
    out[..., 3] = 255
    if mask is not None:
        inside = mask if mask.ndim == 2 else mask.any(axis=2)
        out[..., 3][inside == 0] = round(255 * (1.0 - opacity))
    if c == 4:
        np.minimum(out[..., 3], crop[..., 3], out=out[..., 3])
    return out
