"""The dataset-export CLI: `python -m dynacrop_native crop`."""

import importlib.util
import json
import shutil
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native import rle
from dynacrop_native.__main__ import main
from dynacrop_native.export import Options, annotation_mask, export, sample_paths
from dynacrop_native.options import CropOptions

cv2 = pytest.importorskip("cv2")
pytest.importorskip("pycocotools")
from sample_data import make_dataset  # noqa: E402


def run(tmp_path, coco, images, **kw):
    opts = Options(**{"crop": CropOptions(mask_opacity=1.0, background_color="#ffffff"), **kw})
    return export(coco, images, tmp_path / "out", opts, progress=False)


def test_shipped_sample_is_the_generator_output(tmp_path):
    coco, _ = make_dataset(tmp_path / "fresh", seed=0)
    shipped, images = sample_paths()
    assert json.loads(Path(coco).read_text()) == json.loads(shipped.read_text())
    for name in ("scene_0.png", "scene_1.png", "scene_2.png"):
        np.testing.assert_array_equal(cv2.imread(str(images / name)), cv2.imread(str(tmp_path / "fresh/images" / name)))


def test_sample_export_writes_every_object_with_its_background_removed(tmp_path):
    coco_path, images = sample_paths()
    summary = run(tmp_path, coco_path, images)
    coco = json.loads(coco_path.read_text())
    assert summary["written"] == len(coco["annotations"]) == 9 and summary["skipped"] == 0
    manifest = json.loads((tmp_path / "out/crops.json").read_text())
    assert manifest["crops"] == summary["crops"]
    anns = {a["id"]: a for a in coco["annotations"]}
    for entry in manifest["crops"]:
        ann = anns[entry["annotation_id"]]
        x0, y0, x1, y1 = entry["box"]
        assert entry["offset"] == [x0, y0] and entry["category"] in ("circle", "square", "triangle")
        image = cv2.imread(str(images / entry["image"]))
        written = cv2.imread(str(tmp_path / "out" / entry["file"]))
        mask = annotation_mask(ann, (x0, y0, x1, y1), *image.shape[:2])
        np.testing.assert_array_equal(written, dc.remove_background(image[y0:y1, x0:x1], mask, 1.0, "#ffffff"))
        if isinstance(ann["segmentation"], dict):
            np.testing.assert_array_equal(mask, rle.decode(ann["segmentation"])[y0:y1, x0:x1])


def test_bad_images_and_annotations_are_skipped_not_fatal(tmp_path):
    coco_path, images = make_dataset(tmp_path / "data", seed=3)
    coco = json.loads(coco_path.read_text())
    (images / "scene_1.png").write_bytes(b"\x89PNG broken")  # corrupted image: its 3 objects skipped
    coco["annotations"][0]["bbox"] = [500.0, 500.0, 20.0, 20.0]  # outside the image
    coco["annotations"][1]["segmentation"] = [[1.0, 2.0, 3.0, 4.0]]  # a polygon of 2 points
    coco["annotations"][2]["bbox"] = [1.0, 2.0, float("nan"), 4.0]
    coco["annotations"].append({"id": 99, "image_id": 42, "category_id": 1, "bbox": [0, 0, 5, 5]})  # no such image
    coco_path.write_text(json.dumps(coco))
    summary = run(tmp_path, coco_path, images)
    assert summary["written"] == 9 - 3 - 3
    reasons = {item["what"]: item["reason"] for item in summary["skipped_items"]}
    why = {item["what"]: item["why"] for item in summary["skipped_items"]}
    assert reasons["annotation 1"] == "box outside the image"
    assert reasons["annotation 2"] == "bad segmentation"
    assert reasons["annotation 3"] == "bad bbox"
    assert reasons["annotation 99"] == "no such image"
    assert reasons["annotation 4"] == "corrupt image" and str(images / "scene_1.png") in why["annotation 4"]
    assert summary["skipped_by_reason"] == {"box outside the image": 1, "bad segmentation": 1, "bad bbox": 1,
                                            "no such image": 1, "corrupt image": 3}
    assert not list((tmp_path / "out").rglob("*.tmp"))


@pytest.mark.parametrize("content", [{"images": [], "annotations": [], "categories": []}, {}])
def test_empty_annotation_file(tmp_path, content):
    path = tmp_path / "empty.json"
    path.write_text(json.dumps(content))
    summary = run(tmp_path, path, tmp_path)
    assert summary["written"] == 0 and summary["skipped"] == 0
    assert json.loads((tmp_path / "out/crops.json").read_text())["crops"] == []


