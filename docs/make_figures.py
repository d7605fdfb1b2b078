"""Draws docs/crop_options.png, docs/resize_batch.png and docs/oriented_crops.png (the README's
pictures of the crop options, of a crop_resize_batch batch and of the oriented-crop convention)
with the library.

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
        tiles.append(titled(title, crop, size + 20, size, 0.38))
    out = Path(__file__).resolve().parent / "crop_options.png"
    cv2.imwrite(str(out), np.concatenate(tiles, axis=1))
    print(out)
    batch_figure(coco, images)
    oriented_figure()


def titled(title: str, image: np.ndarray, width: int, height: int, font_scale: float) -> np.ndarray:
    """`image` on a white tile of `width` x `height` + 30 under its title."""
    tile = np.full((height + 30, width, 3), 255, np.uint8)
    tile[25 : 25 + image.shape[0], 10 : 10 + image.shape[1]] = image
    cv2.putText(tile, title, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (0, 0, 0), 1, cv2.LINE_AA)
    return tile


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


def text_patch(text: str, w: int, h: int, colour: tuple) -> np.ndarray:
    patch = np.full((h, w, 3), colour, np.uint8)
    cv2.rectangle(patch, (1, 1), (w - 2, h - 2), (40, 40, 40), 2)
    cv2.putText(patch, text, (8, h - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (20, 20, 20), 2, cv2.LINE_AA)
    return patch


def place(scene: np.ndarray, patch: np.ndarray, centre: tuple, degrees: float) -> np.ndarray:
    """Paste `patch` turned by `degrees` (counter-clockwise on screen) at `centre`; returns its
    corners in the scene, clockwise from the patch's own top-left."""
    h, w = patch.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    m[:, 2] += np.array(centre) - [w / 2, h / 2]
    size = (scene.shape[1], scene.shape[0])
    warped = cv2.warpAffine(patch, m, size, flags=cv2.INTER_LINEAR)
    cover = cv2.warpAffine(np.full((h, w), 255, np.uint8), m, size, flags=cv2.INTER_LINEAR)[..., None] / 255.0
    scene[:] = (warped * cover + scene * (1 - cover)).astype(np.uint8)
    return np.array([[0, 0], [w, 0], [w, h], [0, h]], float) @ m[:, :2].T + m[:, 2]


def oriented_figure() -> None:
    """A rotated label and a tall one: their corners and axes, and the crops each option gives."""
    yy, xx = np.mgrid[:260, :420]
    scene = np.stack([150 + xx // 6, 170 + yy // 5, 190 + 0 * xx], axis=-1).clip(0, 255).astype(np.uint8)
    label = place(scene, text_patch("DYNACROP", 190, 48, (120, 220, 250)), (150, 125), 28)
    tall = place(scene, text_patch("TALL", 110, 44, (200, 230, 160)), (345, 130), -90)
    given = label[[3, 0, 1, 2]]  # listed from the label's bottom-left corner, clockwise
    drawn = scene.copy()
    for corners in (given, tall):
        cv2.polylines(drawn, [np.round(corners * 4).astype(np.int32)], True, (0, 0, 200), 2, cv2.LINE_AA, shift=2)
    for k, (x, y) in enumerate(given):
        cv2.putText(drawn, str(k), (int(x) - 14, int(y) + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 200), 2, cv2.LINE_AA)
    out = given.mean(axis=0)
    for (a, b), colour, name in (((0, 1), (200, 0, 0), "x"), ((1, 2), (0, 150, 0), "y")):
        shift = (given[a] + given[b]) / 2 - out  # draw each axis just outside its edge
        shift = 12 * shift / np.hypot(*shift)
        p, q = given[a] + shift, given[a] + shift + 0.85 * (given[b] - given[a])
        cv2.arrowedLine(drawn, tuple(map(int, p)), tuple(map(int, q)), colour, 2, cv2.LINE_AA, tipLength=0.2)
        cv2.putText(drawn, name, (int(q[0] + shift[0]), int(q[1] + shift[1])), cv2.FONT_HERSHEY_SIMPLEX, 0.6, colour, 2,
                    cv2.LINE_AA)
    panels = [
        ("corners 0-3; x: 0->1, y: 1->2", drawn),
        ("orientation='corners'", dc.oriented_crop(scene, given[None], orientation="corners")[0].image),
        ("orientation='upright' (default)", dc.oriented_crop(scene, given[None])[0].image),
        ("tall box, upright", dc.oriented_crop(scene, tall[None])[0].image),
        ("tall box, long_side='width'", dc.oriented_crop(scene, tall[None], long_side="width")[0].image),
    ]
    tiles = [titled(title, img, max(img.shape[1], 150) + 20, 270, 0.42) for title, img in panels]
    out = Path(__file__).resolve().parent / "oriented_crops.png"
    cv2.imwrite(str(out), np.concatenate(tiles, axis=1))
    print(out)


if __name__ == "__main__":
    main()
