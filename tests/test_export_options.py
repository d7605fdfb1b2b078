"""The export CLI's crop options, filters and manifest fields: each crop equals what
dc.dynamic_crop gives with the same options, the manifest joins crops back to the dataset."""

import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native.__main__ import build_parser, main
from dynacrop_native.export import annotation_mask, sample_paths

cv2 = pytest.importorskip("cv2")
sv = pytest.importorskip("supervision")

OPTION_SETS = [
    ([], {}),
    (["--margin", "7"], dict(margin=7)),
    (["--margin-ratio", "0.2"], dict(margin_ratio=0.2)),
    (["--square", "--margin", "2.5"], dict(square=True, margin=2.5)),
    (["--pad", "--margin", "30"], dict(out_of_bounds="pad", margin=30)),
    (["--pad", "--square", "--margin-ratio", "0.3", "--mask-opacity", "0.6"],
     dict(out_of_bounds="pad", square=True, margin_ratio=0.3, mask_opacity=0.6)),
    (["--pad", "--margin", "25", "--alpha"], dict(out_of_bounds="pad", margin=25, output="bgra", mask_opacity=1.0)),
]


def sample_detections(image_name):
    """The sample's annotations of one image as sv.Detections with full-frame masks."""
    coco_path, images = sample_paths()
    coco = json.loads(coco_path.read_text())
    image_id = next(i["id"] for i in coco["images"] if i["file_name"] == image_name)
    anns = [a for a in coco["annotations"] if a["image_id"] == image_id]
    image = cv2.imread(str(images / image_name))
    h, w = image.shape[:2]
    masks = np.array([annotation_mask(a, (0, 0, w, h), h, w).astype(bool) for a in anns])
    xyxy = np.array([[x, y, x + bw, y + bh] for x, y, bw, bh in (a["bbox"] for a in anns)], dtype=np.float64)
    ids = np.array([str(a["id"]) for a in anns])
    return image, sv.Detections(xyxy=xyxy, mask=masks, data={"detection_id": ids}), anns


@pytest.mark.parametrize("flags, options", OPTION_SETS, ids=[" ".join(f) or "defaults" for f, _ in OPTION_SETS])
def test_crops_equal_dynamic_crop_with_the_same_options(tmp_path, capsys, flags, options):
    out = tmp_path / "out"
    assert main(["crop", "--sample", "--out", str(out), "--background-color", "#3080c0", "--no-progress", *flags]) == 0
    capsys.readouterr()
    manifest = json.loads((out / "crops.json").read_text())
    assert manifest["written"] == 9
    by_id = {e["annotation_id"]: e for e in manifest["crops"]}
    for name in ("scene_0.png", "scene_1.png", "scene_2.png"):
        image, det, anns = sample_detections(name)
        crops = dc.dynamic_crop(image, det, background_color="#3080c0", **options)
        for ann, crop in zip(anns, crops):
            entry = by_id[ann["id"]]
            written = cv2.imread(str(out / entry["file"]), cv2.IMREAD_UNCHANGED)
            np.testing.assert_array_equal(written, crop.image)
            assert entry["offset"] == list(crop.offset) and entry["size"] == [crop.image.shape[1], crop.image.shape[0]]
            x0, y0, x1, y1 = entry["box"]
            assert (x0, y0) == crop.offset and (x1 - x0, y1 - y0) == tuple(entry["size"])
            assert entry["bbox"] == ann["bbox"] and entry["category_id"] == ann["category_id"]
            assert entry["iscrowd"] == 0


def test_min_size_as_dynamic_crop(tmp_path, capsys):
    """Measured on the box as annotated, before --margin grows it: the same boxes dynamic_crop drops."""
    out = tmp_path / "out"
    assert main(["crop", "--sample", "--out", str(out), "--min-size", "56.5", "--margin", "20", "--no-progress"]) == 0
    capsys.readouterr()
    manifest = json.loads((out / "crops.json").read_text())
    kept = set()
    for name in ("scene_0.png", "scene_1.png", "scene_2.png"):
        image, det, anns = sample_detections(name)
        crops = dc.dynamic_crop(image, det, min_size=56.5, margin=20)
        kept |= {ann["id"] for ann, crop in zip(anns, crops) if crop is not None}
    assert 0 < len(kept) < 9
    assert {e["annotation_id"] for e in manifest["crops"]} == kept
    assert manifest["skipped_by_reason"] == {"smaller than --min-size": 9 - len(kept)}
    assert manifest["options"]["min_size"] == 56.5


