"""The README's install steps build the package once, and CI installs exactly as the README says."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
CI = ROOT / ".ci" / "run"
# A pip install of this checkout: "." or ".[extras]", the form that builds the package.
LOCAL = re.compile(r"""pip install\b.*\s(\.|"\.\[[a-z,]+\]")(\s|$)""")


def bash_blocks(text: str) -> list[list[str]]:
    return [block.strip().splitlines() for block in re.findall(r"```bash\n(.*?)```", text, re.S)]


def quick_start_install() -> str:
    section = README.split("## Quick start", 1)[1]
    return next(line for line in bash_blocks(section)[0] if LOCAL.search(line))


def test_each_readme_block_builds_the_package_at_most_once():
    for block in bash_blocks(README):
        assert sum(bool(LOCAL.search(line)) for line in block) <= 1, block


def test_ci_installs_exactly_as_the_quick_start_in_a_fresh_venv():
    if not CI.exists():
        pytest.skip(".ci/run is not part of this checkout")
    lines = [line.strip() for line in CI.read_text().splitlines()]
    core = lines[lines.index(next(line for line in lines if "stage: core" in line)):]
    core = core[:next(i for i, line in enumerate(core) if "deactivate" == line)]
    venv = next(i for i, line in enumerate(core) if re.search(r"-m venv\b", line))
    installs = [i for i, line in enumerate(core) if LOCAL.search(line)]
    assert [core[i] for i in installs] == [quick_start_install()]
    assert venv < installs[0]


def test_the_quick_start_install_brings_what_its_commands_use():
    """Its line runs the crop command (cli extra) and then the tests (test extra), the benchmarks
    need the bench extra: all three from one install, through the test extra's self-reference."""
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]

    def expand(names: set[str]) -> set[str]:
        more = {extra for name in names for req in extras[name] if req.startswith("dynacrop_native[")
                for extra in req.split("[", 1)[1].rstrip("]").split(",")}
        return names if more <= names else expand(names | more)

    named = set(re.search(r"\.\[([a-z,]+)\]", quick_start_install()).group(1).split(","))
    assert {"test", "cli", "bench"} <= expand(named)
