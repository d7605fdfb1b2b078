"""CropOptions: the crop options of dynamic_crop, checked once and shared by every entry point
(dynamic_crop, crop_resize_batch, the dataset export, the integrations)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ._checks import opacity, real
from .color import parse_color

OutOfBounds = Literal["clamp", "pad"]
Output = Literal["image", "bgra"]


@dataclass(frozen=True)
class CropOptions:
    """How each detection is cut. The defaults are upstream's block exactly.

    ``mask_opacity`` (0..1) blends the pixels outside each instance mask toward
    ``background_color`` (any form :func:`parse_color` takes; ``bgr`` holds it parsed).
    ``margin`` pixels and ``margin_ratio`` of the box's width/height are added on every side,
    then ``square`` grows the short side around the centre; ``min_size`` gives None for boxes
    narrower or shorter than it (as detected). ``out_of_bounds="pad"`` keeps the shaped box's
    full size past the image, painted with the background; ``output="bgra"`` puts the mask in
    an alpha channel instead of blending. Bad values raise ValueError/TypeError naming them.
    """

    mask_opacity: float = 0.0
    background_color: object = (0, 0, 0)
    margin: float = 0.0
    margin_ratio: float = 0.0
    square: bool = False
    min_size: float = 0.0
    out_of_bounds: OutOfBounds = "clamp"
    output: Output = "image"
    bgr: tuple[int, int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.output not in ("image", "bgra"):
            raise ValueError(f"output: expected 'image' or 'bgra', got {self.output!r}")
        if self.out_of_bounds not in ("clamp", "pad"):
            raise ValueError(f"out_of_bounds: expected 'clamp' or 'pad', got {self.out_of_bounds!r}")
        if not isinstance(self.square, (bool, np.bool_)):
            raise TypeError(f"square: expected True or False, got {type(self.square).__name__}")
        checked = {
            "mask_opacity": opacity(self.mask_opacity),
            "margin": non_negative(self.margin, "margin"),
            "margin_ratio": non_negative(self.margin_ratio, "margin_ratio"),
            "min_size": non_negative(self.min_size, "min_size"),
            "square": bool(self.square),
            "bgr": parse_color(self.background_color),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def pad(self) -> bool:
        return self.out_of_bounds == "pad"

    @property
    def alpha(self) -> bool:
        return self.output == "bgra"

    @property
    def blends(self) -> bool:
        """Pixels outside masks change colour (alpha output keeps colours, the mask goes to alpha)."""
        return self.mask_opacity > 0 and not self.alpha


def non_negative(value: object, name: str) -> float:
    v = real(value, name, "a number >= 0")
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name}: expected a finite number >= 0, got {v}")
    return v
