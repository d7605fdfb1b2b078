"""Draws docs/crop_options.png and docs/resize_batch.png (the README's pictures of the crop
options and of a crop_resize_batch batch) with the library.

    python docs/make_figures.py
"""

import json
from pathlib import Path

import cv2
import numpy as np
import supervision as sv

import dynacrop_native as dc
from dynacrop_native import rle
from dynacrop_native.export import sample_paths


def main() -> None:
    coco_path, images = sample_paths()
    coco = json.loads(coco_path.read_text())
    image = cv2.imread(str(images / "scene_0.png"))
    ann = next(a for a in coco["annotations"] if a["image_id"] == 1 and a["category_id"] == 1)  # the circle
    x, y, w, h = ann["bbox"]
    det = sv.Detections(xyxy=np.array([[x, y, x + w, y + h]]), mask=rle.decode(ann["segmentation"])[None],
                        data={"detection_id": np.array(["circle"])})
    corner = sv.Detections(xyxy=np.array([[0.0, 0.0, 60.0, 60.0]]), data={"detection_id": np.array(["corner"])})
    yy, xx = np.mgrid[: image.shape[0], : image.shape[1]]
    corner_mask = ((xx - 22) / 26.0) ** 2 + ((yy - 22) / 20.0) ** 2 < 1
    corner_cut = sv.Detections(xyxy=np.array([[0.0, 0.0, 50.0, 45.0]]), mask=corner_mask[None],
                               data={"detection_id": np.array(["corner"])})
    panels = [
        ("box (upstream)", dc.dynamic_crop(image, det)[0].image),
        ("margin=12", dc.dynamic_crop(image, det, margin=12)[0].image),
        ("square, margin_ratio=.3", dc.dynamic_crop(image, det, square=True, margin_ratio=0.3)[0].image),
        ("mask_opacity=1, white", dc.dynamic_crop(image, det, mask_opacity=1.0, background_color="#fff", margin=12)[0].image),
        ("output='bgra'", dc.dynamic_crop(image, det, mask_opacity=1.0, output="bgra", margin=12)[0].image),
        ("out_of_bounds='pad'", dc.dynamic_crop(image, corner, out_of_bounds="pad", margin=20,
                                                background_color="#ff00ff")[0].image),
        ("pad + bgra", dc.dynamic_crop(image, corner_cut, out_of_bounds="pad", margin=15, output="bgra",
                                       mask_opacity=1.0)[0].image),
    ]
    size, tiles = 150, []
    for title, crop in panels:
        if crop.shape[2] == 4:  # show transparency over a checkerboard
            yy, xx = np.mgrid[: crop.shape[0], : crop.shape[1]]
            board = np.where(((yy // 8 + xx // 8) % 2)[..., None] == 0, 200, 140).astype(np.float32)
            a = crop[..., 3:4] / 255.0
            crop = (crop[..., :3] * a + board * (1 - a)).astype(np.uint8)
        scale = size / max(crop.shape[:2])
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
        tile = np.full((size + 30, size + 20, 3), 255, np.uint8)
        tile[25 : 25 + crop.shape[0], 10 : 10 + crop.shape[1]] = crop
        cv2.putText(tile, title, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(tile)
    out = Path(__file__).resolve().parent / "crop_options.png"
    cv2.imwrite(str(out), np.concatenate(tiles, axis=1))
    print(out)
    batch_figure(coco, images)


def batch_figure(coco: dict, images: Path) -> None:
    """Every object of the sample's first image as one keep_aspect batch, background removed."""
    image = cv2.imread(str(images / "scene_0.png"))
    anns = [a for a in coco["annotations"] if a["image_id"] == 1]
    xyxy = np.array([[x, y, x + w, y + h] for x, y, w, h in (a["bbox"] for a in anns)], dtype=np.float64)
    masks = np.stack([rle.decode(a["segmentation"]).astype(bool) if isinstance(a["segmentation"], dict)
                      else dc.export.annotation_mask(a, (0, 0, image.shape[1], image.shape[0]), *image.shape[:2]).astype(bool)
                      for a in anns])
    det = sv.Detections(xyxy=xyxy, mask=masks, data={"detection_id": np.array([str(a["id"]) for a in anns])})
    batch = dc.crop_resize_batch(image, det, (96, 128), keep_aspect=True, mask_opacity=1.0, margin=6,
                                 background_color="#c8c8c8")
    gap = np.full((96, 6, 3), 255, np.uint8)
    row = np.concatenate([part for slot in batch.images for part in (slot, gap)][:-1], axis=1)
    out = Path(__file__).resolve().parent / "resize_batch.png"
    cv2.imwrite(str(out), cv2.resize(row, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST))
    print(out)


if __name__ == "__main__":
    main()
