"""Draws docs/crop_options.png (the README's picture of the crop options) with the library.

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
    panels = [
        ("box (upstream)", dc.dynamic_crop(image, det)[0].image),
        ("margin=12", dc.dynamic_crop(image, det, margin=12)[0].image),
        ("square, margin_ratio=.3", dc.dynamic_crop(image, det, square=True, margin_ratio=0.3)[0].image),
        ("mask_opacity=1, white", dc.dynamic_crop(image, det, mask_opacity=1.0, background_color="#fff", margin=12)[0].image),
        ("output='bgra'", dc.dynamic_crop(image, det, mask_opacity=1.0, output="bgra", margin=12)[0].image),
        ("out_of_bounds='pad'", dc.dynamic_crop(image, corner, out_of_bounds="pad", margin=20,
                                                background_color="#ff00ff")[0].image),
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


if __name__ == "__main__":
    main()
