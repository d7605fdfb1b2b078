"""`python -m dynacrop_native bench`: the performance table, measured side by side in one process.

Baseline and ours run alternately, round after round, on the same inputs; the table gives each
side's median and the median of the per-round ratios, so slow drifts of a shared machine hit
both sides alike. Needs the `bench` extra (OpenCV, supervision, matplotlib for --plot).
"""

from __future__ import annotations

import glob
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

import dynacrop_native as dc

from . import scenarios


@dataclass
class Row:
    scenario: str
    baseline: str
    baseline_ms: float
    ours_ms: float
    ratio: float  # speed-up (S rows) or time relative to the baseline (K rows)
    target: str
    met: bool | None  # None: reported only, the target is judged elsewhere


def compare(baseline: Callable[[], object], ours: Callable[[], object], rounds: int) -> tuple[float, float, float]:
    """Median baseline ms, median ours ms, median of per-round baseline/ours time ratios."""
    baseline(), ours()  # warm-up: imports, first-touch page faults
    tb, to = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        baseline()
        tb.append(time.perf_counter() - t)
        t = time.perf_counter()
        ours()
        to.append(time.perf_counter() - t)
    tb_a, to_a = np.array(tb), np.array(to)
    return float(np.median(tb_a) * 1e3), float(np.median(to_a) * 1e3), float(np.median(tb_a / to_a))


def recreation_backend():
    """(label, theirs, ours, wrap) for the faithful numpy + OpenCV re-creation of upstream."""
    from . import upstream_v1

    def ours(image, det, a, colour):
        return dc.dynamic_crop(image, det, mask_opacity=a, background_color=colour)

    return "upstream re-creation (numpy+OpenCV)", upstream_v1.crop_image, ours, lambda image: image


def real_upstream_backend():
    """The same for upstream's own crop_image (roboflow-workflows), against our drop-in; None
    when it is not installed."""
    try:
        from ..integrations import inference as di

        up = di.upstream()
    except ImportError:
        return None
    from importlib.metadata import PackageNotFoundError, version

    base = sys.modules[up.WorkflowImageData.__module__]

    def wrap(image):
        return up.WorkflowImageData(parent_metadata=base.ImageParentMetadata(parent_id="image"), numpy_image=image)

    try:
        label = f"upstream roboflow-workflows {version('roboflow-workflows')}"
    except PackageNotFoundError:
        label = "upstream inference"
    return label, up.crop_image, di.crop_image, wrap


def upstream_backend():
    """The best available baseline: the real upstream, else the re-creation."""
    return real_upstream_backend() or recreation_backend()


SCENES = {  # name: (height, width, boxes, masks, opacity, rounds, quick rounds)
    "S1 boxes": (1080, 1920, 50, False, 0.0, 40, 10),
    "S2 masks, no blend": (1080, 1920, 50, True, 0.0, 15, 4),
    "S3 masks, blend 0.5": (1080, 1920, 50, True, 0.5, 10, 3),
    "S4 4K, 100 masks, 1.0": (2160, 3840, 100, True, 1.0, 5, 2),
}
TARGETS = {"S1 boxes": 8.0, "S2 masks, no blend": 20.0, "S3 masks, blend 0.5": 20.0, "S4 4K, 100 masks, 1.0": 20.0}


def scene_rows(quick: bool, scale: float) -> tuple[list[Row], dict]:
    backends = [b for b in (real_upstream_backend(), recreation_backend()) if b is not None]
    rows, extra = [], {}
    for name, (h, w, n, masks, a, rounds, quick_rounds) in SCENES.items():
        s = scenarios.scene(h, w, n, masks=masks, scale=scale)
        det = scenarios.detections(s)
        for label, theirs, ours, wrap in backends:
            image = wrap(s.image)
            b, o, r = compare(lambda: theirs(image, det, a, "#000000"), lambda: ours(image, det, a, "#000000"),
                              quick_rounds if quick else rounds)
            rows.append(Row(name, label, b, o, r, f">= {TARGETS[name]:g}x", r >= TARGETS[name]))
        if name.startswith("S4"):
            serial = lambda: dc.dynamic_crop(s.image, det, mask_opacity=a, threads=1)  # noqa: E731
            auto = lambda: dc.dynamic_crop(s.image, det, mask_opacity=a, threads=None)  # noqa: E731
            extra["threads"] = compare(serial, auto, quick_rounds if quick else rounds)
        del s, det
    return rows, extra


