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
        ("red", "invalid colour"),
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
