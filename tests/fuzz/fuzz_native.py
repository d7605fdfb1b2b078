"""Coverage-guided fuzz target (atheris) for the native entry points (crop, blend, the fused
crop + resize, the oriented-crop warp, the RLE decoder) and the public API.

The native functions are called directly as well, past the Python layer's checks, with
arbitrary arrays (dtypes, shapes, strides), boxes (including out-of-image ones), masks,
opacities, colours and thread counts: they must raise ValueError/TypeError/MemoryError and
never crash. Run it under the sanitizer build to turn memory errors into failures.

    python tests/fuzz/fuzz_native.py -runs=20000            # CI's bounded run
    python tests/fuzz/fuzz_native.py -max_total_time=3600   # a longer local run
"""

import sys

import atheris

import numpy as np

import dynacrop_native as dc
from dynacrop_native import _native

DTYPES = [np.uint8, np.uint8, np.uint16, np.float32, np.bool_, np.int32]
LEVELS = dc.capabilities()["available"]  # each input runs on one kernel level, the fuzzer picks which
EXPECTED = (ValueError, TypeError, MemoryError)


def make_array(fdp, dtypes=DTYPES, max_ndim=4):
    dtype = dtypes[fdp.ConsumeIntInRange(0, len(dtypes) - 1)]
    ndim = fdp.ConsumeIntInRange(1, max_ndim)
    shape = [fdp.ConsumeIntInRange(0, 20) for _ in range(ndim)]
    steps = [fdp.PickValueInList([1, 1, 2, -1, -3]) for _ in range(ndim)]
    base = np.zeros([max(1, n * abs(k)) for n, k in zip(shape, steps)], dtype=dtype)
    raw = fdp.ConsumeBytes(min(base.nbytes, 4096))
    base.reshape(-1).view(np.uint8)[: len(raw)] = np.frombuffer(raw, np.uint8)
    view = base[tuple(slice(None, None, k) for k in steps)]
    return view[tuple(slice(0, n) for n in shape)]


def one_input(data):
    fdp = atheris.FuzzedDataProvider(data)
    dc.set_isa(fdp.PickValueInList(LEVELS))
    target = fdp.ConsumeIntInRange(0, 6)
    if target == 4:  # the RLE decoder: arbitrary compressed counts, sizes and boxes
        h, w = fdp.ConsumeIntInRange(0, 64), fdp.ConsumeIntInRange(0, 64)
        box = [fdp.ConsumeIntInRange(-2, 66) for _ in range(4)]
        try:
            _native.rle_decode_string(fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64)), h, w, box)
        except EXPECTED:
            pass
        return
    image = make_array(fdp)
    n = fdp.ConsumeIntInRange(0, 5)
    boxes = np.array([fdp.ConsumeIntInRange(-30, 40) for _ in range(4 * n)], dtype=np.int64).reshape(n, 4)
    opacity = fdp.PickValueInList([0.0, 0.5, 1.0, 0.3, -1.0, float("nan"), fdp.ConsumeFloat()])
    background = [fdp.ConsumeIntInRange(-2, 300) for _ in range(fdp.ConsumeIntInRange(0, 5))]
    threads = fdp.ConsumeIntInRange(-1, 3)
    masks = make_array(fdp, [np.bool_, np.uint8, np.int16], max_ndim=4) if fdp.ConsumeBool() else None
    before = image.copy()
    try:
        if target == 0:
            local = None if masks is None else [masks if fdp.ConsumeBool() else None for _ in range(n)]
            _native.crop(image, boxes, local, opacity, background, threads)
        elif target == 1:
            mask = masks if masks is not None else np.zeros(image.shape[:2], bool)
            _native.blend(image, mask, opacity, background, threads)
        elif target == 2:
            dc.crop_boxes(image, boxes.astype(np.float64) + fdp.ConsumeFloat(), copy=fdp.ConsumeBool())
            _native.round_boxes(image.astype(np.float64), fdp.ConsumeIntInRange(-2, 40), fdp.ConsumeIntInRange(-2, 40))
        elif target == 3:
            dc.remove_background(image, masks, opacity, tuple(background))
        elif target == 6:  # the warp: arbitrary matrices, layouts, buffers and mask regions
            warp(fdp, image, n, masks, opacity, background, threads)
        else:  # the fused crop + resize, with arbitrary canvases and placements
            canvas = boxes + np.array([fdp.ConsumeIntInRange(-8, 8) for _ in range(4 * n)], np.int64).reshape(n, 4)
            placement = np.array([fdp.ConsumeIntInRange(-2, 40) for _ in range(4 * n)], np.int64).reshape(n, 4)
            local = None if masks is None else [masks if fdp.ConsumeBool() else None for _ in range(n)]
            mean = std = None
            if fdp.ConsumeBool():
                mean = np.array([fdp.ConsumeFloat() for _ in range(fdp.ConsumeIntInRange(0, 4))], np.float32)
                std = np.array([fdp.ConsumeFloat() for _ in range(fdp.ConsumeIntInRange(0, 4))], np.float32)
            _native.crop_resize(image, boxes, canvas, local, opacity, background, placement,
                                fdp.ConsumeIntInRange(-1, 40), fdp.ConsumeIntInRange(-1, 40), fdp.ConsumeBool(),
                                fdp.ConsumeBool(), fdp.ConsumeIntInRange(-1, 3), mean, std, threads)
    except EXPECTED:
        pass
    if not np.array_equal(image, before, equal_nan=image.dtype.kind == "f"):
        raise AssertionError("the caller's array was modified")


def warp(fdp, image, n, masks, opacity, background, threads):
    scale = fdp.PickValueInList([1.0, 0.5, 3.0, 1e-7, 1e9, -1.0])
    matrices = np.array([fdp.ConsumeFloatInRange(-40, 40) * scale for _ in range(6 * n)]).reshape(n, 2, 3)
    if n and fdp.ConsumeBool():
        matrices[0, fdp.ConsumeIntInRange(0, 1), fdp.ConsumeIntInRange(0, 2)] = fdp.PickValueInList([np.nan, np.inf, 0.0])
    layout = np.array([fdp.ConsumeIntInRange(-2, 30) for _ in range(7 * n)], np.int64).reshape(n, 7)
    sizes = [np.empty(fdp.ConsumeIntInRange(0, 3000), np.uint8) if fdp.ConsumeBool() else None for _ in range(3)]
    regions = None if masks is None else [masks if fdp.ConsumeBool() else None for _ in range(n)]
    out = sizes[0] if sizes[0] is not None else np.empty(0, np.uint8)
    _native.warp_crops(image, matrices, layout, out, sizes[1], sizes[2], regions, opacity, background, threads)
    corners = np.array([fdp.ConsumeFloatInRange(-30, 50) for _ in range(8 * n)]).reshape(n, 4, 2)
    dc.oriented_crop(image, corners * scale, mask_opacity=min(max(opacity, 0.0), 1.0) if opacity == opacity else 0.0,
                     margin=fdp.ConsumeIntInRange(0, 3), orientation=fdp.PickValueInList(["upright", "corners"]),
                     long_side=fdp.PickValueInList([None, "width"]), output=fdp.PickValueInList(["image", "bgra"]))


if __name__ == "__main__":
    # Coverage of the Python layer guides the search (the native code is exercised through it
    # and directly, and checked by the sanitizer build); instrument what is loaded by now.
    atheris.instrument_all()
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
