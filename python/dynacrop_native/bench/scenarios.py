"""Inputs of the benchmark scenarios, deterministic for a seed. `scale` < 1 shrinks frames and
counts for smoke runs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Scene:
    image: np.ndarray
    xyxy: np.ndarray
    masks: np.ndarray | None


def noise_frame(height: int, width: int, count: int, seed: int, scale: float):
    """(rng, a noise BGR frame, box count, smallest and largest box side), all scaled."""
    rng = np.random.default_rng(seed)
    h, w = max(8, int(height * scale)), max(8, int(width * scale))
    n = max(1, int(count * scale)) if scale < 1 else count
    lo, hi = max(2, int(40 * scale)), max(4, int(300 * scale))
    return rng, rng.integers(0, 256, (h, w, 3), dtype=np.uint8), n, lo, hi


def scene(height: int, width: int, count: int, *, masks: bool, seed: int = 0, scale: float = 1.0) -> Scene:
    """A noise frame with `count` boxes of 40-300 px (scaled) and, optionally, full-frame
    instance masks: an ellipse filling each box, as segmentation models produce."""
    rng, image, n, lo, hi = noise_frame(height, width, count, seed, scale)
    h, w = image.shape[:2]
    size = rng.integers(lo, hi, (n, 2))
    x0 = rng.integers(0, max(1, w - hi), n)
    y0 = rng.integers(0, max(1, h - hi), n)
    xyxy = np.stack([x0, y0, x0 + size[:, 0], y0 + size[:, 1]], axis=1).astype(np.float64)
    xyxy = np.minimum(xyxy, [w, h, w, h])
    mask = None
    if masks:
        mask = np.zeros((n, h, w), dtype=bool)
        for i, (a, b, c, d) in enumerate(xyxy.astype(int)):
            yy, xx = np.ogrid[b:d, a:c]
            cy, cx, ry, rx = (b + d) / 2, (a + c) / 2, max((d - b) / 2, 1), max((c - a) / 2, 1)
            mask[i, b:d, a:c] = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1
    return Scene(image, xyxy, mask)


def detections(s: Scene):
    """The scene as supervision.Detections with the fields Inference's models fill."""
    import supervision as sv

    n = len(s.xyxy)
    rng = np.random.default_rng(n)
    return sv.Detections(
        xyxy=s.xyxy,
        mask=s.masks,
        confidence=rng.random(n).astype(np.float32),
        class_id=rng.integers(0, 80, n),
        data={
            "detection_id": np.array([f"det-{i}" for i in range(n)]),
            "class_name": np.array(["object"] * n),
            "parent_id": np.array(["image"] * n),
        },
    )


def blend_inputs(scale: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """K1: one 1000x1000x3 crop and a random per-pixel mask (the hardest case: no runs)."""
    rng = np.random.default_rng(seed)
    side = max(8, int(1000 * scale))
    return rng.integers(0, 256, (side, side, 3), dtype=np.uint8), rng.random((side, side)) < 0.5


@dataclass
class RotatedScene:
    image: np.ndarray
    corners: np.ndarray  # (N, 4, 2), clockwise on screen from the box's own top-left
    centres: np.ndarray  # (N, 2)
    sizes: np.ndarray  # (N, 2) width, height
    angles: np.ndarray  # (N,) degrees, counter-clockwise on screen (cv2.getRotationMatrix2D's sense)


def rotated_scene(height: int, width: int, count: int, *, seed: int = 0, scale: float = 1.0) -> RotatedScene:
    """A noise frame with `count` rotated boxes of 40-300 px (scaled) at any angle, centred so
    that most lie inside the frame."""
    rng, image, n, lo, hi = noise_frame(height, width, count, seed, scale)
    h, w = image.shape[:2]
    sizes = rng.integers(lo, hi, (n, 2))
    centres = rng.uniform([hi / 2, hi / 2], [max(hi / 2 + 1, w - hi / 2), max(hi / 2 + 1, h - hi / 2)], (n, 2))
    angles = rng.uniform(0, 180, n)
    t = np.radians(-angles)  # counter-clockwise on screen (y down) is a negative mathematical angle
    ex = np.stack([np.cos(t), np.sin(t)], axis=1)
    ey = np.stack([-ex[:, 1], ex[:, 0]], axis=1)
    half_w, half_h = sizes[:, :1] / 2, sizes[:, 1:] / 2
    p0 = centres - ex * half_w - ey * half_h
    corners = np.stack([p0, p0 + 2 * ex * half_w, p0 + 2 * ex * half_w + 2 * ey * half_h, p0 + 2 * ey * half_h], axis=1)
    return RotatedScene(image, corners, centres, sizes, angles)
