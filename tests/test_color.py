import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native.color import background_for_channels


@pytest.mark.parametrize(
    "value, bgr",
    [
        ("#431112", (0x12, 0x11, 0x43)),
        ("#FFF", (255, 255, 255)),
        ("#a1b", (0xBB, 0x11, 0xAA)),
        ("(128, 32, 64)", (64, 32, 128)),
        ("(1,2,3)", (3, 2, 1)),
        ((18, 17, 67), (67, 17, 18)),
        ([18, 17, 67], (67, 17, 18)),
        (np.array([18, 17, 67], np.uint8), (67, 17, 18)),
        ((0, 0, 0), (0, 0, 0)),
    ],
)
def test_accepted_forms_give_bgr(value, bgr):
    assert dc.parse_color(value) == bgr
    assert all(type(c) is int for c in dc.parse_color(value))


@pytest.mark.parametrize(
    "value, match",
    [
        ("#12345", "invalid colour"),
        ("#ggg", "invalid colour"),
        ("reddish", "invalid colour"),
        ("(1, 2)", "expected 3 components"),
        ("(1, x, 2)", "invalid tuple colour"),
        ("(1, 2, 300)", r"0\.\.255"),
        ((1, 2), "expected 3 components"),
        ((1, 2, 3, 4), "expected 3 components"),
        ((1, 2, -1), r"0\.\.255"),
        ((1.5, 2, 3), r"integers in 0\.\.255"),
        ((True, 2, 3), r"integers in 0\.\.255"),
        (np.zeros((3, 1), int), "expected 3 components"),
        (None, "invalid colour format"),
        (7, "invalid colour format"),
    ],
)
def test_rejected_forms_raise_value_error_naming_the_argument(value, match):
    with pytest.raises(ValueError, match=f"background_color: .*{match}"):
        dc.parse_color(value)


def test_background_for_channel_counts():
    assert background_for_channels((10, 20, 30), 3) == [10, 20, 30]
    assert background_for_channels((10, 20, 30), 4) == [10, 20, 30, 255]
    assert background_for_channels((255, 255, 255), 1) == [255]
    assert background_for_channels((0, 0, 0), 2) == [0, 255]


def test_cached_forms_still_refuse_equal_values_of_other_types():
    assert dc.parse_color((1, 0, 0)) == (0, 0, 1)
    for bad in [(1.0, 0, 0), (True, 0, 0)]:
        with pytest.raises(ValueError, match="components must be integers"):
            dc.parse_color(bad)
    assert dc.parse_color((1, 0, 0)) == (0, 0, 1)


def test_css_names_are_the_css4_table():
    """Our shipped table against matplotlib's copy of the same standard (148 names)."""
    colors = pytest.importorskip("matplotlib.colors")
    from dynacrop_native.css_colors import CSS_COLORS

    assert len(CSS_COLORS) == 148 == len(colors.CSS4_COLORS)
    for name, hex_code in colors.CSS4_COLORS.items():
        assert dc.parse_color(name) == dc.parse_color(hex_code), name
        assert dc.parse_color(name.upper()) == dc.parse_color(f" {name.title()} ") == dc.parse_color(hex_code)
    assert dc.parse_color("white") == (255, 255, 255) and dc.parse_color("rebeccapurple") == (153, 51, 102)


def test_supervision_colors_and_named_tuples_by_channel_name():
    from collections import namedtuple

    sv = pytest.importorskip("supervision")
    assert dc.parse_color(sv.Color.ROBOFLOW) == (251, 81, 163)  # #A351FB as (b, g, r)
    assert dc.parse_color(sv.Color(r=1, g=2, b=3, a=0)) == (3, 2, 1)  # alpha is not used
    assert dc.parse_color(sv.Color.ROBOFLOW.as_rgb()) == (251, 81, 163)
    BGR, RGB = namedtuple("BGR", "b g r"), namedtuple("RGB", "r g b")
    # Equal as plain tuples, so the parse cache must not mix them up.
    assert dc.parse_color(RGB(10, 20, 30)) == (30, 20, 10)
    assert dc.parse_color(BGR(10, 20, 30)) == (10, 20, 30)
    assert dc.parse_color((10, 20, 30)) == (30, 20, 10)
    with pytest.raises(ValueError, match="^background_color: components must be integers"):
        dc.parse_color(RGB(1.5, 0, 0))


def test_colour_forms_through_dynamic_crop():
    sv = pytest.importorskip("supervision")
    image = np.full((10, 10, 3), 7, np.uint8)
    det = sv.Detections(xyxy=np.array([[0.0, 0.0, 6.0, 6.0]]), mask=np.zeros((1, 10, 10), bool))
    for colour in ("white", sv.Color.WHITE, "#fff", (255, 255, 255)):
        (crop,) = dc.dynamic_crop(image, det, mask_opacity=1.0, background_color=colour)
        np.testing.assert_array_equal(crop.image, 255)
    (crop,) = dc.dynamic_crop(image, det, mask_opacity=1.0, background_color=sv.Color.ROBOFLOW)
    np.testing.assert_array_equal(crop.image[0, 0], [0xFB, 0x51, 0xA3])
