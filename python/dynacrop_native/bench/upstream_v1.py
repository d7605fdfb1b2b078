"""A faithful re-creation of upstream's v1 `crop_image` (Roboflow Inference, Dynamic Crop
block) in numpy + OpenCV + supervision, written from the block's documented behaviour, used only as a baseline for
benchmarks and as an oracle in tests. It returns plain arrays instead of WorkflowImageData:
``[{"crops": (crop, (x_min, y_min)) | None, "predictions": sv.Detections | None}]``.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import supervision as sv


def convert_color_to_bgr_tuple(color):
    if isinstance(color, str):
        if color.startswith("#") and len(color) == 7:
            return tuple(int(color[i : i + 2], 16) for i in (5, 3, 1))
        if color.startswith("#") and len(color) == 4:
            return tuple(int(color[i] + color[i], 16) for i in (3, 2, 1))
        if color.startswith("(") and color.endswith(")"):
            return tuple(map(int, color[1:-1].split(",")))[::-1]
        raise ValueError(f"Invalid hex color format: {color}")
    if isinstance(color, tuple) and len(color) == 3:
        return color[::-1]
    raise ValueError(f"Invalid color format: {color}")


def overlay_crop_with_mask(crop, mask, mask_opacity, background_color):
    bgr_color = convert_color_to_bgr_tuple(background_color)
    background = (np.ones_like(crop) * bgr_color).astype(np.uint8)
    blended_crop = np.where(mask > 0, crop, background)
    return cv2.addWeighted(blended_crop, mask_opacity, crop, 1.0 - mask_opacity, 0)


def crop_image(image, detections, mask_opacity, background_color, detection_id_key="detection_id"):
    if len(detections) == 0:
        return []
    if detection_id_key not in detections.data:
        raise ValueError(f"lack of {detection_id_key} key in data dictionary.")
    crops = []
    for idx, ((x_min, y_min, x_max, y_max), detection_id) in enumerate(
        zip(detections.xyxy.round().astype(dtype=int), detections[detection_id_key])
    ):
        cropped_image = image[y_min:y_max, x_min:x_max]
        if not cropped_image.size:
            crops.append({"crops": None, "predictions": None})
            continue
        if mask_opacity > 0 and detections.mask is not None:
            detection_mask = detections.mask[idx]
            cropped_mask = np.stack([detection_mask[y_min:y_max, x_min:x_max]] * 3, axis=-1)
            cropped_image = overlay_crop_with_mask(cropped_image, cropped_mask, mask_opacity, background_color)
        selected = detections[idx]
        translated = replace(
            selected,
            xyxy=sv.move_boxes(xyxy=selected.xyxy, offset=(-x_min, -y_min)),
            mask=selected.mask[:, y_min:y_max, x_min:x_max] if selected.mask is not None else None,
        )
        for key in ("keypoints_xy", "polygon", "xyxyxyxy"):
            if key in detections.data:
                translated[key] = selected[key] - np.array([x_min, y_min])
        crops.append({"crops": (cropped_image, (int(x_min), int(y_min))), "predictions": translated})
    return crops
