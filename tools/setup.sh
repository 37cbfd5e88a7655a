#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine (run as root).
# Installs the build toolchain, the Debian libraries quantc links against,
# the data and fixture generators used by tests, and ONNX Runtime (via Node)
# which the tests use as the independent judge of every emitted model.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  bazel-bootstrap bazel-rules-java bazel-platforms
  g++ libonnx-dev libprotobuf-dev protobuf-compiler libabsl-dev libfmt-dev
  libgtest-dev libbenchmark-dev libeigen3-dev
  libtorch-dev
  libasan8 libubsan1                      # --config=asan (gcc's sanitizer runtimes)
  clang-14 libclang-rt-14-dev llvm-14     # fuzz/ (libFuzzer, llvm-symbolizer)
  libonnx-testdata
  python3 python3-numpy python3-onnx python3-torch python3-torchvision python3-sklearn
  time
  # quantc compile's C on emulated Cortex-M boards (tests/c)
  gcc gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
  # the Python module (python/, installed as python3-quantc below)
  python3-dev python3-pybind11
  # the HTML report's browser test (tests/report): headless Chromium
  chromium fonts-dejavu-core
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# Node.js: the machine image ships NodeSource's nodejs (npm included), which
# conflicts with Debian's npm package; install Debian's only when node is absent.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime for Node. --ignore-scripts: the package's install script
# downloads extra binaries from a host this machine can't reach; the CPU
# binaries we need ship inside the npm package itself.
ORT_DIR="${QUANTC_ORT_DIR:-/opt/quantc-ort}"
if [ ! -f "$ORT_DIR/node_modules/onnxruntime-node/package.json" ]; then
  mkdir -p "$ORT_DIR"
  (cd "$ORT_DIR" && npm install --ignore-scripts --no-audit --no-fund \
     onnxruntime-node@1.30.0 >/dev/null)
fi
# The Python module for Debian's python3, as the package python3-quantc.
bash tools/install_python.sh
echo "setup: ok (ORT in $ORT_DIR)"
