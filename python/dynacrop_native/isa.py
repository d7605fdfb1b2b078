"""Which SIMD kernels run: detected at import, lowerable for tests and comparisons."""

from __future__ import annotations

import os
import warnings
from typing import TypedDict, cast

from . import _native

ENV_VAR = "DYNACROP_ISA"


class Capabilities(TypedDict):
    cpu: list[str]  # instruction-set extensions this CPU (and OS) supports
    compiled: list[str]  # kernel levels in this build
    available: list[str]  # the ones this machine can run
    active: str  # the one in use
    build: str  # "release", or the sanitizers of a checking build


def capabilities() -> Capabilities:
    """``{"cpu": [...], "compiled": [...], "available": [...], "active": "avx512", "build":
    "release"}``: the extensions this CPU (and OS) supports, the kernel levels in this build,
    the ones this machine can run, the one in use, and the kind of build."""
    return cast(Capabilities, _native.capabilities())


def set_isa(name: str = "best") -> None:
    """Use one kernel level (``"scalar"``, ``"sse4.1"``, ``"avx2"``, ``"avx512"``; ``"neon"`` on
    arm64; ``"best"`` = highest
    available). Raises ``ValueError`` for unknown levels or ones this CPU cannot run."""
    if not isinstance(name, str):
        raise TypeError(f"name: expected a level name string, got {type(name).__name__}")
    _native.set_isa(name)


def get_isa() -> str:
    """The kernel level in use."""
    return _native.get_isa()


def _apply_environment() -> None:
    """Honour DYNACROP_ISA at import; a level that is unknown or that this CPU cannot run is a
    warning naming the variable, never an import failure: the best level stays in use."""
    name = os.environ.get(ENV_VAR, "").strip()
    if not name:
        return
    try:
        set_isa(name)
    except ValueError as e:
        warnings.warn(f"{ENV_VAR}={name!r} ignored ({e}); using {get_isa()!r}", RuntimeWarning, stacklevel=3)
