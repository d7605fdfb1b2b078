"""YOLO (detect, segment, OBB) and DOTA datasets through the export CLI: tiny datasets made in
tmp_path; every crop equals dc.dynamic_crop / dc.oriented_crop of the same boxes, the manifest
equals the files on disk, bad label lines are reported by file and line, and nothing is
written outside --out."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native.__main__ import main
from dynacrop_native.export import annotation_mask

cv2 = pytest.importorskip("cv2")
sv = pytest.importorskip("supervision")
pytest.importorskip("yaml")

W, H = 96, 64
NAMES = ["cat", "dog", "boat"]


def write_image(path: Path, seed: int) -> np.ndarray:
    image = np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image)
    return image


def yolo_dataset(root: Path, labels: dict[str, str], names=NAMES, yaml_names=None) -> Path:
    """labels: 'split/stem' -> label text; an image per key (PNG), data.yaml listing the splits."""
    for i, (key, text) in enumerate(sorted(labels.items())):
        split, stem = key.split("/")
        write_image(root / "images" / split / f"{stem}.png", i)
        if text is not None:
            (root / "labels" / split).mkdir(parents=True, exist_ok=True)
            (root / "labels" / split / f"{stem}.txt").write_text(text)
    splits = sorted({k.split("/")[0] for k in labels})
    lines = [f"{s}: images/{s}" for s in splits]
    lines.append(yaml_names or "names: [" + ", ".join(names) + "]")
    (root / "data.yaml").write_text("\n".join(lines) + "\n")
    return root / "data.yaml"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["crop", "--no-progress", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def check_manifest(out: Path) -> dict:
    manifest = json.loads((out / "crops.json").read_text())
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - {"crops.json"}
    assert on_disk == {e["file"] for e in manifest["crops"]}
    assert manifest["written"] == len(manifest["crops"])
    return manifest


def pixels(text: str) -> np.ndarray:
    """A label line's normalised coordinates (after the class) in pixels, as the export reads them."""
    return np.array([float(v) for v in text.split()[1:]]).reshape(-1, 2) * (W, H)


DETECT = "0 0.5 0.5 0.25 0.5\n2 0.1 0.2 0.15 0.3\n1 0.9375 0.96875 0.125 0.0625\n"
SEGMENT = "0 0.1 0.1 0.6 0.15 0.5 0.8 0.2 0.7 0.15 0.4\n1 0.6 0.1 0.9 0.1 0.9 0.5\n"
OBB = "0 0.2 0.1 0.6 0.25 0.5 0.6 0.1 0.45\n2 0.5 0.5 0.9 0.5 0.9 0.9 0.5 0.9\n1 0.9 0.1 0.99 0.3 0.7 0.4 0.61 0.2\n"


def test_yolo_detect_crops_equal_dynamic_crop(tmp_path, capsys):
    data = yolo_dataset(tmp_path / "ds", {"train/a": DETECT, "val/b": DETECT.splitlines()[0] + "\n"})
    before = tree(tmp_path)
    code, out, err = run(capsys, "--yolo", data, "--out", tmp_path / "out", "--margin", "3")
    assert code == 0, err
    assert tree(tmp_path) - before == {"out"} | {f"out/{p}" for p in tree(tmp_path / "out")}
    manifest = check_manifest(tmp_path / "out")
    assert manifest["written"] == 4 and manifest["skipped"] == 0
    entries = [e for e in manifest["crops"] if e["image"] == "images/train/a.png"]
    assert [(e["line"], e["category"], e["split"]) for e in entries] == [(1, "cat", "train"), (2, "boat", "train"),
                                                                         (3, "dog", "train")]
    image = cv2.imread(str(tmp_path / "ds/images/train/a.png"))
    xyxy = []
    for line in DETECT.splitlines():
        cx, cy, w, h = (float(v) for v in line.split()[1:])
        xyxy.append([(cx - w / 2) * W, (cy - h / 2) * H, (cx - w / 2) * W + w * W, (cy - h / 2) * H + h * H])
    crops = dc.dynamic_crop(image, sv.Detections(xyxy=np.array(xyxy)), margin=3)
    for entry, crop in zip(entries, crops):
        np.testing.assert_array_equal(cv2.imread(str(tmp_path / "out" / entry["file"])), crop.image)
    assert "oriented" not in manifest["options"]  # no oriented boxes: nothing to decide


