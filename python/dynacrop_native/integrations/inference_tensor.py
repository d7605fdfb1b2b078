"""Drop-in for the tensor-native Dynamic Crop block (roboflow-workflows' ``dynamic_crop/v1_tensor``,
which Workflows loads instead of v1 under ``ENABLE_TENSOR_DATA_REPRESENTATION``).

``crop_image(...)`` has the arguments and results of upstream's ``v1_tensor.crop_image``: images
as a CHW RGB ``tensor_image`` (or, when no tensor is materialised, the HWC BGR ``numpy_image``),
predictions as inference_models ``Detections`` / ``InstanceDetections`` (dense or
``InstancesRLEMasks`` masks) / ``(KeyPoints, Detections)``. Work is proportional to the crops: RLE
masks are decoded only over each box, dense masks are read and copied only over each box (upstream
copies every detection's full-frame mask, and decodes the full frame per RLE mask).

Inputs this backend does not take are passed to upstream's own function, so results never
differ: any tensor not on the CPU (a CUDA deployment keeps upstream's on-device path), tensors
that require grad, images that are not uint8 when a blend is asked for, RLE masks encoded on a
grid other than the image's, masks or keypoints whose sizes do not match, missing detection ids
(upstream raises its own error).
"""

from __future__ import annotations

import importlib
from functools import cached_property, lru_cache
from types import ModuleType
from typing import Any

import numpy as np

from .. import _native, rle
from ..copying import deep_copy
from ..cutting import crop_arrays, crop_views, placed
from ..schemas import region_copies

TENSOR_MODULE = "roboflow_workflows.core_steps.transformations.dynamic_crop.v1_tensor"
# The xyxy dtypes whose shift by a negative int offset is well defined (unsigned would wrap).
SHIFTABLE = ("float16", "bfloat16", "float32", "float64", "int16", "int32", "int64")


@lru_cache(maxsize=None)
def upstream_tensor() -> ModuleType:
    """Upstream's tensor-native Dynamic Crop module (needs roboflow-workflows with torch)."""
    try:
        return importlib.import_module(TENSOR_MODULE)
    except ImportError as e:
        raise ImportError(f"the tensor-native Dynamic Crop block is not installed ({TENSOR_MODULE}): {e}") from e


def original_crop_image() -> Any:
    """Upstream's own ``crop_image``, also while :func:`inference.patch` has replaced it."""
    up = upstream_tensor()
    return getattr(up, "_dynacrop_original_crop_image", up.crop_image)


def crop_image(
    image: Any,
    predictions: Any,
    mask_opacity: float,
    background_color: Any,
    detection_id_key: str = "detection_id",
) -> list[dict[str, Any]]:
    """Upstream ``v1_tensor.crop_image`` on this backend: ``[{"crops": WorkflowImageData | None,
    "predictions": <the prediction's type> | None}]``, equal field for field (dtype and device
    included)."""
    job = Job.plan(image, predictions, mask_opacity, background_color, detection_id_key)
    if job is None:
        return original_crop_image()(image, predictions, mask_opacity, background_color, detection_id_key)
    return job.run()