def test_rerun_with_overwrite_gives_the_same_folder(tmp_path):
    coco_path, images = sample_paths()
    first = run(tmp_path, coco_path, images)
    files = {p.relative_to(tmp_path / "out"): p.read_bytes() for p in (tmp_path / "out").rglob("*.png")}
    second = run(tmp_path, coco_path, images, overwrite=True)
    again = {p.relative_to(tmp_path / "out"): p.read_bytes() for p in (tmp_path / "out").rglob("*.png")}
    assert files == again and first["crops"] == second["crops"]
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_workers_format_and_min_size(tmp_path):
    coco_path, images = sample_paths()
    serial = run(tmp_path, coco_path, images)
    parallel = run(tmp_path, coco_path, images, workers=3, overwrite=True)
    assert parallel["crops"] == serial["crops"]  # same names, same order
    shutil.rmtree(tmp_path / "out")
    jpg = run(tmp_path, coco_path, images, fmt="jpg", min_size=60)
    assert all(e["file"].endswith(".jpg") for e in jpg["crops"])
    assert jpg["skipped_by_reason"].get("smaller than --min-size", 0) > 0


def test_cli_entry_point(tmp_path, capsys):
    assert main(["crop", "--sample", "--out", str(tmp_path / "c"), "--mask-opacity", "0.5",
                 "--background-color", "(0, 255, 0)", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "wrote 9 crops" in out and "crops.json" in out
    assert main(["crop", "--coco", str(tmp_path / "missing.json"), "--out", str(tmp_path / "d")]) == 2
    assert "--coco: cannot read" in capsys.readouterr().err
    assert main(["crop", "--sample", "--out", str(tmp_path / "e"), "--mask-opacity", "2"]) == 2
    assert "--mask-opacity" in capsys.readouterr().err


def test_engine_flags(tmp_path, capsys):
    """--engine ray's flags are checked before anything starts (tests/with_ray runs the engine)."""
    for argv, message in ((["--engine", "ray", "--workers", "2"], "--workers: not with --engine ray"),
                          (["--ray-address", "auto"], "--ray-address: only with --engine ray"),
                          (["--engine", "spark"], None)):
        with pytest.raises(SystemExit) if message is None else nullcontext():
            assert main(["crop", "--sample", "--no-progress", "--out", str(tmp_path / "o"), *argv]) == 2
        assert (message or "invalid choice: 'spark'") in capsys.readouterr().err
    if importlib.util.find_spec("ray") is None:  # the core CI stage: no ray extra
        assert main(["crop", "--sample", "--no-progress", "--out", str(tmp_path / "o"), "--engine", "ray"]) == 2
        assert "error: --engine ray: Ray is not installed (python -m pip install 'dynacrop_native[ray]')" in \
            capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_alpha_png_cut_outs(tmp_path, capsys):
    coco_path, images = sample_paths()
    assert main(["crop", "--sample", "--out", str(tmp_path / "a"), "--format", "png", "--alpha", "--no-progress"]) == 0
    assert "wrote 9 crops" in capsys.readouterr().out
    coco = json.loads(coco_path.read_text())
    anns = {a["id"]: a for a in coco["annotations"]}
    manifest = json.loads((tmp_path / "a/crops.json").read_text())
    for entry in manifest["crops"]:
        x0, y0, x1, y1 = entry["box"]
        image = cv2.imread(str(images / entry["image"]))
        written = cv2.imread(str(tmp_path / "a" / entry["file"]), cv2.IMREAD_UNCHANGED)
        mask = annotation_mask(anns[entry["annotation_id"]], (x0, y0, x1, y1), *image.shape[:2])
        assert written.shape == (y1 - y0, x1 - x0, 4)
        np.testing.assert_array_equal(written[..., :3], image[y0:y1, x0:x1])  # colours untouched
        np.testing.assert_array_equal(written[..., 3], np.where(mask, 255, 0))  # --alpha: opacity 1
    assert main(["crop", "--sample", "--out", str(tmp_path / "b"), "--alpha", "--mask-opacity", "0.5",
                 "--no-progress"]) == 0
    capsys.readouterr()
    half = next((tmp_path / "b").rglob("*.png"))
    assert set(np.unique(cv2.imread(str(half), cv2.IMREAD_UNCHANGED)[..., 3]).tolist()) <= {128, 255}
    assert main(["crop", "--sample", "--out", str(tmp_path / "c"), "--alpha", "--format", "jpg"]) == 2
    assert "--alpha: needs --format png" in capsys.readouterr().err
