"""COCO run-length masks (``{"size": [h, w], "counts": bytes | str | list[int]}``, column-major,
as pycocotools writes them). Decoding reads only a box region (native); encoding turns a
crop-local mask back into the same form the input used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import _native
from ._checks import shown


MAX_SIDE = 2**31 - 1  # as pycocotools, whose sizes are 32-bit; h * w then never wraps


def parse(rle: Any, name: str) -> tuple[int, int, Any]:
    """(h, w, counts) of an RLE dict, checked: list counts come back as an int64 array of
    non-negative whole run lengths (fractional, negative or non-numeric ones are refused, never
    truncated), each at most h * w."""
    if not isinstance(rle, Mapping) or "size" not in rle or "counts" not in rle:
        raise TypeError(f"{name}: expected a COCO RLE dict with 'size' and 'counts', got {type(rle).__name__}")
    size = rle["size"]
    ok = isinstance(size, (list, tuple, np.ndarray)) and len(size) == 2
    if not ok or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= v <= MAX_SIDE
                         for v in size):
        raise ValueError(f"{name}: 'size' must be [height, width], integers in 0..{MAX_SIDE}, got {shown(size)}")
    h, w = int(size[0]), int(size[1])
    counts = rle["counts"]
    if isinstance(counts, (bytes, str)):
        return h, w, counts
    if not isinstance(counts, (list, tuple, np.ndarray)):
        raise TypeError(f"{name}: 'counts' must be bytes, str or a list of ints, got {type(counts).__name__}")
    return h, w, _run_lengths(counts, h * w, name)


def _run_lengths(counts: Any, total: int, name: str) -> np.ndarray:
    """List-form counts as int64: whole numbers in 0..total (16.0 is 16; 0.5 is refused)."""
    try:
        runs = np.asarray(counts)
    except (ValueError, TypeError):  # ragged nesting
        runs = np.asarray([None])
    if runs.ndim != 1 or runs.dtype.kind not in "iuf":
        raise ValueError(f"{name}: 'counts' must be a flat list of non-negative integers, got {shown(counts)}")
    with np.errstate(invalid="ignore"):
        bad = ~(runs >= 0) | (runs > total) | (runs != np.floor(runs) if runs.dtype.kind == "f" else False)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}: 'counts' must be non-negative whole numbers up to h * w = {total}, "
                         f"got {runs[i].item()!r} at position {i}")
    return runs.astype(np.int64)


def decode_box(rle: Any, box: tuple[int, int, int, int], name: str = "rle") -> np.ndarray:
    """The (y1 - y0, x1 - x0) bool region of the mask under box (x0, y0, x1, y1)."""
    h, w, counts = parse(rle, name)
    try:
        if isinstance(counts, (bytes, str)):
            raw = counts.encode("ascii") if isinstance(counts, str) else counts
            return _native.rle_decode_string(raw, h, w, list(box))
        return _native.rle_decode_counts(counts, h, w, list(box))
    except (ValueError, UnicodeEncodeError, OverflowError) as e:
        raise ValueError(f"{name}: {str(e).removeprefix('rle: ')}") from None


def decode(rle: Any, name: str = "rle") -> np.ndarray:
    """The whole (h, w) bool mask."""
    h, w, _ = parse(rle, name)
    return decode_box(rle, (0, 0, w, h), name)


def runs(mask: np.ndarray) -> list[int]:
    """Column-major run lengths of a 2-D mask, starting with a (possibly empty) run of zeros."""
    flat = np.asarray(mask, dtype=bool).T.reshape(-1)
    if flat.size == 0:
        return [0]  # what pycocotools writes for an empty mask
    edges = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    lengths = np.diff(np.concatenate([[0], edges, [flat.size]])).tolist()
    return [0, *lengths] if flat[0] else lengths


def counts_to_string(counts: list[int]) -> bytes:
    """pycocotools' compressed form (rleToString): 5-bit little-endian groups + 48, counts
    after the second stored as differences to the one two places before."""
    out = bytearray()
    for i, count in enumerate(counts):
        x = count - counts[i - 2] if i > 2 else count
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            out.append((c | 0x20 if more else c) + 48)
    return bytes(out)


def encode_like(mask: np.ndarray, like: Any) -> dict:
    """`mask` as an RLE dict whose counts have the same type as `like`'s (bytes, str or list)."""
    counts = runs(mask)
    original = like["counts"]
    if isinstance(original, (bytes, str)):
        packed = counts_to_string(counts)
        encoded: Any = packed.decode("ascii") if isinstance(original, str) else packed
    else:
        encoded = counts
    return {**like, "size": [int(mask.shape[0]), int(mask.shape[1])], "counts": encoded}
