#!/usr/bin/env bash
# Builds floors.cpp with the project's kernels, dispatch and crop job (tests/native/run.sh: the
# flags CMakeLists.txt gives the extension) and runs it: each K row's floor beside the shipped
# kernel (x86-64, AVX2).
# Usage: bash benchmarks/native/run.sh [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/../../tests/native/run.sh" host "$here/floors.cpp" "${1:-500}"
