"""The export run: the COCO file read and checked, names planned, then images cropped on a
thread pool and written into the output folder. SIGINT/SIGTERM stop it within about a second
(the crops in hand are finished, queued images are not started) with a manifest of what was
completed."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Callable, Iterator

import numpy as np

from ..alpha import alpha_crop
from ..cutting import crop_arrays
from ..options import CropOptions, non_negative
from . import coco
from .images import ImageProblem, read_image, source_path
from .output import CropNames, OutputFolder
from .problems import ExportError, Skip, show

MAX_WORKERS = 256


@dataclass
class Options:
    crop: CropOptions = CropOptions()  # as dynamic_crop takes them; output="bgra" is --alpha (png only)
    min_size: float = 0.0  # dynamic_crop's, on the box as annotated; smaller ones are reported skips, not None
    fmt: str = "png"
    workers: int = 1
    overwrite: bool = False  # replace an earlier export in --out (only what its manifest lists)
    allow_outside_images: bool = False  # file_names may be absolute or contain '..'
    selection: coco.Selection = coco.Selection()  # --category, --skip-crowd
    jpeg_quality: int = 95  # OpenCV's default

    def record(self) -> dict:
        """The options as crops.json states them (colour as RGB '#rrggbb', like the CLI takes it)."""
        c = self.crop
        b, g, r = c.bgr
        return {
            "mask_opacity": c.mask_opacity, "background_color": f"#{r:02x}{g:02x}{b:02x}", "margin": c.margin,
            "margin_ratio": c.margin_ratio, "square": c.square, "out_of_bounds": c.out_of_bounds,
            "min_size": self.min_size, "categories": sorted(self.selection.categories),
            "skip_crowd": self.selection.skip_crowd, "format": self.fmt, "alpha": c.alpha,
            **({"jpeg_quality": self.jpeg_quality} if self.fmt == "jpg" else {}),
        }


@dataclass
class ImageResult:
    written: list[dict] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


class Stop:
    """Set by SIGINT or SIGTERM during a run; workers check it between crops."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None

    def __call__(self) -> bool:
        return self.event.is_set()


