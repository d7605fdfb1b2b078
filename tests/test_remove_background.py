import numpy as np
import pytest

import dynacrop_native as dc

from helpers import rows_of_wider, strided_variants
from reference import numpy_reference

cv2 = pytest.importorskip("cv2")
from dynacrop_native.bench import upstream_v1  # noqa: E402

WIDTHS = [0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 1031]
OPACITIES = [0.0, 1.0, 0.5, 0.25, 0.1, 0.7, 0.999, 1e-7, 0.75, 0.125, 0.6, 0.2]


def opencv_upstream(crop, mask, a, bgr):
    """Upstream's own recipe (its overlay_crop_with_mask, as the package re-creates it), the mask
    stacked to 3 channels as its crop_image does, the colour given in upstream's RGB order."""
    m = np.stack([mask] * 3, axis=-1) if mask.ndim == 2 else mask
    return upstream_v1.overlay_crop_with_mask(crop, m, a, tuple(int(v) for v in bgr[::-1]))


def random_crop(rng, h, w, channels):
    shape = (h, w) if channels is None else (h, w, channels)
    return rng.integers(0, 256, shape, dtype=np.uint8)


def random_colour(rng):
    """A colour, grey half the time: one outside table for every channel (the avx512 level's
    table lookups) or one per channel."""
    bgr = tuple(int(v) for v in rng.integers(0, 256, 3))
    return bgr[:1] * 3 if rng.random() < 0.5 else bgr


