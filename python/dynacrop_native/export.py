"""Dataset export: one image file per COCO annotation (`python -m dynacrop_native crop`).

Images are read and written with OpenCV (the `cli` extra); every image's annotations are
cropped in one native call. Unreadable images and bad annotations are reported and skipped,
files are written atomically (temporary file, then rename), and a `crops.json` manifest
lists every crop written.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import rle
from .boxes import round_and_clamp
from .color import parse_color
from .dynamic import crop_arrays
from .shaping import with_alpha


@dataclass
class Options:
    mask_opacity: float = 0.0
    background_color: tuple[int, int, int] = (0, 0, 0)  # BGR
    min_size: int = 0
    fmt: str = "png"
    workers: int = 1
    alpha: bool = False  # BGRA png: the mask in the alpha channel, colours untouched


@dataclass
class ImageResult:
    written: list[dict] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)


def load_coco(path: Path) -> dict:
    """The annotation file, checked for the fields the export needs."""
    try:
        coco = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise ValueError(f"--coco: cannot read {path}: {e}") from None
    if not isinstance(coco, dict):
        raise ValueError(f"--coco: {path} is not a COCO annotation object")
    for key in ("images", "annotations", "categories"):
        if not isinstance(coco.get(key, []), list):
            raise ValueError(f"--coco: '{key}' must be a list in {path}")
    return coco


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_. " else "_" for c in text).strip() or "unnamed"


def annotation_mask(ann: dict, box: tuple[int, int, int, int], height: int, width: int) -> np.ndarray | None:
    """The annotation's mask over `box`, from polygons (rasterised over the box only) or RLE."""
    seg = ann.get("segmentation")
    if not seg:
        return None
    x0, y0, x1, y1 = box
    if isinstance(seg, dict):
        counts = seg.get("counts")
        if isinstance(counts, list) and seg.get("size") is None:
            raise ValueError("RLE segmentation without 'size'")
        return rle.decode_box(seg, box, "segmentation")
    import cv2

    points = []
    for poly in seg:
        pts = np.round(np.asarray(poly, dtype=np.float64).reshape(-1, 2))
        if len(pts) < 3 or not np.isfinite(pts).all():
            raise ValueError("polygon with fewer than 3 finite points")
        points.append(pts)
    # Rasterise over the polygons' own extent (within the image) joined with the box, then take
    # the box: clipping the polygons to the box first would move edge pixels.
    lo = np.min([p.min(axis=0) for p in points], axis=0)
    hi = np.max([p.max(axis=0) for p in points], axis=0)
    cx0, cy0 = int(max(0, min(lo[0], x0))), int(max(0, min(lo[1], y0)))
    cx1, cy1 = int(min(width, max(hi[0] + 1, x1))), int(min(height, max(hi[1] + 1, y1)))
    canvas = np.zeros((cy1 - cy0, cx1 - cx0), dtype=np.uint8)
    cv2.fillPoly(canvas, [(p - (cx0, cy0)).astype(np.int32) for p in points], 1)
    return canvas[y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0]


