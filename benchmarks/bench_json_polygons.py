"""Roboflow JSON polygons as masks: 100 instance-segmentation predictions (40-vertex polygons,
boxes 80-300 px) on a 4K frame, cropped with the background removed.

Run: python benchmarks/bench_json_polygons.py [--repeat N]
Prints the median time of dynamic_crop on the JSON itself (polygons rasterised per box), of the
same call with mask_opacity=0 (no masks: the JSON handling alone), of rasterising the polygons
alone, and of the supervision route: sv.Detections.from_inference (full-frame masks) and then
dynamic_crop of its result. One thread for the crops.
"""

from __future__ import annotations

import argparse

import numpy as np
import supervision as sv
from bench_blend import median_ms

import dynacrop_native as dc
from dynacrop_native.polygons import polygon_region

H, W, N, VERTICES = 2160, 3840, 100, 40


def payload(rng: np.random.Generator) -> dict:
    preds = []
    angles = np.linspace(0, 2 * np.pi, VERTICES, endpoint=False)
    for _ in range(N):
        bw, bh = 2 * rng.integers(40, 150, 2)
        x, y = int(rng.integers(bw, W - bw)), int(rng.integers(bh, H - bh))
        r = rng.uniform(0.6, 1.0, VERTICES)
        points = [{"x": float(x + bw / 2 * rk * np.cos(t)), "y": float(y + bh / 2 * rk * np.sin(t))}
                  for rk, t in zip(r, angles)]
        preds.append({"x": float(x), "y": float(y), "width": float(bw), "height": float(bh), "confidence": 0.9,
                      "class": "a", "class_id": 0, "points": points})
    return {"image": {"width": W, "height": H}, "predictions": preds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    n = parser.parse_args().repeat
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    data = payload(rng)
    boxes = [tuple(int(v) for v in (p["x"] - p["width"] / 2, p["y"] - p["height"] / 2,
                                     p["x"] + p["width"] / 2, p["y"] + p["height"] / 2)) for p in data["predictions"]]
    det = sv.Detections.from_inference(data)
    rows = [
        ("dynamic_crop(JSON, mask_opacity=1)", lambda: dc.dynamic_crop(image, data, mask_opacity=1.0, threads=1)),
        ("dynamic_crop(JSON, mask_opacity=0)", lambda: dc.dynamic_crop(image, data, mask_opacity=0.0, threads=1)),
        ("rasterising the polygons alone", lambda: [polygon_region(p["points"], b, H, W, "p")
                                                    for p, b in zip(data["predictions"], boxes)]),
        ("sv.Detections.from_inference(JSON)", lambda: sv.Detections.from_inference(data)),
        ("dynamic_crop(its result, mask_opacity=1)", lambda: dc.dynamic_crop(image, det, mask_opacity=1.0, threads=1)),
    ]
    for name, fn in rows:
        print(f"{name:42s} {median_ms(fn, n):8.1f} ms")


if __name__ == "__main__":
    main()
