"""The export run: the dataset (COCO, YOLO or DOTA) read and checked, names planned, then images cropped on a
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
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Callable, Iterator

import numpy as np

from ..coco_reader import CocoAnnotations, CocoReading
from ..cutting import cut_reader
from ..options import CropOptions, non_negative
from . import coco, dota, yolo
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
    oriented: bool | None = None  # oriented boxes cropped upright; None: when every box of the dataset is oriented
    engine: str = "local"  # "local": `workers` threads here; "ray": a Ray Data pipeline (ray_engine)
    ray_address: str | None = None  # with engine "ray": the cluster to join; None starts a local one

    def record(self) -> dict:
        """The options as crops.json states them (colour as RGB '#rrggbb', like the CLI takes it)."""
        c = self.crop
        b, g, r = c.bgr
        return {
            "mask_opacity": c.mask_opacity, "background_color": f"#{r:02x}{g:02x}{b:02x}", "margin": c.margin,
            "margin_ratio": c.margin_ratio, "square": c.square, "out_of_bounds": c.out_of_bounds,
            "min_size": self.min_size, "categories": sorted(self.selection.categories),
            "skip_crowd": self.selection.skip_crowd, "format": self.fmt, "alpha": c.alpha,
            **({"oriented": self.oriented} if self.oriented is not None else {}),
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

    def load() -> tuple[coco.Dataset, Path]:
        return coco.read(coco.load(coco_path), show(str(coco_path)), opts.min_size, opts.selection), Path(images_dir)

    return _export(load, out, opts, progress)


def export_yolo(data_yaml: Path, splits: list[str] | None, out: Path, opts: Options,
                progress: bool | None = None) -> dict:
    """Export every object of an ultralytics YOLO dataset (the given splits, default all)."""
    return _export(lambda: yolo.read(Path(data_yaml), splits, opts.selection), out, opts, progress)


def export_dota(label_dir: Path, images_dir: Path, out: Path, opts: Options, progress: bool | None = None) -> dict:
    """Export every object of a folder of DOTA label files."""
    return _export(lambda: (dota.read(Path(label_dir), Path(images_dir), opts.selection), Path(images_dir)),
                   out, opts, progress)


def _export(load: Callable[[], tuple[coco.Dataset, Path]], out: Path, opts: Options, progress: bool | None) -> dict:
    start = time.perf_counter()
    if opts.engine == "ray":
        from .ray_engine import import_ray, run_on_ray

        import_ray()  # missing: an error before anything is read or written
    with stop_on_signals() as stop:  # from the start: a stop while loading still ends with a manifest
        dataset, images_dir = load()
        if not images_dir.is_dir():
            state = "is not a folder" if os.path.lexists(images_dir) else "does not exist"
            raise ExportError(f"--images: {show(str(images_dir))} {state}")
        opts = _resolve_oriented(dataset, opts)
        folder = OutputFolder.prepare(out, opts.overwrite)
        names = plan_names(dataset, opts.fmt, folder.name_max)
        if opts.engine == "ray":
            results = run_on_ray(dataset.images, names, images_dir, folder, opts, progress, stop)
        else:
            threads = 1 if opts.workers > 1 else 0

            def one(work: coco.ImageWork) -> ImageResult:
                return crop_image(work, names, images_dir, folder, opts, threads, stop)

            results = run_pool(dataset.images, one, opts.workers, progress, stop)
        summary = _summary(dataset, results, stop, time.perf_counter() - start, opts)
        folder.write_manifest(summary)
    return summary


def _resolve_oriented(dataset: coco.Dataset, opts: Options) -> Options:
    """`oriented` decided for a dataset with oriented boxes (None: when all its boxes are), and
    the options oriented crops do not take refused; without oriented boxes it stays None."""
    anns = [a for work in dataset.images for a in work.annotations]
    has = any(a.corners is not None for a in anns)
    if opts.oriented and not has and anns:
        raise ExportError("--oriented: the dataset has no oriented boxes (YOLO OBB or DOTA labels)")
    if not has:
        return opts
    oriented = all(a.corners is not None for a in anns) if opts.oriented is None else opts.oriented
    if oriented:
        c = opts.crop
        for flag, used in (("--margin-ratio", c.margin_ratio), ("--square", c.square), ("--pad", c.pad),
                           ("--margin", c.margin != int(c.margin))):
            if used:
                raise ExportError(f"{flag}: not with oriented crops (they take a whole --margin in pixels and always "
                                  "keep the full box; use --no-oriented for axis-aligned crops of the boxes' bounds)")
    return replace(opts, oriented=oriented)


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
    bar = progress_bar(len(items), progress)
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
               threads: int, stop: Callable[[], bool]) -> ImageResult:
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
                threads: int, stop: Callable[[], bool], result: ImageResult) -> None:
    if stop():
        return
    path = source_path(images_dir, work.file_name, opts.allow_outside_images)
    image, orientation = read_image(path)
    height, width = image.shape[:2]
    if work.size is not None and work.size != (width, height):
        turned = f" after its EXIF orientation {orientation}" if orientation != 1 else ""
        raise ImageProblem("image size mismatch", f"{show(str(path))} is {width}x{height}{turned}, "
                                                  f"the annotation file says {work.size[0]}x{work.size[1]}")
    work = _sized(work.in_pixels(width, height), opts, result)
    if opts.oriented:
        rotated = [a for a in work.annotations if a.corners is not None]
        _oriented_crops(image, work, rotated, names, folder, opts, threads, stop, result)
        work = replace(work, annotations=[a for a in work.annotations if a.corners is None])
    options = opts.crop
    anns = work.annotations
    if not anns:
        return
    reader = CocoAnnotations([{"bbox": a.bbox, "segmentation": a.segmentation} for a in anns], lenient=True)
    cut = cut_reader(image, reader, options, False, threads)
    assert isinstance(cut.reading, CocoReading)
    problems = cut.reading.problems
    for i, (ann, frame, crop) in enumerate(zip(anns, map(tuple, cut.frames.tolist()), cut.crops)):
        if stop():
            return
        if crop is None:
            result.skipped.append(ann.skip("box outside the image"))
        elif i in problems:
            result.skipped.append(ann.skip("bad segmentation", show(problems[i], 200)))
        else:
            _save(crop, work, ann, names[ann.index], folder, opts, result, {
                "iscrowd": int(ann.iscrowd), "box": list(frame), "offset": list(frame[:2]),
                "size": [frame[2] - frame[0], frame[3] - frame[1]]})


def _save(crop: np.ndarray, work: coco.ImageWork, ann: coco.Annotation, rel: str, folder: OutputFolder,
          opts: Options, result: ImageResult, fields: dict) -> None:
    """One crop encoded and written as `rel`, and listed with `fields`; or a skip saying why not."""
    import cv2

    params = [cv2.IMWRITE_JPEG_QUALITY, opts.jpeg_quality] if opts.fmt == "jpg" else []
    ok, encoded = cv2.imencode(f".{opts.fmt}", crop, params)
    if not ok:
        result.skipped.append(ann.skip("encoding failed"))
        return
    try:
        folder.write(rel, encoded.tobytes())
    except OSError as e:
        result.skipped.append(ann.skip("cannot write", f"{show(rel)}: {e.strerror or e}"))
        return
    result.written.append({
        "file": rel, "image": work.file_name, "image_id": work.id, "annotation_id": ann.id,
        "annotation_index": ann.index, "category": ann.category, "category_id": ann.category_id,
        "bbox": list(ann.bbox), **fields, **ann.record})


def _sized(work: coco.ImageWork, opts: Options, result: ImageResult) -> coco.ImageWork:
    """Labels in normalised coordinates meet --min-size once their image's size is known (the
    COCO reader checks it up front): the bbox, or an oriented crop's sides."""
    kept = []
    for ann in work.annotations:
        if ann.corners is not None and opts.oriented:
            p = ann.corners
            sides = (float(np.hypot(*(p[1] - p[0]))), float(np.hypot(*(p[2] - p[1]))))
        else:
            sides = ann.bbox[2:]
        if min(sides) < opts.min_size:
            result.skipped.append(ann.skip("smaller than --min-size"))
        else:
            kept.append(ann)
    return replace(work, annotations=kept)