def test_manifest_records_the_options(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["crop", "--sample", "--out", str(out), "--margin", "3", "--pad", "--square", "--format", "jpg",
                 "--jpeg-quality", "80", "--category", "circle", "--mask-opacity", "0.5", "--no-progress"]) == 0
    capsys.readouterr()
    options = json.loads((out / "crops.json").read_text())["options"]
    assert options == {
        "mask_opacity": 0.5, "background_color": "#000000", "margin": 3.0, "margin_ratio": 0.0, "square": True,
        "out_of_bounds": "pad", "min_size": 0, "categories": ["circle"], "skip_crowd": False, "format": "jpg",
        "alpha": False, "jpeg_quality": 80,
    }


def test_category_filter_and_crowd(tmp_path, capsys):
    coco_path, images = sample_paths()
    coco = json.loads(coco_path.read_text())
    coco["annotations"][0]["iscrowd"] = 1  # a circle
    coco["annotations"][1]["iscrowd"] = 1  # a square
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(coco))
    common = ["crop", "--coco", str(path), "--images", str(images), "--no-progress"]
    assert main([*common, "--out", str(tmp_path / "a"), "--category", "circle", "--category", "triangle"]) == 0
    assert "left out 3 (--category, --skip-crowd)" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "a/crops.json").read_text())
    assert sorted(e["category"] for e in manifest["crops"]) == ["circle"] * 3 + ["triangle"] * 3
    assert manifest["left_out"] == 3 and manifest["skipped"] == 0
    assert [e["iscrowd"] for e in manifest["crops"] if e["annotation_id"] == 1] == [1]
    assert main([*common, "--out", str(tmp_path / "b"), "--skip-crowd"]) == 0
    capsys.readouterr()
    manifest = json.loads((tmp_path / "b/crops.json").read_text())
    assert manifest["written"] == 7 and manifest["left_out"] == 2
    assert {1, 2}.isdisjoint(e["annotation_id"] for e in manifest["crops"])
    assert main([*common, "--out", str(tmp_path / "c"), "--category", "circle", "--category", "hexagon"]) == 2
    err = capsys.readouterr().err
    assert "--category: 'hexagon' not in" in err and "'circle', 'square', 'triangle'" in err
    assert main([*common, "--out", str(tmp_path / "c"), "--category", ""]) == 2
    assert "--category: '' not in" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()
    coco["annotations"][2]["iscrowd"] = "yes"
    path.write_text(json.dumps(coco))
    assert main([*common, "--out", str(tmp_path / "d")]) == 0
    capsys.readouterr()
    skipped = json.loads((tmp_path / "d/crops.json").read_text())["skipped_items"]
    assert [(s["annotation_id"], s["reason"]) for s in skipped] == [(3, "bad iscrowd")]


def test_jpeg_quality(tmp_path, capsys):
    sizes = {}
    for q in (20, 95):
        out = tmp_path / f"q{q}"
        assert main(["crop", "--sample", "--out", str(out), "--format", "jpg", "--jpeg-quality", str(q),
                     "--no-progress"]) == 0
        entry = json.loads((out / "crops.json").read_text())["crops"][0]
        data = (out / entry["file"]).read_bytes()
        sizes[q] = len(data)
        image = cv2.imread(str(sample_paths()[1] / entry["image"]))
        x0, y0, x1, y1 = entry["box"]
        assert data == cv2.imencode(".jpg", image[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, q])[1].tobytes()
    assert sizes[20] < sizes[95]
    capsys.readouterr()
    for bad in (["--jpeg-quality", "80"], ["--format", "jpg", "--jpeg-quality", "101"]):
        assert main(["crop", "--sample", "--out", str(tmp_path / "bad"), *bad]) == 2
        assert "--jpeg-quality: expected 0..100 with --format jpg" in capsys.readouterr().err
    for bad, name in ((["--margin", "-1"], "--margin:"), (["--margin-ratio", "nan"], "--margin-ratio:"),
                      (["--min-size", "-1"], "--min-size:"), (["--min-size", "inf"], "--min-size:")):
        assert main(["crop", "--sample", "--out", str(tmp_path / "bad"), *bad]) == 2
        assert name in capsys.readouterr().err


