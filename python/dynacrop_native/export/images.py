"""Source images: where a file_name may be read from, reading regular files only, decoding with
OpenCV, EXIF orientation applied, and each failure told apart (missing, not a file, corrupt,
unsupported)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np

from .problems import show

# Leading bytes of the formats OpenCV decodes: undecodable data with one of them is corrupt.
_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"BM", b"II*\0", b"MM\0*", b"RIFF", b"GIF8", b"\0\0\0\x0cjP  ",
               b"\xff\x4f\xff\x51", b"P1", b"P2", b"P3", b"P4", b"P5", b"P6", b"P7", b"Pf", b"PF", b"#?RADIANCE",
               b"\x76\x2f\x31\x01", b"\x59\xa6\x6a\x95")


class ImageProblem(Exception):
    """Why an image cannot be used: `reason` groups the summary, `detail` names the path."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason} ({detail})")
        self.reason, self.detail = reason, detail


def source_path(images_dir: Path, file_name: str, allow_outside: bool) -> Path:
    """Where `file_name` is read from: inside `images_dir` unless `allow_outside` lets an
    absolute name or '..' reach elsewhere. Symbolic links inside the folder are followed."""
    if not allow_outside and (os.path.isabs(file_name) or ".." in Path(file_name).parts):
        raise ImageProblem("file_name outside --images",
                           f"{show(file_name)} is absolute or contains '..'; --allow-outside-images reads it")
    return images_dir / file_name


def read_image(path: Path) -> tuple[np.ndarray, int]:
    """The image at `path` as OpenCV decodes it (gray, BGR or BGRA uint8), turned upright by
    its EXIF orientation, and that orientation (1: none); ImageProblem otherwise. Only regular files are opened, so a FIFO or
    a device never blocks or streams forever."""
    import cv2

    where = show(str(path))
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ImageProblem("not a regular file", where)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # replaced since the check
                raise ImageProblem("not a regular file", where)
            data = f.read()
    except (FileNotFoundError, NotADirectoryError):
        raise ImageProblem("missing image", where) from None
    except OSError as e:
        raise ImageProblem("unreadable image", f"{where}: {e.strerror or e}") from None
    except ValueError as e:  # a name the file system cannot hold (e.g. a lone surrogate)
        raise ImageProblem("unreadable image", f"{where}: {show(str(e))}") from None
    if not data:
        raise ImageProblem("corrupt image", f"{where}: empty file")
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error as e:  # e.g. a header claiming more pixels than OpenCV allows
        raise ImageProblem("corrupt image", f"{where}: {show(str(e).strip().splitlines()[-1], 200)}") from None
    if image is None:
        known = data.startswith(_SIGNATURES)
        raise ImageProblem("corrupt image" if known else "unsupported image",
                           f"{where}: {'OpenCV could not decode it' if known else 'not a format OpenCV reads'}")
    if image.dtype != np.uint8:
        raise ImageProblem("unsupported image", f"{where}: {image.dtype} pixels ({8 * image.itemsize}-bit); "
                                                f"crops are made from 8-bit images")
    if image.ndim == 3 and not 1 <= image.shape[2] <= 4:
        raise ImageProblem("unsupported image", f"{where}: {image.shape[2]} channels")
    orientation = exif_orientation(data)
    return upright(image, orientation), orientation


def upright(image: np.ndarray, orientation: int) -> np.ndarray:
    """`image` as displayed under EXIF orientation 1-8 (what Pillow's ImageOps.exif_transpose,
    and so the COCO tools built on it, show)."""
    t = np.swapaxes(image, 0, 1)
    views = {2: image[:, ::-1], 3: image[::-1, ::-1], 4: image[::-1], 5: t, 6: t[:, ::-1], 7: t[::-1, ::-1], 8: t[::-1]}
    return np.ascontiguousarray(views[orientation]) if orientation in views else image


def exif_orientation(data: bytes) -> int:
    """The EXIF orientation tag (1-8) of a JPEG, PNG or WebP file; 1 without one."""
    tiff = _exif_block(data)
    if tiff is None or len(tiff) < 8 or tiff[:4] not in (b"II*\0", b"MM\0*"):
        return 1
    order = "little" if tiff[:2] == b"II" else "big"
    ifd = int.from_bytes(tiff[4:8], order)
    count = int.from_bytes(tiff[ifd : ifd + 2], order)
    for entry in range(ifd + 2, min(ifd + 2 + 12 * count, len(tiff) - 11), 12):
        if int.from_bytes(tiff[entry : entry + 2], order) == 0x0112:  # Orientation, a SHORT
            value = int.from_bytes(tiff[entry + 8 : entry + 10], order)
            return value if 1 <= value <= 8 else 1
    return 1


def _exif_block(data: bytes) -> bytes | None:
    """The TIFF-structured EXIF data of a file, found by walking its container."""
    if data[:2] == b"\xff\xd8":  # JPEG: marker segments up to the image data
        p = 2
        while p + 4 <= len(data) and data[p] == 0xFF:
            marker, length = data[p + 1], int.from_bytes(data[p + 2 : p + 4], "big")
            if marker == 0xFF:  # fill byte
                p += 1
                continue
            if marker in (0xD9, 0xDA) or length < 2:  # end of image, start of scan
                return None
            if marker == 0xE1 and data[p + 4 : p + 10] == b"Exif\0\0":
                return data[p + 10 : p + 2 + length]
            p += 2 + length
    elif data[:8] == b"\x89PNG\r\n\x1a\n":  # PNG: chunks, eXIf anywhere before IEND
        p = 8
        while p + 8 <= len(data):
            length, kind = int.from_bytes(data[p : p + 4], "big"), data[p + 4 : p + 8]
            if kind == b"eXIf":
                return data[p + 8 : p + 8 + length].removeprefix(b"Exif\0\0")
            p += 12 + length
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":  # WebP: RIFF chunks
        p = 12
        while p + 8 <= len(data):
            kind, length = data[p : p + 4], int.from_bytes(data[p + 4 : p + 8], "little")
            if kind == b"EXIF":
                return data[p + 8 : p + 8 + length].removeprefix(b"Exif\0\0")
            p += 8 + length + (length & 1)
    return None  # (TIFFs need nothing: OpenCV's TIFF decoder applies their orientation itself)
