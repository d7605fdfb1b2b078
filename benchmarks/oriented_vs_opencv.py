"""How many oriented-crop values equal cv2.warpAffine(INTER_LINEAR, BORDER_CONSTANT) in the
OpenCV installed, at every kernel level this CPU runs.

Run: python benchmarks/oriented_vs_opencv.py [--seed S] [--images N]
Crops: gray, 1, 3 and 4-channel noise images (2 to 700 pixels a side, and one 1080p frame), boxes
at any angle (a quarter of them at right angles) and size centred anywhere within a quarter of the image around it (so some reach
past the edges), both orientations, both long_side settings, margins 0 to 3. Prints, per kernel
level, values equal / total, crops, and the largest difference in levels.
"""

from __future__ import annotations

import argparse

import numpy as np

import dynacrop_native as dc
from dynacrop_native.color import background_for_channels

COLOUR = "#3080c0"


def boxes(rng, n, width, height, largest):
    """(n, 4, 2) corners of rotated rectangles centred within a quarter of the image around it;
    every fourth one along the axes (an exact multiple of 90 degrees)."""
    angle = rng.uniform(0, 2 * np.pi, n)
    angle[::4] = np.round(angle[::4] / (np.pi / 2)) * (np.pi / 2)
    centre = rng.uniform([-0.25 * width, -0.25 * height], [1.25 * width, 1.25 * height], (n, 2))
    w, h = rng.uniform(1, largest, n), rng.uniform(1, largest, n)
    ex = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    ex[::4] = np.round(ex[::4])  # cos and sin of the right angles exactly
    ey = np.stack([-ex[:, 1], ex[:, 0]], axis=1)
    p0 = centre - ex * w[:, None] / 2 - ey * h[:, None] / 2
    return np.stack([p0, p0 + ex * w[:, None], p0 + ex * w[:, None] + ey * h[:, None], p0 + ey * h[:, None]], axis=1)


def scenes(rng, count):
    for i in range(count):
        channels = [None, 1, 3, 4][i % 4]
        if i == 0:
            height, width, n, largest = 1080, 1920, 50, 400
        elif i % 10 == 1:
            (height, width), n, largest = rng.integers(200, 700, 2), 4, 600
        else:
            (height, width), n, largest = rng.integers(2, 150, 2), 20, 180
        shape = (height, width) if channels is None else (height, width, channels)
        options = dict(background_color=COLOUR, margin=int(rng.integers(0, 4)),
                       orientation=["upright", "corners"][i % 2], long_side=[None, "width"][(i // 2) % 2])
        yield rng.integers(0, 256, shape, dtype=np.uint8), boxes(rng, n, width, height, largest), options


def main() -> None:
    import cv2

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--images", type=int, default=1000)
    args = parser.parse_args()
    print(f"OpenCV {cv2.__version__}, IPP {'on' if cv2.ipp.useIPP() else 'off'}: {cv2.ipp.getIppVersion()}")
    data = list(scenes(np.random.default_rng(args.seed), args.images))
    for level in dc.capabilities()["available"]:
        dc.set_isa(level)
        equal = total = crops = worst = 0
        for image, corners, options in data:
            channels = 1 if image.ndim == 2 else image.shape[2]
            border = tuple(background_for_channels(dc.parse_color(COLOUR), channels)) + (0,) * (4 - channels)
            for crop in dc.oriented_crop(image, corners, **options):
                if crop is None:
                    continue
                want = cv2.warpAffine(image, crop.warp_matrix, crop.size, flags=cv2.INTER_LINEAR,
                                      borderMode=cv2.BORDER_CONSTANT, borderValue=border).reshape(crop.image.shape)
                equal += int((crop.image == want).sum())
                total += want.size
                crops += 1
                worst = max(worst, int(np.abs(crop.image.astype(np.int16) - want).max()))
        print(f"{level:7s} {equal:,} of {total:,} values equal ({100 * equal / total:.4f}%), {crops:,} crops, "
              f"at most {worst} level(s) apart")
    dc.set_isa("best")


if __name__ == "__main__":
    main()
