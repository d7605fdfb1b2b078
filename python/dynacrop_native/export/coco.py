"""COCO annotation files read into per-image work: every entry is checked, and each problem is
recorded as a skip naming the entry and the reason, never guessed around. Once an image is
decoded, its annotations are cut through `coco_reader.CocoAnnotations`, the reader
`dynamic_crop` uses for COCO annotations. Nothing here knows about output files."""

from __future__ import annotations

import json
import math
import os
import stat
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..coco_reader import coco_bbox, segmentation_mask
from .problems import ExportError, Skip, show, show_value


@dataclass
class Annotation:
    index: int  # position in the file's "annotations" list
    id: int | str | None
    bbox: tuple[float, float, float, float]  # x, y, width, height
    category_id: int | str | None  # an id the file does not define is kept, named by itself
    category: str
    segmentation: Any
    iscrowd: bool = False
    corners: np.ndarray | None = None  # (4, 2) of an oriented box (YOLO OBB, DOTA); bbox is their bounds
    where: str | None = None  # how problems name it ("labels/a.txt line 3"); None: by its id
    record: dict = field(default_factory=dict)  # more fields for its crops.json entry

    def skip(self, reason: str, detail: str = "") -> Skip:
        return Skip(self.where or annotation_label(self.id, self.index), reason, detail, self.id, self.index)


@dataclass
class ImageWork:
    id: int | str
    file_name: str
    size: tuple[int, int] | None  # (width, height) as the file states them
    annotations: list[Annotation] = field(default_factory=list)
    normalized: bool = False  # coordinates in 0..1 of the image's width and height (YOLO)

    def in_pixels(self, width: int, height: int) -> ImageWork:
        """The work with normalised coordinates scaled to a decoded width x height image."""
        if not self.normalized:
            return self
        scale = np.array([width, height], dtype=np.float64)
        anns = []
        for a in self.annotations:
            x, y, w, h = a.bbox
            seg = None if a.segmentation is None else [
                (np.asarray(p, dtype=np.float64).reshape(-1, 2) * scale).ravel().tolist() for p in a.segmentation]
            anns.append(replace(a, bbox=(x * width, y * height, w * width, h * height), segmentation=seg,
                                corners=None if a.corners is None else a.corners * scale))
        return replace(self, annotations=anns, normalized=False)


@dataclass(frozen=True)
class Selection:
    """Which annotations are exported at all (the others are left out, not reported as skips)."""

    categories: frozenset[str] = frozenset()  # names; empty: every category
    skip_crowd: bool = False  # leave out iscrowd=1 annotations


@dataclass
class Dataset:
    images: list[ImageWork]  # images with at least one usable annotation, in file order
    categories: list[tuple[int | str, str]]  # (id, name) of the usable categories, in file order
    skipped: list[Skip]
    left_out: int = 0  # annotations the Selection leaves out


@dataclass(frozen=True)
class Unusable:
    """What annotations referring to a refused image or category entry are skipped for."""

    reason: str
    detail: str


def load(path: Path) -> Any:
    """The parsed annotation file; ExportError (one line) when it cannot be read as JSON."""
    where = show(str(path))
    try:
        mode = os.stat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):  # a pipe: `--coco <(...)`
            raise ExportError(f"--coco: cannot read {where}: not a file")
        with open(path, "rb") as f:
            return json.loads(f.read())
    except ExportError:
        raise
    except OSError as e:
        raise ExportError(f"--coco: cannot read {where}: {e.strerror or e}") from None
    except RecursionError:
        raise ExportError(f"--coco: cannot read {where}: JSON nested too deeply to parse") from None
    except MemoryError:
        raise ExportError(f"--coco: cannot read {where}: out of memory") from None
    except ValueError as e:  # JSON syntax, encoding, integers beyond the digit limit
        raise ExportError(f"--coco: cannot read {where}: not valid JSON ({show(str(e))})") from None


def read(coco: Any, where: str, min_size: float = 0, selection: Selection = Selection()) -> Dataset:
    """Every annotation checked and grouped under its image. Duplicate image or category ids
    make every annotation referring to them a skip, like the entries themselves. Annotations
    the selection leaves out are only counted; a selected category name the file does not
    define is an ExportError."""
    if not isinstance(coco, dict):
        raise ExportError(f"--coco: {where} is not a COCO annotation object")
    for key in ("images", "annotations", "categories"):
        if not isinstance(coco.get(key, []), list):
            raise ExportError(f"--coco: '{key}' must be a list in {where}")
    skipped: list[Skip] = []
    categories = _by_id("category", coco.get("categories", []), _category_name, skipped)
    unknown = sorted(selection.categories - {name for name in categories.values() if isinstance(name, str)})
    if unknown:
        known = sorted({name for name in categories.values() if isinstance(name, str)})
        raise ExportError(f"--category: {', '.join(map(show_value, unknown))} not in {where} "
                          f"(its categories: {', '.join(map(show_value, known[:20])) or 'none'})")
    images = _by_id("image", coco.get("images", []), _image_work, skipped)
    left_out = 0
    for index, ann in enumerate(coco.get("annotations", [])):
        item = _annotation(index, ann, images, categories, min_size)
        if isinstance(item, Skip):
            skipped.append(item)
        elif (selection.categories and item.category not in selection.categories) or (
                selection.skip_crowd and item.iscrowd):
            left_out += 1
        else:
            images[ann["image_id"]].annotations.append(item)
    return Dataset(
        [work for work in images.values() if isinstance(work, ImageWork) and work.annotations],
        [(key, name) for key, name in categories.items() if isinstance(name, str)],
        skipped,
        left_out,
    )


