"""Background colours: upstream's accepted forms, checked more strictly (out-of-range values are errors)."""

from __future__ import annotations

import numbers
import re
from functools import lru_cache

import numpy as np

from ._checks import shown

_HEX6 = re.compile(r"#[0-9a-fA-F]{6}")
_HEX3 = re.compile(r"#[0-9a-fA-F]{3}")


def parse_color(value: object, name: str = "background_color") -> tuple[int, int, int]:
    """Parse an RGB colour and return it as (b, g, r).

    Accepted: ``'#RRGGBB'``, ``'#RGB'``, ``'(r, g, b)'`` strings and 3-element tuples, lists or
    numpy arrays of integers in 0..255. Anything else raises ``ValueError``, like upstream.
    """
    if isinstance(value, (str, tuple)):  # the usual forms: parsed once (errors are not cached)
        # Element types are part of the key: (1.0, 0, 0) and (True, 0, 0) equal (1, 0, 0) but are refused.
        kinds = tuple(map(type, value)) if isinstance(value, tuple) else str
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
        else:
            raise ValueError(f"{name}: invalid colour {shown(value)}, expected '#RRGGBB', '#RGB' or '(r, g, b)'")
    elif isinstance(value, (tuple, list, np.ndarray)):
        items = list(np.asarray(value).ravel()) if isinstance(value, np.ndarray) else list(value)
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
