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

from ._checks import shown

MAX_SIDE = 1 << 24  # crop sides (margins included); float pixel coordinates stay exact below this
ORIENTATIONS = ("upright", "corners")
LONG_SIDES = (None, "width")


class Frames(NamedTuple):
    transforms: np.ndarray  # (N, 2, 3) float64, image -> crop coordinates (zeros where invalid)
    sizes: np.ndarray  # (N, 2) int64 crop (width, height), margins included (zeros where invalid)
    valid: np.ndarray  # (N,) bool: a crop of at least 1 x 1 pixel, not mirrored
    quads: np.ndarray  # (N, 4, 2) float64: the crop's corners in the image, margins included


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
        raise TypeError(f"margin: expected an integer from 0 to {MAX_SIDE} (crop pixels), got {type(margin).__name__}")
    if not 0 <= margin <= MAX_SIDE:
        raise ValueError(f"margin: expected an integer from 0 to {MAX_SIDE} (crop pixels), got {shown(margin)}")
    return int(margin)


def crop_frames(corners: np.ndarray, orientation: str, long_side: str | None, margin: int) -> Frames:
    """Each box's crop frame: three consecutive corners p0, p1, p2 (clockwise on screen, y down)
    with the crop's x axis from p0 to p1 and its y axis from p1 to p2, size round(|p1 - p0|) x
    round(|p2 - p1|) (half to even), grown by `margin` on every side. Corners given
    counter-clockwise are walked the other way, so a crop is never a mirror image.

    `orientation="corners"`: p0 is corner 0. `"upright"`: p0 is the corner that turns the box
    least (its x axis closest to the image's; exact ties go to the clockwise turn). With
    `long_side="width"` only frames whose width is at least their height qualify (for "corners":
    corner 0, else the next corner clockwise). A crop side over MAX_SIDE raises ValueError."""
    with np.errstate(over="ignore", invalid="ignore"):  # huge corners: inf/nan end up invalid or too long
        return _crop_frames(corners, orientation, long_side, margin)


def _crop_frames(corners: np.ndarray, orientation: str, long_side: str | None, margin: int) -> Frames:
    n = len(corners)
    turn = _cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 1])
    walked = np.where((turn >= 0)[:, None, None], corners, corners[:, [0, 3, 2, 1]])
    edges = walked[:, [1, 2, 3, 0]] - walked  # edges[:, k]: from corner k to the next clockwise
    lengths = np.rint(np.hypot(edges[..., 0], edges[..., 1]))  # frame k is edges k (x), k + 1 (y)
    if orientation == "corners":
        start = np.zeros(n, dtype=np.int64)
        if long_side == "width":
            start[lengths[:, 0] < lengths[:, 1]] = 1
    else:
        theta = np.arctan2(edges[..., 1], edges[..., 0])
        # |angle| on a 1e-9 grid, then the clockwise turn (angle > 0) first among equals.
        cost = np.round(np.abs(theta), 9) + (theta <= 0) * 1e-10
        if long_side == "width":
            cost[lengths < lengths[:, [1, 2, 3, 0]]] = np.inf
        start = np.argmin(cost, axis=1)
    rows = np.arange(n)
    p0, u, v = walked[rows, start], edges[rows, start], edges[rows, (start + 1) % 4]
    w, h = lengths[rows, start], lengths[rows, (start + 1) % 4]
    too_long = np.flatnonzero(~(np.maximum(w, h) + 2 * margin <= MAX_SIDE))
    if len(too_long):
        i = int(too_long[0])
        raise ValueError(f"detections: box {i} gives a {w[i] + 2 * margin:g} x {h[i] + 2 * margin:g} crop; "
                         f"sides are limited to {MAX_SIDE} pixels")
    det = _cross(u, v)
    valid = (w > 0) & (h > 0) & (det > 0)  # det <= 0: a degenerate or self-crossing quad
    w, h, det = np.where(valid, w, 1.0), np.where(valid, h, 1.0), np.where(valid, det, 1.0)
    # Linear part: u -> (w, 0), v -> (0, h); then p0 -> (margin, margin).
    lin = np.stack([w * v[:, 1], -w * v[:, 0], -h * u[:, 1], h * u[:, 0]], axis=1).reshape(n, 2, 2) / det[:, None, None]
    transforms = np.concatenate([lin, margin - lin @ p0[:, :, None]], axis=2)
    transforms[~valid] = 0.0
    sizes = np.where(valid[:, None], np.stack([w, h], axis=1) + 2 * margin, 0).astype(np.int64)
    # The crop's corners in the image: p0 moved out by the margin, the edges grown by it.
    ux, vy = u / w[:, None], v / h[:, None]  # one crop pixel along x and y, in image coordinates
    origin = p0 - margin * (ux + vy)
    across, down = ux * sizes[:, :1], vy * sizes[:, 1:]
    quads = np.stack([origin, origin + across, origin + across + down, origin + down], axis=1)
    return Frames(transforms, sizes, valid, quads)


