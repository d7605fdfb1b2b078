"""deep_copy: copy.deepcopy's result, by a pickle round trip for plain metadata."""

import copy

import numpy as np
import pytest

from dynacrop_native.copying import deep_copy


def test_plain_data_copies_like_deepcopy_with_its_sharing():
    shared = [1, 2.5, None]
    value = {"a": shared, "b": (shared, "x", True), "c": {"d": [{"e": -3}], 7: float("inf")}}
    got, want = deep_copy(value), copy.deepcopy(value)
    assert got == want
    assert got["a"] is got["b"][0]  # one copy of the shared list, as deepcopy's memo makes
    assert got["a"] is not shared and got["c"]["d"][0] is not value["c"]["d"][0]
    assert type(got["b"][2]) is bool


def test_other_values_go_to_deepcopy():
    class Marked(dict):
        def __deepcopy__(self, memo):
            return "deepcopied"

    assert deep_copy({"k": Marked()}) == {"k": "deepcopied"}
    array = np.arange(3)
    got = deep_copy({"a": array, "s": np.str_("id")})
    assert got["a"] is not array and (got["a"] == array).all() and type(got["s"]) is np.str_


def test_nesting_too_deep_to_check_behaves_as_deepcopy():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(RecursionError):
        copy.deepcopy(deep)
    with pytest.raises(RecursionError):
        deep_copy(deep)


def test_nan_and_long_strings_are_kept_as_deepcopy_keeps_them():
    nan, text = float("nan"), "x" * 100_000
    value = {"l": [nan], "t": text}
    got = deep_copy(value)
    assert got["l"][0] is nan and got["t"] is text and got["l"] is not value["l"]
    assert got == value
