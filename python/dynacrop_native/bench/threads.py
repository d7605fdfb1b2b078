"""Thread rows: each K and S row with threads=1, every explicit count up to the usable cores,
and threads=None, on this machine as it is and with one competing CPU-bound process; the
default is judged against the best of the others (target: within 5%)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Callable

import numpy as np

import dynacrop_native as dc

from . import scenarios


def _median_ms(call: Callable[[], object], rounds: int, span: float) -> float:
    """Median of at least `rounds` calls, and of enough calls to take `span` seconds: a median
    over a millisecond of 0.1 ms calls moves with every scheduler tick."""
    start = time.perf_counter()
    call()
    rounds = max(rounds, int(span / max(time.perf_counter() - start, 1e-6)))
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


def workloads(scale: float) -> dict[str, Callable[[int | None], object]]:
    crop, mask = scenarios.blend_inputs(scale)
    boxes = scenarios.scene(1080, 1920, 50, masks=False, scale=scale)  # K2 and S1
    masked = scenarios.scene(1080, 1920, 50, masks=True, scale=scale)  # S2 and S3
    s4 = scenarios.scene(2160, 3840, 100, masks=True, scale=scale)
    det1, det23, det4 = (scenarios.detections(s) for s in (boxes, masked, s4))
    return {
        "K1 blend kernel, opacity 0.5": lambda t: dc.remove_background(crop, mask, 0.5, (0, 0, 0), threads=t),
        "K1' masked fill, opacity 1.0": lambda t: dc.remove_background(crop, mask, 1.0, (0, 0, 0), threads=t),
        "K2 crop copy, 50 crops": lambda t: dc.crop_boxes(boxes.image, boxes.xyxy, copy=True, threads=t),
        "S1 boxes": lambda t: dc.dynamic_crop(boxes.image, det1, threads=t),
        "S2 masks, no blend": lambda t: dc.dynamic_crop(masked.image, det23, threads=t),
        "S3 masks, blend 0.5": lambda t: dc.dynamic_crop(masked.image, det23, mask_opacity=0.5, threads=t),
        "S4 4K, 100 masks, opacity 1": lambda t: dc.dynamic_crop(s4.image, det4, mask_opacity=1.0, threads=t),
    }


def thread_table(quick: bool, scale: float) -> str:
    """The table `bench` prints: per setting the best of `repeats` medians (ms), each over at
    least `rounds` calls and `span` seconds of calls, settings interleaved."""
    rounds, repeats, span = (5, 3, 0.002) if quick else (15, 5, 0.03)
    counts: list[int | None] = [*range(1, min(len(os.sched_getaffinity(0)), 8) + 1), None]
    lines = [f"{'condition':9s} {'row':30s} " + " ".join(f"{'t=' + str(t):>8s}" for t in counts)
             + f" {'None/best':>10s}  within 5%"]
    for condition in ("as is", "busy"):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if condition == "busy" else None
        try:
            time.sleep(0.2 if hog else 0.0)
            for name, call in workloads(scale).items():
                best_of: dict[int | None, float] = {}
                for _ in range(repeats):  # settings interleaved, the best median of each kept
                    for t in counts:
                        ms = _median_ms(lambda: call(t), rounds, span)
                        best_of[t] = min(best_of.get(t, ms), ms)
                best = min(v for t, v in best_of.items() if t is not None)
                ratio = best_of[None] / best
                lines.append(f"{condition:9s} {name:30s} " + " ".join(f"{best_of[t]:8.3f}" for t in counts)
                             + f" {ratio:10.2f}  {'yes' if ratio <= 1.05 else 'NO'}")
        finally:
            if hog:
                hog.kill()
                hog.wait()
    return "\n".join(lines)