def write_atomically(path: Path, data: bytes) -> None:
    """Never leave a half-written file: write a temporary file next to it, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_image(image_info: dict, anns: list[dict], images_dir: Path, out: Path, categories: dict, opts: Options,
                 threads: int) -> ImageResult:
    import cv2

    result = ImageResult()
    name = str(image_info.get("file_name", ""))
    if not anns:
        return result
    image = cv2.imread(str(images_dir / name), cv2.IMREAD_UNCHANGED) if name else None
    if image is None or image.dtype != np.uint8 or image.ndim not in (2, 3):
        result.skipped += [(f"annotation {a.get('id')}", f"unreadable image {name!r}") for a in anns]
        return result
    height, width = image.shape[:2]
    kept, xyxy = [], []
    for ann in anns:
        bbox = ann.get("bbox")
        try:
            x, y, w, h = (float(v) for v in bbox)
            if not np.isfinite([x, y, w, h]).all() or w <= 0 or h <= 0:
                raise ValueError
        except (TypeError, ValueError):
            result.skipped.append((f"annotation {ann.get('id')}", "bad bbox"))
            continue
        if w < opts.min_size or h < opts.min_size:
            result.skipped.append((f"annotation {ann.get('id')}", "smaller than --min-size"))
            continue
        kept.append(ann)
        xyxy.append((x, y, x + w, y + h))
    if not kept:
        return result
    boxes = round_and_clamp(np.array(xyxy, dtype=np.float64), width, height)
    masks: list[np.ndarray | None] = []
    usable = []
    for ann, box in zip(kept, map(tuple, boxes.tolist())):
        if box[2] <= box[0] or box[3] <= box[1]:
            result.skipped.append((f"annotation {ann.get('id')}", "box outside the image"))
            continue
        try:
            masks.append(annotation_mask(ann, box, height, width) if opts.mask_opacity > 0 else None)
        except (ValueError, TypeError) as e:
            result.skipped.append((f"annotation {ann.get('id')}", f"bad segmentation ({e})"))
            continue
        usable.append((ann, box))
    if not usable:
        return result
    box_array = np.array([box for _, box in usable], dtype=np.int64)
    # Annotations without a mask are cropped as they are (an all-ones mask keeps every pixel).
    local = [m if m is not None else np.ones((b[3] - b[1], b[2] - b[0]), np.uint8) for m, (_, b) in zip(masks, usable)]
    blend = opts.mask_opacity > 0 and not opts.alpha
    crops = crop_arrays(image, box_array, local if blend else None, opts.mask_opacity, opts.background_color, False,
                        threads)
    if opts.alpha:
        crops = [with_alpha(crop, mask, opts.mask_opacity) for crop, mask in zip(crops, local)]
    stem = safe_name(Path(name).stem)
    for (ann, box), crop in zip(usable, crops):
        category = safe_name(str(categories.get(ann.get("category_id"), ann.get("category_id", "unknown"))))
        rel = Path(category) / f"{stem}_{ann.get('id')}.{opts.fmt}"
        ok, encoded = cv2.imencode(f".{opts.fmt}", crop)
        if not ok:
            result.skipped.append((f"annotation {ann.get('id')}", "image encoding failed"))
            continue
        write_atomically(out / rel, encoded.tobytes())
        result.written.append({
            "file": rel.as_posix(), "image": name, "image_id": image_info.get("id"), "annotation_id": ann.get("id"),
            "category": category, "box": list(box), "offset": list(box[:2]),
        })
    return result


def export(coco_path: Path, images_dir: Path, out: Path, opts: Options, progress: bool | None = None) -> dict:
    """Export every annotation of a COCO file; returns the summary (also in crops.json)."""
    start = time.perf_counter()
    coco = load_coco(coco_path)
    categories = {c.get("id"): c.get("name", c.get("id")) for c in coco.get("categories", []) if isinstance(c, dict)}
    by_image: dict[Any, list[dict]] = {}
    skipped: list[tuple[str, str]] = []
    images = {img.get("id"): img for img in coco.get("images", []) if isinstance(img, dict)}
    for ann in coco.get("annotations", []):
        if not isinstance(ann, dict) or ann.get("image_id") not in images:
            skipped.append((f"annotation {ann.get('id') if isinstance(ann, dict) else '?'}", "no such image"))
            continue
        by_image.setdefault(ann["image_id"], []).append(ann)
    out.mkdir(parents=True, exist_ok=True)
    work = [(images[i], anns) for i, anns in by_image.items()]
    threads = 1 if opts.workers > 1 else 0
    bar = _progress(len(work), progress)
    written: list[dict] = []
    with ThreadPoolExecutor(max_workers=max(1, opts.workers)) as pool:
        jobs = [pool.submit(export_image, info, anns, Path(images_dir), out, categories, opts, threads)
                for info, anns in work]
        for job in jobs:
            result = job.result()
            written += result.written
            skipped += result.skipped
            bar.update(1)
    bar.close()
    reasons = Counter(why.split(" (")[0].split(" '")[0] for _, why in skipped)
    summary = {
        "written": len(written),
        "skipped": len(skipped),
        "skipped_by_reason": dict(reasons),
        "seconds": round(time.perf_counter() - start, 3),
        "crops": written,
        "skipped_items": [{"what": w, "why": why} for w, why in skipped],
    }
    write_atomically(out / "crops.json", json.dumps(summary, indent=1).encode())
    return summary


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, wanted: bool | None):
    """A tqdm bar on a terminal (or when asked), nothing otherwise."""
    if wanted is False or (wanted is None and not sys.stderr.isatty()):
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoBar()
    return tqdm(total=total, unit="image", desc="cropping", file=sys.stderr)


def sample_paths() -> tuple[Path, Path]:
    """The small COCO sample shipped with the package: (annotations.json, images dir)."""
    root = Path(__file__).resolve().parent / "sample"
    return root / "annotations.json", root / "images"


def parse_options(mask_opacity: float | None, background_color: str, min_size: int, fmt: str, workers: int,
                  alpha: bool = False) -> Options:
    """CLI options checked; `mask_opacity` None means 1 with `alpha` (cut-outs), else 0."""
    from ._checks import opacity

    if fmt not in ("png", "jpg"):
        raise ValueError(f"--format: expected png or jpg, got {fmt!r}")
    if alpha and fmt != "png":
        raise ValueError("--alpha: needs --format png (jpg has no alpha channel)")
    if workers < 1 or min_size < 0:
        raise ValueError("--workers must be >= 1 and --min-size >= 0")
    if mask_opacity is None:
        mask_opacity = 1.0 if alpha else 0.0
    return Options(opacity(mask_opacity, "--mask-opacity"), parse_color(background_color, "--background-color"),
                   min_size, fmt, workers, alpha)