class Job:
    """One call's inputs, checked to be ones this backend reproduces exactly."""

    @classmethod
    def plan(cls, image, predictions, mask_opacity, background_color, key) -> Job | None:
        """The job, or None to hand the call to upstream."""
        up = upstream_tensor()
        torch = up.torch
        key_points, det = (predictions if isinstance(predictions, tuple) and len(predictions) == 2
                           else (None, predictions))
        if not isinstance(det, (up.Detections, up.InstanceDetections)) or len(det) == 0:
            return None  # nothing to crop ([]), or input upstream rejects in its own words
        meta = det.bboxes_metadata
        if meta is None or len(meta) != len(det) or any(key not in (entry or {}) for entry in meta):
            return None
        if key_points is not None and (not isinstance(key_points, up.KeyPoints) or len(key_points) != len(det)):
            return None
        job = cls()
        job.up, job.torch, job.key = up, torch, key
        job.predictions, job.det, job.key_points = predictions, det, key_points
        job.use_tensor = image.is_tensor_materialised()
        source = image.tensor_image if job.use_tensor else image.numpy_image
        tensors = [det.xyxy, det.class_id, det.confidence]
        if key_points is not None:
            tensors += [t for t in (key_points.xy, key_points.class_id, key_points.confidence,
                                    key_points.covariance, key_points.detection_confidence) if t is not None]
        mask = det.mask if isinstance(det, up.InstanceDetections) else None
        rle_mask = isinstance(mask, up.InstancesRLEMasks)
        if isinstance(det, up.InstanceDetections) and not (rle_mask or isinstance(mask, torch.Tensor)):
            return None
        if mask is not None and not rle_mask:
            tensors.append(mask)
        if job.use_tensor:
            tensors.append(source)
        if not all(isinstance(t, torch.Tensor) and t.device.type == "cpu" and not t.requires_grad for t in tensors):
            return None  # CUDA (or autograd) inputs: upstream's on-device implementation
        if str(det.xyxy.dtype).removeprefix("torch.") not in SHIFTABLE or det.xyxy.shape != (len(det), 4):
            return None
        if key_points is not None and (str(key_points.xy.dtype).removeprefix("torch.") not in SHIFTABLE
                                       or key_points.xy.ndim != 3 or key_points.xy.shape[2] != 2):
            return None
        if job.use_tensor:
            if source.ndim != 3 or source.dtype != torch.uint8:
                return None
            height, width = int(source.shape[1]), int(source.shape[2])
            job.pixels = source.numpy()  # a view: no copy of the frame
        else:
            if not isinstance(source, np.ndarray) or source.ndim not in (2, 3):
                return None
            height, width = int(source.shape[0]), int(source.shape[1])
            job.pixels = source
        job.image, job.height, job.width = image, height, width
        if mask is not None:
            if rle_mask:
                size = (height, width)
                if (tuple(mask.image_size) != size or tuple(mask.mask_size) != size or len(mask.masks) != len(det)
                        or not all(isinstance(c, bytes) for c in mask.masks)):
                    return None
            elif mask.ndim != 3 or tuple(mask.shape) != (len(det), height, width):
                return None
            else:
                try:
                    job.dense = mask.numpy()  # a view, read box by box
                except TypeError:  # a dtype numpy lacks (bfloat16)
                    return None
        job.mask, job.rle_mask = mask, rle_mask
        job.blend = mask_opacity > 0 and mask is not None
        if job.blend:
            if job.pixels.dtype != np.uint8 or (job.use_tensor and job.pixels.shape[0] not in (1, 3)) or (
                    not job.use_tensor and (job.pixels.ndim != 3 or job.pixels.shape[2] != 3)):
                return None  # upstream's broadcasting decides (or raises) for these shapes
            try:
                job.table = outside_table(up, job.use_tensor, mask_opacity, background_color)
            except (ValueError, TypeError, RuntimeError):
                return None  # a colour upstream refuses: its own error
            job.opacity, job.colour_bgr = mask_opacity, up.convert_color_to_bgr_tuple(color=background_color)
        return job

    def run(self) -> list[dict[str, Any]]:
        torch, det = self.torch, self.det
        # The same rounding as upstream (torch, half to even), clamped to the image.
        corners = det.xyxy.round().to(torch.int64).detach().to("cpu").numpy()
        boxes = np.clip(corners, 0, [self.width, self.height, self.width, self.height])
        full = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        local_masks = self.local_masks(boxes, full)
        crops = self.tensor_crops(boxes, full, local_masks) if self.use_tensor else self.array_crops(boxes, local_masks)
        translated = Translation(self, boxes, local_masks)
        from .inference import CropFactory, block_results, with_empty_entries

        make = CropFactory(self.image, tensor=self.use_tensor, size=(self.height, self.width))
        ids = [entry[self.key] for entry in det.bboxes_metadata]
        kept = [i for i, crop in enumerate(crops) if crop is not None]
        images = make([crops[i] for i in kept], [ids[i] for i in kept], boxes[kept, 0].tolist(), boxes[kept, 1].tolist())
        return with_empty_entries(placed(block_results(images, [translated(i) for i in kept]), kept, len(crops)))

    def local_masks(self, boxes: np.ndarray, full: np.ndarray) -> list[np.ndarray | None] | None:
        """Box-local bool masks of the non-empty crops, when the blend or an RLE translation needs
        them: an RLE mask is decoded over its box only, a dense one read over its box only."""
        if self.mask is None or not (self.blend or self.rle_mask):
            return None
        masks: list[np.ndarray | None] = []
        size = {"size": [self.height, self.width]}
        for i, (x0, y0, x1, y1) in enumerate(boxes.tolist()):
            if not full[i]:
                masks.append(None)
            elif self.rle_mask:
                masks.append(rle.decode_box({**size, "counts": self.mask.masks[i]}, (x0, y0, x1, y1), "mask"))
            elif self.dense.dtype == np.bool_:
                masks.append(self.dense[i, y0:y1, x0:x1])
            else:  # as upstream's `.to(torch.bool)` (non-zero and NaN inside), over the box only
                masks.append(self.dense[i, y0:y1, x0:x1] != 0)
        return masks

    def array_crops(self, boxes: np.ndarray, local_masks) -> list[np.ndarray | None]:
        """The HWC BGR numpy image (no tensor materialised): views without a blend (as upstream),
        else one native crop-and-blend call when the native kernel gives this table, else the
        table applied to each crop's view."""
        if not self.blend:
            return crop_views(self.pixels, boxes)
        if native_table_matches(self.opacity, self.colour_bgr, self.table):
            return crop_arrays(self.pixels, boxes, local_masks, float(self.opacity), self.colour_bgr, True, 0)
        crops = crop_views(self.pixels, boxes)
        for i, view in enumerate(crops):
            if view is not None:
                crops[i] = np.empty(view.shape, np.uint8)
                apply_table(view, crops[i], self.table, local_masks[i], axis=2)
        return crops

    def tensor_crops(self, boxes: np.ndarray, full: np.ndarray, local_masks) -> list[Any]:
        """CHW crops as new contiguous CPU tensors. One native planar crop call (each plane cut,
        and blended, on its own; the tensors share the native buffers) whenever the native blend
        gives exactly the tensor block's per-channel table (float32 `op*bg + (1-op)*v`, RGB
        order), the usual case; else numpy: the outside value from that table and the inside
        copied over, both over the crop only. A gray (1, H, W) image blends into three planes, as
        upstream's broadcasting of the RGB colour does (numpy path)."""
        src, torch = self.pixels, self.torch
        planes = src.shape[0]
        rgb = self.colour_bgr[::-1] if self.blend else (0, 0, 0)
        if 1 <= planes <= 4 and (not self.blend or (planes == 3 and native_table_matches(self.opacity, rgb, self.table))):
            crops = crop_arrays(src.transpose(1, 2, 0), boxes, local_masks if self.blend else None,
                                float(self.opacity) if self.blend else 0.0, rgb, True, 0, planar=True)
            return [None if crop is None else torch.from_numpy(crop) for crop in crops]
        out: list[Any] = []
        for i, (x0, y0, x1, y1) in enumerate(boxes.tolist()):
            if not full[i]:
                out.append(None)
                continue
            region = src[:, y0:y1, x0:x1]
            if not self.blend:  # always a copy (np.ascontiguousarray would return a contiguous region itself)
                out.append(torch.from_numpy(region.copy()))
                continue
            crop = np.empty((self.table.shape[0], y1 - y0, x1 - x0), np.uint8)
            source = np.broadcast_to(region, crop.shape) if region.shape[0] != crop.shape[0] else region
            apply_table(source, crop, self.table, local_masks[i], axis=0)
            out.append(torch.from_numpy(crop))
        return out


