"""_native.records: the column-wise object builder behind the per-crop results."""

import abc
import dataclasses
import gc
import sys

import pytest

from dynacrop_native import _native


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: int
    label: str = "p"


class Plain:
    def __init__(self, a=None, b=None):
        self.a, self.b, self.flag = a, b, False


def test_dicts_in_column_order():
    got = _native.records(None, {"crops": [1, 2, 3], "predictions": ["a", "b", "c"]})
    assert got == [{"crops": 1, "predictions": "a"}, {"crops": 2, "predictions": "b"}, {"crops": 3, "predictions": "c"}]
    assert [list(d) for d in got] == [["crops", "predictions"]] * 3
    assert len({id(d) for d in got}) == 3


def test_frozen_dataclass_instances_equal_constructed_ones():
    got = _native.records(Point, {"x": [1, 2], "y": [3, 4]}, {"x": 0, "y": 0, "label": "q"})
    assert got == [Point(1, 3, "q"), Point(2, 4, "q")]
    assert [list(vars(p)) for p in got] == [["x", "y", "label"]] * 2  # the shared dict's order
    assert hash(got[0]) == hash(Point(1, 3, "q"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        got[0].x = 5  # still frozen
    assert dataclasses.replace(got[1], x=7) == Point(7, 4, "q")


def test_init_is_not_run_and_shared_values_are_the_same_objects():
    shared = {"a": None, "b": [], "flag": True}
    got = _native.records(Plain, {"a": [10, 20]}, shared)
    assert [vars(p) for p in got] == [{"a": 10, "b": [], "flag": True}, {"a": 20, "b": [], "flag": True}]
    assert got[0].b is got[1].b is shared["b"]
    assert shared == {"a": None, "b": [], "flag": True}  # the template is not modified


def test_zero_records():
    assert _native.records(Point, {"x": [], "y": []}) == []


def test_references_are_balanced():
    value = object()
    before = sys.getrefcount(value)
    got = _native.records(Plain, {"a": [value] * 100}, {"b": value})
    assert sys.getrefcount(value) == before + 200
    del got
    gc.collect()
    assert sys.getrefcount(value) == before


class OwnNew:
    def __new__(cls):
        return super().__new__(cls)


class Slotted:
    __slots__ = ("a",)


class Abstract(abc.ABC):
    @abc.abstractmethod
    def run(self): ...


@pytest.mark.parametrize(
    "cls, columns, shared, error, message",
    [
        (None, {}, None, ValueError, "at least one column"),
        (None, {"a": [1], "b": [1, 2]}, None, ValueError, r"columns\['b'\]: expected 1 values"),
        (None, {"a": (1,)}, None, TypeError, r"columns\['a'\]: expected a list, got tuple"),
        (None, {1: [1]}, None, TypeError, "string keys"),
        (None, {"a": [1]}, [("b", 2)], TypeError, "shared: expected a dict"),
        (3, {"a": [1]}, None, TypeError, "cls: expected a class or None"),
        (int, {"a": [1]}, None, TypeError, "without its own __new__"),
        (OwnNew, {"a": [1]}, None, TypeError, "without its own __new__"),
        (Slotted, {"a": [1]}, None, AttributeError, "__dict__"),
        (Abstract, {"a": [1]}, None, TypeError, "abstract"),
    ],
)
def test_bad_arguments(cls, columns, shared, error, message):
    with pytest.raises(error, match=message):
        _native.records(cls, columns, shared)