def test_yolo_segment_polygons_are_masks(tmp_path, capsys):
    data = yolo_dataset(tmp_path / "ds", {"train/a": SEGMENT}, yaml_names="names: {0: cat, 1: dog, 2: boat}")
    code, _, err = run(capsys, "--yolo", data, "--out", tmp_path / "out", "--mask-opacity", "1",
                       "--background-color", "#3080c0")
    assert code == 0, err
    manifest = check_manifest(tmp_path / "out")
    assert manifest["written"] == 2 and [e["category"] for e in manifest["crops"]] == ["cat", "dog"]
    image = cv2.imread(str(tmp_path / "ds/images/train/a.png"))
    polys = [pixels(line) for line in SEGMENT.splitlines()]
    masks = np.array([annotation_mask({"segmentation": [p.ravel().tolist()]}, (0, 0, W, H), H, W).astype(bool)
                      for p in polys])
    xyxy = np.array([[*p.min(axis=0), *p.max(axis=0)] for p in polys])
    crops = dc.dynamic_crop(image, sv.Detections(xyxy=xyxy, mask=masks), mask_opacity=1.0,
                            background_color="#3080c0")
    for entry, crop in zip(manifest["crops"], crops):
        written = cv2.imread(str(tmp_path / "out" / entry["file"]))
        np.testing.assert_array_equal(written, crop.image)
        assert (written == (192, 128, 48)).all(axis=2).any()  # background removed somewhere


@pytest.mark.parametrize("flags", [[], ["--oriented"], ["--margin", "2", "--alpha"]])
def test_yolo_obb_is_cropped_oriented(tmp_path, capsys, flags):
    data = yolo_dataset(tmp_path / "ds", {"train/a": OBB})
    code, _, err = run(capsys, "--yolo", data, "--out", tmp_path / "out", "--background-color", "white", *flags)
    assert code == 0, err
    manifest = check_manifest(tmp_path / "out")
    assert manifest["written"] == 3 and manifest["options"]["oriented"] is True
    image = cv2.imread(str(tmp_path / "ds/images/train/a.png"))
    corners = np.stack([pixels(line) for line in OBB.splitlines()])
    margin = 2 if "--margin" in flags else 0
    crops = dc.oriented_crop(image, corners, background_color="white", margin=margin,
                             output="bgra" if "--alpha" in flags else "image")
    for entry, crop in zip(manifest["crops"], crops):
        np.testing.assert_array_equal(cv2.imread(str(tmp_path / "out" / entry["file"]), cv2.IMREAD_UNCHANGED),
                                      crop.image)
        np.testing.assert_allclose(entry["transform"], crop.transform)
        assert entry["size"] == list(crop.size)
        np.testing.assert_allclose(entry["corners"], corners[entry["line"] - 1])


def test_obb_no_oriented_crops_the_bounds_with_the_box_as_mask(tmp_path, capsys):
    data = yolo_dataset(tmp_path / "ds", {"train/a": OBB})
    code, _, err = run(capsys, "--yolo", data, "--out", tmp_path / "out", "--no-oriented", "--mask-opacity", "1")
    assert code == 0, err
    manifest = check_manifest(tmp_path / "out")
    image = cv2.imread(str(tmp_path / "ds/images/train/a.png"))
    quads = [pixels(line) for line in OBB.splitlines()]
    masks = np.array([annotation_mask({"segmentation": [q.ravel().tolist()]}, (0, 0, W, H), H, W).astype(bool)
                      for q in quads])
    xyxy = np.array([[*q.min(axis=0), *q.max(axis=0)] for q in quads])
    crops = dc.dynamic_crop(image, sv.Detections(xyxy=xyxy, mask=masks), mask_opacity=1.0)
    assert manifest["written"] == 3 and "transform" not in manifest["crops"][0]
    for entry, crop in zip(manifest["crops"], crops):
        np.testing.assert_array_equal(cv2.imread(str(tmp_path / "out" / entry["file"])), crop.image)


