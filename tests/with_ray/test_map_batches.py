"""integrations.ray's callable classes on real Ray datasets equal dynamic_crop / crop_resize_batch."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native.integrations import ray as dray

SAMPLE = Path(dc.__file__).parent / "sample"
# Ray's own deprecation notices (its internals, not ours) are not errors here.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*", "ignore::FutureWarning:ray.*")


def _expected_crops(rows, **options):
    """Per (path, detection id): (crop, offset) by calling dynamic_crop directly."""
    out = {}
    for row in rows:
        preds = dray._predictions(row["boxes"], row["detection_ids"], row["class_names"], row["masks"], 0,
                                  row["image"].shape)
        for crop in dc.dynamic_crop(row["image"], preds, **options):
            if crop is not None:
                out[(row["path"], crop.parent_id)] = (crop.image, crop.offset)
    return out


def _check_crops(result, expected, options):
    assert len(result) == len(expected) > 0
    for r in result:
        image, offset = expected[(r["path"], r["detection_id"])]
        np.testing.assert_array_equal(r["crop"], image)
        assert tuple(r["offset"]) == offset
        assert json.loads(r["options"]) == json.loads(json.dumps(options, default=str))


def _sample_rows(with_images=True):
    rows = dray.coco_rows(SAMPLE / "annotations.json", SAMPLE / "images")
    if with_images:
        for row in rows:
            row["image"] = cv2.imread(row["path"], cv2.IMREAD_COLOR)
    return rows


OPTIONS = {"mask_opacity": 1.0, "background_color": "#ffffff", "margin": 3, "square": True}


def test_dynamic_crop_fn_from_items(ray_cluster):
    rows = _sample_rows()
    assert any(json.loads(r["masks"])[0] is not None for r in rows)  # the sample's RLE masks are used
    ds = ray_cluster.data.from_items(rows).map_batches(
        dray.DynamicCropFn, fn_constructor_kwargs=OPTIONS, batch_format="numpy", batch_size=2, concurrency=1)
    _check_crops(ds.take_all(), _expected_crops(rows, **OPTIONS), OPTIONS)


def test_coco_dataset_loads_on_workers(ray_cluster):
    ds = dray.coco_dataset(SAMPLE / "annotations.json", SAMPLE / "images")
    ds = ds.map_batches(dray.load_images, batch_format="numpy").map_batches(
        dray.DynamicCropFn, batch_format="numpy", concurrency=1)
    _check_crops(ds.take_all(), _expected_crops(_sample_rows()), {})


def test_read_images_with_paths(ray_cluster):
    """read_images gives RGB images and paths; detections joined by file name on the workers."""
    by_name = {Path(r["path"]).name: r for r in _sample_rows(with_images=False)}

    def add_detections(batch):
        rows = [by_name[Path(p).name] for p in batch["path"]]
        return {**batch, **{key: np.array([r[key] for r in rows] + [None], dtype=object)[:-1]
                            for key in ("boxes", "detection_ids", "class_names", "masks")}}

    ds = ray_cluster.data.read_images(str(SAMPLE / "images"), include_paths=True, mode="RGB")
    ds = ds.map_batches(add_detections, batch_format="numpy")
    crops = ds.map_batches(dray.DynamicCropFn, fn_constructor_kwargs=OPTIONS, batch_format="numpy",
                           concurrency=1).take_all()
    rows = [{**by_name[name], "path": r["path"]} for name, r in
            ((Path(r["path"]).name, r) for r in ds.take_all())]
    for row, r in zip(rows, ds.take_all()):
        row["image"] = r["image"]
    _check_crops(crops, _expected_crops(rows, **OPTIONS), OPTIONS)

    resized = ds.map_batches(dray.CropResizeFn, fn_constructor_kwargs={"size": (32, 48), "layout": "NCHW",
                                                                        "mask_opacity": 0.5},
                             batch_format="numpy", concurrency=1).take_all()
    _check_resized(resized, rows, (32, 48), layout="NCHW", mask_opacity=0.5)


def _check_resized(result, rows, size, **options):
    expected = {}
    for row in rows:
        preds = dray._predictions(row["boxes"], row["detection_ids"], row["class_names"], row["masks"], 0,
                                  row["image"].shape)
        b = dc.crop_resize_batch(row["image"], preds, size, **options)
        for i, p in enumerate(preds):
            expected[(row["path"], p["detection_id"])] = (b.images[i], b.scale[i], b.offset[i], b.valid[i])
    assert len(result) == len(expected) > 0
    for r in result:
        image, scale, offset, valid = expected[(r["path"], r["detection_id"])]
        np.testing.assert_array_equal(r["image"], image)
        np.testing.assert_array_equal(r["scale"], scale)
        np.testing.assert_array_equal(r["offset"], offset)
        assert r["valid"] == valid


def test_crop_resize_fn_from_items(ray_cluster):
    rows = _sample_rows()
    options = {"dtype": np.float32, "mean": 0, "std": 255, "rgb": True, "keep_aspect": True}
    ds = ray_cluster.data.from_items(rows).map_batches(
        dray.CropResizeFn, fn_constructor_kwargs={"size": 40, **options}, batch_format="numpy", batch_size=2,
        concurrency=1)
    _check_resized(ds.take_all(), rows, 40, **options)


def test_bad_inputs(ray_cluster):
    with pytest.raises(TypeError, match="^colour: not an option of DynamicCropFn"):
        dray.DynamicCropFn(colour="red")
    with pytest.raises(ValueError, match="^mask_opacity"):
        dray.DynamicCropFn(mask_opacity=2)
    with pytest.raises(ValueError, match="^size"):
        dray.CropResizeFn(size=0)
    image = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="^batch: missing column 'boxes'"):
        dray.DynamicCropFn()({"image": np.array([image])})
    with pytest.raises(ValueError, match=r"^boxes: row 0: expected an \(N, 4\) array"):
        dray.DynamicCropFn()({"image": np.array([image]), "boxes": np.array([[[1, 2, 3]]])})
    with pytest.raises(ValueError, match="^class_names: row 0: expected 1 entries"):
        dray.DynamicCropFn()({"image": np.array([image]), "boxes": np.array([[[0, 0, 4, 4]]]),
                              "class_names": np.array([["a", "b"]])})
    # Through a real pipeline: the worker's error reaches the driver with its message.
    ds = ray_cluster.data.from_items([{"image": image, "boxes": np.zeros((1, 3))}])
    with pytest.raises(Exception, match=r"boxes: row 0: expected an \(N, 4\) array"):
        ds.map_batches(dray.DynamicCropFn, batch_format="numpy", concurrency=1).take_all()


def test_coco_polygons_and_rle_crop_as_the_export_does(ray_cluster, tmp_path):
    """coco_dataset carries both mask forms: each DynamicCropFn crop equals the export's file
    (the sample has RLE circles and polygon squares and triangles)."""
    from dynacrop_native.__main__ import main

    assert main(["crop", "--sample", "--no-progress", "--mask-opacity", "1", "--background-color", "#ffffff",
                 "--out", str(tmp_path / "out")]) == 0
    manifest = json.loads((tmp_path / "out/crops.json").read_text())
    exported = {str(e["annotation_id"]): cv2.imread(str(tmp_path / "out" / e["file"])) for e in manifest["crops"]}
    masks = [m for r in _sample_rows(with_images=False) for m in json.loads(r["masks"])]
    assert any(isinstance(m, dict) for m in masks) and any(isinstance(m, list) for m in masks)
    ds = dray.coco_dataset(SAMPLE / "annotations.json", SAMPLE / "images").map_batches(
        dray.load_images, batch_format="numpy").map_batches(
        dray.DynamicCropFn, fn_constructor_kwargs={"mask_opacity": 1.0, "background_color": "#ffffff"},
        batch_format="numpy", concurrency=1)
    result = ds.take_all()
    assert sorted(r["detection_id"] for r in result) == sorted(exported) and len(exported) == 9
    for r in result:
        np.testing.assert_array_equal(r["crop"], exported[r["detection_id"]])


def test_bad_polygon_is_named(ray_cluster):
    image = np.zeros((8, 8, 3), np.uint8)
    batch = {"image": np.array([image]), "boxes": np.array([[[0, 0, 4, 4]]]), "masks": np.array([json.dumps([[[1, 2]]])])}
    with pytest.raises(ValueError, match="^masks: row 0, detection 0: a polygon needs an even number"):
        dray.DynamicCropFn()(batch)
