"""K2 from several Python threads at once: how `threads=None` fares when callers share the
machine (the thread pool takes one call at a time; the others run on their own thread).

Run: python benchmarks/bench_concurrent_callers.py [--calls 200] [--repeat 3]
Prints, for 1, 2 and 4 Python threads splitting `--calls` K2 calls (50 crops copied out of a
1080p frame), the wall time with threads=1, threads=2 and threads=None, best of `--repeat`,
settings interleaved.
"""

from __future__ import annotations

import argparse
import threading
import time

import dynacrop_native as dc
from dynacrop_native.bench import scenarios


def wall_ms(callers: int, threads: int | None, calls: int, image, boxes) -> float:
    def work() -> None:
        for _ in range(calls // callers):
            dc.crop_boxes(image, boxes, copy=True, threads=threads)

    workers = [threading.Thread(target=work) for _ in range(callers)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return (time.perf_counter() - start) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scene = scenarios.scene(1080, 1920, 50, masks=False, scale=1.0)
    for callers in (1, 2, 4):
        best: dict[int | None, float] = {}
        for _ in range(args.repeat):
            for threads in (1, 2, None):
                ms = wall_ms(callers, threads, args.calls, scene.image, scene.xyxy)
                best[threads] = min(best.get(threads, ms), ms)
        print(f"{callers} Python threads: " + ", ".join(f"threads={t}: {ms:.1f} ms" for t, ms in best.items()))


if __name__ == "__main__":
    main()
