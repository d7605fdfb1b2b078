"""`crop --engine ray` on the shared local cluster: the same files, bytes, manifest (all but
its run time) and printed report as `--engine local`, for COCO (the sample, and 200+ generated
images with RLE and polygon masks and bad entries), YOLO and DOTA; a worker that dies mid-run is
retried, one that keeps dying ends the run with an error and no manifest."""

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dynacrop_native.__main__ import main
from dynacrop_native.export.ray_engine import MAX_RETRIES, TEST_EXIT_ENV

cv2 = pytest.importorskip("cv2")
pytest.importorskip("pycocotools")
from sample_data import make_dataset  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*", "ignore::FutureWarning:ray.*")


def run(capsys, out, *argv):
    code = main(["crop", "--no-progress", *map(str, argv), "--out", str(out)])
    printed, err = capsys.readouterr()
    return code, ours(printed, out), err


def ours(printed, out):
    """What the export printed, without Ray's own notices (the raylet reports a dead worker on
    the driver's stdout); the run time and the output folder's name are the only differences."""
    lines = [line for line in printed.splitlines(keepends=True) if "(raylet)" not in line]
    return re.sub(r" in [0-9.]+ s;", " in T s;", "".join(lines).replace(str(out), "OUT"))


def files(root):
    """Every file but the manifest (whose run time differs), by name."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "crops.json"}


def manifest(root):
    data = json.loads((root / "crops.json").read_text())
    data.pop("seconds")
    return data


def assert_engines_agree(capsys, tmp_path, *argv):
    """Both engines on the same input: equal exit codes, reports, manifests and files."""
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    code, printed, err = run(capsys, local, *argv)
    assert code == 0, err
    code_ray, printed_ray, err_ray = run(capsys, on_ray, *argv, "--engine", "ray")
    assert code_ray == 0, err_ray
    assert printed_ray == printed
    assert manifest(on_ray) == manifest(local)
    written, expected = files(on_ray), files(local)
    assert written.keys() == expected.keys() and written == expected  # names, then bytes
    return manifest(local)


def test_cli_starts_its_own_local_cluster(ray_installed, tmp_path):
    """Without --ray-address the program starts a local cluster and stops it (first in the file:
    before the shared cluster starts, so the two do not share the 2 cores)."""
    outs = {}
    for engine in (["--engine", "ray"], []):
        out = tmp_path / ("ray" if engine else "local")
        done = subprocess.run([sys.executable, "-m", "dynacrop_native", "crop", "--sample", "--out", str(out),
                               "--alpha", *engine], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outs[bool(engine)] = ours(done.stdout, out)
    assert outs[True] == outs[False]
    assert files(tmp_path / "ray") == files(tmp_path / "local") and len(files(tmp_path / "local")) == 9


def test_sample_equal_to_local(ray_cluster, capsys, tmp_path):
    m = assert_engines_agree(capsys, tmp_path, "--sample", "--mask-opacity", "1", "--background-color", "white")
    assert m["written"] == 9


@pytest.fixture(scope="module")
def big_dataset(tmp_path_factory):
    """220 images (3 objects each: an RLE circle, polygon square and triangle) with bad entries:
    missing and corrupt images, bad boxes and segmentations, an unknown image id."""
    coco_path, images = make_dataset(tmp_path_factory.mktemp("big"), seed=7, images=220, size=(128, 160))
    coco = json.loads(coco_path.read_text())
    (images / "scene_3.png").unlink()
    (images / "scene_4.png").write_bytes(b"\x89PNG broken")
    coco["annotations"][0]["bbox"] = [500.0, 500.0, 20.0, 20.0]
    coco["annotations"][1]["segmentation"] = [[1.0, 2.0, 3.0, 4.0]]
    coco["annotations"][2]["bbox"] = [1.0, 2.0, float("nan"), 4.0]
    coco["annotations"].append({"id": 9999, "image_id": 4242, "category_id": 1, "bbox": [0, 0, 5, 5]})
    coco_path.write_text(json.dumps(coco))
    return coco_path, images


@pytest.mark.parametrize("flags", [
    ["--mask-opacity", "0.6", "--background-color", "#102030", "--margin", "3", "--square"],
    ["--alpha", "--pad", "--margin-ratio", "0.2", "--min-size", "45"],
], ids=["blend-square", "alpha-pad"])
def test_generated_dataset_equal_to_local(ray_cluster, capsys, tmp_path, big_dataset, flags):
    coco_path, images = big_dataset
    m = assert_engines_agree(capsys, tmp_path, "--coco", coco_path, "--images", images, *flags)
    assert m["written"] > 600 - 20 - (100 if "--min-size" in flags else 0)
    reasons = m["skipped_by_reason"]
    assert reasons["missing image"] == 3 and reasons["corrupt image"] == 3 and reasons["no such image"] == 1
    assert {"bad bbox", "bad segmentation"} <= reasons.keys()


def test_yolo_and_dota_equal_to_local(ray_cluster, capsys, tmp_path):
    root = tmp_path / "yolo"
    for i, split in enumerate(["train", "train", "val"]):
        image = np.random.default_rng(i).integers(0, 256, (64, 96, 3), dtype=np.uint8)
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / "images" / split / f"im{i}.png"), image)
        (root / "labels" / split / f"im{i}.txt").write_text(
            "0 0.5 0.5 0.25 0.5\n1 0.1 0.1 0.6 0.15 0.5 0.8 0.2 0.7\n2 0.2 0.1 0.6 0.25 0.5 0.6 0.1 0.45\n9 x\n")
    (root / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [cat, dog, boat]\n")
    assert_engines_agree(capsys, tmp_path / "y", "--yolo", root / "data.yaml", "--mask-opacity", "1")
    labels, images = tmp_path / "dota/labels", tmp_path / "dota/images"
    labels.mkdir(parents=True)
    images.mkdir()
    cv2.imwrite(str(images / "P1.png"), np.random.default_rng(5).integers(0, 256, (80, 120, 3), dtype=np.uint8))
    (labels / "P1.txt").write_text("gsd:0.1\n10 5 40 12 35 40 5 33 plane 0\n60 2 94 10 88 28 54 20 ship 1\n1 2 3\n")
    m = assert_engines_agree(capsys, tmp_path / "d", "--dota", labels, "--images", images, "--alpha")
    assert m["written"] == 2 and m["skipped"] == 1


def test_worker_dying_mid_run_is_retried(ray_cluster, capsys, tmp_path, big_dataset, monkeypatch):
    """The worker that finishes image 10 leaves a temporary file and dies (os._exit) once: Ray
    runs its task again, every crop is written once, nothing temporary is left."""
    coco_path, images = big_dataset
    marker = tmp_path / "died"
    monkeypatch.setenv(TEST_EXIT_ENV, f"10:1:{marker}")
    assert_engines_agree(capsys, tmp_path, "--coco", coco_path, "--images", images, "--mask-opacity", "1")
    assert marker.read_bytes() == b"x"  # it did die
    assert not [p for p in (tmp_path / "ray").rglob("*") if p.name.startswith(".")]


def test_worker_that_keeps_dying_ends_the_run(ray_cluster, capsys, tmp_path, big_dataset, monkeypatch):
    coco_path, images = big_dataset
    marker, out = tmp_path / "died", tmp_path / "out"
    monkeypatch.setenv(TEST_EXIT_ENV, f"10:99:{marker}")
    code, _, err = run(capsys, out, "--coco", coco_path, "--images", images, "--engine", "ray")
    last = err.splitlines()[-1]  # after Ray's own log of the failure
    assert code == 2 and last.startswith("error: --engine ray: the pipeline failed (WorkerCrashedError")
    assert last.endswith(f"{out} holds the crops written so far and no manifest")
    assert len(marker.read_bytes()) == 1 + MAX_RETRIES
    assert not (out / "crops.json").exists()
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]


def test_cli_joins_a_running_cluster(ray_cluster, tmp_path):
    """The program itself, in its own process, on the fixture's cluster via --ray-address, with
    relative --coco, --images and --out (the workers resolve them as the driver does) and a
    missing image reported under its relative path."""
    address = ray_cluster.get_runtime_context().gcs_address
    make_dataset(tmp_path / "data", seed=2, images=4)
    (tmp_path / "data/images/scene_1.png").unlink()
    outs = {}
    for engine in (["--engine", "ray", "--ray-address", address], []):
        out = "out-ray" if engine else "out-local"
        done = subprocess.run([sys.executable, "-m", "dynacrop_native", "crop", "--coco", "data/annotations.json",
                               "--images", "data/images", "--out", out, *engine],
                              capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        outs[bool(engine)] = ours(done.stdout, out)
    assert outs[True] == outs[False]
    assert "wrote 9 crops to OUT in T s; skipped 3 (missing image: 3)" in outs[True]
    assert "(data/images/scene_1.png)" in outs[True]
    assert manifest(tmp_path / "out-ray") == manifest(tmp_path / "out-local")
    assert files(tmp_path / "out-ray") == files(tmp_path / "out-local")


def test_sigint_stops_with_a_consistent_manifest(ray_cluster, tmp_path, big_dataset):
    """Ctrl-C on the driver once crops appear: exit 130, the manifest lists exactly the files
    written (the workers see the stop through the flag file), nothing temporary is left."""
    coco_path, images = big_dataset
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "dynacrop_native", "crop", "--coco", str(coco_path), "--images",
                             str(images), "--out", str(out), "--no-progress", "--engine", "ray", "--ray-address",
                             ray_cluster.get_runtime_context().gcs_address],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any(out.glob("*/*.png")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    printed, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    data = json.loads((out / "crops.json").read_text())
    assert data["interrupted"] == "SIGINT" and printed.startswith("interrupted by SIGINT: wrote ")
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - {"crops.json"}
    assert on_disk == {e["file"] for e in data["crops"]}
    anns = len(json.loads(coco_path.read_text())["annotations"])
    assert data["written"] + data["skipped"] + data["not_done"] == anns
