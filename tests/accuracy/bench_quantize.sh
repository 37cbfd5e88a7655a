#!/usr/bin/env bash
# Benchmark (not a test): wall time of `quantc quantize` on digits_cnn with
# 1000 calibration samples, default configuration, median of 5 runs.
#
#   tests/accuracy/bench_quantize.sh [RUNS]
#
# The 1000-sample calibration set is calib.npy (500 train samples), then
# test_x.npy (only 450 rows), then calib.npy's first 50 rows again to reach
# 1000; built with /usr/bin/python3's numpy in a temporary folder
# (deterministic). It only has to be realistic for timing. Uses bazel-bin/tools/quantc (build it
# first) or $QUANTC_BIN. Prints each run to stderr and, on stdout, one line:
# the median in seconds.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS="${1:-5}"
PYTHON="${PYTHON:-/usr/bin/python3}"
FX="$FIXTURES_DIR/digits_cnn"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

"$PYTHON" - "$FX/calib.npy" "$FX/test_x.npy" "$TMP/calib1000.npy" <<'EOF'
import sys
import numpy as np
calib, test_x, out = sys.argv[1:]
pool = np.concatenate([np.load(calib), np.load(test_x)])
x = np.concatenate([pool, pool])[:1000].astype(np.float32)
assert x.shape[0] == 1000, x.shape
np.save(out, x)
EOF

times=()
for ((i = 1; i <= RUNS; i++)); do
  start="$(now_s)"
  # quantc's warnings (e.g. the non-VNNI one) are not the benchmark's output.
  if ! "$QUANTC" quantize "$FX/model.onnx" -o "$TMP/q.onnx" --calib="$TMP/calib1000.npy" \
      -q 2>"$TMP/err"; then
    cat "$TMP/err" >&2
    exit 1
  fi
  end="$(now_s)"
  t="$(elapsed "$start" "$end")"
  echo "run $i: $t s" >&2
  times+=("$t")
done
printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 }
  END { if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2];
        else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
