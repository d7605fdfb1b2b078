"""Ultralytics YOLO datasets read into per-image work: data.yaml (class names, split folders),
then one label file per image under labels/ beside images/, one object per line, coordinates
normalised to 0..1: detect `cls cx cy w h`, segment `cls x1 y1 x2 y2 ...` (a polygon) and OBB
`cls x1 y1 x2 y2 x3 y3 x4 y4`. A line of 9 fields is an OBB box unless the dataset has polygon
lines of another length (then it is a 4-point polygon), as ultralytics decides by task."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

from .coco import Annotation, Dataset, ImageWork, Selection
from .labels import IMAGE_SUFFIXES, LineProblem, folder, lines, numbers, obb
from .problems import ExportError, Skip, show, show_value

SPLITS = ("train", "val", "test")


def load(path: Path) -> dict:
    """data.yaml parsed (PyYAML's safe loader); ExportError (one line) when it cannot be."""
    import yaml

    where = show(str(path))
    try:
        with open(path, "rb") as f:
            data = yaml.safe_load(f)
    except OSError as e:
        raise ExportError(f"--yolo: cannot read {where}: {e.strerror or e}") from None
    except (yaml.YAMLError, RecursionError, ValueError) as e:
        raise ExportError(f"--yolo: cannot read {where}: not valid YAML ({show(str(e).splitlines()[0])})") from None
    if not isinstance(data, dict):
        raise ExportError(f"--yolo: {where} is not a mapping of names and splits")
    return data


def names(data: dict, where: str) -> list[str]:
    """Class names by index, from `names` as a list or as a {index: name} mapping."""
    value = data.get("names")
    if isinstance(value, dict) and all(isinstance(k, int) and not isinstance(k, bool) for k in value):
        if sorted(value) != list(range(len(value))):
            raise ExportError(f"--yolo: 'names' in {where} must number the classes 0..n-1")
        value = [value[k] for k in range(len(value))]
    if not isinstance(value, list) or not value:
        raise ExportError(f"--yolo: 'names' in {where} must be a non-empty list or a mapping of index to name")
    return [str(v) for v in value]


def split_images(data: dict, root: Path, split: str, where: str) -> list[Path]:
    """The images a split lists: folders (searched recursively) or .txt lists of image paths."""
    value = data.get(split)
    entries = value if isinstance(value, list) else [value]
    if not all(isinstance(e, str) and e for e in entries):
        raise ExportError(f"--yolo: split {split!r} in {where} must be a path or a list of paths, "
                          f"got {show_value(value)}")
    found: list[Path] = []
    for entry in entries:
        path = root / entry
        if path.is_file() and path.suffix == ".txt":
            listed, problem = lines(path, show(str(path)))
            if problem:
                raise ExportError(f"--yolo: split {split!r}: {problem.what}: {problem.detail}")
            found += [path.parent / t if t.startswith("./") else root / t for _, t in listed]
            continue
        folder(path, f"--yolo: split {split!r}")
        found += sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    return found


def label_path(image: Path) -> Path:
    """ultralytics' rule: the last /images/ of the path becomes /labels/, the suffix .txt."""
    text = str(image)
    sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
    return Path(sb.join(text.rsplit(sa, 1))).with_suffix(".txt") if sa in text else image.with_suffix(".txt")


def read(yaml_path: Path, splits: list[str] | None, selection: Selection = Selection()) -> tuple[Dataset, Path]:
    """The dataset's objects grouped by image, and the folder file_names are relative to (the
    data.yaml `path`, relative to the file's folder; default that folder). Every bad line,
    and every label file without its image, is a skip naming the file and the line."""
    data = load(yaml_path)
    where = show(str(yaml_path))
    classes = names(data, where)
    root = yaml_path.parent / str(data.get("path") or ".")
    folder(root, "--yolo: 'path'")
    listed = [s for s in SPLITS if data.get(s)]
    wanted = splits or listed
    for s in wanted:
        if s not in listed:
            raise ExportError(f"--split: {show_value(s)} is not in {where} (its splits: {', '.join(listed) or 'none'})")
    unknown = sorted(selection.categories - set(classes))
    if unknown:
        raise ExportError(f"--category: {', '.join(map(show_value, unknown))} not in {where} "
                          f"(its names: {', '.join(map(show_value, classes[:20]))})")
    skipped: list[Skip] = []
    parsed: list[tuple[str, Path, Path, list[tuple[int, list[str]]]]] = []
    seen_labels: set[Path] = set()
    for split in wanted:
        images = split_images(data, root, split, where)
        for image in images:
            label = label_path(image)
            seen_labels.add(label)
            rows, problem = lines(label, _rel(label, root)) if label.exists() else ([], None)
            if problem:
                skipped.append(problem)
            parsed.append((split, image, label, [(n, t.split()) for n, t in rows]))
        # label files whose image is not there: their objects cannot be cropped
        for entry in (data[split] if isinstance(data[split], list) else [data[split]]):
            labels_dir = label_path(root / entry / "x").parent
            if (root / entry).is_dir() and labels_dir.is_dir() and labels_dir != (root / entry):
                for orphan in sorted(p for p in labels_dir.rglob("*.txt") if p not in seen_labels):
                    skipped.append(Skip(_rel(orphan, root), "label without image",
                                        f"no image {_rel(orphan.with_suffix('.*'), root)} in the split folder"))
    polygon_lengths = {len(f) for *_, rows in parsed for _, f in rows if len(f) >= 7 and len(f) % 2 and len(f) != 9}
    obb_nine = not polygon_lengths
    works, index, left_out = [], 0, 0
    for split, image, label, rows in parsed:
        work = ImageWork(_rel(image, root), _rel(image, root), None, normalized=True)
        for line, fields in rows:
            at = f"{_rel(label, root)} line {line}"
            try:
                ann = _annotation(index, line, at, fields, classes, obb_nine, {"split": split, "label_file":
                                  _rel(label, root), "line": line})
            except LineProblem as e:
                skipped.append(Skip(at, "bad label line", str(e), line, index))
                index += 1
                continue
            index += 1
            if selection.categories and ann.category not in selection.categories:
                left_out += 1
            else:
                work.annotations.append(ann)
        if work.annotations:
            works.append(work)
    used = sorted({a.category_id for w in works for a in w.annotations})
    return Dataset(works, [(i, classes[i]) for i in used], skipped, left_out), root


def _rel(path: Path, root: Path) -> str:
    return PurePosixPath(os.path.relpath(path, root)).as_posix()


def _annotation(index: int, line: int, at: str, fields: list[str], classes: list[str], obb_nine: bool,
                record: dict) -> Annotation:
    n = len(fields) - 1
    if not (n == 4 or (n == 8 and obb_nine) or (n >= 6 and n % 2 == 0)):
        raise LineProblem(f"{len(fields)} fields: expected 'class cx cy w h', 'class x1 y1 ... x4 y4' (OBB) "
                          "or 'class x1 y1 x2 y2 x3 y3 ...' (a polygon)")
    (cls,) = numbers(fields[:1], "class")
    if not cls.is_integer() or not 0 <= cls < len(classes):
        raise LineProblem(f"class {show(fields[0], 40)} is not a class index 0..{len(classes) - 1} of data.yaml")
    cls = int(cls)
    values = numbers(fields[1:])
    bad = next((v for v in values if not 0 <= v <= 1), None)
    if bad is not None:
        raise LineProblem(f"coordinate {bad:g} is outside 0..1 (YOLO coordinates are normalised)")
    if n == 8 and obb_nine:
        return obb(index, line, at, values, cls, classes[cls], record)
    if n == 4:
        cx, cy, w, h = values
        if w <= 0 or h <= 0:
            raise LineProblem(f"box width and height must be > 0, got {w:g} x {h:g}")
        return Annotation(index, line, (cx - w / 2, cy - h / 2, w, h), cls, classes[cls], None, where=at,
                          record=record)
    xs, ys = values[0::2], values[1::2]
    x0, y0 = min(xs), min(ys)
    if max(xs) <= x0 or max(ys) <= y0:
        raise LineProblem("the polygon has no width or no height")
    return Annotation(index, line, (x0, y0, max(xs) - x0, max(ys) - y0), cls, classes[cls], [values], where=at,
                      record=record)
