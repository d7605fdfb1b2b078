"""Tensors in and out (DLPack) and the CHW layout: the public functions on a DLPack producer that
is not numpy (tests/dlpack_shim.py; torch itself in tests/integration/test_torch_tensors.py), and
layout="chw" equal, bit for bit, to the HWC results laid out as planes, at every kernel level."""

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native import tensors

import dlpack_shim
from helpers import random_detections

BOXES = [[1.5, 2, 9, 7], [0, 0, 13, 11], [4, 4, 4, 9], [3, 1, 4, 2], [-5, -5, 30, 30]]


def image(rng, h=11, w=13, c=3, dtype=np.uint8):
    shape = (h, w) if c == 0 else (h, w, c)
    return rng.integers(0, 256, shape).astype(dtype)


def planes(a):
    """An HWC result laid out as planes (what layout='chw' must give), None kept."""
    return None if a is None or a.ndim == 2 else np.ascontiguousarray(a.transpose(2, 0, 1))


def as_chw(a, how="contiguous"):
    """The CHW image of HWC `a` through different memory layouts."""
    c = np.ascontiguousarray(a.transpose(2, 0, 1))
    if how == "flipped":
        return np.ascontiguousarray(c[:, ::-1, ::-1])[:, ::-1, ::-1]
    if how == "strided":
        big = np.zeros((c.shape[0], c.shape[1] * 2, c.shape[2] * 3), c.dtype)
        big[:, ::2, ::3] = c
        return big[:, ::2, ::3]
    if how == "planes reversed":
        return np.ascontiguousarray(c[::-1])[::-1]
    if how == "hwc memory":  # a transposed HWC array: CHW shape, interleaved memory
        return a.transpose(2, 0, 1)
    return c


LAYOUTS = ["contiguous", "flipped", "strided", "planes reversed", "hwc memory"]


def recording(monkeypatch):
    """Record every array handed back to a tensor library (to check it is the one returned)."""
    given = []
    real = tensors.give_back

    def give_back(back, array):
        if back is not None and array is not None:
            given.append(array)
        return real(back, array)

    monkeypatch.setattr(tensors, "give_back", give_back)
    return given


def shares(a, b):
    return np.shares_memory(np.asarray(a), np.asarray(b))


# ---- DLPack in and out


def test_crop_boxes_takes_and_returns_tensors_without_copies(rng, monkeypatch):
    img = image(rng)
    t = dlpack_shim.Tensor(img)
    given = recording(monkeypatch)
    out = dc.crop_boxes(t, BOXES)
    want = dc.crop_boxes(img, BOXES)
    assert [type(o) for o in out] == [dlpack_shim.Tensor if w is not None else type(None) for w in want]
    assert len(given) == sum(w is not None for w in want)
    for o, w, g in zip([o for o in out if o is not None], [w for w in want if w is not None], given):
        np.testing.assert_array_equal(o.array, w)
        # The tensor's memory is the native buffer the crop was written to, not a copy of it.
        assert o.array.ctypes.data == g.ctypes.data and o.array.flags.c_contiguous
        assert not shares(o.array, img)
    views = dc.crop_boxes(t, BOXES, copy=False)
    assert all(v is None or shares(v.array, img) for v in views)  # copy=False: views of the input's memory


