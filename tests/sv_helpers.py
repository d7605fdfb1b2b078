"""Equality of supervision.Detections, field by field, dtypes included."""

import numpy as np


def assert_detections_equal(got, want):
    assert type(got) is type(want)
    for field in ("xyxy", "mask", "confidence", "class_id", "tracker_id"):
        g, w = getattr(got, field), getattr(want, field)
        assert (g is None) == (w is None), field
        if g is not None:
            np.testing.assert_array_equal(g, w, err_msg=field)
            assert g.dtype == w.dtype, field
    assert got.data.keys() == want.data.keys()
    for key in want.data:
        np.testing.assert_array_equal(np.asarray(got.data[key]), np.asarray(want.data[key]), err_msg=key)
        assert np.asarray(got.data[key]).dtype == np.asarray(want.data[key]).dtype, key
    assert got.metadata == want.metadata