def apply_table(source: np.ndarray, out: np.ndarray, table: np.ndarray, mask: np.ndarray, axis: int) -> None:
    """out = source where mask, else table[channel][source]; channels along `axis` (0 or 2),
    `mask` a (h, w) bool array, `out` a new array."""
    for c in range(table.shape[0]):
        src = source[c] if axis == 0 else source[:, :, c]
        dst = out[c] if axis == 0 else out[:, :, c]
        if (table[c] == table[c, 0]).all():  # opacity 1: the colour, whatever the value
            dst.fill(table[c, 0])
        else:
            np.take(table[c], src, out=dst)
        np.copyto(dst, src, where=mask)


def outside_table(up: ModuleType, tensor: bool, opacity: Any, colour: Any) -> np.ndarray:
    """(3, 256) uint8: the value of a pixel outside the mask for every (channel, value), computed by
    the very expression upstream applies to each pixel (float32, its operation order and rounding),
    over the 256 possible values. Tensors: torch, RGB order; numpy images: numpy, BGR order. Exact
    by construction, since the blend is per channel and per value."""
    bgr = up.convert_color_to_bgr_tuple(color=colour)
    if tensor:
        torch = up.torch
        bg = torch.tensor(tuple(bgr[::-1]), dtype=torch.float32).reshape(3, 1, 1)
        values = torch.arange(256, dtype=torch.float32).reshape(1, 1, 256)
        faded = opacity * bg + (1.0 - opacity) * values
        return faded.round().clamp_(0, 255).to(dtype=torch.uint8).reshape(3, 256).numpy().copy()
    bg_np = np.asarray(bgr, dtype=np.float32)
    values_np = np.arange(256, dtype=np.float32)[:, None]
    faded_np = opacity * bg_np + (1.0 - opacity) * values_np
    return np.ascontiguousarray(np.clip(np.round(faded_np), 0, 255).astype(np.uint8).T)


