"""The public functions on real torch tensors (the integration venv has torch): CHW uint8 in,
torch tensors out sharing the native buffers, the input never copied nor modified."""

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native import tensors

torch = pytest.importorskip("torch")

BOXES = [[1.5, 2, 9, 7], [0, 0, 13, 11], [4, 4, 4, 9], [-5, -5, 30, 30]]


@pytest.fixture
def given(monkeypatch):
    """The native arrays handed to torch.from_dlpack, in order."""
    arrays = []
    real = tensors.give_back

    def give_back(back, array):
        if back is not None and array is not None:
            arrays.append(array)
        return real(back, array)

    monkeypatch.setattr(tensors, "give_back", give_back)
    return arrays


def chw_image(h=11, w=13, c=3, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).integers(0, 256, (c, h, w), dtype=np.uint8))


def test_crop_boxes_zero_copy_both_ways(given):
    t = chw_image()
    before = t.clone()
    crops = dc.crop_boxes(t, BOXES, layout="chw")
    want = dc.crop_boxes(t.numpy().transpose(1, 2, 0), BOXES)
    for crop, w in zip(crops, want):
        assert (crop is None) == (w is None)
        if w is not None:
            assert isinstance(crop, torch.Tensor) and crop.is_contiguous() and crop.dtype == torch.uint8
            assert torch.equal(crop, torch.from_numpy(np.ascontiguousarray(w.transpose(2, 0, 1))))
    # The returned tensors are the native buffers themselves.
    assert [c.data_ptr() for c in crops if c is not None] == [a.ctypes.data for a in given]
    # copy=False: views of the input tensor's own storage (the input was not copied on the way in).
    start, end = t.data_ptr(), t.data_ptr() + t.numel()
    for view in dc.crop_boxes(t, BOXES, layout="chw", copy=False):
        assert view is None or start <= view.data_ptr() < end
    assert torch.equal(t, before)


def test_remove_background_dynamic_crop_and_batch_on_tensors(given):
    t = chw_image(40, 50)
    mask = torch.from_numpy(np.random.default_rng(1).random((40, 50)) < 0.5)
    got = dc.remove_background(t, mask, 0.5, (255, 0, 0), layout="chw")
    want = dc.remove_background(t.numpy().transpose(1, 2, 0), mask.numpy(), 0.5, (255, 0, 0))
    assert torch.equal(got, torch.from_numpy(np.ascontiguousarray(want.transpose(2, 0, 1))))
    assert got.data_ptr() == given[-1].ctypes.data

    crops = dc.dynamic_crop(t, [[0, 0, 10, 10], [5, 5, 45, 35]], layout="chw", copy=True)
    assert [tuple(c.image.shape) for c in crops] == [(3, 10, 10), (3, 30, 40)]
    assert all(isinstance(c.image, torch.Tensor) for c in crops)

    batch = dc.crop_resize_batch(t, [[0, 0, 10, 10], [5, 5, 45, 35]], (16, 16), layout="NCHW",
                                 image_layout="chw", dtype=np.float32, mean=0, std=255)
    assert isinstance(batch.images, torch.Tensor) and tuple(batch.images.shape) == (2, 3, 16, 16)
    assert batch.images.dtype == torch.float32 and batch.images.data_ptr() == given[-1].ctypes.data


def test_tensors_numpy_cannot_read_give_clear_errors():
    t = chw_image().float().requires_grad_()
    with pytest.raises(TypeError, match="image: cannot read this Tensor through DLPack"):
        dc.crop_boxes(t, BOXES, layout="chw")
    with pytest.raises(TypeError, match="image: expected dtype uint8, uint16 or float32"):
        dc.crop_boxes(chw_image().to(torch.int32), BOXES, layout="chw")
