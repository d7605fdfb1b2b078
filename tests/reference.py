"""Pure-numpy references the native results are compared with."""

import numpy as np


def numpy_reference(crop, mask, a, bg):
    """Background removal in numpy float32, independent of the native table: the product rounded
    to float32, then fma done exactly in float64 (bg * f32(a) is exact there) and rounded once."""
    a32, b32 = np.float32(a), np.float32(1.0 - a)
    c3 = crop.reshape(*crop.shape[:2], len(bg))
    prod = (c3.astype(np.float32) * b32).astype(np.float64)
    fused = (np.asarray(bg, np.float64) * np.float64(a32) + prod).astype(np.float32)
    outside = np.clip(np.rint(fused), 0, 255).astype(np.uint8)
    m = mask.reshape(*mask.shape[:2], 1 if mask.ndim == 2 else mask.shape[2]) != 0
    return np.where(m, c3, outside).reshape(crop.shape)


def crop_reference(image, xyxy):
    """Boxes as upstream crops them, clamped: numpy rounding, clamp, None for empty crops."""
    h, w = image.shape[:2]
    out = []
    boxes = np.round(np.asarray(xyxy, dtype=np.float64).reshape(-1, 4))
    for x0, y0, x1, y1 in np.clip(boxes, 0, [w, h, w, h]).astype(np.int64):
        crop = image[y0:y1, x0:x1]
        out.append(crop if crop.size else None)
    return out