def test_oriented_refuses_options_it_does_not_take(tmp_path, capsys):
    data = yolo_dataset(tmp_path / "ds", {"train/a": OBB})
    for flags, name in ((["--square"], "--square"), (["--pad"], "--pad"), (["--margin", "1.5"], "--margin")):
        code, _, err = run(capsys, "--yolo", data, "--out", tmp_path / "out", *flags)
        assert code == 2 and err.startswith(f"error: {name}: not with oriented crops"), err
    assert not (tmp_path / "out").exists()
    det = yolo_dataset(tmp_path / "det", {"train/a": DETECT})
    code, _, err = run(capsys, "--yolo", det, "--out", tmp_path / "out", "--oriented")
    assert code == 2 and "--oriented: the dataset has no oriented boxes" in err


def test_split_and_category_select(tmp_path, capsys):
    data = yolo_dataset(tmp_path / "ds", {"train/a": DETECT, "val/b": DETECT, "test/c": DETECT})
    code, _, err = run(capsys, "--yolo", data, "--out", tmp_path / "out", "--split", "val", "--category", "boat")
    assert code == 0, err
    manifest = check_manifest(tmp_path / "out")
    assert [(e["split"], e["category"]) for e in manifest["crops"]] == [("val", "boat")]
    assert manifest["left_out"] == 2
    code, _, err = run(capsys, "--yolo", data, "--out", tmp_path / "o2", "--category", "emu")
    assert code == 2 and "--category: 'emu' not in" in err


BAD_YOLO = {
    "0 0.5 0.5 0.2": "4 fields",
    "0 0.5 0.5 0.2 0.2 0.3": "6 fields",
    "x 0.5 0.5 0.2 0.2": "class 'x' is not a number",
    "0 0.5 abc 0.2 0.2": "coordinate 'abc' is not a number",
    "0 0.5 nan 0.2 0.2": "coordinate 'nan' is not finite",
    "3 0.5 0.5 0.2 0.2": "class 3 is not a class index 0..2",
    "-1 0.5 0.5 0.2 0.2": "class -1 is not a class index",
    "0.5 0.5 0.5 0.2 0.2": "class 0.5 is not a class index",
    "0 1.5 0.5 0.2 0.2": "coordinate 1.5 is outside 0..1",
    "0 0.5 0.5 -0.1 0.2": "coordinate -0.1 is outside 0..1",
    "0 0.5 0.5 0 0.2": "box width and height must be > 0",
    "1 0.1 0.1 0.1 0.5 0.1 0.9": "the polygon has no width or no height",
}


def test_bad_yolo_lines_are_reported_by_file_and_line(tmp_path, capsys):
    text = DETECT.splitlines()[0] + "\n" + "\n".join(BAD_YOLO) + "\n"
    data = yolo_dataset(tmp_path / "ds", {"train/a": text, "val/b": DETECT})
    # a label file whose image is missing, one not UTF-8
    (tmp_path / "ds/labels/val/gone.txt").write_text(DETECT)
    (tmp_path / "ds/labels/train/gone2.txt").write_text(DETECT)
    write_image(tmp_path / "ds/images/val/binary.png", 9)
    (tmp_path / "ds/labels/val/binary.txt").write_bytes(b"\xff\xfe0 0.5")
    before = tree(tmp_path)
    code, out, err = run(capsys, "--yolo", data, "--out", tmp_path / "out")
    assert code == 0, err
    assert tree(tmp_path) - before == {"out"} | {f"out/{p}" for p in tree(tmp_path / "out")}
    manifest = check_manifest(tmp_path / "out")
    assert manifest["written"] == 1 + 3
    whys = {s["what"]: s["why"] for s in manifest["skipped_items"]}
    for n, (line, message) in enumerate(BAD_YOLO.items(), 2):
        assert message in whys[f"labels/train/a.txt line {n}"], (line, whys)
    assert whys["labels/val/gone.txt"].startswith("label without image")
    assert whys["labels/train/gone2.txt"].startswith("label without image")
    assert whys["labels/val/binary.txt"] == "unreadable label file (not UTF-8 text)"
    assert "skipped labels/train/a.txt line 2: bad label line (4 fields" in out