def native_table_matches(opacity: Any, bgr: Any, table: np.ndarray) -> bool:
    """Whether the native blend (cv2.addWeighted's arithmetic) gives exactly `table` for this
    opacity and colour (`bgr` in the table's channel order: BGR for numpy images, RGB for
    tensors): then the crop and blend run as one native call. True for opacity 0, 1 and 0.5 with
    any colour, and for most other pairs."""
    if not isinstance(opacity, (float, int)) or isinstance(opacity, bool) or not 0 <= opacity <= 1:
        return False
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= v <= 255 for v in bgr):
        return False
    _, native = _native.blend_plan(float(opacity), [int(v) for v in bgr])
    return bytes(native) == table.tobytes()


class Translation:
    """Detection i alone in its crop's frame, built as upstream's take-one-row + deepcopy + shift
    builds it, from fields shifted or copied once for the whole call and cut to each box."""

    def __init__(self, job: Job, boxes: np.ndarray, local_masks):
        torch, det, kp = job.torch, job.det, job.key_points
        self.job, self.boxes, self.local_masks = job, boxes, local_masks
        offsets = torch.from_numpy(-boxes)  # (-x0, -y0, -x1, -y1): columns 0 and 1 are the shift
        # The offset in the field's dtype, added: upstream's `xyxy + torch.tensor([-x0, ...], dtype)`.
        xyxy = det.xyxy + offsets[:, [0, 1, 0, 1]].to(det.xyxy.dtype)
        # One-row views of each field, made at once (split: one call, not one slice per row).
        self.xyxy, self.class_id, self.confidence = (t.split(1) for t in (xyxy, det.class_id.clone(), det.confidence.clone()))
        self.instance = isinstance(det, job.up.InstanceDetections)
        if kp is not None:
            self.kp_xy = kp.xy + offsets[:, None, :2].to(kp.xy.dtype) if kp.xy.numel() else kp.xy.clone()
            self.kp_fields = {name: None if getattr(kp, name) is None else getattr(kp, name).clone()
                              for name in ("class_id", "confidence", "covariance", "detection_confidence")}

    @cached_property
    def mask_copies(self) -> list[np.ndarray]:
        return region_copies(self.job.dense, self.boxes)

    def __call__(self, i: int) -> Any:
        job, up = self.job, self.job.up
        det, row = job.det, slice(i, i + 1)
        x0, y0, x1, y1 = (int(v) for v in self.boxes[i])
        image_metadata, entry = deep_copy((det.image_metadata, dict(det.bboxes_metadata[i])))
        up._offset_metadata_geometry(bboxes_metadata=[entry], x_min=x0, y_min=y0)
        fields = dict(xyxy=self.xyxy[i], class_id=self.class_id[i], confidence=self.confidence[i],
                      image_metadata=image_metadata, bboxes_metadata=[entry])
        if not self.instance:
            translated = up.Detections(**fields)
        elif job.mask is None:
            translated = up.InstanceDetections(mask=None, **fields)
        elif job.rle_mask:
            local = self.local_masks[i]
            counts = rle.counts_to_string(rle.runs(local))
            # mask_size stays the full frame's, as upstream's deepcopy of the one-row selection keeps it
            translated = up.InstanceDetections(
                mask=up.InstancesRLEMasks(image_size=local.shape, masks=[counts]),
                mask_size=deep_copy(job.mask.image_size), **fields)
        else:  # copied natively, not by torch: its copy waits for its intra-op threads, slow on a busy machine
            mask = job.torch.from_numpy(self.mask_copies[i][None])
            translated = up.InstanceDetections(mask=mask, mask_size=(job.height, job.width), **fields)
        kp = job.key_points
        if kp is None:
            return translated
        kp_image_metadata, kp_entry = deep_copy(
            (kp.image_metadata, None if kp.key_points_metadata is None else dict(kp.key_points_metadata[i])))
        extra = {name: None if value is None else value[row] for name, value in self.kp_fields.items()}
        key_points = up.KeyPoints(xy=self.kp_xy[row], image_metadata=kp_image_metadata,
                                  key_points_metadata=None if kp_entry is None else [kp_entry], **extra)
        return key_points, translated
