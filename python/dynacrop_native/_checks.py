"""Argument checks shared by the public functions: fail early, name the argument."""

from __future__ import annotations

import math
import numbers
import reprlib

import numpy as np

CROP_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.float32))
MASK_DTYPES = (np.dtype(np.bool_), np.dtype(np.uint8))


def image_array(value: object, name: str = "image", *, blend: bool = False) -> np.ndarray:
    """A 2-D or 3-D (1-4 channel) numpy image of a supported dtype; never copied."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name}: expected a numpy array or a DLPack tensor, got {type(value).__name__}")
    if value.ndim not in (2, 3):
        raise ValueError(f"{name}: expected shape (H, W) or (H, W, C), got {value.shape}")
    if value.ndim == 3 and not 1 <= value.shape[2] <= 4:
        raise ValueError(f"{name}: expected 1 to 4 channels, got shape {value.shape}")
    allowed = (np.dtype(np.uint8),) if blend else CROP_DTYPES
    if value.dtype not in allowed:
        names = [str(d) for d in allowed]
        want = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise TypeError(f"{name}: expected dtype {want}, got {value.dtype}")
    if not value.flags.aligned:  # the kernels read whole elements; rare enough to copy
        value = value.copy()
    return value


def channels(image: np.ndarray) -> int:
    return 1 if image.ndim == 2 else image.shape[2]


def needs_conversion(mask: np.ndarray, name: str) -> bool:
    """Check a mask's dtype. bool and uint8 go to the kernels as they are; other integer and float
    masks are True where non-zero (NaN included, as numpy's astype(bool)): `mask != 0`, which the
    caller takes of only the region it needs."""
    if mask.dtype in MASK_DTYPES:
        return False
    if mask.dtype.kind in "iuf":
        return True
    raise TypeError(f"{name}: expected dtype bool, integer or float, got {mask.dtype}")


def mask_array(value: object, shape: tuple[int, ...], channels: int, name: str = "mask") -> np.ndarray:
    """A bool/uint8 mask of `shape` (H, W) or (H, W, channels) (others numeric: non-zero is inside)."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name}: expected a numpy array or a DLPack tensor, got {type(value).__name__}")
    if needs_conversion(value, name):
        value = value != 0
    if value.ndim == len(shape) + 1 and value.shape[-1] == 1:
        value = value[..., 0]
    ok = value.shape == shape or (channels > 1 and value.shape == (*shape, channels))
    if not ok:
        want = f"{shape}" + (f" or {(*shape, channels)}" if channels > 1 else "")
        raise ValueError(f"{name}: expected shape {want}, got {value.shape}")
    return value


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60


def shown(value: object) -> str:
    """`value` for an error message: short, and never failing (an integer beyond str()'s digit
    limit or a deeply nested list cannot be printed whole)."""
    try:
        return _SHORT.repr(value)
    except (ValueError, RecursionError):
        if isinstance(value, int):
            return f"an integer of {value.bit_length()} bits"
        return f"a {type(value).__name__}"


def real(value: object, name: str, expected: str) -> float:
    """A real number (not a bool) as a float. Integers too large for a float (10**400) give
    ValueError, not OverflowError."""
    if type(value) is float:  # plain floats skip the (slow) ABC checks
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected {expected}, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{name}: expected {expected}, got {shown(value)}") from None


def opacity(value: object, name: str = "mask_opacity") -> float:
    if type(value) is not float:
        value = real(value, name, "a number in [0, 1]")
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}: expected a number in [0, 1], got {value}")
    return value


def threads(value: object, name: str = "threads") -> int:
    """None (automatic) -> 0 for the native layer; otherwise an int >= 1."""
    if value is None:
        return 0
    if type(value) is not int:  # plain ints skip the (slow) ABC checks
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name}: expected None or an integer >= 1, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name}: expected None or an integer >= 1, got {value}")
    return min(int(value), 256)
