"""A minimal DLPack tensor library for the core tests (torch is not a core dependency): a Tensor
that exports its numpy buffer through __dlpack__, reports a chosen device, and a module-level
from_dlpack, as torch and JAX have."""

from __future__ import annotations

import numpy as np


class Tensor:
    def __init__(self, array: np.ndarray, device: tuple[int, int] = (1, 0)):
        self.array = array
        self.device = device

    def __dlpack__(self, **kwargs):
        return self.array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self.device

    @property
    def shape(self):
        return self.array.shape


def from_dlpack(x) -> Tensor:
    return Tensor(np.from_dlpack(x))
