"""Geometry of oriented crops: from four corners to a crop's frame (which corner is its top-left,
its size) and the affine maps between image and crop coordinates.

Coordinates are continuous, like box coordinates: pixel (i, j) covers [i, i + 1) x [j, j + 1).
A crop's transform maps image coordinates to crop coordinates; its corners go to (0, 0), (w, 0),
(w, h) (plus the margin). OpenCV addresses pixels by their centres, so the matrix to give
cv2.warpAffine is the transform conjugated by a half-pixel shift (``warp_matrices``).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

ORIENTATIONS = ("upright", "corners")
LONG_SIDES = (None, "width")


class Frames(NamedTuple):
    transforms: np.ndarray  # (N, 2, 3) float64, image -> crop coordinates (zeros where invalid)
    sizes: np.ndarray  # (N, 2) int64 crop (width, height), margins included
    valid: np.ndarray  # (N,) bool: a crop of at least 1 x 1 pixel


def as_corners(value: object, name: str) -> np.ndarray:
    """(N, 4, 2) float64 corners, finite."""
    try:
        corners = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name}: expected an (N, 4, 2) array of corner coordinates ({e})") from None
    if corners.size == 0 and corners.ndim in (1, 3):
        return corners.reshape(0, 4, 2)
    if corners.ndim != 3 or corners.shape[1:] != (4, 2):
        raise ValueError(f"{name}: expected shape (N, 4, 2), got {corners.shape}")
    finite = np.isfinite(corners).all(axis=(1, 2))
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise ValueError(f"{name}: corners must be finite, box {row} is {corners[row].tolist()}")
    return corners


def check_options(orientation: object, long_side: object, margin: object) -> int:
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation: expected 'upright' or 'corners', got {orientation!r}")
    if long_side not in LONG_SIDES:
        raise ValueError(f"long_side: expected None or 'width', got {long_side!r}")
    if isinstance(margin, (bool, np.bool_)) or not isinstance(margin, numbers.Integral):
        raise TypeError(f"margin: expected an integer >= 0 (crop pixels), got {type(margin).__name__}")
    if margin < 0:
        raise ValueError(f"margin: expected an integer >= 0 (crop pixels), got {margin}")
    return int(margin)


def crop_frames(corners: np.ndarray, orientation: str, long_side: str | None, margin: int) -> Frames:
    """Each box's crop frame: three consecutive corners p0, p1, p2 (clockwise on screen, y down)
    with the crop's x axis from p0 to p1 and its y axis from p1 to p2, size round(|p1 - p0|) x
    round(|p2 - p1|) (half to even), grown by `margin` on every side. Corners given
    counter-clockwise are walked the other way, so a crop is never a mirror image.

    `orientation="corners"`: p0 is corner 0. `"upright"`: p0 is the corner that turns the box
    least (its x axis closest to the image's; exact ties go to the clockwise turn). With
    `long_side="width"` only frames whose width is at least their height qualify (for "corners":
    corner 0, else the next corner clockwise)."""
    n = len(corners)
    turn = _cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 1])
    walked = np.where((turn >= 0)[:, None, None], corners, corners[:, [0, 3, 2, 1]])
    k = np.arange(4)
    u = walked[:, (k + 1) % 4] - walked[:, k]  # (N, 4, 2): x edge of the frame starting at corner k
    v = walked[:, (k + 2) % 4] - walked[:, (k + 1) % 4]
    w_all = np.rint(np.hypot(u[..., 0], u[..., 1])).astype(np.int64)
    h_all = np.rint(np.hypot(v[..., 0], v[..., 1])).astype(np.int64)
    allowed = w_all >= h_all if long_side == "width" else np.ones((n, 4), dtype=bool)
    if orientation == "corners":
        start = np.where(allowed[:, 0], 0, 1)
    else:
        theta = np.arctan2(u[..., 1], u[..., 0])
        # |angle| on a 1e-9 grid, then the clockwise turn (angle > 0) first among equals.
        cost = np.round(np.abs(theta), 9) + np.where(theta > 0, 0.0, 1e-10)
        start = np.argmin(np.where(allowed, cost, np.inf), axis=1)
    rows = np.arange(n)
    p0 = walked[rows, start]
    u0, v0 = u[rows, start], v[rows, start]
    w, h = w_all[rows, start], h_all[rows, start]
    det = _cross(u0, v0)
    valid = (w > 0) & (h > 0) & (det > 0)  # det <= 0: a degenerate or self-crossing quad
    safe = np.where(valid, det, 1.0)
    # Linear part: u -> (w, 0), v -> (0, h); then p0 -> (margin, margin).
    lin = np.empty((n, 2, 2))
    lin[:, 0, 0], lin[:, 0, 1] = w * v0[:, 1] / safe, -w * v0[:, 0] / safe
    lin[:, 1, 0], lin[:, 1, 1] = -h * u0[:, 1] / safe, h * u0[:, 0] / safe
    transforms = np.concatenate([lin, (margin - np.einsum("nij,nj->ni", lin, p0))[..., None]], axis=2)
    transforms[~valid] = 0.0
    sizes = np.where(valid[:, None], np.stack([w, h], axis=1) + 2 * margin, 0)
    return Frames(transforms, sizes.astype(np.int64), valid)


def warp_matrices(transforms: np.ndarray) -> np.ndarray:
    """The (..., 2, 3) matrices cv2.warpAffine takes for these coordinate transforms: pixel
    centres sit at +0.5, so t' = t + L (0.5, 0.5) - (0.5, 0.5)."""
    out = np.array(transforms, dtype=np.float64, copy=True)
    out[..., 2] += 0.5 * (out[..., 0] + out[..., 1]) - 0.5
    return out


def apply(transform: np.ndarray, points: object) -> np.ndarray:
    """Points (..., 2) through a 2x3 affine transform, in float64."""
    p = np.asarray(points, dtype=np.float64)
    return p @ transform[:, :2].T + transform[:, 2]


def invert(transforms: np.ndarray) -> np.ndarray:
    """The inverse of each (..., 2, 3) affine transform (invertible ones)."""
    lin = np.linalg.inv(transforms[..., :2])
    return np.concatenate([lin, -(lin @ transforms[..., 2:])], axis=-1)


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """outer after inner, as one (..., 2, 3) transform."""
    return np.concatenate([outer[..., :2] @ inner[..., :2], outer[..., :2] @ inner[..., 2:] + outer[..., 2:]], axis=-1)


def _corners_in_image(transforms: np.ndarray, sizes: np.ndarray, inset: float) -> np.ndarray:
    """(N, 4, 2): the crop rectangles [inset, w - inset] x [inset, h - inset] (crop
    coordinates) mapped back into the image, for valid frames."""
    w, h = sizes[:, 0] - inset, sizes[:, 1] - inset
    lo = np.full(len(sizes), float(inset))
    rect = np.stack([np.stack([lo, lo], 1), np.stack([w, lo], 1), np.stack([w, h], 1), np.stack([lo, h], 1)], axis=1)
    back = invert(transforms)
    return np.einsum("nij,nkj->nki", back[:, :, :2], rect) + back[:, None, :, 2]


def overlaps(transforms: np.ndarray, sizes: np.ndarray, valid: np.ndarray, width: int, height: int) -> np.ndarray:
    """(N,) bool: valid crop i's area (a parallelogram in the image) shares a positive area with
    the image [0, width] x [0, height] (separating axes: the image's and the crop's edge normals)."""
    out = np.zeros(len(sizes), dtype=bool)
    if not valid.any():
        return out
    quad = _corners_in_image(transforms[valid], sizes[valid], 0.0)  # (M, 4, 2)
    rect = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    edges = np.stack([quad[:, 1] - quad[:, 0], quad[:, 2] - quad[:, 1]], axis=1)  # (M, 2, 2)
    normals = np.stack([-edges[..., 1], edges[..., 0]], axis=-1)
    axes = np.concatenate([np.broadcast_to(np.eye(2), (len(quad), 2, 2)), normals], axis=1)  # (M, 4, 2)
    pq = np.einsum("mak,mpk->map", axes, quad)  # projections: (M, axis, point)
    pr = np.einsum("mak,pk->map", axes, rect)
    apart = np.maximum(pq.min(-1), pr.min(-1)) >= np.minimum(pq.max(-1), pr.max(-1))
    out[valid] = ~apart.any(axis=1)
    return out


def footprints(transforms: np.ndarray, sizes: np.ndarray, width: int, height: int) -> np.ndarray:
    """(N, 4) int64 boxes (x0, y0, x1, y1) of the image pixels each crop may sample: its pixel
    centres (at +0.5 in crop coordinates) mapped back, with a 2-pixel margin for rounding,
    clamped to the image. All frames must be valid."""
    if not len(sizes):
        return np.zeros((0, 4), dtype=np.int64)
    centres = _corners_in_image(transforms, sizes, 0.5) - 0.5  # pixel-index coordinates
    lo = np.floor(centres.min(axis=1)) - 2
    hi = np.ceil(centres.max(axis=1)) + 3
    limit = np.array([width, height], dtype=np.float64)
    return np.concatenate([np.clip(lo, 0, limit), np.clip(hi, 0, limit)], axis=1).astype(np.int64)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
