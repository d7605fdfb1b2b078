"""Every public function as a user calls it, checked with `mypy --strict` and pyright by
tests/test_typing.py (never run): the types read well and carry the prediction form through."""

from typing import Any

import numpy as np
import supervision as sv
from typing_extensions import assert_type

import dynacrop_native as dc

image = np.zeros((48, 64, 3), np.uint8)
det = sv.Detections(xyxy=np.array([[1.0, 2.0, 30.0, 40.0]]), mask=np.ones((1, 48, 64), bool))
payload: dict[str, Any] = {"image": {"width": 64, "height": 48},
                           "predictions": [{"x": 10.0, "y": 10.0, "width": 8.0, "height": 6.0}]}

crops = dc.dynamic_crop(image, det, mask_opacity=0.5, background_color="white", margin=4, output="bgra",
                        out_of_bounds="pad", threads=2)
assert_type(crops, list[dc.Crop[sv.Detections] | None])
first = crops[0]
if first is not None:
    assert_type(first.predictions, sv.Detections)
    back: np.ndarray = first.to_image([[0.0, 0.0]])
    root: np.ndarray = first.to_root(np.zeros((3, 2)))
    nested = dc.dynamic_crop(first, det)
    assert_type(nested, list[dc.Crop[sv.Detections] | None])
assert_type(dc.dynamic_crop(image, payload), list[dc.Crop[dict[str, Any]] | None])
predictions: list[dict[str, Any]] = payload["predictions"]
assert_type(dc.dynamic_crop(image, predictions), list[dc.Crop[dict[str, Any]] | None])
assert_type(dc.dynamic_crop(image, np.array([[1.0, 2.0, 30.0, 40.0]])), list[dc.Crop[np.ndarray] | None])
assert_type(dc.dynamic_crop(image, [[1.0, 2.0, 30.0, 40.0]]), list[dc.Crop[np.ndarray] | None])
batches: list[list[dc.Crop[Any] | None]] = dc.dynamic_crop_batch([image, image], [det, det], mask_opacity=1.0)

boxes: list[np.ndarray | None] = dc.crop_boxes(image, [[0, 0, 10, 10]], copy=True, threads=None)
cut: np.ndarray = dc.remove_background(image, np.ones((48, 64), bool), 0.5, (255, 255, 255))
cut = dc.remove_background(image, {"size": [48, 64], "counts": "PPYo0"}, 1.0, "#000000")

batch = dc.crop_resize_batch(image, det, (224, 224), keep_aspect=True, interpolation="nearest", layout="NCHW",
                             dtype=np.float32, mean=[0.0, 0.0, 0.0], std=255.0, rgb=True)
assert_type(batch, dc.ResizedBatch)
half_batch = dc.crop_resize_batch(image, det, 64, interpolation="area", dtype=np.float16, mean=0.0, std=255.0)
slot_xy: np.ndarray = batch.to_image([[1.0, 2.0]], 0)

corners = np.array([[[10.0, 10.0], [30.0, 12.0], [28.0, 30.0], [8.0, 28.0]]])
turned = dc.oriented_crop(image, corners, orientation="corners", long_side="width", output="image", margin=2)
assert_type(turned, list[dc.OrientedCrop | None])

caps = dc.capabilities()
assert_type(caps, dc.Capabilities)
levels: list[str] = caps["available"]
dc.set_isa(caps["active"])
level: str = dc.get_isa()
bgr: tuple[int, int, int] = dc.parse_color("#ff8000")
