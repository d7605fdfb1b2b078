#!/usr/bin/env bash
# Builds floors.cpp with the project's kernels, dispatch and crop job (flags as CMakeLists.txt
# gives the extension) and runs it: each K row's floor beside the shipped kernel (x86-64, AVX2).
# Usage: bash benchmarks/native/run.sh [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../src/cpp"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cxx=${CXX:-g++}
flags=(-O2 -std=c++17 -ffp-contract=off -DDYNACROP_X86=1 -I"$src")
for f in blend_sse41 resample_sse41 area_sse41 half_sse41; do "$cxx" "${flags[@]}" -msse4.1 -c "$src/$f.cpp" -o "$out/$f.o" & done
for f in blend_avx2 warp_avx2; do "$cxx" "${flags[@]}" -mavx2 -mfma -c "$src/$f.cpp" -o "$out/$f.o" & done
wait
common=(dispatch.cpp blend.cpp blend_scalar.cpp resample_scalar.cpp area_scalar.cpp half_scalar.cpp warp.cpp parallel.cpp
        crop.cpp output.cpp rows.cpp)
"$cxx" "${flags[@]}" "$here/floors.cpp" "${common[@]/#/$src/}" "$out"/*.o -pthread -o "$out/floors"
"$out/floors" "${1:-500}"
