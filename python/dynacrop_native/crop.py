"""crop_boxes: one crop per box, rounded half to even and clamped to the image."""

from __future__ import annotations

import numpy as np

from ._checks import image_array
from ._checks import threads as threads_arg
from .cutting import crop_arrays
from .geometry import as_xyxy, round_and_clamp


def crop_boxes(
    image: np.ndarray, xyxy: object, *, copy: bool = True, threads: int | None = None
) -> list[np.ndarray | None]:
    """One crop per box ``(x_min, y_min, x_max, y_max)``, ``None`` where the crop is empty.

    Boxes are rounded half to even (like ``numpy.round``) and clamped to the image. With
    ``copy=True`` every crop is a new C-contiguous array, all filled by one native call with
    the GIL released (over ``threads`` threads, ``None`` = automatic); with ``copy=False`` crops
    are views of ``image``.
    """
    image = image_array(image)
    boxes = round_and_clamp(as_xyxy(xyxy), image.shape[1], image.shape[0])
    n_threads = threads_arg(threads)
    return crop_arrays(image, boxes, None, 0.0, (0, 0, 0), copy, n_threads)