def kernel_rows(quick: bool, scale: float, threads: int | None = 1) -> list[Row]:
    """K1, K1', K2 on one thread (the targets: per-core efficiency against a single-threaded
    copy), or with `threads=None` as a default call runs them."""
    rounds = 30 if quick else 200
    crop, mask = scenarios.blend_inputs(scale)
    rows = []
    for name, a, target in (("K1 blend kernel, opacity 0.5", 0.5, 2.0), ("K1' masked fill, opacity 1.0", 1.0, 1.3)):
        b, o, r = compare(crop.copy, lambda: dc.remove_background(crop, mask, a, (0, 0, 0), threads=threads), rounds)
        rows.append(Row(name, "crop.copy()", b, o, 1 / r, f"<= {target:g}x copy", 1 / r <= target))
    s = scenarios.scene(1080, 1920, 50, masks=False, scale=scale)
    crops = dc.crop_boxes(s.image, s.xyxy)
    flat = np.concatenate([c.reshape(-1) for c in crops if c is not None])
    b, o, r = compare(flat.copy, lambda: dc.crop_boxes(s.image, s.xyxy, copy=True, threads=threads), rounds)
    # Many short rows cannot copy as fast as one long memcpy; SPEC's K2 target is against the
    # per-row memcpy floor, which the floors table measures.
    rows.append(Row("K2 crop copy, 50 crops", "memcpy of the same bytes", b, o, 1 / r, "report (see floors)", None))
    return rows


# B1: the model-ready batch, fused versus the pipeline it replaces. Sizes and the ImageNet
# normalisation are what a classifier after a detector typically takes.
BATCH_SIZE = (224, 224)
BATCH_FLOAT = dict(dtype=np.float32, layout="NCHW", rgb=True, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])


