"""DOTA label files read into per-image work: one `<name>.txt` per image `<name>.png` (or
another image suffix), optional `imagesource:` and `gsd:` header lines, then one object per
line: `x1 y1 x2 y2 x3 y3 x4 y4 class difficult` in pixels (`difficult` 0 or 1, absent in some
releases)."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from .coco import Dataset, ImageWork, Selection
from .labels import LineProblem, folder, image_beside, lines, numbers, obb
from .problems import ExportError, Skip, show, show_value

HEADERS = ("imagesource:", "gsd:")


def read(label_dir: Path, images_dir: Path, selection: Selection = Selection()) -> Dataset:
    """Every label file's objects grouped by image (file names relative to `images_dir`); a bad
    line, or a label file without its image, is a skip naming the file and the line."""
    folder(label_dir, "--dota")
    folder(images_dir, "--images")
    skipped: list[Skip] = []
    works, categories, index, left_out = [], {}, 0, 0
    for label in sorted(p for p in label_dir.rglob("*.txt") if p.is_file()):
        rel = PurePosixPath(os.path.relpath(label, label_dir)).as_posix()
        rows, problem = lines(label, rel)
        if problem:
            skipped.append(problem)
            continue
        rows = [(n, t) for n, t in rows if not t.lower().startswith(HEADERS)]
        image = image_beside(images_dir / Path(rel).with_suffix(""))
        if image is None:
            skipped += [Skip(f"{rel} line {n}", "label without image",
                             f"no image {show(str(images_dir / Path(rel).with_suffix('')))}.png (or .jpg, .tif, ...)",
                             n, index + i) for i, (n, _) in enumerate(rows)]
            index += len(rows)
            continue
        name = PurePosixPath(os.path.relpath(image, images_dir)).as_posix()
        work = ImageWork(name, name, None)
        for line, text in rows:
            at = f"{rel} line {line}"
            fields = text.split()
            try:
                if len(fields) not in (9, 10):
                    raise LineProblem(f"{len(fields)} fields: expected 'x1 y1 x2 y2 x3 y3 x4 y4 class difficult'")
                corners = numbers(fields[:8])
                difficult = fields[9] if len(fields) == 10 else "0"
                if difficult not in ("0", "1"):
                    raise LineProblem(f"difficult must be 0 or 1, got {show(difficult, 40)!r}")
            except LineProblem as e:
                skipped.append(Skip(at, "bad label line", str(e), line, index))
                index += 1
                continue
            category = fields[8]
            ann = obb(index, line, at, corners, category, category,
                      {"label_file": rel, "line": line, "difficult": int(difficult)})
            index += 1
            if selection.categories and category not in selection.categories:
                left_out += 1
                continue
            categories.setdefault(category, category)
            work.annotations.append(ann)
        if work.annotations:
            works.append(work)
    unknown = sorted(selection.categories - set(categories))
    if unknown:
        raise ExportError(f"--category: {', '.join(map(show_value, unknown))} not in {show(str(label_dir))} "
                          f"(its classes: {', '.join(map(show_value, sorted(categories)[:20])) or 'none'})")
    return Dataset(works, sorted(categories.items()), skipped, left_out)
