"""Polygon masks of Roboflow JSON predictions (`points`), rasterised as
`sv.Detections.from_inference` does (vertices rounded half to even, `cv2.fillPoly` with value 1)
without a frame-sized mask.

fillPoly is not translation-invariant at a canvas border: an edge that leaves the canvas is
clipped and then stepped from the clipped end, which moves pixels along it. A box-sized canvas
would therefore differ from supervision's frame-sized one wherever the polygon crosses the box.
The canvas here is the polygon's extent within the image: it only has borders where the image has
them (or where nothing is drawn), so its pixels equal supervision's exactly; only the part under
the box is kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import shown

MIN_POINTS = 3  # fewer vertices: no mask (supervision's MIN_POLYGON_POINT_COUNT)
_INT32 = 2**31 - 1


def has_polygon(pred: Any) -> bool:
    return len(pred.get("points") or ()) >= MIN_POINTS


def polygon_region(points: list, box: tuple[int, int, int, int], height: int, width: int, name: str) -> np.ndarray:
    """The (y1 - y0, x1 - x0) bool mask of the polygon `points` ([{"x", "y"}, ...], already
    checked to be numbers) under box (x0, y0, x1, y1) of a (height, width) image."""
    require_opencv(name)
    return fill_region([int32_vertices(np.array([[p["x"], p["y"]] for p in points], dtype=np.float64), name)],
                       box, height, width)


def int32_vertices(vertices: np.ndarray, name: str) -> np.ndarray:
    """(n, 2) float vertices rounded to int32 (what cv2.fillPoly takes); a ValueError naming
    `name` for NaN, inf or values beyond int32, which would wrap into a mirrored mask."""
    rounded = np.round(vertices)
    if not (np.abs(rounded) <= _INT32).all():  # NaN, inf and beyond int32 alike
        raise ValueError(f"{name}: vertices must be finite and within int32, got {shown(rounded.tolist())}")
    return rounded.astype(np.int32)


def require_opencv(name: str) -> None:
    """An ImportError naming the argument whose polygons need OpenCV, when it is not installed."""
    try:
        import cv2  # noqa: F401
    except ImportError:
        raise ImportError(f"{name}: polygon masks are rasterised with OpenCV, which is not installed: "
                          "pip install opencv-python-headless (or pass mask_opacity=0)") from None


def fill_region(polygons: list[np.ndarray], box: tuple[int, int, int, int], height: int, width: int) -> np.ndarray:
    """The (y1 - y0, x1 - x0) bool mask under box (x0, y0, x1, y1) of a (height, width) image of
    int32 (k, 2) polygons filled by one `cv2.fillPoly` call (so overlaps follow its even-odd
    rule), on a canvas that is their extent within the image (see the module's note)."""
    import cv2

    x0, y0, x1, y1 = box
    out = np.zeros((max(y1 - y0, 0), max(x1 - x0, 0)), dtype=bool)
    lo = np.maximum(np.min([p.min(axis=0) for p in polygons], axis=0), 0)
    hi = np.minimum(np.max([p.max(axis=0) for p in polygons], axis=0).astype(np.int64) + 1, [width, height])
    ax0, ay0, ax1, ay1 = max(x0, lo[0]), max(y0, lo[1]), min(x1, hi[0]), min(y1, hi[1])
    if ax1 <= ax0 or ay1 <= ay0:  # nothing of the polygons' extent under the box
        return out
    canvas = np.zeros((hi[1] - lo[1], hi[0] - lo[0]), dtype=np.uint8)
    cv2.fillPoly(canvas, [p - lo.astype(np.int32) for p in polygons], 1)
    out[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0] = canvas[ay0 - lo[1] : ay1 - lo[1], ax0 - lo[0] : ax1 - lo[0]]
    return out
