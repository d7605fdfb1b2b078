"""Hostile COCO datasets for the export tests: a builder, and one case per hostile entry with
the outcome it must have. The README's export table is rendered from CASES
(`python tests/export_cases.py`; tests/test_export_hostile.py checks it)."""

from __future__ import annotations

import json
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

W, H = 64, 48
IN_FOLDER = "written, in a folder whose name is cleaned and unique, inside --out"
AS_FILE = "written, under a file name that is cleaned and unique, inside --out"
WRITTEN = (IN_FOLDER, AS_FILE)


def picture(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (H, W, 3), dtype=np.uint8)


def png_bytes(array: np.ndarray) -> bytes:
    import cv2

    ok, data = cv2.imencode(".png", array)
    assert ok
    return data.tobytes()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height, with (almost) no pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def nested(depth: int, leaf: object = 1) -> object:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


class Dataset:
    """A COCO dataset under `root`: images/ and annotations.json, with one valid image
    (`base.png`, id 1) and one category (id 1, 'thing') to build cases on."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.images = self.root / "images"
        self.images.mkdir(parents=True, exist_ok=True)
        self.coco: dict = {"images": [], "annotations": [], "categories": [{"id": 1, "name": "thing"}]}
        self._ids = iter(range(10_000, 10**9))
        self.base = self.image("base.png", picture(0))

    def next_id(self) -> int:
        return next(self._ids)

    def image(self, name: str, content: bytes | np.ndarray | None = None, **entry) -> int:
        """An image entry (and its file, if content is given); returns its id."""
        if content is not None:
            (self.images / name).write_bytes(png_bytes(content) if isinstance(content, np.ndarray) else content)
        ident = entry.pop("id", self.next_id())
        fields = {"id": ident, "file_name": name, "width": W, "height": H, **entry}
        self.coco["images"].append({k: v for k, v in fields.items() if v is not DROP})
        return ident

    def category(self, name: object, ident: object = None) -> object:
        ident = self.next_id() if ident is None else ident
        self.coco["categories"].append({k: v for k, v in {"id": ident, "name": name}.items() if v is not DROP})
        return ident

    def annotation(self, **fields) -> None:
        ann = {"id": self.next_id(), "image_id": self.base, "category_id": 1, "bbox": [4.0, 4.0, 20.0, 16.0],
               "segmentation": [[4, 4, 23, 4, 23, 19, 4, 19]], "iscrowd": 0}
        ann.update(fields)
        self.coco["annotations"].append({k: v for k, v in ann.items() if v is not DROP})

    def raw_annotation(self, value: object) -> None:
        self.coco["annotations"].append(value)

    def save(self) -> Path:
        path = self.root / "annotations.json"
        path.write_text(json.dumps(self.coco))
        return path


DROP = object()  # a field left out of an annotation


@dataclass
class Case:
    label: str  # as the README's table shows it
    build: Callable[[Dataset], None]  # adds the entries; every annotation it adds must end as `outcome`
    outcome: str  # one of WRITTEN, or the skip reason


def _named_category(name: object) -> Callable[[Dataset], None]:
    return lambda d: d.annotation(category_id=d.category(name))


def _ann(**fields) -> Callable[[Dataset], None]:
    return lambda d: d.annotation(**fields)


def _on_image(name: str, content: bytes | np.ndarray | None = None, **entry) -> Callable[[Dataset], None]:
    return lambda d: d.annotation(image_id=d.image(name, content, **entry))


def _times(n: int, **fields) -> Callable[[Dataset], None]:
    def build(d: Dataset) -> None:
        for _ in range(n):
            d.annotation(**fields)
    return build


def _both(*builds: Callable[[Dataset], None]) -> Callable[[Dataset], None]:
    def build(d: Dataset) -> None:
        for b in builds:
            b(d)
    return build


def _special_file(name: str, make: Callable[[Path], None]) -> Callable[[Dataset], None]:
    def build(d: Dataset) -> None:
        make(d.images / name)
        d.annotation(image_id=d.image(name))
    return build


def _duplicate_image(d: Dataset) -> None:
    ident = d.next_id()
    d.image("base.png", id=ident)
    d.image("dup.png", picture(1), id=ident)
    d.annotation(image_id=ident)


def _duplicate_category(d: Dataset) -> None:
    ident = d.next_id()
    d.category("cat", ident)
    d.category("dog", ident)
    d.annotation(category_id=ident)


def _rle(size: object, counts: object) -> dict:
    return {"size": size, "counts": counts}


def _sixteen_bit() -> bytes:
    return png_bytes(np.full((H, W), 4000, np.uint16))


# Category names and annotation ids that would leave --out, collide, hide or exceed the name limit.
HOSTILE_NAMES = {
    "`..`": "..", "` .. `": " .. ", "`.`": ".", "empty": "", "`/`": "/", "`/tmp/escaped`": "/tmp/escaped",
    "`a/../../escaped`": "a/../../escaped", "`..\\..\\escaped`": "..\\..\\escaped", "with NUL": "a\0b",
    "`crops.json`": "crops.json", "`CROPS.JSON`": "CROPS.JSON", "`.hidden`": ".hidden", "`.dynacrop-1.tmp`": ".dynacrop-1.tmp",
    "of 300 characters": "c" * 300, "of 200 `é` (400 bytes)": "é" * 200, "with a terminal escape": "\x1b[31mred",
    "with a right-to-left override": "\u202egnp.exe", "with a lone surrogate": "\ud800x",
}

CASES = [Case(f"category {label}", _named_category(name), IN_FOLDER) for label, name in HOSTILE_NAMES.items()]
CASES += [Case(f"annotation id {label}", _ann(id=name), AS_FILE) for label, name in HOSTILE_NAMES.items()]
CASES += [
    Case("two categories named alike", _both(_named_category("thing"), _named_category("thing")), IN_FOLDER),
    Case("category without a name", _named_category(DROP), IN_FOLDER),
    Case("category id not defined", _ann(category_id=424242), IN_FOLDER),
    Case("annotation id of 1,000 characters", _ann(id="i" * 1000), AS_FILE),
    Case("annotation id `-5`, `10**60`", _both(_ann(id=-5), _ann(id=10**60)), AS_FILE),
    Case("annotations without an id", _times(3, id=DROP), AS_FILE),
    Case("annotations with a null id", _times(2, id=None), AS_FILE),
    Case("one id on three annotations", _times(3, id=31337), AS_FILE),
    Case("ids `5` and `\"5\"`", _both(_ann(id=5), _ann(id="5")), AS_FILE),
    Case("file_name of 200 characters", _on_image("f" * 196 + ".png", picture(2)), AS_FILE),
    Case("width/height as `64.0`", _on_image("float_size.png", picture(3), width=64.0, height=48.0), AS_FILE),
    # entries that cannot be used: skipped, with the reason
    Case("id a list, an object, a bool, a float, nested 500 deep",
         _both(_ann(id=[1, 2]), _ann(id={"a": 1}), _ann(id=True), _ann(id=1.5), _ann(id=nested(500))), "bad id"),
    Case("annotation not an object", lambda d: [d.raw_annotation(v) for v in (5, "x", None, [1])], "bad annotation"),
    Case("image_id a list, an object, missing", _both(_ann(image_id=[1]), _ann(image_id={"a": 1}), _ann(image_id=DROP)),
         "bad image_id"),
    Case("image_id of no image", _ann(image_id=999_999), "no such image"),
    Case("two images with one id", _duplicate_image, "duplicate image id"),
    Case("image entry: file_name not a string, empty, with NUL",
         _both(_on_image(5), _on_image(""), _on_image("a\0b.png")), "bad image entry"),
    Case("image entry: width `\"64\"`, -1 or missing height",
         _both(_on_image("base.png", width="64"), _on_image("base.png", width=-1), _on_image("base.png", height=DROP)),
         "bad image entry"),
    Case("two categories with one id", _duplicate_category, "duplicate category id"),
    Case("category name not a string", _named_category(5), "bad category entry"),
    Case("category_id a list or a bool", _both(_ann(category_id=[1]), _ann(category_id=False)), "bad category_id"),
    Case("iscrowd 2, a string, 1.0", _both(_ann(iscrowd=2), _ann(iscrowd="1"), _ann(iscrowd=1.0)), "bad iscrowd"),
    Case("bbox NaN, infinite, strings, 3 numbers, width <= 0, bools, null, nested",
         _both(*[_ann(bbox=b) for b in ([1, 2, float("nan"), 4], [1, 2, float("inf"), 4], ["1", "2", "3", "4"],
                                        [1, 2, 3], [1, 2, -3, 4], [1, 2, 3, 0], [True, 2, 3, 4], None,
                                        nested(500, [1, 2, 3, 4]))]), "bad bbox"),
    Case("box outside the image", _ann(bbox=[500.0, 500.0, 20.0, 20.0]), "box outside the image"),
    Case("polygon beyond int32, with strings, 2 points, odd length, nested, a number",
         _both(*[_ann(segmentation=s) for s in ([[4, 4, 3e9, 4, 4, 19]], [[4, 4, -3e9, 4, 4, 19]],
                                                [["4", 4, 23, 4, 23, 19]], [[1, 2, 3, 4]], [[1, 2, 3, 4, 5, 6, 7]],
                                                nested(500), 5, [[4, 4, 23, 4, 23, True]])]), "bad segmentation"),
    Case("RLE: size not the image's, counts fractional, negative, bools, huge size, wrong sum, bad string",
         _both(*[_ann(segmentation=s) for s in (_rle([H + 1, W], [0, (H + 1) * W]), _rle([H, W], [0.5, H * W - 0.5]),
                                                _rle([H, W], [-1, H * W + 1]), _rle([H, W], [True, False]),
                                                _rle([2**40, 2**40], [0]), _rle([H, W], [5]), _rle([H, W], "\x01"),
                                                {"counts": [0, H * W]})]), "bad segmentation"),
    Case("file_name absolute", lambda d: d.annotation(image_id=d.image(str((d.images / "base.png").resolve()))),
         "file_name outside --images"),
    Case("file_name with `..`", _on_image("../images/base.png"), "file_name outside --images"),
    Case("image file missing", _both(_on_image("missing.png"), _on_image("no/such/dir.png")), "missing image"),
    Case("image file corrupt, empty, or claiming 100000 x 100000 pixels",
         _both(_on_image("corrupt.png", b"\x89PNG\r\n\x1a\n broken"), _on_image("empty.png", b""),
               _on_image("huge.png", png_header_only(100_000, 100_000))), "corrupt image"),
    Case("image 16-bit, or not an image", _both(_on_image("deep.png", _sixteen_bit()),
                                                _on_image("text.png", b"hello, not an image")), "unsupported image"),
    Case("file_name a folder, a FIFO, a link to /dev/zero",
         _both(_special_file("folder.png", lambda p: p.mkdir()), _special_file("fifo.png", os.mkfifo),
               _special_file("zero.png", lambda p: os.symlink("/dev/zero", p))), "not a regular file"),
    Case("file_name a link loop, too long for the file system, or not encodable",
         _both(_special_file("loop.png", lambda p: os.symlink(p.name, p)), _on_image("n" * 300 + ".png"),
               _on_image("\ud800.png")),
         "unreadable image"),
    Case("image size not the file's width/height", _on_image("small.png", picture(4)[:40]), "image size mismatch"),
]


def render() -> str:
    """The README's table: one row per outcome, the hostile entries that give it."""
    rows: dict[str, list[str]] = {}
    for case in CASES:
        rows.setdefault(case.outcome, []).append(case.label)
    lines = ["| in the dataset | what the export does |", "|---|---|"]
    for outcome, labels in rows.items():
        shown = outcome if outcome in WRITTEN else f"skipped: `{outcome}`"
        lines.append(f"| {'; '.join(labels)} | {shown} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
