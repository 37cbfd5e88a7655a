#!/usr/bin/env bash
# Start-up cost of quantc commands: wall time and peak RSS of
# `quantc inspect` on the digits CNN (median of N runs), and of
# `quantc-train --help` (which loads libtorch), so the README can show that
# quantc itself does not pay libtorch's start-up.
#
#   bash bench/startup.sh [QUANTC_BINARY] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
Q="${1:-bazel-bin/tools/quantc}"
N="${2:-21}"
M=tests/fixtures/digits_cnn/model.onnx
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
measure() {  # CMD... -> "median wall ms, median peak RSS MiB"
  : >"$TMP"
  for _ in $(seq "$N"); do /usr/bin/time -o "$TMP" -a -f "%e %M" "$@" >/dev/null 2>&1; done
  local ms rss
  ms=$(awk '{ print $1 * 1000 }' "$TMP" | median)
  rss=$(awk '{ printf "%.1f\n", $2 / 1024 }' "$TMP" | median)
  echo "${ms} ms, ${rss} MiB"
}
TMP="$(mktemp)"
trap 'rm -f "$TMP"' EXIT
echo "quantc inspect:       $(measure "$Q" inspect "$M")"
echo "quantc-train --help:  $(measure "$(dirname "$Q")/quantc-train" --help)"
echo "libtorch linked by quantc: $(ldd "$Q" | grep -c torch || true) libraries"
