"""Typing (issue 19): the public API is fully typed for pyright's --verifytypes, a script using
every public function passes `mypy --strict` and pyright, and misuse is caught by both."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dynacrop_native as dc

HERE = Path(__file__).parent / "typing"
pytestmark = pytest.mark.skipif(dc.capabilities()["build"] != "release",
                                reason="types do not depend on the build; checked once, in the release build")


def run(tool, *args, cwd):
    pytest.importorskip(tool)
    return subprocess.run([sys.executable, "-m", tool, *args], capture_output=True, text=True, cwd=cwd)


def mypy(path, tmp_path):
    return run("mypy", "--strict", "--no-color-output", "--cache-dir", str(tmp_path / "mypy"), str(path), cwd=tmp_path)


def pyright(path, tmp_path):
    return run("basedpyright", "--level", "error", str(path), cwd=tmp_path)


def error_lines(output, path):
    return {int(n) for n in re.findall(rf"{re.escape(path.name)}:(\d+):\d*:? ?-? ?error", output)}


def test_usage_passes_mypy_strict_and_pyright(tmp_path):
    usage = HERE / "usage.py"
    result = mypy(usage, tmp_path)
    assert result.returncode == 0, result.stdout
    result = pyright(usage, tmp_path)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("checker", [mypy, pyright])
def test_misuse_is_caught(tmp_path, checker):
    misuse = HERE / "misuse.py"
    marked = {i for i, line in enumerate(misuse.read_text().splitlines(), 1) if line.endswith("# error")}
    result = checker(misuse, tmp_path)
    assert error_lines(result.stdout, misuse) == marked, result.stdout


def test_public_api_is_fully_typed(tmp_path):
    """Every symbol reachable from dynacrop_native.__all__ has a known type. Internal modules
    count in pyright's overall score too; their gaps are printed (`pytest -s`), not judged."""
    result = run("basedpyright", "--verifytypes", "dynacrop_native", "--ignoreexternal", "--outputjson", cwd=tmp_path)
    report = json.loads(result.stdout)["typeCompleteness"]
    public = [f"dynacrop_native.{n}" for n in dc.__all__]
    public += [f"{getattr(dc, n).__module__}.{getattr(dc, n).__qualname__}" for n in dc.__all__]
    ours = [s for s in report["symbols"] if any(s["name"] == p or s["name"].startswith(p + ".") for p in public)]
    gaps = [s["name"] for s in ours if not s["isTypeKnown"] or s.get("isTypeAmbiguous")]
    assert len(ours) > 50 and not gaps, gaps
    internal = [s["name"] for s in report["symbols"] if not s["isTypeKnown"] and s not in ours]
    print(f"pyright type completeness {report['completenessScore']:.1%}; public API: {len(ours)} symbols, all known; "
          f"internal symbols not fully known: {len(internal)}: {', '.join(internal)}")