def test_bad_data_yaml_is_one_clear_error(tmp_path, capsys):
    root = tmp_path / "ds"
    yolo_dataset(root, {"train/a": DETECT})
    cases = {
        "names: [a\n": "not valid YAML",
        "- a\n- b\n": "is not a mapping",
        "train: images/train\n": "'names' in",
        "train: images/train\nnames: {0: a, 2: b}\n": "must number the classes 0..n-1",
        "train: nowhere\nnames: [a]\n": "split 'train'",
        "train: [images/train, 5]\nnames: [a]\n": "split 'train'",
    }
    for text, message in cases.items():
        (root / "data.yaml").write_text(text)
        code, _, err = run(capsys, "--yolo", root / "data.yaml", "--out", tmp_path / "out")
        assert code == 2 and err.startswith("error: --") and message in err, (text, err)
    code, _, err = run(capsys, "--yolo", root / "missing.yaml", "--out", tmp_path / "out")
    assert code == 2 and "cannot read" in err
    (root / "data.yaml").write_text("train: images/train\nnames: [a, b, c]\n")
    code, _, err = run(capsys, "--yolo", root / "data.yaml", "--out", tmp_path / "out", "--split", "val")
    assert code == 2 and err.startswith("error: --split: 'val' is not in")
    assert not (tmp_path / "out").exists()


DOTA_LINES = [
    "10 5 40 12 35 40 5 33 plane 0",
    "50 30 90 30 90 60 50 60 small-vehicle 1",
    "60 2 94 10 88 28 54 20 plane",
]


def dota_dataset(root: Path, text: str, stem="P0001") -> tuple[Path, Path]:
    labels, images = root / "labels", root / "images"
    labels.mkdir(parents=True)
    write_image(images / f"{stem}.png", 5)
    (labels / f"{stem}.txt").write_text(text)
    return labels, images


def test_dota_crops_equal_oriented_crop(tmp_path, capsys):
    labels, images = dota_dataset(tmp_path / "ds", "imagesource:GoogleEarth\ngsd:0.146\n" + "\n".join(DOTA_LINES))
    code, _, err = run(capsys, "--dota", labels, "--images", images, "--out", tmp_path / "out")
    assert code == 0, err
    manifest = check_manifest(tmp_path / "out")
    assert [(e["line"], e["category"], e["difficult"]) for e in manifest["crops"]] == [
        (3, "plane", 0), (4, "small-vehicle", 1), (5, "plane", 0)]
    image = cv2.imread(str(images / "P0001.png"))
    corners = np.array([[float(v) for v in line.split()[:8]] for line in DOTA_LINES]).reshape(-1, 4, 2)
    for entry, crop in zip(manifest["crops"], dc.oriented_crop(image, corners)):
        np.testing.assert_array_equal(cv2.imread(str(tmp_path / "out" / entry["file"])), crop.image)
        np.testing.assert_allclose(entry["transform"], crop.transform)
    code, _, err = run(capsys, "--dota", labels, "--out", tmp_path / "o2")
    assert code == 2 and err.startswith("error: --images: required with --dota")


def test_bad_dota_lines_are_reported_by_file_and_line(tmp_path, capsys):
    bad = {
        "10 5 40 12 35 40 5 plane 0": "coordinate 'plane' is not a number",
        "10 5 40 12 35 40 5 33": "8 fields",
        "10 5 40 12 35 40 5 33 plane 0 extra": "11 fields",
        "10 5 40 12 x 40 5 33 plane 0": "coordinate 'x' is not a number",
        "10 5 40 12 35 40 5 33 plane 2": "difficult must be 0 or 1",
        "1e999 5 40 12 35 40 5 33 plane 0": "is not finite",
    }
    labels, images = dota_dataset(tmp_path / "ds", "\n".join([DOTA_LINES[0], *bad]))
    (labels / "P0002.txt").write_text(DOTA_LINES[1])  # no image P0002.*
    before = tree(tmp_path)
    code, out, err = run(capsys, "--dota", labels, "--images", images, "--out", tmp_path / "out")
    assert code == 0, err
    assert tree(tmp_path) - before == {"out"} | {f"out/{p}" for p in tree(tmp_path / "out")}
    manifest = check_manifest(tmp_path / "out")
    assert manifest["written"] == 1
    whys = {s["what"]: s["why"] for s in manifest["skipped_items"]}
    for n, message in enumerate(bad.values(), 2):
        assert message in whys[f"P0001.txt line {n}"], (n, whys)
    assert whys["P0002.txt line 1"].startswith("label without image")


