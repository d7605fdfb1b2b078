#!/usr/bin/env bash
# An emulated aarch64 CPython with a wheel and the test requirements installed, for running the
# test suite under qemu-aarch64-static on an x86-64 Debian host (no arm64 machine, no container).
#   bash tools/aarch64_python.sh ROOT WHEEL
# then ROOT/python is that interpreter (a script running qemu; sys.executable points at it, so
# tests that start a subprocess of sys.executable run emulated too). ROOT holds Debian's arm64
# python3.11 and the libraries it and the wheels load (apt-get download + dpkg -x; adds the
# arm64 architecture to dpkg if needed) and, in ROOT/site, aarch64 wheels from PyPI.
# The Python version is Debian 12's (3.11): WHEEL must be a cp311 (or abi3 <= cp311) one.
set -euo pipefail
root=$(mkdir -p "$1" && cd "$1" && pwd)
wheel=$(realpath "$2")
python=${PYTHON:-python3}
debs=(python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libc6 libexpat1 zlib1g libffi8 libbz2-1.0
      liblzma5 libssl3 libuuid1 libsqlite3-0 libstdc++6 libgcc-s1 libcrypt1)
if [ ! -x "$root/usr/bin/python3.11" ]; then
  sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    "${sudo[@]}" dpkg --add-architecture arm64
    "${sudo[@]}" apt-get update -qq
  fi
  command -v qemu-aarch64-static >/dev/null ||
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null
  mkdir -p "$root/debs"
  (cd "$root/debs" && apt-get download -qq "${debs[@]/%/:arm64}" 2>&1 | grep -v "unsandboxed as root" || true)
  for deb in "$root"/debs/*.deb; do dpkg -x "$deb" "$root"; done
  rm -rf "$root/debs"
fi
cat > "$root/python" <<EOF
#!/bin/sh
PYTHONPATH="$root/site" exec qemu-aarch64-static -L "$root" -0 "$root/python" "$root/usr/bin/python3.11" "\$@"
EOF
chmod +x "$root/python"
# The test extra without the type checkers (test_typing skips: types do not depend on the arch).
pip_target=(-m pip install -q --upgrade --no-warn-conflicts --root-user-action=ignore --target "$root/site" --only-binary=:all: --implementation cp
            --python-version 3.11 --abi cp311 --abi abi3 --abi none
            --platform manylinux_2_17_aarch64 --platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64
            --platform manylinux_2_34_aarch64 --platform any)
"$python" "${pip_target[@]}" "$wheel" "pytest>=8" "hypothesis>=6.100" "supervision>=0.25" "pycocotools>=2.0.7" \
    "pillow>=9.4" "opencv-python-headless>=4.8" "tqdm>=4.60" "pyyaml>=6" "pytest-benchmark>=4" "matplotlib>=3.7"
"$root/python" -c "import platform, dynacrop_native as dc; print(platform.machine(), dc.capabilities())"
