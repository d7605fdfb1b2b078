"""References the native results are compared with: pure numpy, or numpy and OpenCV doing what
the library replaces."""

import numpy as np

import dynacrop_native as dc


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


def padded_reference(image, box, mask, opacity, colour):
    """numpy: a canvas of the background colour, the in-image part pasted (blended if asked)."""
    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    c = 1 if image.ndim == 2 else image.shape[2]
    bg = dc.color.background_for_channels(dc.parse_color(colour), c)
    canvas = np.empty((y1 - y0, x1 - x0, c), image.dtype)
    canvas[...] = np.array(bg, dtype=image.dtype)
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    part = image[cy0:cy1, cx0:cx1]
    if mask is not None and opacity > 0:
        part = dc.remove_background(part, mask[cy0:cy1, cx0:cx1], opacity, colour)
    canvas[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0] = part.reshape(*part.shape[:2], c)
    return canvas.reshape(canvas.shape[:2]) if image.ndim == 2 else canvas


INTERPOLATIONS = {"bilinear": 1, "nearest": 0, "area": 3}  # cv2.INTER_LINEAR, INTER_NEAREST, INTER_AREA


def resize_reference(image, det, size, *, keep_aspect=False, interpolation="bilinear", layout="NHWC", dtype=np.uint8,
              mean=None, std=None, rgb=False, background_color=(0, 0, 0), **crop_options):
    """The unfused pipeline crop_resize_batch replaces (dynamic_crop, cv2.resize, letterbox,
    np.stack, numpy float32 normalisation), slot by slot."""
    import cv2

    h, w = size
    crops = dc.dynamic_crop(image, det, background_color=background_color, **crop_options)
    source = image.image if isinstance(image, dc.Crop) else image
    c = 1 if source.ndim == 2 else source.shape[2]
    bg = np.array(dc.color.background_for_channels(dc.parse_color(background_color), c), np.uint8)
    slots = []
    for crop in crops:
        slot = np.empty((h, w, c), np.uint8)
        slot[:] = bg
        if crop is not None:
            ch, cw = crop.image.shape[:2]
            rw, rh = w, h
            if keep_aspect:
                s = min(w / cw, h / ch)
                rw, rh = min(max(round(cw * s), 1), w), min(max(round(ch * s), 1), h)
            px, py = (w - rw) // 2, (h - rh) // 2
            resized = cv2.resize(crop.image, (rw, rh), interpolation=INTERPOLATIONS[interpolation])
            slot[py : py + rh, px : px + rw] = resized.reshape(rh, rw, c)
        slots.append(slot)
    batch = np.stack(slots) if slots else np.zeros((0, h, w, c), np.uint8)
    if rgb and c >= 3:
        batch = batch[..., [2, 1, 0, 3][:c]]
    if dtype in (np.float32, np.float16):  # float16: the float32 result, rounded to nearest even
        m = np.float32(0) if mean is None else np.asarray(mean, np.float32)
        sd = np.float32(1) if std is None else np.asarray(std, np.float32)
        batch = ((batch.astype(np.float32) - m) / sd).astype(dtype)
    if layout == "NCHW":
        batch = batch.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(batch)
