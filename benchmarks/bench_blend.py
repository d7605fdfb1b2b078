"""K1/K1' (performance table): background removal on one 1000x1000x3 crop with a random mask.

Run: python benchmarks/bench_blend.py [--repeat N]
Prints, for every kernel level this CPU runs, the median time of remove_background next to a
plain copy of the same crop bytes, upstream's numpy + OpenCV recipe and cv2.addWeighted alone,
all measured in this process, with ratios to the plain copy.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import dynacrop_native as dc


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up: first-touch page faults, lazy imports
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1e3)


def main() -> None:
    import cv2

    from dynacrop_native.bench import upstream_v1

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    crop = rng.integers(0, 256, (1000, 1000, 3), dtype=np.uint8)
    mask = rng.random((1000, 1000)) < 0.5
    bgr = (0, 0, 0)
    copy = median_ms(crop.copy, args.repeat)
    zeros = np.zeros_like(crop)
    print(f"CPU features: {', '.join(dc.capabilities()['cpu'])}; median of {args.repeat} runs")
    print(f"{'what':34s} {'ms':>8s} {'x copy':>7s}")
    print(f"{'plain copy (crop.copy())':34s} {copy:8.3f} {1.0:7.2f}")
    for a in (0.5, 1.0):
        up = median_ms(lambda: upstream_v1.overlay_crop_with_mask(crop, np.stack([mask] * 3, axis=-1), a, bgr),
                       args.repeat)
        aw = median_ms(lambda: cv2.addWeighted(zeros, a, crop, 1.0 - a, 0), args.repeat)
        print(f"{f'upstream recipe a={a}':34s} {up:8.3f} {up / copy:7.2f}")
        print(f"{f'cv2.addWeighted alone a={a}':34s} {aw:8.3f} {aw / copy:7.2f}")
        for level in dc.capabilities()["available"]:
            dc.set_isa(level)
            t = median_ms(lambda: dc.remove_background(crop, mask, a, bgr), args.repeat)
            target = 2.0 if a == 0.5 else 1.3
            verdict = "meets" if t / copy <= target else "misses"
            print(f"{f'remove_background {level} a={a}':34s} {t:8.3f} {t / copy:7.2f}  ({verdict} <= {target}x)")
        dc.set_isa("best")


if __name__ == "__main__":
    main()
