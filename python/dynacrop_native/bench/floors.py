"""The kernel floors: each K row's kernel beside what moving its bytes costs on this CPU, from
`benchmarks/native/floors.cpp` (C++, no Python in the way), built from the source checkout this
package runs from. An installed wheel has no sources; then one line says how to get them."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path


def floors_script() -> Path | None:
    """benchmarks/native/run.sh of the checkout in the working directory or the one this package
    was installed from (editable installs), or None."""
    here = Path(__file__).resolve()
    for parent in (Path.cwd(), *here.parents):
        script = parent / "benchmarks" / "native" / "run.sh"
        project = parent / "pyproject.toml"
        if script.is_file() and project.is_file() and 'name = "dynacrop_native"' in project.read_text():
            return script
    return None


def floor_table(quick: bool) -> str:
    """The floors table, or a one-line note saying why it was not measured."""
    script = floors_script()
    if script is None:
        return ("floors: not measured (run `bench` from the source checkout, or "
                "`bash benchmarks/native/run.sh` there)")
    if platform.machine().lower() not in ("x86_64", "amd64") or shutil.which(os.environ.get("CXX", "g++")) is None:
        return "floors: not measured (needs an x86-64 machine with a C++ compiler; CXX, default g++)"
    done = subprocess.run(["bash", str(script), "30" if quick else "300"], capture_output=True, text=True)
    if done.returncode != 0:
        return f"floors: the native harness failed ({done.returncode}):\n{done.stderr.strip()}"
    return done.stdout.rstrip()
