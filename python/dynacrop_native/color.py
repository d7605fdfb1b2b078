"""Background colours: upstream's accepted forms, checked more strictly (out-of-range values are errors)."""

from __future__ import annotations

import numbers
import re
from functools import lru_cache

import numpy as np

from ._checks import shown
from .css_colors import CSS_COLORS

_HEX6 = re.compile(r"#[0-9a-fA-F]{6}")
_HEX3 = re.compile(r"#[0-9a-fA-F]{3}")


def parse_color(value: object, name: str = "background_color") -> tuple[int, int, int]:
    """Parse an RGB colour and return it as (b, g, r).

    Accepted: ``'#RRGGBB'``, ``'#RGB'``, ``'(r, g, b)'`` strings, the 148 CSS colour names
    (``'white'``, any case), 3-element tuples, lists or numpy arrays of integers in 0..255, and
    objects with integer ``r``, ``g``, ``b`` attributes such as ``supervision.Color`` (its alpha
    is not used). Anything else raises ``ValueError``, like upstream.
    """
    if isinstance(value, (str, tuple)):  # the usual forms: parsed once (errors are not cached)
        # Types are part of the key: (1.0, 0, 0) and (True, 0, 0) equal (1, 0, 0) but are refused, and
        # a named tuple's fields decide its order (BGR(b=1, g=2, r=3) == (1, 2, 3) as a tuple).
        kinds = (type(value), *map(type, value)) if isinstance(value, tuple) else str
        try:
            return _parse_hashable(value, kinds, name)
        except TypeError:  # a tuple holding something unhashable
            pass
    return _parse(value, name)


@lru_cache(maxsize=64)
def _parse_hashable(value: object, kinds: object, name: str) -> tuple[int, int, int]:
    return _parse(value, name)


def _parse(value: object, name: str) -> tuple[int, int, int]:
    if isinstance(value, str):
        text = value.strip()
        if _HEX6.fullmatch(text):
            rgb = tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))
        elif _HEX3.fullmatch(text):
            rgb = tuple(int(text[i] * 2, 16) for i in (1, 2, 3))
        elif text.startswith("(") and text.endswith(")"):
            parts = text[1:-1].split(",")
            try:
                rgb = tuple(int(p) for p in parts)
            except ValueError:
                raise ValueError(f"{name}: invalid tuple colour {shown(value)}, expected '(r, g, b)'") from None
            if len(rgb) != 3:
                raise ValueError(f"{name}: invalid tuple colour {shown(value)}, expected 3 components")
        elif text.lower() in CSS_COLORS:
            return _parse(CSS_COLORS[text.lower()], name)
        else:
            raise ValueError(f"{name}: invalid colour {shown(value)}, expected '#RRGGBB', '#RGB', '(r, g, b)' "
                             "or a CSS colour name")
    elif isinstance(value, (tuple, list, np.ndarray)) or all(hasattr(value, c) for c in "rgb"):
        if all(hasattr(value, c) for c in "rgb"):  # supervision.Color, named tuples: by name, not position
            items = [value.r, value.g, value.b]
        elif isinstance(value, np.ndarray):
            items = list(value.ravel())
        else:
            items = list(value)
        if len(items) != 3 or (isinstance(value, np.ndarray) and value.ndim != 1):
            raise ValueError(f"{name}: expected 3 components (r, g, b), got {shown(value)}")
        if not all(isinstance(c, numbers.Integral) and not isinstance(c, (bool, np.bool_)) for c in items):
            raise ValueError(f"{name}: components must be integers in 0..255, got {shown(value)}")
        rgb = tuple(int(c) for c in items)
    else:
        raise ValueError(f"{name}: invalid colour format {shown(value)}")
    if not all(0 <= c <= 255 for c in rgb):
        raise ValueError(f"{name}: components must be integers in 0..255, got {shown(rgb)}")
    r, g, b = rgb
    return (b, g, r)


def background_for_channels(bgr: tuple[int, int, int], channels: int) -> list[int]:
    """The colour in an image's channel order: BGR as is, BGRA with opaque alpha (so the alpha
    channel is blended toward 255 like any other channel), gray as OpenCV's BGR2GRAY luma,
    gray+alpha as (luma, 255)."""
    b, g, r = bgr
    if channels >= 3:
        return [b, g, r] if channels == 3 else [b, g, r, 255]
    gray = (b * 1868 + g * 9617 + r * 4899 + 8192) >> 14
    return [gray] if channels == 1 else [gray, 255]