def _oriented_crops(image: np.ndarray, work: coco.ImageWork, anns: list[coco.Annotation], names: dict[int, str],
                    folder: OutputFolder, opts: Options, threads: int, stop: Callable[[], bool],
                    result: ImageResult) -> None:
    """Oriented boxes cut out upright with dc.oriented_crop (its convention: the corner that
    turns the box least is the crop's top-left); crops.json gets each crop's 2x3 transform."""
    from ..oriented import oriented_crop

    if not anns:
        return
    c = opts.crop
    corners = [a.corners for a in anns if a.corners is not None]  # the caller passes oriented ones only
    crops = oriented_crop(image, np.stack(corners), background_color=c.bgr[::-1],
                          margin=int(c.margin), output="bgra" if c.alpha else "image", threads=threads or None)
    for ann, quad, crop in zip(anns, corners, crops, strict=True):
        if stop():
            return
        if crop is None:
            result.skipped.append(ann.skip("box outside the image", "or degenerate (a side rounds to 0 pixels)"))
            continue
        _save(crop.image, work, ann, names[ann.index], folder, opts, result, {
            "corners": quad.tolist(), "transform": crop.transform.tolist(), "size": list(crop.size)})


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, wanted: bool | None):
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


def parse_options(mask_opacity: float | None, background_color: str, min_size: float, fmt: str, workers: int | None,
                  alpha: bool = False, overwrite: bool = False, allow_outside_images: bool = False, *,
                  margin: float = 0, margin_ratio: float = 0.0, square: bool = False, pad: bool = False,
                  categories: list[str] | None = None, skip_crowd: bool = False,
                  jpeg_quality: int | None = None, oriented: bool | None = None, engine: str = "local",
                  ray_address: str | None = None) -> Options:
    """CLI options checked, errors named as the flags; `mask_opacity` None means 1 with `alpha`
    (cut-outs), else 0; `workers` None means 1."""
    if fmt not in ("png", "jpg"):
        raise ValueError(f"--format: expected png or jpg, got {fmt!r}")
    if alpha and fmt != "png":
        raise ValueError("--alpha: needs --format png (jpg has no alpha channel)")
    if engine not in ("local", "ray"):
        raise ValueError(f"--engine: expected local or ray, got {engine!r}")
    if engine == "ray" and workers is not None:
        raise ValueError("--workers: not with --engine ray (Ray runs one image task per CPU of the cluster)")
    if ray_address is not None and engine != "ray":
        raise ValueError("--ray-address: only with --engine ray")
    workers = 1 if workers is None else workers
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
                   coco.Selection(frozenset(categories or ()), skip_crowd), 95 if jpeg_quality is None else jpeg_quality,
                   oriented, engine, ray_address)
