"""Alpha output (output="bgra"): the crop's colours kept, its mask in an alpha channel, and
padding transparent."""

from __future__ import annotations

import numpy as np

from .schemas import pad_to


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