@contextmanager
def stop_on_signals() -> Iterator[Stop]:
    """SIGINT and SIGTERM set the returned Stop instead of raising mid-write (main thread only;
    elsewhere signals are not ours to take). Further presses wait for the same clean stop."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: object) -> None:
        stop.signum = stop.signum or signum
        stop.event.set()

    previous = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def export(coco_path: Path, images_dir: Path, out: Path, opts: Options, progress: bool | None = None) -> dict:
    """Export every annotation of a COCO file; returns the summary (also in crops.json).
    Problems with the whole run raise ExportError before anything is written."""
    start = time.perf_counter()
    with stop_on_signals() as stop:  # from the start: a stop while loading still ends with a manifest
        dataset = coco.read(coco.load(coco_path), show(str(coco_path)), opts.min_size, opts.selection)
        images_dir = Path(images_dir)
        if not images_dir.is_dir():
            state = "is not a folder" if os.path.lexists(images_dir) else "does not exist"
            raise ExportError(f"--images: {show(str(images_dir))} {state}")
        folder = OutputFolder.prepare(out, opts.overwrite)
        names = plan_names(dataset, opts.fmt, folder.name_max)
        threads = 1 if opts.workers > 1 else 0

        def one(work: coco.ImageWork) -> ImageResult:
            return crop_image(work, names, images_dir, folder, opts, threads, stop)

        results = run_pool(dataset.images, one, opts.workers, progress, stop)
        summary = _summary(dataset, results, stop, time.perf_counter() - start, opts)
        folder.write_manifest(summary)
    return summary


def _summary(dataset: coco.Dataset, results: list[ImageResult], stop: Stop, seconds: float, opts: Options) -> dict:
    written = [entry for r in results for entry in r.written]
    skipped = dataset.skipped + [s for r in results for s in r.skipped]
    total = sum(len(work.annotations) for work in dataset.images)
    return {
        "written": len(written),
        "skipped": len(skipped),
        "skipped_by_reason": dict(Counter(s.reason for s in skipped)),
        "interrupted": signal.Signals(stop.signum).name if stop.signum else None,
        "not_done": total - len(written) - (len(skipped) - len(dataset.skipped)),  # what a stop left
        "seconds": round(seconds, 3),
        "left_out": dataset.left_out,  # by --category / --skip-crowd
        "options": opts.record(),
        "crops": written,
        "skipped_items": [s.record() for s in skipped],
    }


def plan_names(dataset: coco.Dataset, fmt: str, name_max: int) -> dict[int, str]:
    """Annotation index -> its file, relative to the output folder: decided before any work
    starts, in file order, so names never depend on timing or on which entries are skipped."""
    names = CropNames(fmt, name_max)
    for category_id, name in dataset.categories:
        names.folder(category_id, name)
    files = {}
    for work in dataset.images:
        stem = PurePath(work.file_name).stem
        for ann in work.annotations:
            ident = f"noid{ann.index}" if ann.id is None else str(ann.id)
            files[ann.index] = names.claim(ann.category_id, ann.category, f"{stem}_{ident}")
    return files


def run_pool(items: list, fn: Callable, workers: int, progress: bool | None, stop: Stop) -> list:
    """fn(item) for every item on `workers` threads, results in item order. At most two items
    per worker are queued, so a stop leaves nothing queued behind the images in progress."""
    results: list = [None] * len(items)
    bar = _progress(len(items), progress)
    todo = iter(enumerate(items))
    pending: dict = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while True:
            while not stop() and len(pending) < 2 * workers:
                item = next(todo, None)
                if item is None:
                    break
                pending[pool.submit(fn, item[1])] = item[0]
            if not pending:
                break
            done, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            for job in done:
                results[pending.pop(job)] = job.result()
                bar.update(1)
    bar.close()
    return [r for r in results if r is not None]


def crop_image(work: coco.ImageWork, names: dict[int, str], images_dir: Path, folder: OutputFolder, opts: Options,
               threads: int, stop: Stop) -> ImageResult:
    """One image's crops written; every annotation not written is a skip with its reason
    (only a stop leaves some unhandled). Nothing raised here ends the run."""
    result = ImageResult()
    try:
        _crop_image(work, names, images_dir, folder, opts, threads, stop, result)
        return result
    except ImageProblem as e:
        reason, detail = e.reason, e.detail
    except MemoryError:
        reason, detail = "out of memory", f"image {show(work.file_name)}"
    except Exception as e:  # a safety net: one image never ends the run
        reason, detail = "failed", f"{type(e).__name__}: {show(str(e), 200)}"
    handled = {s.annotation_index for s in result.skipped} | {w["annotation_index"] for w in result.written}
    result.skipped += [a.skip(reason, detail) for a in work.annotations if a.index not in handled]
    return result


def _crop_image(work: coco.ImageWork, names: dict[int, str], images_dir: Path, folder: OutputFolder, opts: Options,
                threads: int, stop: Stop, result: ImageResult) -> None:
    import cv2

    if stop():
        return
    path = source_path(images_dir, work.file_name, opts.allow_outside_images)
    image, orientation = read_image(path)
    height, width = image.shape[:2]
    if work.size is not None and work.size != (width, height):
        turned = f" after its EXIF orientation {orientation}" if orientation != 1 else ""
        raise ImageProblem("image size mismatch", f"{show(str(path))} is {width}x{height}{turned}, "
                                                  f"the annotation file says {work.size[0]}x{work.size[1]}")
    options = opts.crop
    located, skipped = coco.regions(work, width, height, options.mask_opacity > 0, options)
    result.skipped += skipped
    if not located:
        return
    # Annotations without a mask are cropped as they are (an all-ones mask keeps every pixel).
    local = [r.mask if r.mask is not None else np.ones((r.box[3] - r.box[1], r.box[2] - r.box[0]), np.uint8)
             for r in located]
    frames = np.array([r.frame for r in located], dtype=np.int64) if options.pad else None
    crops = crop_arrays(image, np.array([r.box for r in located], dtype=np.int64), local if options.blends else None,
                        options.mask_opacity, options.bgr, False, threads, frames)
    params = [cv2.IMWRITE_JPEG_QUALITY, opts.jpeg_quality] if opts.fmt == "jpg" else []
    for region, crop, mask in zip(located, crops, local):
        ann, frame = region.annotation, region.frame
        if stop():
            return
        if options.alpha:
            crop = alpha_crop(crop, mask, options.mask_opacity, region.box, frame)
        ok, encoded = cv2.imencode(f".{opts.fmt}", crop, params)
        if not ok:
            result.skipped.append(ann.skip("encoding failed"))
            continue
        rel = names[ann.index]
        try:
            folder.write(rel, encoded.tobytes())
        except OSError as e:
            result.skipped.append(ann.skip("cannot write", f"{show(rel)}: {e.strerror or e}"))
            continue
        result.written.append({
            "file": rel, "image": work.file_name, "image_id": work.id, "annotation_id": ann.id,
            "annotation_index": ann.index, "category": ann.category, "category_id": ann.category_id,
            "bbox": list(ann.bbox), "iscrowd": int(ann.iscrowd), "box": list(frame), "offset": list(frame[:2]),
            "size": [frame[2] - frame[0], frame[3] - frame[1]],
        })


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
    root = Path(__file__).resolve().parent.parent / "sample"
    return root / "annotations.json", root / "images"


def parse_options(mask_opacity: float | None, background_color: str, min_size: float, fmt: str, workers: int,
                  alpha: bool = False, overwrite: bool = False, allow_outside_images: bool = False, *,
                  margin: float = 0, margin_ratio: float = 0.0, square: bool = False, pad: bool = False,
                  categories: list[str] | None = None, skip_crowd: bool = False,
                  jpeg_quality: int | None = None) -> Options:
    """CLI options checked, errors named as the flags; `mask_opacity` None means 1 with `alpha`
    (cut-outs), else 0."""
    if fmt not in ("png", "jpg"):
        raise ValueError(f"--format: expected png or jpg, got {fmt!r}")
    if alpha and fmt != "png":
        raise ValueError("--alpha: needs --format png (jpg has no alpha channel)")
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"--workers must be 1..{MAX_WORKERS}, got {workers}")
    if jpeg_quality is not None and (fmt != "jpg" or not 0 <= jpeg_quality <= 100):
        raise ValueError(f"--jpeg-quality: expected 0..100 with --format jpg, got {jpeg_quality}"
                         + ("" if fmt == "jpg" else f" with --format {fmt}"))
    if mask_opacity is None:
        mask_opacity = 1.0 if alpha else 0.0
    try:
        min_size = non_negative(min_size, "min_size")  # checked as dynamic_crop checks it, applied as a skip
        crop = CropOptions(mask_opacity, background_color, margin, margin_ratio, square, 0, "pad" if pad else "clamp",
                           "bgra" if alpha else "image")
    except (ValueError, TypeError) as e:  # "margin_ratio: ..." -> "--margin-ratio: ..."
        name, _, rest = str(e).partition(":")
        raise type(e)(f"--{name.replace('_', '-')}:{rest}") from None
    return Options(crop, min_size, fmt, workers, overwrite, allow_outside_images,
                   coco.Selection(frozenset(categories or ()), skip_crowd), 95 if jpeg_quality is None else jpeg_quality)