def random_mask(rng, h, w, dtype=np.bool_, per_channel=None):
    shape = (h, w) if per_channel is None else (h, w, per_channel)
    mask = rng.random(shape) < rng.uniform(0.1, 0.9)
    if rng.random() < 0.3:  # long runs too, for the all-inside / all-outside fast paths
        mask[:, : w // 2] = True
    if dtype == np.bool_:
        return mask
    return mask.astype(np.uint8) * np.uint8(rng.integers(1, 256))  # any non-zero byte is "inside"


@pytest.mark.parametrize("channels", [None, 1, 3, 4])
@pytest.mark.parametrize("width", WIDTHS)
def test_every_level_matches_reference_and_scalar(isa, rng, channels, width):
    for a in OPACITIES + [float(rng.random())]:
        h = int(rng.integers(1, 4))
        crop = random_crop(rng, h, width, channels)
        c = 1 if channels is None else channels
        bgr = random_colour(rng)
        per_channel = c if (c > 1 and rng.random() < 0.3) else None
        mask = random_mask(rng, h, width, rng.choice([np.bool_, np.uint8]), per_channel)
        colour = "#%02x%02x%02x" % bgr[::-1]
        got = dc.remove_background(crop, mask, a, colour)
        bg = dc.color.background_for_channels(bgr, c)
        np.testing.assert_array_equal(got, numpy_reference(crop, mask, a, bg), err_msg=f"{isa} a={a}")
        np.testing.assert_array_equal(dc.remove_background(rows_of_wider(crop), rows_of_wider(mask), a, colour), got)
        dc.set_isa("scalar")
        np.testing.assert_array_equal(got, dc.remove_background(crop, mask, a, colour))
        dc.set_isa(isa)


@pytest.mark.parametrize("width", WIDTHS[1:])
def test_equals_cv2_add_weighted(isa, rng, width):
    for a in OPACITIES + list(rng.random(4)):
        crop = random_crop(rng, 3, width, 3)
        mask = random_mask(rng, 3, width)
        rgb = random_colour(rng)
        got = dc.remove_background(crop, mask, float(a), rgb)
        np.testing.assert_array_equal(got, opencv_upstream(crop, mask, float(a), rgb[::-1]))


def test_every_kernel_path_is_exercised():
    """The opacities above reach each kernel path (plan chosen per call), so the per-level
    tests compare all of them with the reference; each plan's table is that reference."""
    from dynacrop_native import _native

    bg = [10, 200, 255]
    values = np.arange(256, dtype=np.uint8).reshape(1, 256, 1).repeat(3, axis=2)
    modes = {}
    for a in OPACITIES:
        modes[a], table = _native.blend_plan(a, bg)
        want = numpy_reference(values, np.zeros((1, 256), bool), a, bg)[0].T  # (channel, value)
        assert np.frombuffer(table, np.uint8).reshape(3, 256).tolist() == want.tolist()
    assert modes[0.0] == "copy" and modes[1.0] == "fill"
    assert modes[0.5] == "half"
    assert modes[0.25] == modes[0.125] == modes[0.75] == "fixed"  # ties: the parity rule
    assert modes[0.1] == "fixed"  # needs the 16-bit weight
    assert modes[0.6] == modes[0.2] == modes[1e-7] == "affine"
    assert modes[0.7] == "blend"  # float ties no 16-bit fixed point reproduces


def test_ties_near_half(isa):
    # Every (background, value) pair at opacities whose products land on .5: round half to even.
    values = np.tile(np.arange(256, dtype=np.uint8), (1, 1))[..., None].repeat(3, axis=2)
    mask = np.zeros(values.shape[:2], bool)
    for a in (0.5, 0.25, 0.75, 0.125, 0.375, 0.2, 0.3, 0.6):
        for bg in range(0, 256, 7):
            for colour in ((bg, 255 - bg, bg // 2), (bg, bg, bg)):
                got = dc.remove_background(values, mask, a, colour)
                np.testing.assert_array_equal(got, opencv_upstream(values, mask, a, colour[::-1]))


@pytest.mark.parametrize("width", [77, 150])  # 150: rows long enough for avx512's aligning head
def test_strided_and_unaligned_inputs(isa, rng, width):
    crop = random_crop(rng, 7, width, 3)
    mask = random_mask(rng, 7, width)
    for colour in ((1, 2, 3), (9, 9, 9)):
        dc.set_isa("scalar")
        want = dc.remove_background(crop, mask, 0.37, colour)
        dc.set_isa(isa)
        for name, view in strided_variants(crop, rng):
            for mname, mview in strided_variants(mask, rng):
                got = dc.remove_background(view, mview, 0.37, colour)
                np.testing.assert_array_equal(got, want, err_msg=f"{name}/{mname} {colour}")


def test_inputs_are_never_written_and_output_is_new(rng):
    crop = random_crop(rng, 10, 40, 3)
    mask = random_mask(rng, 10, 40)
    crop_before, mask_before = crop.copy(), mask.copy()
    for a in (0.0, 0.5, 1.0):
        out = dc.remove_background(crop, mask, a, "#ff0000")
        assert not np.shares_memory(out, crop) and out.flags.c_contiguous
    np.testing.assert_array_equal(crop, crop_before)
    np.testing.assert_array_equal(mask, mask_before)


def test_opacity_zero_and_one():
    crop = np.full((2, 3, 3), 100, np.uint8)
    mask = np.array([[1, 0, 1], [0, 0, 1]], bool)
    np.testing.assert_array_equal(dc.remove_background(crop, mask, 0, "#ff0000"), crop)
    out = dc.remove_background(crop, mask, 1.0, "#ff0000")
    np.testing.assert_array_equal(out[~mask], np.tile([0, 0, 255], (3, 1)))
    np.testing.assert_array_equal(out[mask], crop[mask])


def test_rgba_alpha_is_blended_toward_opaque():
    crop = np.zeros((1, 2, 4), np.uint8)
    out = dc.remove_background(crop, np.array([[0, 1]], bool), 1.0, (10, 20, 30))
    assert out[0, 0].tolist() == [30, 20, 10, 255]
    assert out[0, 1].tolist() == [0, 0, 0, 0]


def test_grayscale_uses_luma():
    crop = np.zeros((1, 2), np.uint8)
    out = dc.remove_background(crop, np.array([[0, 1]], np.uint8), 1.0, "#ffffff")
    assert out.tolist() == [[255, 0]]


@pytest.mark.parametrize(
    "crop, mask, a, colour, exc, match",
    [
        (np.zeros((2, 2, 3), np.uint16), np.zeros((2, 2), bool), 0.5, "#000", TypeError, "crop: expected dtype uint8, got uint16"),
        (np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2), np.complex64), 0.5, "#000", TypeError, "mask: expected dtype bool, integer or float"),
        (np.zeros((2, 2, 3), np.uint8), np.zeros((2, 3), bool), 0.5, "#000", ValueError, r"mask: expected shape \(2, 2\) or \(2, 2, 3\), got \(2, 3\)"),
        (np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2, 4), bool), 0.5, "#000", ValueError, "mask: expected shape"),
        (np.zeros((2, 2, 3), np.uint8), [[1, 0], [0, 1]], 0.5, "#000", TypeError, "mask: expected a numpy array"),
        (np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2), bool), 1.5, "#000", ValueError, r"mask_opacity: expected a number in \[0, 1\]"),
        (np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2), bool), -0.1, "#000", ValueError, "mask_opacity"),
        (np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2), bool), float("nan"), "#000", ValueError, "mask_opacity"),
        (np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2), bool), "0.5", "#000", TypeError, "mask_opacity"),
        (np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2), bool), 0.5, "#00", ValueError, "background_color"),
        (np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2), bool), 0.5, (0, 0, 256), ValueError, "background_color"),
    ],
)
def test_bad_inputs(crop, mask, a, colour, exc, match):
    with pytest.raises(exc, match=match):
        dc.remove_background(crop, mask, a, colour)


def test_native_entry_points_validate_on_their_own():
    from dynacrop_native import _native

    with pytest.raises(ValueError, match="outside the image"):
        _native.crop(np.zeros((4, 4), np.uint8), np.array([[0, 0, 5, 4]], np.int64), None, 0.0, [])
    with pytest.raises(ValueError, match=r"mask 0: expected shape \(2, 2\), got \(4, 4\)"):
        _native.crop(np.zeros((4, 4), np.uint8), np.array([[0, 0, 2, 2]], np.int64), [np.zeros((4, 4), bool)], 0.5, [0])
    with pytest.raises(ValueError, match="mask: expected one mask"):
        _native.crop(np.zeros((4, 4), np.uint8), np.array([[0, 0, 2, 2]], np.int64), [], 0.5, [0])
    with pytest.raises(ValueError, match="background_color"):
        _native.blend(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), bool), 0.5, [0, 0])
    with pytest.raises(ValueError, match="mask_opacity"):
        _native.blend(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), bool), 2.0, [0, 0, 0])
