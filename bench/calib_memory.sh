#!/bin/bash
# Peak memory of `quantc quantize` calibrating the digits CNN on 1,000 and on
# 50,000 samples (the calibration split tiled), measured with GNU time.
# Calibration streams samples from the .npy file, so the two peaks should be
# equal: memory must not grow with N.
#
#   bench/calib_memory.sh            (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bazel build //tools:quantc >/dev/null 2>&1
/usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
x = np.load("tests/fixtures/digits_cnn/calib.npy")
np.save(f"{sys.argv[1]}/calib_1000.npy", np.tile(x, (2, 1, 1, 1)))
np.save(f"{sys.argv[1]}/calib_50000.npy", np.tile(x, (100, 1, 1, 1)))
PY
printf "%-8s %12s %10s\n" samples "peak RSS KiB" seconds
for n in 1000 50000; do
  /usr/bin/time -f "%M %e" -o "$work/t" bazel-bin/tools/quantc quantize \
    tests/fixtures/digits_cnn/model.onnx -o "$work/q.onnx" --calib "$work/calib_$n.npy" -q 2>/dev/null
  read -r rss secs <"$work/t"
  printf "%-8s %12s %10s\n" "$n" "$rss" "$secs"
done