def test_every_flag_has_help_and_defaults_are_stated():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict)).choices
    for name, sub in subparsers.items():
        for action in sub._actions:
            if action.dest in ("help", "scale"):
                continue
            assert action.help, f"{name} {action.option_strings} has no help"
            if action.default not in (None, False) and action.option_strings:
                assert "default" in action.help, f"{name} {action.option_strings} does not state its default"
    assert "default: the annotation file's folder" in " ".join(subparsers["crop"].format_help().split())


def test_version_and_program_name(tmp_path):
    run = subprocess.run([sys.executable, "-m", "dynacrop_native", "--version"], capture_output=True, text=True)
    assert run.stdout.strip() == f"python -m dynacrop_native {dc.__version__}"
    usage = subprocess.run([sys.executable, "-m", "dynacrop_native", "crop", "--help"], capture_output=True, text=True)
    assert usage.stdout.startswith("usage: python -m dynacrop_native crop")
    script = Path(sys.executable).parent / "dynacrop"
    if not script.exists():
        pytest.skip("the dynacrop script is not installed beside this interpreter")
    run = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert run.stdout.strip() == f"dynacrop {dc.__version__}"
    usage = subprocess.run([str(script), "crop", "--help"], capture_output=True, text=True)
    assert usage.stdout.startswith("usage: dynacrop crop")


def test_main_in_process_gives_the_signal_handlers_back(tmp_path, capsys):
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
        assert main(["crop", "--sample", "--out", str(tmp_path / "out"), "--no-progress"]) == 0
        assert main(["crop", "--sample", "--out", str(tmp_path / "out")]) == 2  # not empty: an error, same promise
        assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    finally:
        signal.signal(signal.SIGTERM, previous)
    capsys.readouterr()


def test_images_default_to_the_annotation_files_folder(tmp_path, capsys):
    coco_path, images = sample_paths()
    data = tmp_path / "data"
    data.mkdir()
    (data / "annotations.json").write_bytes(coco_path.read_bytes())
    for image in images.glob("scene_*.png"):
        (data / image.name).write_bytes(image.read_bytes())
    assert main(["crop", "--coco", str(data / "annotations.json"), "--out", str(tmp_path / "out"),
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert json.loads((tmp_path / "out/crops.json").read_text())["written"] == 9
    assert main(["crop", "--sample", "--images", str(data), "--out", str(tmp_path / "b")]) == 2
    assert capsys.readouterr().err == "error: --images: not with --sample (the sample brings its own images)\n"
    assert not (tmp_path / "b").exists()


def test_background_color_as_a_css_name(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["crop", "--sample", "--out", str(out), "--mask-opacity", "1", "--background-color", "White",
                 "--no-progress"]) == 0
    capsys.readouterr()
    manifest = json.loads((out / "crops.json").read_text())
    assert manifest["options"]["background_color"] == "#ffffff"
    entry = next(e for e in manifest["crops"] if e["category"] == "triangle")  # a triangle leaves corners out
    assert (cv2.imread(str(out / entry["file"])) == 255).all(axis=2).any()


def test_help_names_the_program_and_no_unshipped_document(monkeypatch):
    for argv0, name in (("/usr/bin/dynacrop", "dynacrop"), ("C:\\env\\Scripts\\dynacrop.exe", "dynacrop"),
                        ("/x/dynacrop_native/__main__.py", "python -m dynacrop_native")):
        monkeypatch.setattr(sys, "argv", [argv0.replace("\\", "/")])
        parser = build_parser()
        assert parser.prog == name
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict)).choices
    for text in [parser.format_help(), *(sub.format_help() for sub in subparsers.values())]:
        for word in ("README", "docs/", "design.md", "SPEC", "``"):
            assert word not in text


def test_main_in_another_thread_leaves_signals_alone(tmp_path, capsys):
    import threading

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    codes = []
    thread = threading.Thread(target=lambda: codes.append(
        main(["crop", "--sample", "--out", str(tmp_path / "out"), "--no-progress"])))
    thread.start()
    thread.join()
    assert codes == [0]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    capsys.readouterr()
