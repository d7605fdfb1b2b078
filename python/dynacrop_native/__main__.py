"""Command line: ``python -m dynacrop_native demo | bench``."""

from __future__ import annotations

import argparse
import sys
import time


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
    bench = sub.add_parser("bench", help="the SPEC §4 performance table (needs the bench extra)")
    bench.add_argument("--quick", action="store_true", help="fewer rounds: about 30 s")
    bench.add_argument("--plot", metavar="FILE.png", help="save a bar chart of the ratios")
    bench.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)  # smoke runs in CI
    bench.set_defaults(run=_bench)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
