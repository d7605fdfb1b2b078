"""Small COCO-format datasets drawn with OpenCV: the package's shipped sample is
`make_dataset(<package>/sample, seed=0)`, and tests make variants of it in temporary folders.

    python tests/sample_data.py python/dynacrop_native/sample    # regenerate the shipped sample
"""

import json
import sys
from pathlib import Path

import numpy as np

CATEGORIES = [{"id": 1, "name": "circle"}, {"id": 2, "name": "square"}, {"id": 3, "name": "triangle"}]


def make_dataset(root, seed=0, images=3, size=(240, 320)):
    import cv2
    import pycocotools.mask as pm

    root = Path(root)
    (root / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    h, w = size
    coco = {"images": [], "annotations": [], "categories": CATEGORIES}
    ann_id = 1
    for k in range(images):
        name = f"scene_{k}.png"
        yy, xx = np.mgrid[:h, :w]
        image = np.stack([(xx * 255 // w), (yy * 255 // h), np.full((h, w), 40 + 60 * k)], -1).astype(np.uint8)
        # a circle stored as compressed RLE, a square and a triangle as polygons
        cx, cy, r = int(rng.integers(60, w - 60)), int(rng.integers(60, h - 60)), int(rng.integers(25, 50))
        circle = np.zeros((h, w), np.uint8)
        cv2.circle(circle, (cx, cy), r, 1, -1)
        image[circle > 0] = (40, 40, 230)
        sx, sy, s = int(rng.integers(10, w - 90)), int(rng.integers(10, h - 90)), int(rng.integers(40, 80))
        square = np.array([[sx, sy], [sx + s, sy], [sx + s, sy + s], [sx, sy + s]], np.int32)
        cv2.fillPoly(image, [square], (230, 120, 30))
        tx, ty = int(rng.integers(30, w - 30)), int(rng.integers(30, h - 30))
        triangle = np.array([[tx, ty - 30], [tx + 35, ty + 25], [tx - 35, ty + 25]], np.int32)
        cv2.fillPoly(image, [triangle], (40, 200, 60))
        cv2.imwrite(str(root / "images" / name), image)
        coco["images"].append({"id": k + 1, "file_name": name, "width": w, "height": h})
        encoded = pm.encode(np.asfortranarray(circle))
        anns = [
            (1, [cx - r, cy - r, 2 * r + 1, 2 * r + 1], {"size": [h, w], "counts": encoded["counts"].decode("ascii")}),
            (2, [sx, sy, s + 1, s + 1], [square.astype(float).ravel().tolist()]),  # fillPoly covers both ends
            (3, [tx - 35, ty - 30, 71, 56], [triangle.astype(float).ravel().tolist()]),
        ]
        for category, bbox, seg in anns:
            coco["annotations"].append({"id": ann_id, "image_id": k + 1, "category_id": category,
                                        "bbox": [float(v) for v in bbox], "segmentation": seg, "iscrowd": 0,
                                        "area": float(bbox[2] * bbox[3])})
            ann_id += 1
    (root / "annotations.json").write_text(json.dumps(coco, indent=1))
    return root / "annotations.json", root / "images"


if __name__ == "__main__":
    make_dataset(sys.argv[1])
