"""O1: oriented crops of 50 rotated boxes in a 1080p frame, against the two ways users cut them
with OpenCV: (a) one cv2.warpAffine per box into a crop-sized output (the fair baseline) and (b)
rotating the whole frame per box, then slicing the box out (the common recipe)."""

from __future__ import annotations

import numpy as np

import dynacrop_native as dc

from . import Row, compare, scenarios


def warp_per_box(image: np.ndarray, corners: np.ndarray) -> list[np.ndarray]:
    """(a): cv2.getAffineTransform of three corners and one cv2.warpAffine per box."""
    import cv2

    crops = []
    for c in corners:
        w, h = int(np.rint(np.hypot(*(c[1] - c[0])))), int(np.rint(np.hypot(*(c[2] - c[1]))))
        m = cv2.getAffineTransform(c[:3].astype(np.float32), np.float32([[0, 0], [w, 0], [w, h]]))
        crops.append(cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT))
    return crops


def rotate_frame_per_box(image: np.ndarray, s: scenarios.RotatedScene) -> list[np.ndarray]:
    """(b): rotate the whole frame about each box's centre so the box is upright, then slice."""
    import cv2

    height, width = image.shape[:2]
    crops = []
    for (cx, cy), (w, h), angle in zip(s.centres, s.sizes, s.angles):
        m = cv2.getRotationMatrix2D((float(cx), float(cy)), float(-angle), 1.0)
        upright = cv2.warpAffine(image, m, (width, height), flags=cv2.INTER_LINEAR)
        x0, y0 = int(round(cx - w / 2)), int(round(cy - h / 2))
        crops.append(upright[max(y0, 0) : max(y0 + h, 0), max(x0, 0) : max(x0 + w, 0)])
    return crops


def ours(image: np.ndarray, corners: np.ndarray, threads: int | None) -> list:
    return dc.oriented_crop(image, corners, orientation="corners", threads=threads)


def oriented_rows(quick: bool, scale: float) -> list[Row]:
    import cv2

    rounds = 8 if quick else 30
    s = scenarios.rotated_scene(1080, 1920, 50, scale=scale)
    threads = cv2.getNumThreads()
    try:
        cv2.setNumThreads(1)
        b, o, r = compare(lambda: warp_per_box(s.image, s.corners), lambda: ours(s.image, s.corners, 1), rounds)
        rows = [Row("O1 oriented, 50 boxes, 1 thread", "per-box cv2.warpAffine, 1 thread", b, o, r, ">= 1x", r >= 1.0)]
    finally:
        cv2.setNumThreads(threads)
    b, o, r = compare(lambda: warp_per_box(s.image, s.corners), lambda: ours(s.image, s.corners, None), rounds)
    rows.append(Row("O1 oriented, 50 boxes", "per-box cv2.warpAffine", b, o, r, ">= 1x", r >= 1.0))
    b, o, r = compare(lambda: rotate_frame_per_box(s.image, s), lambda: ours(s.image, s.corners, None),
                      max(3, rounds // 4))
    rows.append(Row("O1 oriented, 50 boxes", "rotate the frame per box, slice", b, o, r, ">= 20x", r >= 20.0))
    return rows
