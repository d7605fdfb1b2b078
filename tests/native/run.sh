#!/usr/bin/env bash
# Builds simd_vs_scalar.cpp (or another driver) with the kernels, dispatch and crop job and runs it.
#   bash tests/native/run.sh host      the host's levels (x86-64: sse4.1, avx2 and avx512 where the CPU has them)
#   bash tests/native/run.sh aarch64   cross-built with aarch64-linux-gnu-g++, run under qemu-aarch64-static (neon)
#   bash tests/native/run.sh host DRIVER.cpp [ARGS...]   another driver (benchmarks/native/run.sh)
# Flags as CMakeLists.txt gives the extension: -ffp-contract=off everywhere, per-ISA flags per file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../src/cpp"
target=${1:-host}
driver=${2:-$here/simd_vs_scalar.cpp}
shift $(( $# > 2 ? 2 : $# ))
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
common=(dispatch.cpp blend.cpp blend_scalar.cpp resample_scalar.cpp area_scalar.cpp half_scalar.cpp warp.cpp parallel.cpp thread_policy.cpp
        crop.cpp output.cpp rows.cpp)
flags=(-O2 -std=c++17 -ffp-contract=off -Wall -Wextra -Werror -I"$src")
if [ "$target" = aarch64 ]; then
  cxx=aarch64-linux-gnu-g++
  flags+=(-DDYNACROP_NEON=1 -static)
  objects=("$src/blend_neon.cpp" "$src/resample_neon.cpp" "$src/area_neon.cpp" "$src/half_neon.cpp" "$src/warp_neon.cpp")
  run=(qemu-aarch64-static -L /usr/aarch64-linux-gnu)
elif [ "$(uname -m)" = x86_64 ]; then
  cxx=${CXX:-g++}
  flags+=(-DDYNACROP_X86=1)
  for f in blend_sse41 resample_sse41 area_sse41 half_sse41; do "$cxx" "${flags[@]}" -msse4.1 -c "$src/$f.cpp" -o "$out/$f.o"; done
  for f in blend_avx2 warp_avx2; do "$cxx" "${flags[@]}" -mavx2 -mfma -c "$src/$f.cpp" -o "$out/$f.o"; done
  "$cxx" "${flags[@]}" -mavx512f -mavx512bw -mavx512vl -mavx512vbmi -c "$src/blend_avx512.cpp" -o "$out/blend_avx512.o"
  objects=("$out"/*.o)
  run=()
else
  echo "run.sh: no SIMD level for host $(uname -m); use 'aarch64' to cross-build" >&2
  exit 2
fi
"$cxx" "${flags[@]}" "$driver" "${common[@]/#/$src/}" "${objects[@]}" -pthread -o "$out/driver"
"${run[@]}" "$out/driver" "$@"
