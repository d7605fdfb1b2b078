"""Dataset export: one image file per COCO annotation (``python -m dynacrop_native crop``).

``coco`` reads and checks the annotation file into per-image work, ``images`` reads the source
images, ``output`` owns the output folder (safe names, atomic writes, the manifest, re-runs)
and ``run`` drives them on a thread pool with clean interrupts. Images are read and written
with OpenCV (the ``cli`` extra).
"""

from .coco import annotation_mask
from .output import MANIFEST
from .problems import ExportError
from .run import Options, export, parse_options, sample_paths

__all__ = ["MANIFEST", "ExportError", "Options", "annotation_mask", "export", "parse_options", "sample_paths"]
