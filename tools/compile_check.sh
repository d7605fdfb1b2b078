#!/usr/bin/env bash
# Compile checks for the platforms this machine cannot build wheels for, with clang (the Zig
# toolchain from PyPI, `ziglang`: no apt step) and warnings as errors:
#   x86_64-linux-gnu, aarch64-linux-gnu: every source file, the bindings included;
#   x86_64-windows-gnu: every file but those that include Python.h (this host's pyconfig.h is
#   Linux's), i.e. the kernels, dispatch (cpuid/xgetbv), output memory and threads.
# Each file gets the flags CMakeLists.txt gives it (per-ISA -msse4.1 / -mavx2 -mfma / -mavx512*, DYNACROP_X86
# or DYNACROP_NEON, -ffp-contract=off -Wall -Wextra), compiled at -O0 (the checks and warnings of
# the front end; zig's -fsyntax-only cannot be used: its driver expects an object file).
#   bash tools/compile_check.sh            (ZIG_TOOLS=<venv> reuses a venv with ziglang and nanobind)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
venv=${ZIG_TOOLS:-$work/tools}
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q "ziglang==0.17.*" "nanobind>=2.4"
fi
zig=$("$venv/bin/python" -c "import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), 'zig'))")
nanobind=$("$venv/bin/python" -c "import nanobind; print(nanobind.include_dir())")
robin=$(dirname "$nanobind")/ext/robin_map/include
pyinc=$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['include'])")

cd "$root/src/cpp"
status=0
check() {  # target defines file...
  local target=$1 defines=$2
  shift 2
  for f in "$@"; do
    local isa=()
    case "$f" in
      *_sse41.cpp) isa=(-msse4.1) ;;
      *_avx2.cpp) isa=(-mavx2 -mfma) ;;
      *_avx512.cpp) isa=(-mavx512f -mavx512bw -mavx512vl -mavx512vbmi) ;;
    esac
    if ! "$zig" c++ -target "$target" -std=c++17 -c -O0 -o "$work/$target-${f%.cpp}.o" -Werror -Wall -Wextra \
        -ffp-contract=off "$defines" "${isa[@]}" -I. -I"$nanobind" -I"$robin" -I"$pyinc" "$f"; then
      echo "compile check FAILED: $target $f"
      status=1
    fi
  done
}
common=(blend.cpp blend_scalar.cpp boxes.cpp crop.cpp dispatch.cpp output.cpp parallel.cpp thread_policy.cpp rows.cpp rle.cpp resize.cpp
        resample_scalar.cpp area_scalar.cpp half_scalar.cpp warp.cpp)
x86=(blend_sse41.cpp blend_avx2.cpp blend_avx512.cpp resample_sse41.cpp area_sse41.cpp half_sse41.cpp warp_avx2.cpp)
neon=(blend_neon.cpp resample_neon.cpp area_neon.cpp half_neon.cpp warp_neon.cpp)
python_files=(bindings.cpp warp_bindings.cpp records.cpp gil.cpp)

# Every source file belongs to exactly one list, so a new file cannot skip the checks.
listed=$(printf '%s\n' "${common[@]}" "${x86[@]}" "${neon[@]}" "${python_files[@]}" | sort)
present=$(ls ./*.cpp | sed 's|^\./||' | sort)
if [ "$listed" != "$present" ]; then
  echo "compile check: tools/compile_check.sh's file lists differ from src/cpp/*.cpp:"
  diff <(echo "$listed") <(echo "$present") || true
  exit 1
fi

check x86_64-linux-gnu -DDYNACROP_X86=1 "${common[@]}" "${x86[@]}" "${python_files[@]}"
check aarch64-linux-gnu -DDYNACROP_NEON=1 "${common[@]}" "${neon[@]}" "${python_files[@]}"
check x86_64-windows-gnu -DDYNACROP_X86=1 "${common[@]}" "${x86[@]}"
[ "$status" = 0 ] && echo "compile checks passed: x86_64 and aarch64 Linux, x86_64 Windows (clang, -Werror)"
exit "$status"
