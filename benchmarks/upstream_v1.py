"""The upstream v1 re-creation used as the benchmark baseline and test oracle. It ships inside
the package (so `python -m dynacrop_native bench` works from any install) and is re-exported
here for scripts and tests that look for it under benchmarks/."""

from dynacrop_native.bench.upstream_v1 import *  # noqa: F401,F403
from dynacrop_native.bench.upstream_v1 import convert_color_to_bgr_tuple, crop_image, overlay_crop_with_mask  # noqa: F401
