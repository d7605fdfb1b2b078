"""Export throughput of `crop --engine local --workers 1`, `--workers 2` and `--engine ray` on a
generated COCO dataset of 1080p JPEG images with masks (per image 8 objects: 4 polygons, 4
compressed RLE), written as PNG crops with the background removed (--mask-opacity 1).

Run: python benchmarks/bench_engines.py [--images 200] [--keep DIR]
Needs the cli and ray extras. Each engine runs the program in its own process; the table gives
images/s and crops/s of the export itself (crops.json's "seconds": from reading the annotation
file to the manifest) and of the whole process (wall, Python and Ray start-up included). "ray,
warm" joins a cluster started beforehand (--ray-address), "ray, cold" starts its own local one.
Every run's files are checked equal to the first's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

H, W, OBJECTS = 1080, 1920, 8


def make_dataset(root: Path, images: int, seed: int = 0) -> Path:
    import cv2

    from dynacrop_native import rle

    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True)
    yy, xx = np.mgrid[:H, :W]
    base = np.stack([xx * 255 // W, yy * 255 // H, (xx + yy) * 255 // (W + H)], -1).astype(np.uint8)
    coco: dict = {"images": [], "annotations": [], "categories": [{"id": 1, "name": "poly"}, {"id": 2, "name": "blob"}]}
    for k in range(images):
        image = base.copy()
        image[rng.integers(0, H, 2000), rng.integers(0, W, 2000)] = 255  # some texture for the JPEG coder
        anns = []
        for j in range(OBJECTS):
            bw, bh = (int(v) for v in rng.integers(80, 400, 2))
            x, y = int(rng.integers(0, W - bw)), int(rng.integers(0, H - bh))
            if j % 2 == 0:
                angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
                pts = np.stack([x + bw / 2 * (1 + np.cos(angles)), y + bh / 2 * (1 + np.sin(angles))], 1)
                anns.append((1, [x, y, bw, bh], [pts.round(1).ravel().tolist()]))
                cv2.fillPoly(image, [pts.astype(np.int32)], (40, 40, 230))
            else:
                mask = np.zeros((H, W), np.uint8)
                cv2.ellipse(mask, (x + bw // 2, y + bh // 2), (bw // 2, bh // 2), 0, 0, 360, 1, -1)
                image[mask > 0] = (230, 120, 30)
                counts = rle.counts_to_string(rle.runs(mask)).decode("ascii")
                anns.append((2, [x, y, bw, bh], {"size": [H, W], "counts": counts}))
        name = f"img_{k:05d}.jpg"
        cv2.imwrite(str(root / "images" / name), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        coco["images"].append({"id": k, "file_name": name, "width": W, "height": H})
        for category, bbox, seg in anns:
            coco["annotations"].append({"id": len(coco["annotations"]) + 1, "image_id": k, "category_id": category,
                                        "bbox": [float(v) for v in bbox], "segmentation": seg, "iscrowd": 0})
    path = root / "annotations.json"
    path.write_text(json.dumps(coco))
    return path


def run(coco: Path, out: Path, flags: list[str]) -> tuple[float, dict]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "dynacrop_native", "crop", "--coco", str(coco), "--images",
                           str(coco.parent / "images"), "--out", str(out),
                           "--mask-opacity", "1", "--no-progress", *flags], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{flags}: exit {done.returncode}\n{done.stderr[-2000:]}")
    manifest = json.loads((out / "crops.json").read_text())
    if manifest["skipped"]:
        raise SystemExit(f"{flags}: skipped {manifest['skipped_by_reason']}")
    return wall, manifest


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file() and p.name != "crops.json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=200, help="images in the generated dataset (default 200)")
    parser.add_argument("--keep", type=Path, help="generate the dataset here (reused when it is there)")
    args = parser.parse_args()
    import ray

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-engines-"))
    coco = root / "annotations.json"
    if not coco.exists():
        start = time.perf_counter()
        make_dataset(root, args.images)
        print(f"generated {args.images} {W}x{H} JPEG images, {OBJECTS} masked objects each, "
              f"in {time.perf_counter() - start:.1f} s under {root}")
    start = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    ray_start = time.perf_counter() - start
    address = ray.get_runtime_context().gcs_address
    runs = [("local, --workers 1", ["--workers", "1"]), ("local, --workers 2", ["--workers", "2"]),
            ("ray, warm (--ray-address)", ["--engine", "ray", "--ray-address", address]),
            ("ray, cold (own local cluster)", ["--engine", "ray"])]
    print(f"CPU cores: {os.cpu_count()}; Ray {ray.__version__}; a local 2-CPU Ray cluster started in {ray_start:.1f} s")
    print("| engine | images | crops | export s | images/s | crops/s | process wall s | crops/s (wall) |")
    print("|---|---|---|---|---|---|---|---|")
    first = None
    try:
        for label, flags in runs:
            if label.startswith("ray, cold"):
                ray.shutdown()  # one cluster at a time on 2 cores
            out = root / "out"
            shutil.rmtree(out, ignore_errors=True)
            wall, manifest = run(coco, out, flags)
            got = files(out)
            first = first or got
            assert got == first, f"{label}: files differ from the first run's"
            n, crops, seconds = len({c["image"] for c in manifest["crops"]}), manifest["written"], manifest["seconds"]
            print(f"| {label} | {n} | {crops} | {seconds:.2f} | {n / seconds:.1f} | {crops / seconds:.0f} | "
                  f"{wall:.2f} | {crops / wall:.0f} |", flush=True)
    finally:
        ray.shutdown()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print("every run wrote the same files, byte for byte")


if __name__ == "__main__":
    main()