def warp_matrices(transforms: np.ndarray) -> np.ndarray:
    """The (..., 2, 3) matrices cv2.warpAffine takes for these coordinate transforms: pixel
    centres sit at +0.5, so t' = t + L (0.5, 0.5) - (0.5, 0.5)."""
    out = np.array(transforms, dtype=np.float64, copy=True)
    out[..., 2] += 0.5 * (out[..., 0] + out[..., 1]) - 0.5
    return out


def apply(transform: np.ndarray, points: object) -> np.ndarray:
    """Points (..., 2) through a 2x3 affine transform, in float64. Points mapped beyond float64's
    range (a far corner of a nearly degenerate box) come out as inf or nan, without a warning."""
    p = np.asarray(points, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return p @ transform[:, :2].T + transform[:, 2]


def apply_each(transforms: np.ndarray, points: np.ndarray) -> np.ndarray:
    """points[k] (..., 2) through transforms[k] (2x3) for every k at once: the same values as
    apply() one by one (the same matmul per k)."""
    p = np.asarray(points, dtype=np.float64)
    t = np.asarray(transforms, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return p @ np.swapaxes(t[:, :, :2], 1, 2) + t[:, None, :, 2]


def invert(transforms: np.ndarray) -> np.ndarray:
    """The inverse of each (..., 2, 3) affine transform (invertible ones)."""
    lin = np.linalg.inv(transforms[..., :2])
    return np.concatenate([lin, -(lin @ transforms[..., 2:])], axis=-1)


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """outer after inner, as one (..., 2, 3) transform (inf or nan where it overflows, as in apply)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.concatenate([outer[..., :2] @ inner[..., :2], outer[..., :2] @ inner[..., 2:] + outer[..., 2:]], axis=-1)


def overlaps(quads: np.ndarray, width: int, height: int) -> np.ndarray:
    """(N,) bool: the parallelogram quads[i] (corners in order) shares a positive area with the
    image [0, width] x [0, height]. Separating axes: the image's edge normals (x, y), then the
    parallelogram's (along the normal of one edge pair, its extent is the other edge)."""
    with np.errstate(over="ignore", invalid="ignore"):  # far-away quads: inf/nan compare as apart
        return _overlaps(quads, width, height)


def _overlaps(quads: np.ndarray, width: int, height: int) -> np.ndarray:
    lo, hi = quads.min(axis=1), quads.max(axis=1)
    size = np.array([width, height], dtype=np.float64)
    meet = (np.maximum(lo, 0) < np.minimum(hi, size)).all(axis=1)
    edges = quads[:, [1, 3]] - quads[:, :1]  # (N, 2, 2): from corner 0 to corners 1 and 3
    normals = edges[..., ::-1] * [-1.0, 1.0]
    start = (normals * quads[:, None, 0]).sum(axis=-1)  # (N, 2): corner 0 along each normal
    reach = (normals * edges[:, ::-1]).sum(axis=-1)  # the other edge along each normal
    image = normals @ np.array([[0, width, 0, width], [0, 0, height, height]], dtype=np.float64)  # (N, 2, 4)
    low = np.maximum(start + np.minimum(reach, 0), image.min(axis=-1))
    high = np.minimum(start + np.maximum(reach, 0), image.max(axis=-1))
    return meet & (low < high).all(axis=1)


def footprints(quads: np.ndarray, width: int, height: int) -> np.ndarray:
    """(N, 4) int64 boxes (x0, y0, x1, y1) of the image pixels each crop may sample: pixel
    indices around its area (pixel centres sit at +0.5, taps reach one pixel further; two more
    for rounding), clamped to the image."""
    lo = np.floor(quads.min(axis=1)) - 3
    hi = np.ceil(quads.max(axis=1)) + 3
    size = np.array([width, height], dtype=np.float64)
    return np.concatenate([np.clip(lo, 0, size), np.clip(hi, 0, size)], axis=1).astype(np.int64)


class MapsBack:
    """Crop coordinates back to the images a crop came from, for crops that have `transform`
    and `root_transform` (2x3, image -> crop): axis-aligned and oriented crops alike."""

    transform: np.ndarray
    root_transform: np.ndarray

    def to_image(self, points: object) -> np.ndarray:
        """Crop coordinates (..., 2), as (x, y), in the image this crop was cut from (float64)."""
        return apply(invert(self.transform), points)

    def to_parent(self, points: object) -> np.ndarray:
        """The same as :meth:`to_image`: the parent is the image the crop was cut from."""
        return self.to_image(points)

    def to_root(self, points: object) -> np.ndarray:
        """Crop coordinates (..., 2) in the first image of a chain of nested crops (float64)."""
        return apply(invert(self.root_transform), points)


def translation(dx: float, dy: float) -> np.ndarray:
    """The 2x3 transform that adds (dx, dy)."""
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
