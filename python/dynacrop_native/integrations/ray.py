"""Ray Data: callable classes for ``Dataset.map_batches(..., batch_format="numpy")`` and a COCO
file as a Ray Dataset. Ray is imported only by :func:`coco_dataset` (the classes need numpy
batches, not Ray itself), so this module imports without the ``ray`` extra.

Input columns of a batch (one row per image):

- ``image``: the HWC (or HW) uint8 image; an object array when sizes differ, as
  ``ray.data.read_images`` gives it.
- ``boxes``: per image an ``(N, 4)`` array of ``x0, y0, x1, y1`` boxes (N may be 0).
- ``path`` (optional): the image's source path (``read_images(..., include_paths=True)``).
- ``detection_ids`` (optional): per image N strings; default ``"0"``, ``"1"``, ...
- ``class_names`` (optional): per image N strings; default ``""``.
- ``masks`` (optional): per image N COCO segmentations, RLE dicts (``{"size": [h, w], "counts":
  ...}``) or polygon lists (``[[x1, y1, x2, y2, ...], ...]``, rasterised on the worker as the
  dataset export rasterises them), or None for a detection without mask; a JSON string of that list is
  accepted too (what :func:`coco_dataset` writes, since Arrow cannot hold a mix of dicts, lists
  and nulls).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..batch import crop_resize_batch
from .. import rle
from ..dynamic import dynamic_crop

_CROP_OPTIONS = ("mask_opacity", "background_color", "margin", "margin_ratio", "square", "min_size",
                 "out_of_bounds", "output")
_RESIZE_OPTIONS = ("keep_aspect", "interpolation", "layout", "dtype", "mean", "std", "rgb", "mask_opacity",
                   "background_color", "margin", "margin_ratio", "square", "min_size", "out_of_bounds")


def _column(batch: Mapping[str, Any], name: str, n: int, required: bool = False) -> Any:
    if name not in batch:
        if required:
            raise ValueError(f"batch: missing column {name!r} (columns: {', '.join(map(repr, batch))})")
        return [None] * n
    column = batch[name]
    if len(column) != n:
        raise ValueError(f"batch: column {name!r} has {len(column)} rows, 'image' has {n}")
    return column


def _predictions(boxes: Any, ids: Any, classes: Any, masks: Any, row: int,
                 shape: tuple[int, ...] | None = None) -> list[dict[str, Any]]:
    """Row ``row``'s detections as Roboflow prediction dicts (the form that carries RLE masks);
    polygon segmentations become RLE over the image of `shape`."""
    b = np.asarray(boxes, dtype=np.float64) if boxes is not None else np.zeros((0, 4))
    if b.size == 0:
        b = b.reshape(0, 4)
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(f"boxes: row {row}: expected an (N, 4) array of x0, y0, x1, y1, got shape {b.shape}")
    n = len(b)
    if isinstance(masks, (str, bytes)):
        masks = json.loads(masks)
    for name, values in (("detection_ids", ids), ("class_names", classes), ("masks", masks)):
        if values is not None and len(values) != n:
            raise ValueError(f"{name}: row {row}: expected {n} entries (one per box), got {len(values)}")
    preds = []
    for i, (x0, y0, x1, y1) in enumerate(b.tolist()):
        pred: dict[str, Any] = {"x": (x0 + x1) / 2, "y": (y0 + y1) / 2, "width": x1 - x0, "height": y1 - y0,
                                "detection_id": str(ids[i]) if ids is not None else str(i),
                                "class": str(classes[i]) if classes is not None else ""}
        if masks is not None and masks[i] is not None:
            pred["rle"] = masks[i] if isinstance(masks[i], Mapping) else _polygon_rle(masks[i], shape, row, i)
        preds.append(pred)
    return preds


def _polygon_rle(polygons: Any, shape: tuple[int, ...] | None, row: int, i: int) -> dict[str, Any]:
    """A COCO polygon segmentation as an uncompressed RLE of the whole image, rasterised by the
    COCO reader the export cuts through (so crops equal the export's)."""
    from ..coco_reader import segmentation_mask

    if shape is None:
        raise ValueError(f"masks: row {row}: polygon masks need the image")
    height, width = shape[:2]
    try:
        mask = segmentation_mask(polygons, (0, 0, width, height), height, width)
    except (ValueError, TypeError) as e:
        raise type(e)(f"masks: row {row}, detection {i}: {e}") from None
    return {"size": [height, width], "counts": rle.runs(mask if mask is not None else np.zeros((height, width)))}


def _rows(batch: Mapping[str, Any]) -> tuple[int, Any, Any, Any, Any, Any, Any]:
    if not isinstance(batch, Mapping):
        raise TypeError(f"batch: expected a dict of numpy columns (batch_format='numpy'), got {type(batch).__name__}")
    if "image" not in batch:
        raise ValueError(f"batch: missing column 'image' (columns: {', '.join(map(repr, batch))})")
    images = batch["image"]
    n = len(images)
    return (n, images, _column(batch, "boxes", n, required=True), _column(batch, "path", n),
            _column(batch, "detection_ids", n), _column(batch, "class_names", n), _column(batch, "masks", n))


def _options(given: dict[str, Any], allowed: tuple[str, ...], name: str) -> dict[str, Any]:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise TypeError(f"{unknown[0]}: not an option of {name} (options: {', '.join(allowed)})")
    return dict(given)


class DynamicCropFn:
    """``ds.map_batches(DynamicCropFn, fn_constructor_kwargs={...}, batch_format="numpy")``:
    one output row per crop, cut by :func:`dynamic_crop` with the given options
    (``mask_opacity``, ``background_color``, ``margin``, ``margin_ratio``, ``square``,
    ``min_size``, ``out_of_bounds``, ``output``). Empty boxes (and those under ``min_size``)
    give no row.

    Output columns: ``crop`` (the crop image; an object array when sizes differ), ``path``
    (source path, ``""`` without a ``path`` column), ``detection_id``, ``class_name``,
    ``offset`` (``(x0, y0)`` int64 of the crop in its image), ``options`` (JSON of the options
    used, the defaults included only when given).
    """

    def __init__(self, **options: Any) -> None:
        self.options = _options(options, _CROP_OPTIONS, "DynamicCropFn")
        # Fail at construction, not in the first batch on a worker.
        dynamic_crop(np.zeros((1, 1, 3), np.uint8), np.zeros((0, 4)), **self.options)
        self.options_json = json.dumps(self.options, default=str, sort_keys=True)

    def __call__(self, batch: Mapping[str, Any]) -> dict[str, np.ndarray]:
        n, images, boxes, paths, ids, classes, masks = _rows(batch)
        crops, out_paths, out_ids, out_classes, offsets = [], [], [], [], []
        for row in range(n):
            image = np.asarray(images[row])
            preds = _predictions(boxes[row], ids[row], classes[row], masks[row], row, image.shape)
            for crop in dynamic_crop(image, preds, **self.options):
                if crop is None:
                    continue
                pred = crop.predictions  # a list of prediction dicts gives one dict per crop
                crops.append(crop.image)
                out_paths.append("" if paths[row] is None else str(paths[row]))
                out_ids.append(crop.parent_id)
                out_classes.append(pred["class"])
                offsets.append(crop.offset)
        crop_column = np.empty(len(crops), dtype=object)
        crop_column[:] = crops
        return {"crop": crop_column, "path": np.array(out_paths, dtype=object),
                "detection_id": np.array(out_ids, dtype=object), "class_name": np.array(out_classes, dtype=object),
                "offset": np.array(offsets, dtype=np.int64).reshape(-1, 2),
                "options": np.array([self.options_json] * len(crops), dtype=object)}


class CropResizeFn:
    """``ds.map_batches(CropResizeFn, fn_constructor_kwargs={"size": (224, 224), ...},
    batch_format="numpy")``: every detection of the batch's images through
    :func:`crop_resize_batch` into one block, one output row per detection (invalid slots
    included, flagged by ``valid``), ready for a classifier that follows in the pipeline.

    Output columns: ``image`` (``(N, H, W, C)`` or ``(N, C, H, W)`` per ``layout``), ``scale``
    and ``offset`` (``(N, 2)`` float64, x then y: ``image_xy = slot_xy / scale + offset``; NaN
    where not valid), ``valid`` (bool), ``path``, ``detection_id``, ``class_name``.
    """

    def __init__(self, size: Any, **options: Any) -> None:
        self.size = size
        self.options = _options(options, _RESIZE_OPTIONS, "CropResizeFn")
        crop_resize_batch(np.zeros((1, 1, 3), np.uint8), np.zeros((0, 4)), size, **self.options)

    def __call__(self, batch: Mapping[str, Any]) -> dict[str, np.ndarray]:
        n, images, boxes, paths, ids, classes, masks = _rows(batch)
        blocks, scales, offsets, valids, out_paths, out_ids, out_classes = [], [], [], [], [], [], []
        for row in range(n):
            image = np.asarray(images[row])
            preds = _predictions(boxes[row], ids[row], classes[row], masks[row], row, image.shape)
            result = crop_resize_batch(image, preds, self.size, **self.options)
            blocks.append(result.images)
            scales.append(result.scale)
            offsets.append(result.offset)
            valids.append(result.valid)
            out_paths += ["" if paths[row] is None else str(paths[row])] * len(preds)
            out_ids += [p["detection_id"] for p in preds]
            out_classes += [p["class"] for p in preds]
        if not blocks:
            raise ValueError("batch: no rows")
        # Gray and colour images in one batch would give blocks of different C: refused by concatenate.
        try:
            images_block = np.concatenate(blocks)
        except ValueError:
            raise ValueError("image: every image of a batch must have the same number of channels") from None
        return {"image": images_block, "scale": np.concatenate(scales), "offset": np.concatenate(offsets),
                "valid": np.concatenate(valids), "path": np.array(out_paths, dtype=object),
                "detection_id": np.array(out_ids, dtype=object), "class_name": np.array(out_classes, dtype=object)}


def coco_rows(annotations: str | Path, images_dir: str | Path) -> list[dict[str, Any]]:
    """The rows :func:`coco_dataset` makes, read with the dataset export's COCO reader (same
    checks; entries it skips are left out): one per image with at least one usable annotation,
    in file order. Columns: ``path`` (``images_dir / file_name``), ``image_id`` (str),
    ``boxes`` (``(N, 4)`` float64 x0, y0, x1, y1), ``detection_ids`` (the annotation ids as
    str), ``class_names``, ``masks`` (JSON list of the segmentations: RLE dicts, polygon lists,
    or null for an annotation without one)."""
    from ..export import coco

    data = coco.read(coco.load(Path(annotations)), str(annotations))
    rows = []
    for work in data.images:
        boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in (a.bbox for a in work.annotations)],
                         dtype=np.float64).reshape(-1, 4)
        masks = [a.segmentation or None for a in work.annotations]
        rows.append({"path": str(Path(images_dir) / work.file_name), "image_id": str(work.id), "boxes": boxes,
                     "detection_ids": [str(a.id) if a.id is not None else str(a.index) for a in work.annotations],
                     "class_names": [a.category for a in work.annotations],
                     "masks": json.dumps(masks)})
    return rows


def coco_dataset(annotations: str | Path, images_dir: str | Path) -> Any:
    """A COCO annotation file as a ``ray.data.Dataset`` of :func:`coco_rows` rows; no image is
    read on the driver. Add the images on workers, e.g. with :func:`load_images`."""
    import ray.data

    return ray.data.from_items(coco_rows(annotations, images_dir))


def load_images(batch: Mapping[str, Any]) -> dict[str, Any]:
    """``ds.map_batches(load_images, batch_format="numpy")``: adds the ``image`` column (BGR,
    decoded with OpenCV from ``path``, EXIF orientation ignored) on the worker."""
    import cv2

    images = np.empty(len(batch["path"]), dtype=object)
    for i, path in enumerate(batch["path"]):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"path: cannot read or decode {path!r}")
        images[i] = image
    return {**batch, "image": images}