def test_hostile_names_stay_inside_out(tmp_path, capsys):
    labels, images = dota_dataset(tmp_path / "ds", "10 5 40 12 35 40 5 33 .. 0\n10 5 40 12 35 40 5 33 crops.json 0\n")
    data = yolo_dataset(tmp_path / "y", {"train/a": DETECT}, names=["..", "/tmp/dynacrop-escaped-yolo", "a/../../b"])
    before = tree(tmp_path)
    assert run(capsys, "--dota", labels, "--images", images, "--out", tmp_path / "o1")[0] == 0
    assert run(capsys, "--yolo", data, "--out", tmp_path / "o2")[0] == 0
    for out in ("o1", "o2"):
        manifest = check_manifest(tmp_path / out)
        assert manifest["written"] == (2 if out == "o1" else 3)
    assert tree(tmp_path) - before == {o for o in ("o1", "o2")} | {
        f"{o}/{p}" for o in ("o1", "o2") for p in tree(tmp_path / o)}
    assert not os.path.exists("/tmp/dynacrop-escaped-yolo")


def test_split_outside_the_dataset_folder_needs_the_flag(tmp_path, capsys):
    write_image(tmp_path / "train/images/a.png", 1)
    (tmp_path / "train/labels").mkdir()
    (tmp_path / "train/labels/a.txt").write_text(DETECT)
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds/data.yaml").write_text("train: ../train/images\nnames: [a, b, c]\n")
    code, out, _ = run(capsys, "--yolo", tmp_path / "ds/data.yaml", "--out", tmp_path / "o1")
    assert code == 0 and check_manifest(tmp_path / "o1")["written"] == 0
    assert "skipped ../train/labels/a.txt line 1: file_name outside --images" in out
    code, _, _ = run(capsys, "--yolo", tmp_path / "ds/data.yaml", "--out", tmp_path / "o2", "--allow-outside-images")
    assert code == 0 and check_manifest(tmp_path / "o2")["written"] == 3


def test_mixed_dataset_is_axis_aligned_unless_oriented(tmp_path, capsys):
    data = yolo_dataset(tmp_path / "ds", {"train/a": DETECT + OBB})
    code, _, err = run(capsys, "--yolo", data, "--out", tmp_path / "auto")
    assert code == 0, err
    auto = check_manifest(tmp_path / "auto")
    assert auto["written"] == 6 and auto["options"]["oriented"] is False
    assert not any("transform" in e for e in auto["crops"])
    code, _, err = run(capsys, "--yolo", data, "--out", tmp_path / "forced", "--oriented")
    assert code == 0, err
    forced = check_manifest(tmp_path / "forced")
    assert forced["options"]["oriented"] is True
    assert [e["line"] for e in forced["crops"] if "transform" in e] == [4, 5, 6]
    assert [e["line"] for e in forced["crops"] if "offset" in e] == [1, 2, 3]


def test_split_as_a_list_file(tmp_path, capsys):
    data = yolo_dataset(tmp_path / "ds", {"train/a": DETECT, "train/b": OBB.splitlines()[0] + "\n"})
    (tmp_path / "ds/train.txt").write_text("./images/train/b.png\n")
    data.write_text("train: train.txt\nnames: [cat, dog, boat]\n")
    code, _, err = run(capsys, "--yolo", data, "--out", tmp_path / "out")
    assert code == 0, err
    manifest = check_manifest(tmp_path / "out")
    assert [(e["image"], e["line"]) for e in manifest["crops"]] == [("images/train/b.png", 1)]