def is_id(value: Any) -> bool:
    """COCO ids are integers or strings (not bools, floats, lists or objects)."""
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def annotation_label(ident: Any, index: int) -> str:
    return f"annotation {show(ident)}" if is_id(ident) else f"annotation #{index} (no usable id)"


def _by_id(kind: str, entries: list, check: Callable[[dict], Any], skipped: list[Skip]) -> dict:
    """id -> the checked entry, or -> Unusable for ids that are repeated or whose entry is bad."""
    counts = Counter(e["id"] for e in entries if isinstance(e, dict) and is_id(e.get("id")))
    out: dict = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not is_id(entry.get("id")):
            skipped.append(Skip(f"{kind} #{i}", f"bad {kind} entry", "not an object with an integer or string id"))
            continue
        ident = entry["id"]
        if counts[ident] > 1:
            if ident not in out:
                out[ident] = Unusable(f"duplicate {kind} id", f"{counts[ident]} {kind} entries have id {show(ident)}")
                skipped.append(Skip(f"{kind} {show(ident)}", out[ident].reason, out[ident].detail))
            continue
        try:
            out[ident] = check(entry)
        except ValueError as e:
            out[ident] = Unusable(f"bad {kind} entry", f"{kind} {show(ident)}: {e}")
            skipped.append(Skip(f"{kind} {show(ident)}", out[ident].reason, out[ident].detail))
    return out


def _category_name(entry: dict) -> str:
    name = entry.get("name", str(entry["id"]))
    if not isinstance(name, str):
        raise ValueError(f"name must be a string, got {type(name).__name__}")
    return name


def _image_work(entry: dict) -> ImageWork:
    name = entry.get("file_name")
    if not isinstance(name, str) or not name or "\0" in name:
        raise ValueError(f"file_name must be a non-empty string without NUL, got {show_value(name)}")
    size = None
    if "width" in entry or "height" in entry:
        size = tuple(_whole(entry.get(key)) for key in ("width", "height"))
        if None in size:
            raise ValueError(f"width and height must be positive integers, got {show_value(entry.get('width'))} "
                             f"x {show_value(entry.get('height'))}")
    return ImageWork(entry["id"], name, size)


def _whole(value: Any) -> int | None:
    """A positive whole number (640 or 640.0), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    return int(value) if value >= 1 else None


def _annotation(index: int, ann: Any, images: dict, categories: dict, min_size: float) -> Annotation | Skip:
    if not isinstance(ann, dict):
        return Skip(f"annotation #{index}", "bad annotation", f"not an object: {show_value(ann)}", None, index)
    ident = ann.get("id")
    label = annotation_label(ident, index)

    def skip(reason: str, detail: str = "") -> Skip:
        return Skip(label, reason, detail, ident if is_id(ident) else None, index)

    if ident is not None and not is_id(ident):
        return skip("bad id", f"expected an integer or a string, got {show_value(ident)}")
    image_id, category_id = ann.get("image_id"), ann.get("category_id")
    if not is_id(image_id):
        return skip("bad image_id", f"expected an integer or a string, got {show_value(image_id)}")
    image = images.get(image_id)
    if image is None:
        return skip("no such image", f"no image has id {show_value(image_id)}")
    if isinstance(image, Unusable):
        return skip(image.reason, image.detail)
    if category_id is not None and not is_id(category_id):
        return skip("bad category_id", f"expected an integer or a string, got {show_value(category_id)}")
    category = categories.get(category_id, "unknown" if category_id is None else str(category_id))
    if isinstance(category, Unusable):
        return skip(category.reason, category.detail)
    bbox = _bbox(ann.get("bbox"))
    if bbox is None:
        return skip("bad bbox", f"expected [x, y, width, height] with width, height > 0, got {show_value(ann.get('bbox'))}")
    if bbox[2] < min_size or bbox[3] < min_size:
        return skip("smaller than --min-size")
    crowd = ann.get("iscrowd") or 0  # absent or null: not a crowd
    if crowd not in (0, 1) or isinstance(crowd, float):
        return skip("bad iscrowd", f"expected 0 or 1, got {show_value(crowd)}")
    return Annotation(index, ident, bbox, category_id, category, ann.get("segmentation"), bool(crowd))


def _bbox(value: Any) -> tuple[float, float, float, float] | None:
    """A usable bbox: four finite numbers with a positive width and height."""
    box = coco_bbox(value)
    return box if box is not None and box[2] > 0 and box[3] > 0 else None


def annotation_mask(ann: dict, box: tuple[int, int, int, int], height: int, width: int) -> np.ndarray | None:
    """The annotation's mask over `box`, from polygons (rasterised over the box only) or RLE."""
    return segmentation_mask(ann.get("segmentation"), box, height, width)
