"""Command line: ``python -m dynacrop_native crop | demo | bench``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
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
    from .export import export, parse_options, sample_paths
    from .export.problems import show

    try:
        opts = parse_options(args.mask_opacity, args.background_color, args.min_size, args.format, args.workers,
                             args.alpha, args.overwrite, args.allow_outside_images)
        coco, images = sample_paths() if args.sample else (args.coco, args.images or args.coco.parent)
        os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")  # each unreadable image is reported below, with why
        # The export stops cleanly on the first signal; outside it (and while the interpreter shuts
        # down, when Python handlers are reset) later ones are ignored instead of killing the process.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        summary = export(coco, images, args.out, opts, progress=False if args.no_progress else None)
    except (ValueError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    by_reason = ", ".join(f"{k}: {v}" for k, v in summary["skipped_by_reason"].items())
    stopped = summary["interrupted"]
    print(("interrupted by " + stopped + ": " if stopped else "")
          + f"wrote {summary['written']} crops to {show(str(args.out))} in {summary['seconds']:.2f} s; "
          f"skipped {summary['skipped']}" + (f" ({by_reason})" if summary["skipped"] else "")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dynacrop_native", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="crop a generated 1080p frame and print what was done")
    demo.add_argument("--boxes", type=int, default=50)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(run=_demo)
    crop = sub.add_parser("crop", help="export one image per COCO annotation (needs OpenCV: the cli extra)")
    source = crop.add_mutually_exclusive_group(required=True)
    source.add_argument("--coco", type=Path, metavar="ANNOTATIONS.json", help="COCO detection/segmentation file")
    source.add_argument("--sample", action="store_true", help="use the small COCO sample shipped with the package")
    crop.add_argument("--images", type=Path, metavar="DIR", help="folder the file_name entries are relative to")
    crop.add_argument("--out", type=Path, required=True, metavar="DIR")
    crop.add_argument("--mask-opacity", type=float, default=None,
                      help="background removal outside masks, 0..1 (default 0; 1 with --alpha)")
    crop.add_argument("--background-color", default="#000000", help="'#RRGGBB', '#RGB' or '(r, g, b)'")
    crop.add_argument("--min-size", type=int, default=0, metavar="PX", help="skip boxes smaller than this")
    crop.add_argument("--workers", type=int, default=1, help="images processed in parallel (threads)")
    crop.add_argument("--format", choices=["png", "jpg"], default="png")
    crop.add_argument("--alpha", action="store_true",
                      help="png with an alpha channel: opaque inside masks, 255 * (1 - opacity) outside")
    crop.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    crop.add_argument("--overwrite", action="store_true",
                      help="replace an earlier export in --out (removes exactly the files its crops.json lists); "
                           "without it a non-empty --out is refused")
    crop.add_argument("--allow-outside-images", action="store_true",
                      help="read file_names that are absolute or contain '..' (refused by default)")
    crop.set_defaults(run=_crop)
    bench = sub.add_parser("bench", help="the performance table, ours beside upstream (needs the bench extra)")
    bench.add_argument("--quick", action="store_true", help="fewer rounds: about 20 s on 2 cores")
    bench.add_argument("--plot", metavar="FILE.png", help="save a bar chart of the ratios")
    bench.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)  # smoke runs in CI
    bench.set_defaults(run=_bench)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