def test_dynamic_crop_remove_background_and_batch_return_tensors(rng, monkeypatch):
    img = image(rng, 40, 50)
    dets = random_detections(rng, 40, 50, 6)
    given = recording(monkeypatch)
    crops = dc.dynamic_crop(dlpack_shim.Tensor(img), dets, mask_opacity=0.5, background_color="#102030")
    want = dc.dynamic_crop(img, dets, mask_opacity=0.5, background_color="#102030")
    for got, w in zip(crops, want):
        assert (got is None) == (w is None)
        if w is not None:
            assert isinstance(got.image, dlpack_shim.Tensor) and got.offset == w.offset
            np.testing.assert_array_equal(got.image.array, w.image)
    assert [g.ctypes.data for g in given] == [c.image.array.ctypes.data for c in crops if c is not None]
    # A Crop holding a tensor passes back in as an image.
    nested = dc.dynamic_crop(crops[1], [[0, 0, 3, 3]])[0]
    assert isinstance(nested.image, dlpack_shim.Tensor) and nested.parent_id == "det-1/0"

    mask = rng.random((40, 50)) < 0.5
    got = dc.remove_background(dlpack_shim.Tensor(img), dlpack_shim.Tensor(mask), 0.37, "red")
    np.testing.assert_array_equal(got.array, dc.remove_background(img, mask, 0.37, "red"))

    batch = dc.crop_resize_batch(dlpack_shim.Tensor(img), dets, (8, 6), layout="NCHW")
    np.testing.assert_array_equal(batch.images.array, dc.crop_resize_batch(img, dets, (8, 6), layout="NCHW").images)
    assert isinstance(batch.scale, np.ndarray)


@pytest.mark.parametrize("device, name", [((2, 0), "cuda"), ((10, 1), "rocm"), ((99, 0), "device type 99")])
def test_tensors_not_on_the_cpu_are_refused_by_name(rng, device, name):
    t = dlpack_shim.Tensor(image(rng), device=device)
    for call, arg in [(lambda: dc.crop_boxes(t, BOXES), "image"), (lambda: dc.dynamic_crop(t, BOXES), "image"),
                      (lambda: dc.remove_background(t, np.ones((11, 13), bool), 0.5), "crop"),
                      (lambda: dc.crop_resize_batch(t, BOXES, 4), "image")]:
        with pytest.raises(ValueError, match=f"{arg}: expected a tensor on the CPU, got one on {name}"):
            call()
    mask = dlpack_shim.Tensor(np.ones((11, 13), bool), device=device)
    with pytest.raises(ValueError, match="mask: expected a tensor on the CPU"):
        dc.remove_background(image(rng), mask, 0.5)


def test_a_producer_without_a_way_back_is_refused():
    class Orphan:  # __dlpack__ but no library with from_dlpack to return results through
        def __init__(self, a):
            self.a = a

        def __dlpack__(self, **kw):
            return self.a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return (1, 0)

    Orphan.__module__ = "no_such_library"
    with pytest.raises(TypeError, match="image: cannot hand results back as Orphan"):
        dc.crop_boxes(Orphan(np.zeros((4, 4), np.uint8)), [[0, 0, 2, 2]])


def test_tensor_boxes_are_read_too(rng):
    img = image(rng)
    got = dc.crop_boxes(img, dlpack_shim.Tensor(np.asarray(BOXES, np.float32)))
    want = dc.crop_boxes(img, BOXES)
    assert all((g is None and w is None) or np.array_equal(g, w) for g, w in zip(got, want))


# ---- layout="chw"


@pytest.mark.parametrize("c", [1, 3, 4])
@pytest.mark.parametrize("how", LAYOUTS)
def test_crop_boxes_chw_is_the_hwc_crop_as_planes(rng, isa, c, how):
    for dtype in (np.uint8, np.uint16, np.float32):
        hwc = image(rng, 17, 23, c, dtype)
        chw = as_chw(hwc, how)
        before = chw.copy()
        want = [planes(w) for w in dc.crop_boxes(hwc, BOXES)]
        for copy in (True, False):
            got = dc.crop_boxes(chw, BOXES, layout="chw", copy=copy, threads=2)
            for g, w in zip(got, want):
                assert (g is None) == (w is None)
                if w is not None:
                    np.testing.assert_array_equal(g, w)
                    assert g.flags.c_contiguous or not copy
        np.testing.assert_array_equal(chw, before)


