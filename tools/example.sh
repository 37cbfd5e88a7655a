#!/usr/bin/env bash
# The README's first quick-start command: quantc's main job on the shipped
# example, a CNN trained on scikit-learn's digits: inspect it, quantize it to
# int8 QDQ with its calibration data (report as JSON and as an HTML page),
# and measure float vs int8 accuracy in ONNX Runtime on the held-out test
# split.
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build //tools:quantc
out="${1:-/tmp/quantc-example}"
fx=tests/fixtures/digits_cnn
mkdir -p "$out"
bazel-bin/tools/quantc inspect "$fx/model.onnx" --format=json
for report in report.json report.html; do
  bazel-bin/tools/quantc quantize "$fx/model.onnx" -o "$out/digits_cnn_int8.onnx" \
    --calib "$fx/calib.npy" --report "$out/$report"
done
echo "wrote $out/digits_cnn_int8.onnx, $out/report.json and $out/report.html"
export QUANTC_ORT_DIR="${QUANTC_ORT_DIR:-/opt/quantc-ort}"
node tests/ort/accuracy.js "$fx/model.onnx" "$fx/test_x.npy" "$fx/test_y.npy"
node tests/ort/accuracy.js "$out/digits_cnn_int8.onnx" "$fx/test_x.npy" "$fx/test_y.npy"
