#!/usr/bin/env bash
# The README's first quick-start command: quantc's job on the shipped example
# (a CNN trained on scikit-learn's digits): inspect it, then convert it.
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build //tools:quantc
out="${1:-/tmp/quantc-example}"
mkdir -p "$out"
bazel-bin/tools/quantc inspect tests/fixtures/digits_cnn/model.onnx
bazel-bin/tools/quantc convert tests/fixtures/digits_cnn/model.onnx -o "$out/digits_cnn.onnx"
echo "wrote $out/digits_cnn.onnx"
