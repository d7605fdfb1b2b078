"""Dataset export: one image file per annotated object (``python -m dynacrop_native crop``).

``coco``, ``yolo`` and ``dota`` (with ``labels``, what the label-file formats share) read and
check a dataset into per-image work, ``images`` reads the source
images, ``output`` owns the output folder (safe names, atomic writes, the manifest, re-runs)
and ``run`` drives them on a thread pool with clean interrupts. Images are read and written
with OpenCV (the ``cli`` extra).
"""

from .coco import annotation_mask
from .output import MANIFEST
from .problems import ExportError
from .run import Options, export, export_dota, export_yolo, parse_options, sample_paths

__all__ = ["MANIFEST", "ExportError", "Options", "annotation_mask", "export", "export_dota", "export_yolo",
           "parse_options", "sample_paths"]
