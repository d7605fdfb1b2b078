"""What YOLO and DOTA label files share: text files of one object per line, each line's fields
checked with problems naming the file and the line, and the image a label file belongs to."""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

import numpy as np

from .coco import Annotation
from .problems import ExportError, Skip, show

# The image files of a dataset folder: the formats OpenCV reads among ultralytics' IMG_FORMATS.
IMAGE_SUFFIXES = (".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp")


class LineProblem(ValueError):
    """A label line that cannot be used; the message says why."""


def lines(path: Path, shown: str) -> tuple[list[tuple[int, str]], Skip | None]:
    """(line number from 1, text) of the non-empty lines, or a skip naming the file when it
    cannot be read as UTF-8 text."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return [], Skip(shown, "unreadable label file", "not a regular file")
        text = path.read_bytes().decode("utf-8")
    except OSError as e:
        return [], Skip(shown, "unreadable label file", e.strerror or str(e))
    except UnicodeDecodeError:
        return [], Skip(shown, "unreadable label file", "not UTF-8 text")
    except MemoryError:
        return [], Skip(shown, "unreadable label file", "out of memory")
    return [(n, t.strip()) for n, t in enumerate(text.splitlines(), 1) if t.strip()], None


def numbers(fields: list[str], what: str = "coordinate") -> list[float]:
    """Finite floats, else LineProblem naming the first field that is not one."""
    out = []
    for text in fields:
        try:
            value = float(text)
        except ValueError:
            raise LineProblem(f"{what} {show(text, 40)!r} is not a number") from None
        if not math.isfinite(value):
            raise LineProblem(f"{what} {show(text, 40)!r} is not finite")
        out.append(value)
    return out


def obb(index: int, line: int, where: str, corners: list[float], category_id: int | str, category: str,
        record: dict) -> Annotation:
    """An oriented box: its corners kept, its bounds as bbox, the quadrilateral as its polygon
    (the mask when it is cropped axis-aligned)."""
    quad = np.array(corners, dtype=np.float64).reshape(4, 2)
    lo, hi = quad.min(axis=0), quad.max(axis=0)
    return Annotation(index, line, (lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]), category_id, category,
                      [corners], corners=quad, where=where, record=record)


def image_beside(stem_path: Path) -> Path | None:
    """The image whose path is `stem_path` with an image suffix (the first in IMAGE_SUFFIXES
    order, lower then upper case), or None."""
    for suffix in IMAGE_SUFFIXES:
        for s in (suffix, suffix.upper()):
            candidate = stem_path.with_name(stem_path.name + s)
            if candidate.is_file():
                return candidate
    return None


def folder(path: Path, flag: str) -> Path:
    if not path.is_dir():
        state = "is not a folder" if os.path.lexists(path) else "does not exist"
        raise ExportError(f"{flag}: {show(str(path))} {state}")
    return path
