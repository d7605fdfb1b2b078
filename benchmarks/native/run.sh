#!/usr/bin/env bash
# Builds and runs memory_floor.cpp against the project's blend kernels (x86-64 with AVX2).
# Usage: bash benchmarks/native/run.sh [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../src/cpp"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-O2 -std=c++17 -DDYNACROP_X86 -I"$src")
g++ "${flags[@]}" -mavx2 -mfma -c "$src/blend_avx2.cpp" -o "$out/blend_avx2.o"
g++ "${flags[@]}" "$here/memory_floor.cpp" "$src/blend.cpp" "$src/blend_scalar.cpp" "$out/blend_avx2.o" \
    -o "$out/memory_floor"
"$out/memory_floor" "${1:-500}"
