#!/usr/bin/env bash
# Robustness: `quantc quantize` (generic and tinpu) on every single-input
# model of ONNX's node and simple test data, calibrated with its own test
# input. Every run must end in success (0) or a clean rejection (3 invalid,
# 4 unsupported, with "quantc: error:"); a signal, a timeout or exit 1 (an
# internal error) fails the test. Prints counts per target and exit code,
# successes and clean rejections apart.
#
# The scope is pinned (tests/lib/pins.sh): the (model, target) runs in
# tests/conformance/pins/robustness_in_scope.txt must all still run, and
# those in robustness_succeeded.txt must still succeed; a missing corpus
# or helper tool fails the test.
set -uo pipefail
# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
# shellcheck source=tests/lib/pins.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/pins.sh"
DATA_ROOT="${QUANTC_TESTDATA:-/usr/share/libonnx-testdata/data}"
PB_TO_NPY="${PB_TO_NPY:-$BIN/tests/tools/pb_to_npy}"
for tool in "$QUANTC" "$PB_TO_NPY"; do
  [[ -x "$tool" ]] || { echo "quantize_robustness: missing tool $tool" >&2; exit 1; }
done
for suite in node simple; do
  [[ -d "$DATA_ROOT/$suite" ]] || { echo "quantize_robustness: missing corpus $DATA_ROOT/$suite" >&2; exit 1; }
done
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export QUANTC PB_TO_NPY WORK

one() {  # one MODEL_DIR: prints "name target rc" lines
  local d="$1" name
  name="$(basename "$d")"
  [[ -f "$d/test_data_set_0/input_0.pb" && ! -f "$d/test_data_set_0/input_1.pb" ]] || return 0
  "$PB_TO_NPY" "$d/test_data_set_0/input_0.pb" "$WORK/$name.npy" >/dev/null 2>&1 || return 0
  for t in generic tinpu; do
    timeout 60 "$QUANTC" quantize "$d/model.onnx" -o "$WORK/$name.$t.onnx" \
      --calib "$WORK/$name.npy" --target="$t" -q >/dev/null 2>"$WORK/$name.$t.err"
    local rc=$?
    if [[ $rc -ne 0 ]] && ! grep -q "^quantc: error:" "$WORK/$name.$t.err"; then rc="$rc-noerror"; fi
    echo "$name $t $rc $(head -c 160 "$WORK/$name.$t.err" | tr '\n' ' ')"
    rm -f "$WORK/$name.$t.onnx"
  done
}
export -f one
find "$DATA_ROOT/node" "$DATA_ROOT/simple" -mindepth 1 -maxdepth 1 -type d | sort |
  xargs -P 2 -I{} bash -c 'one "$@"' _ {} >"$WORK/results.txt"

echo "target exit-code count"
awk '{print $2, $3}' "$WORK/results.txt" | sort | uniq -c | awk '{print "  " $2, $3, $1}'
succeeded=$(awk '$3 == "0"' "$WORK/results.txt" | wc -l)
rejected=$(awk '$3 == "3" || $3 == "4"' "$WORK/results.txt" | wc -l)
echo "runs: $(wc -l <"$WORK/results.txt"); succeeded $succeeded, rejected cleanly $rejected"
awk '{print $1 " " $2}' "$WORK/results.txt" >"$WORK/in_scope.txt"
awk '$3 == "0" {print $1 " " $2}' "$WORK/results.txt" >"$WORK/succeeded.txt"
pins_ok=1
check_pins robustness_in_scope "$WORK/in_scope.txt" || pins_ok=0
check_pins robustness_succeeded "$WORK/succeeded.txt" || pins_ok=0
bad=$(awk '$3 != "0" && $3 != "3" && $3 != "4"' "$WORK/results.txt")
ok=$((succeeded + rejected))
if [[ -n "$bad" ]]; then
  echo "crashes, timeouts or internal errors:"
  echo "$bad"
  echo "$ok passed, $(echo "$bad" | wc -l) failed"
  exit 1
fi
if ((pins_ok == 0)); then
  echo "pinned runs left the scope or stopped succeeding"
  exit 1
fi
echo "$ok passed, 0 failed"
