"""The Inference drop-in's crop options: checked once per distinct (mask_opacity,
background_color) and shared, without letting a cached value stand in for a different one."""

import pytest

from dynacrop_native.integrations.inference import block_options
from dynacrop_native.options import CropOptions


def test_repeated_arguments_share_one_checked_options():
    first = block_options(0.5, "#102030")
    assert block_options(0.5, "#102030") is first
    assert first.mask_opacity == 0.5 and first.bgr == (0x30, 0x20, 0x10)
    assert block_options(0.25, "#102030") is not first


def test_equal_values_of_other_types_are_checked_on_their_own():
    assert block_options(1, (0, 0, 0)) is not block_options(1.0, (0, 0, 0))
    with pytest.raises(TypeError):
        block_options(True, (0, 0, 0))  # a bool is refused even where 1 was accepted
    block_options(0.5, (1, 0, 0))
    for colour in ((True, 0, 0), (1.0, 0, 0)):  # equal to (1, 0, 0), hash alike, checked on their own
        try:
            want = CropOptions(0.5, colour).bgr
        except (TypeError, ValueError) as e:
            with pytest.raises(type(e)):
                block_options(0.5, colour)
        else:
            assert block_options(0.5, colour).bgr == want


def test_unhashable_colours_and_bad_values():
    assert block_options(0.5, [1, 2, 3]).bgr == block_options(0.5, (1, 2, 3)).bgr
    for _ in range(2):  # errors are raised every time, never cached
        with pytest.raises(ValueError, match="mask_opacity"):
            block_options(1.5, "#000000")
