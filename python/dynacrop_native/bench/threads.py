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


def _interleaved_medians(
    calls: dict[int | None, Callable[[], object]], blocks: int, span: float
) -> dict[int | None, float]:
    """Median milliseconds per call of each setting over `blocks` rounds in which every setting
    runs a block of calls lasting `span` seconds (at least one call), settings in turn. Short
    blocks spread over the whole run share the machine's changing load alike (on a busy machine
    the scheduler's share for a second thread changes from one 30 ms stretch to the next)."""
    times: dict[int | None, list[float]] = {t: [] for t in calls}
    for call in calls.values():
        call()  # warm up: first-use allocations, the pool's threads
    for _ in range(blocks):
        for t, call in calls.items():
            block_start = time.perf_counter()
            while True:
                start = time.perf_counter()
                call()
                end = time.perf_counter()
                times[t].append(end - start)
                if end - block_start >= span:
                    break
    return {t: float(np.median(v)) * 1e3 for t, v in times.items()}


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


# Automatic calls before a row is timed: the default as it runs once it has seen the machine's
# load (its first eight calls of a size try both choices, and it tries the other choice in a
# burst every 64 calls or more; without these the busy rows timed what the idle ones had taught it).
_POLICY_CALLS = 72


def thread_table(quick: bool, scale: float) -> str:
    """The table `bench` prints: per setting the median ms per call over interleaved blocks."""
    blocks, span = (8, 0.001) if quick else (60, 0.003)
    counts: list[int | None] = [*range(1, min(len(os.sched_getaffinity(0)), 8) + 1), None]
    lines = [f"{'condition':9s} {'row':30s} " + " ".join(f"{'t=' + str(t):>8s}" for t in counts)
             + f" {'None/best':>10s}  within 5%"]
    for condition in ("as is", "busy"):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if condition == "busy" else None
        try:
            time.sleep(0.2 if hog else 0.0)
            for name, call in workloads(scale).items():
                for _ in range(_POLICY_CALLS):
                    call(None)
                ms = _interleaved_medians({t: (lambda t=t: call(t)) for t in counts}, blocks, span)
                best = min(v for t, v in ms.items() if t is not None)
                ratio = ms[None] / best
                lines.append(f"{condition:9s} {name:30s} " + " ".join(f"{ms[t]:8.3f}" for t in counts)
                             + f" {ratio:10.2f}  {'yes' if ratio <= 1.05 else 'NO'}")
        finally:
            if hog:
                hog.kill()
                hog.wait()
    return "\n".join(lines)