@pytest.mark.parametrize("c", [1, 3, 4])
@pytest.mark.parametrize("opacity", [0.0, 0.5, 1.0, 0.37])
def test_remove_background_chw_is_the_hwc_blend_as_planes(rng, isa, c, opacity):
    for h, w in [(1, 1), (3, 1), (5, 33), (9, 70)]:
        for how in LAYOUTS:
            hwc = image(rng, h, w, c)
            mask = rng.random((h, w)) < 0.5
            want = planes(dc.remove_background(hwc, mask, opacity, (200, 100, 30)))
            chw = as_chw(hwc, how)
            got = dc.remove_background(chw, mask, opacity, (200, 100, 30), layout="chw")
            np.testing.assert_array_equal(got, want)
            per_plane = rng.random((h, w, c)) < 0.5  # one mask per channel: (C, h, w) for planes
            want = planes(dc.remove_background(hwc, per_plane, opacity, (200, 100, 30)))
            got = dc.remove_background(chw, as_chw(per_plane, how), opacity, (200, 100, 30), layout="chw")
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("options", [
    {},
    {"mask_opacity": 0.5, "background_color": "#ff8000"},
    {"mask_opacity": 0.37, "out_of_bounds": "pad", "margin": 3},
    {"mask_opacity": 1.0, "copy": True, "square": True},
    {"mask_opacity": 0.25, "output": "bgra", "out_of_bounds": "pad"},
    {"copy": True, "out_of_bounds": "pad", "margin_ratio": 0.5},
])
@pytest.mark.parametrize("c", [1, 3, 4])
def test_dynamic_crop_chw_is_the_hwc_crop_as_planes(rng, isa, options, c):
    hwc = image(rng, 40, 50, c)
    dets = random_detections(rng, 40, 50, 7, reach=0.3)
    for how in LAYOUTS:
        chw = as_chw(hwc, how)
        before = chw.copy()
        got = dc.dynamic_crop(chw, dets, layout="chw", **options)
        want = dc.dynamic_crop(hwc, dets, **options)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert (g is None) == (w is None)
            if w is not None:
                np.testing.assert_array_equal(g.image, planes(w.image))
                assert g.offset == w.offset and g.parent_id == w.parent_id
        np.testing.assert_array_equal(chw, before)


def test_gray_images_are_the_same_in_both_layouts(rng):
    gray = image(rng, c=0)
    for g, w in zip(dc.crop_boxes(gray, BOXES, layout="chw"), dc.crop_boxes(gray, BOXES)):
        assert (g is None and w is None) or np.array_equal(g, w)


@pytest.mark.parametrize("c", [1, 3])
def test_crop_resize_batch_reads_chw_sources(rng, c):
    hwc = image(rng, 40, 50, c)
    dets = random_detections(rng, 40, 50, 5, reach=0.2)
    for how in LAYOUTS:
        for kw in [{"layout": "NCHW"}, {"interpolation": "area", "mask_opacity": 0.5, "keep_aspect": True},
                   {"dtype": np.float32, "mean": 0, "std": 255, "layout": "NCHW", "out_of_bounds": "pad"}]:
            got = dc.crop_resize_batch(as_chw(hwc, how), dets, (9, 7), image_layout="chw", **kw)
            want = dc.crop_resize_batch(hwc, dets, (9, 7), **kw)
            np.testing.assert_array_equal(got.images, want.images)
            np.testing.assert_array_equal(got.valid, want.valid)


def test_layout_errors_name_the_argument(rng):
    img = image(rng)
    with pytest.raises(ValueError, match="layout: expected 'hwc' or 'chw', got 'CHW'"):
        dc.crop_boxes(img, BOXES, layout="CHW")
    with pytest.raises(ValueError, match="image_layout: expected 'hwc' or 'chw'"):
        dc.crop_resize_batch(img, BOXES, 4, image_layout="nchw")
    with pytest.raises(ValueError, match=r"image: expected shape \(C, H, W\) with 1 to 4 channels"):
        dc.crop_boxes(np.zeros((5, 8, 8), np.uint8), BOXES, layout="chw")
    with pytest.raises(ValueError, match=r"crop: expected shape \(C, H, W\)"):
        dc.remove_background(np.zeros((8, 8, 3), np.uint8), np.ones((8, 8), bool), 0.5, layout="chw")
    with pytest.raises(ValueError, match="mask: expected shape"):
        dc.remove_background(np.zeros((3, 8, 8), np.uint8), np.ones((8, 9), bool), 0.5, layout="chw")
