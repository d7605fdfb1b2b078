"""Command line: ``python -m dynacrop_native crop | demo | bench``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path


def _demo(args: argparse.Namespace) -> int:
    import numpy as np

    import dynacrop_native as dc

    rng = np.random.default_rng(args.seed)
    h, w = 1080, 1920
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    sizes = rng.integers(40, 300, (args.boxes, 2))
    x0 = rng.integers(0, w - 300, args.boxes)
    y0 = rng.integers(0, h - 300, args.boxes)
    xyxy = np.stack([x0, y0, x0 + sizes[:, 0], y0 + sizes[:, 1]], axis=1).astype(np.float64)

    caps = dc.capabilities()
    print(f"dynacrop_native {dc.__version__}: kernels {caps['active']} "
          f"(available {', '.join(caps['available'])}; CPU {', '.join(caps['cpu']) or 'baseline'})")
    start = time.perf_counter()
    crops = dc.crop_boxes(image, xyxy)
    took = time.perf_counter() - start
    total = sum(c.nbytes for c in crops if c is not None)
    print(f"cropped {len(crops)} boxes from a {w}x{h}x3 frame: {total / 1e6:.2f} MB in {took * 1e3:.2f} ms")

    crop = crops[0]
    yy, xx = np.mgrid[: crop.shape[0], : crop.shape[1]]
    ellipse = ((yy / crop.shape[0] - 0.5) ** 2 + (xx / crop.shape[1] - 0.5) ** 2) < 0.2
    start = time.perf_counter()
    cut = dc.remove_background(crop, ellipse, 1.0, "#00ff00")
    took = time.perf_counter() - start
    outside = ~ellipse
    print(f"removed the background of a {crop.shape[1]}x{crop.shape[0]} crop outside an ellipse mask "
          f"in {took * 1e3:.3f} ms: {int(outside.sum())} pixels set to green (BGR {tuple(cut[outside][0].tolist())})")
    return 0


def _crop(args: argparse.Namespace) -> int:
    from .export import parse_options, sample_paths
    from .export.problems import show

    # The export stops cleanly on the first signal; outside it later ones are ignored instead of
    # killing the process. As a program (cli) they stay ignored until exit, so a late Ctrl-C never
    # turns a finished run into a traceback; a caller of main() gets its handlers back. Only the
    # main thread may set handlers: elsewhere signals are not ours (the export takes none there).
    ours = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)} if ours else {}
    try:
        return _run_export(args, parse_options, sample_paths, show)
    finally:
        if args.restore_signals:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _run_export(args: argparse.Namespace, parse_options, sample_paths, show) -> int:
    from .export import export, export_dota, export_yolo

    try:
        opts = parse_options(args.mask_opacity, args.background_color, args.min_size, args.format, args.workers,
                             args.alpha, args.overwrite, args.allow_outside_images, margin=args.margin,
                             margin_ratio=args.margin_ratio, square=args.square, pad=args.pad,
                             categories=args.category, skip_crowd=args.skip_crowd, jpeg_quality=args.jpeg_quality,
                             oriented=args.oriented, engine=args.engine, ray_address=args.ray_address)
        if args.sample and args.images is not None:
            raise ValueError("--images: not with --sample (the sample brings its own images)")
        if args.yolo and args.images is not None:
            raise ValueError("--images: not with --yolo (data.yaml names the image folders)")
        if args.dota and args.images is None:
            raise ValueError("--images: required with --dota (the folder of the images the label files describe)")
        if args.split and not args.yolo:
            raise ValueError("--split: only with --yolo")
        if args.oriented is not None and not (args.yolo or args.dota):
            raise ValueError("--oriented: only with --yolo or --dota (COCO boxes are axis-aligned)")
        os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")  # each unreadable image is reported below, with why
        progress = False if args.no_progress else None
        if args.yolo:
            summary = export_yolo(args.yolo, args.split, args.out, opts, progress)
        elif args.dota:
            summary = export_dota(args.dota, args.images, args.out, opts, progress)
        else:
            coco, images = sample_paths() if args.sample else (args.coco, args.images or args.coco.parent)
            summary = export(coco, images, args.out, opts, progress)
    except (ValueError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    by_reason = ", ".join(f"{k}: {v}" for k, v in summary["skipped_by_reason"].items())
    stopped = summary["interrupted"]
    print(("interrupted by " + stopped + ": " if stopped else "")
          + f"wrote {summary['written']} crops to {show(str(args.out))} in {summary['seconds']:.2f} s; "
          f"skipped {summary['skipped']}" + (f" ({by_reason})" if summary["skipped"] else "")
          + (f"; left out {summary['left_out']} (--category, --skip-crowd)" if summary["left_out"] else "")
          + (f"; {summary['not_done']} not done" if stopped else ""))
    for item in summary["skipped_items"][:20]:
        print(f"  skipped {item['what']}: {item['why']}")
    if summary["skipped"] > 20:
        print(f"  ... and {summary['skipped'] - 20} more (all in the manifest)")
    print(f"manifest: {show(str(args.out / 'crops.json'))}")
    return 128 + signal.Signals[stopped].value if stopped else 0


def _bench(args: argparse.Namespace) -> int:
    from .bench import run

    run(quick=args.quick, plot_path=args.plot, scale=args.scale)
    return 0


def program_name() -> str:
    """How the user ran us: the installed `dynacrop` script or `python -m dynacrop_native`."""
    return "dynacrop" if Path(sys.argv[0]).stem == "dynacrop" else "python -m dynacrop_native"  # stem: dynacrop.exe


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog=program_name(), description="Dynamic crop from the command line: export a COCO dataset's objects "
                                         "as image files (crop), crop a generated frame (demo), time ours "
                                         "beside upstream (bench). Each command has its own --help.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="crop a generated 1080p frame and print what was done")
    demo.add_argument("--boxes", type=int, default=50, help="boxes to crop (default 50)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the generated frame and boxes (default 0)")
    demo.set_defaults(run=_demo)
    crop = sub.add_parser("crop", help="export one image per annotated object: COCO, YOLO or DOTA (the cli extra)",
                          description="Export one image file per annotated object (COCO, YOLO or DOTA) into "
                                      "OUT/<category>/, with OUT/crops.json listing every crop written and every "
                                      "annotation skipped.")
    source = crop.add_mutually_exclusive_group(required=True)
    source.add_argument("--coco", type=Path, metavar="ANNOTATIONS.json", help="COCO detection/segmentation file")
    source.add_argument("--yolo", type=Path, metavar="DATA.yaml",
                        help="ultralytics YOLO dataset (detect, segment or OBB labels)")
    source.add_argument("--dota", type=Path, metavar="LABEL_DIR", help="folder of DOTA label files (with --images)")
    source.add_argument("--sample", action="store_true",
                        help="use the small COCO sample shipped with the package, with its own images")
    crop.add_argument("--images", type=Path, metavar="DIR",
                      help="folder the file_name entries are relative to (default: the annotation file's folder); "
                           "with --dota the folder of the images")
    crop.add_argument("--split", action="append", choices=["train", "val", "test"],
                      help="with --yolo: export only this split (repeatable; default: every split data.yaml lists)")
    crop.add_argument("--out", type=Path, required=True, metavar="DIR",
                      help="output folder (created; must be empty unless --overwrite); with --engine ray a path "
                           "every node of the cluster sees (shared storage): the workers write the crops there")
    what = crop.add_argument_group("which annotations")
    what.add_argument("--category", action="append", metavar="NAME",
                      help="export only this category (repeatable; default: every category); a name the file "
                           "does not define is an error")
    what.add_argument("--skip-crowd", action="store_true", help="leave out iscrowd=1 annotations")
    what.add_argument("--min-size", type=float, default=0, metavar="PX",
                      help="skip boxes narrower or shorter than this, as annotated (before --margin, --square; "
                           "default 0)")
    shape = crop.add_argument_group("crop shape (as dynamic_crop's options)")
    shape.add_argument("--margin", type=float, default=0, metavar="PX", help="pixels added on every side (default 0)")
    shape.add_argument("--margin-ratio", type=float, default=0.0, metavar="R",
                       help="a fraction of the box's width/height added on every side (default 0)")
    shape.add_argument("--square", action="store_true", help="grow the short side around the centre to the long one")
    shape.add_argument("--oriented", action=argparse.BooleanOptionalAction, default=None,
                       help="with --yolo/--dota: crop oriented boxes upright (dc.oriented_crop); --no-oriented crops "
                            "their axis-aligned bounds; default: oriented when every box of the dataset is oriented")
    shape.add_argument("--pad", action="store_true",
                       help="keep the full box where it reaches past the image, filled with --background-color "
                            "(transparent with --alpha); default: clamp the box to the image")
    look = crop.add_argument_group("pixels and files")
    look.add_argument("--mask-opacity", type=float, default=None, metavar="A",
                      help="background removal outside masks, 0..1 (default 0; 1 with --alpha)")
    look.add_argument("--background-color", default="#000000", metavar="COLOUR",
                      help="'#RRGGBB', '#RGB', '(r, g, b)' (RGB) or a CSS name such as white "
                           "(default #000000)")
    look.add_argument("--alpha", action="store_true",
                      help="png with an alpha channel: opaque inside masks, 255 * (1 - opacity) outside")
    look.add_argument("--format", choices=["png", "jpg"], default="png", help="file format (default png)")
    look.add_argument("--jpeg-quality", type=int, default=None, metavar="Q",
                      help="0..100, with --format jpg (default 95)")
    run = crop.add_argument_group("run")
    run.add_argument("--workers", type=int, default=None, metavar="N",
                     help="images processed in parallel, threads (default 1; --engine local only)")
    run.add_argument("--engine", choices=["local", "ray"], default="local",
                     help="local: this process (default, no Ray needed); ray: a Ray Data pipeline (the ray extra) "
                          "whose workers read the images and write the crops, --images and --out being paths "
                          "every node sees; same files, bytes and crops.json as local")
    run.add_argument("--ray-address", metavar="ADDRESS",
                     help="with --engine ray: the cluster to join (e.g. ray://head:10001, head:6379 or auto); "
                          "default: start a local Ray cluster on this machine")
    run.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    run.add_argument("--overwrite", action="store_true",
                     help="replace an earlier export in --out (removes exactly the files its crops.json lists); "
                          "without it a non-empty --out is refused")
    run.add_argument("--allow-outside-images", action="store_true",
                     help="read file_names that are absolute or contain '..' (refused by default)")
    crop.set_defaults(run=_crop)
    bench = sub.add_parser("bench", help="the performance table, ours beside upstream (needs the bench extra)")
    bench.add_argument("--quick", action="store_true",
                       help="fewer rounds: about 15 s on 2 cores (default: the full run)")
    bench.add_argument("--plot", metavar="FILE.png", help="save a bar chart of the ratios")
    bench.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)  # smoke runs in CI
    bench.set_defaults(run=_bench)
    return parser


def main(argv: list[str] | None = None, *, restore_signals: bool = True) -> int:
    """Run the command line `argv` (default sys.argv[1:]) in this process; returns the exit code."""
    args = build_parser().parse_args(argv)
    args.restore_signals = restore_signals
    return args.run(args)


def cli() -> None:
    """The program: `python -m dynacrop_native` and the installed `dynacrop` script."""
    sys.exit(main(restore_signals=False))


if __name__ == "__main__":
    cli()