def unfused_batch(image, det, size, *, dtype=np.uint8, layout="NHWC", rgb=False, mean=None, std=None, **crop_options):
    """dynamic_crop -> cv2.resize per crop -> np.stack -> channel swap, normalise and
    transpose in numpy: what users write without crop_resize_batch."""
    import cv2

    crops = dc.dynamic_crop(image, det, **crop_options)
    batch = np.stack([cv2.resize(c.image, (size[1], size[0]), interpolation=cv2.INTER_LINEAR) for c in crops])
    if rgb:
        batch = batch[..., ::-1]
    if dtype == np.float32:
        batch = (batch.astype(np.float32) - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    if layout == "NCHW":
        batch = batch.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(batch)


def batch_rows(quick: bool, scale: float) -> list[Row]:
    rounds = 8 if quick else 40
    size = tuple(max(8, int(v * scale)) for v in BATCH_SIZE)
    rows = []
    for name, masks, options in (
        ("B1 crop+resize, uint8 NHWC", False, {}),
        ("B1 crop+resize, float32 NCHW", False, BATCH_FLOAT),
        ("B1 + masks 0.5, float32 NCHW", True, {**BATCH_FLOAT, "mask_opacity": 0.5}),
    ):
        s = scenarios.scene(1080, 1920, 50, masks=masks, scale=scale)
        det = scenarios.detections(s)
        b, o, r = compare(lambda: unfused_batch(s.image, det, size, **options),
                          lambda: dc.crop_resize_batch(s.image, det, size, **options).images, rounds)
        label = "crop, cv2.resize, np.stack, numpy norm"
        rows.append(Row(name, label, b, o, r, ">= 1x (report)", r >= 1.0))
    return rows


MEMORY_PROBE = """
import gc, json, numpy as np, dynacrop_native as dc
from dynacrop_native import rle
from dynacrop_native.bench import scenarios

def status(key):  # bytes, from /proc/self/status
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))

s = scenarios.scene(2160, 3840, 100, masks=True, scale=SCALE)
det = scenarios.detections(s)
mask_bytes = s.masks.nbytes
if MODE == "rle":  # the same masks as compressed COCO RLE, the dense array freed
    like = {"size": list(s.masks.shape[1:]), "counts": ""}
    det.data["rle_mask"] = [rle.encode_like(m, like) for m in s.masks]
    mask_bytes = sum(len(r["counts"]) for r in det.data["rle_mask"])
    det.mask = s.masks = None
    gc.collect()
warm = scenarios.scene(64, 64, 1, masks=True)
dc.dynamic_crop(warm.image, scenarios.detections(warm), mask_opacity=1.0)
before = status("VmRSS:")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak-RSS high-water mark to the current RSS
crops = dc.dynamic_crop(s.image, det, mask_opacity=1.0, threads=1)
peak = status("VmHWM:")
out = sum(c.image.nbytes for c in crops if c is not None)
print(json.dumps({"peak_extra": peak - before, "outputs": out, "mask_bytes": mask_bytes}))
"""


def memory_probe(scale: float, mode: str = "dense") -> dict | None:
    """Peak RSS growth of one S4 call (masks dense or as COCO RLE) against its output crops,
    in a fresh process whose peak-RSS mark is reset just before the call (Linux); None where
    that is not possible."""
    code = MEMORY_PROBE.replace("SCALE", repr(scale)).replace("MODE", repr(mode))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def cpu_fields() -> dict[str, str]:
    """The first processor's fields in /proc/cpuinfo (empty where there is none)."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    return fields


def cpu_name() -> str:
    return cpu_fields().get("model name") or platform.processor() or platform.machine()


def cpu_description() -> str:
    """Model name, family/model (virtual machines often report only "AMD EPYC") and the cache
    sizes, so that results from different CPUs are never compared by mistake."""
    f = cpu_fields()
    parts = [cpu_name()]
    if "cpu family" in f:
        parts.append(f"family {f['cpu family']} model {f.get('model', '?')}")
    caches = []
    for index in sorted(glob.glob("/sys/devices/system/cpu/cpu0/cache/index*")):
        try:
            level, kind, size = (open(f"{index}/{n}").read().strip() for n in ("level", "type", "size"))
        except OSError:
            continue
        if kind != "Instruction":
            caches.append(f"L{level} {size}")
    return ", ".join(parts + caches)


def header() -> str:
    import cv2
    import supervision

    caps = dc.capabilities()
    return (
        f"CPU: {cpu_description()} ({os.cpu_count()} cores; features {', '.join(caps['cpu'])})\n"
        f"kernels: {caps['active']} (available: {', '.join(caps['available'])})\n"
        f"versions: dynacrop_native {dc.__version__}, Python {platform.python_version()}, numpy {np.__version__}, "
        f"OpenCV {cv2.__version__}, supervision {supervision.__version__}"
    )


def format_table(rows: list[Row]) -> str:
    lines = [f"{'scenario':30s} {'baseline':38s} {'base ms':>9s} {'ours ms':>9s} {'ratio':>8s}  {'target':18s} met"]
    for r in rows:
        lines.append(
            f"{r.scenario:30s} {r.baseline:38s} {r.baseline_ms:9.3f} {r.ours_ms:9.3f} {r.ratio:7.2f}x  {r.target:18s} "
            f"{'-' if r.met is None else 'yes' if r.met else 'NO'}"
        )
    return "\n".join(lines)


def target_value(row: Row) -> float | None:
    """The number in a target such as '>= 20x' or '<= 1.3x copy'; None for a reported row."""
    return None if row.met is None else float(row.target.split()[1].rstrip("x"))


def short_baseline(label: str) -> str:
    if label.startswith("upstream roboflow"):
        return "upstream " + label.split()[-1]
    if label.startswith("upstream re-creation"):
        return "re-creation"
    if label.startswith("crop, cv2.resize"):
        return "unfused pipeline"
    return label.split(",")[0]


def plot(rows: list[Row], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s_rows = [r for r in rows if not r.scenario.startswith("K")]
    k_rows = [r for r in rows if r.scenario.startswith("K")]
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(13, 0.42 * len(s_rows) + 1.8), gridspec_kw={"width_ratios": [3, 2]}
    )
    for ax, group, colour in ((left, s_rows, "tab:green"), (right, k_rows, "tab:blue")):
        ax.barh(range(len(group)), [r.ratio for r in group], color=colour)
        for i, r in enumerate(group):
            if (target := target_value(r)) is not None:
                ax.plot([target] * 2, [i - 0.4, i + 0.4], "k--")
            ax.annotate(f"{r.ratio:.2f}x", (r.ratio, i), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        ax.invert_yaxis()
        ax.tick_params(axis="y", labelsize=8)
    left.set_yticks(range(len(s_rows)), [f"{r.scenario} / {short_baseline(r.baseline)}" for r in s_rows])
    left.set_xscale("log")
    left.set_xlabel("speed-up over the baseline (x, log scale); dashed = target")
    right.set_yticks(range(len(k_rows)), [r.scenario for r in k_rows])
    limits = [t for t in map(target_value, k_rows) if t is not None]
    right.set_xlim(0, 1.15 * max(limits + [r.ratio for r in k_rows], default=1.0))
    right.set_xlabel("time relative to a plain copy (x); dashed = limit")
    fig.suptitle(f"dynacrop_native {dc.__version__} on {cpu_name()} ({dc.get_isa()}), one thread for K rows")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def run(quick: bool = False, plot_path: str | None = None, scale: float = 1.0) -> list[Row]:
    print(header(), flush=True)
    start = time.perf_counter()
    rows, extra = scene_rows(quick, scale)
    from .tensor import tensor_rows  # needs Row and compare from this module

    tensor, skipped = tensor_rows(quick, scale)
    rows += tensor
    rows += kernel_rows(quick, scale)
    rows += batch_rows(quick, scale)
    from .oriented import oriented_rows  # needs Row and compare from this module

    rows += oriented_rows(quick, scale)
    print(format_table(rows))
    if skipped:
        print(skipped)
    from .floors import floor_table

    print(floor_table(quick))
    serial, auto, speedup = extra["threads"]
    threads = dc._native.resolve_threads(0, 1 << 30)
    print(f"threads: S4 serial {serial:.2f} ms, threads=None ({threads} threads) {auto:.2f} ms: {speedup:.2f}x speed-up")
    shared = ", ".join(f"{r.scenario.split(',')[0]} {r.ratio:.2f}x" for r in kernel_rows(quick, scale, threads=None))
    print(f"threads: K rows with threads=None (up to {threads} threads, same baselines): {shared}")
    from .threads import thread_table

    print("threads: milliseconds per call, threads=None against the best explicit count; 'busy': one other "
          "CPU-bound process running")
    print(thread_table(quick, scale))
    for mode in ("dense", "rle"):
        mem = memory_probe(scale, mode)
        if mem is None:
            print(f"memory ({mode} masks): not measured (needs Linux /proc/self/clear_refs)")
            continue
        print(
            f"memory ({mode} masks, {mem['mask_bytes'] / 2**20:.1f} MiB of mask input): one S4 call raised peak RSS "
            f"by {mem['peak_extra'] / 2**20:.1f} MiB for {mem['outputs'] / 2**20:.1f} MiB of output crops "
            f"({(mem['peak_extra'] - mem['outputs']) / 2**20:+.1f} MiB beyond them, translated masks included)"
        )
    if plot_path:
        plot(rows, plot_path)
        print(f"plot saved to {plot_path}")
    print(f"({time.perf_counter() - start:.1f} s; ratios are medians of per-round ratios, baseline and ours alternating)")
    return rows
