import os
import subprocess
import sys

import pytest

import dynacrop_native as dc


def test_capabilities_lists_levels():
    caps = dc.capabilities()
    assert caps["compiled"][0] == "scalar"
    assert set(caps["available"]) <= set(caps["compiled"])
    assert "scalar" in caps["available"]
    assert caps["active"] == caps["available"][-1]  # the best level is picked at import
    if "avx2" in caps["compiled"]:
        assert ("avx2" in caps["available"]) == ("avx2" in caps["cpu"] and "fma" in caps["cpu"])
    if "avx512" in caps["compiled"]:  # AVX-512 F/BW/VL and VBMI, on top of AVX2
        want = "avx2" in caps["available"] and "avx512vbmi" in caps["cpu"]
        assert ("avx512" in caps["available"]) == want


def test_set_isa_round_trip(isa):
    assert dc.get_isa() == isa
    assert dc.capabilities()["active"] == isa


def test_set_isa_rejects_unknown_level():
    with pytest.raises(ValueError, match="isa: unknown level 'mmx'"):
        dc.set_isa("mmx")
    with pytest.raises(TypeError, match="name"):
        dc.set_isa(3)


def test_environment_variable_forces_level():
    env = dict(os.environ, DYNACROP_ISA="scalar")
    out = subprocess.run(
        [sys.executable, "-c", "import dynacrop_native as dc; print(dc.get_isa())"],
        env=env, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "scalar"


@pytest.mark.skipif(dc.capabilities()["build"] != "release", reason="sanitizer builds generate no stubs")
def test_type_stubs_ship_with_the_package():
    from importlib import resources

    pkg = resources.files("dynacrop_native")
    assert pkg.joinpath("py.typed").is_file()
    stub = pkg.joinpath("_native.pyi").read_text()
    for name in ("def crop(", "def blend(", "def capabilities(", "def set_isa("):
        assert name in stub, f"_native.pyi is missing {name}: stubs out of date"
