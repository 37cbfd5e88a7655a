#!/usr/bin/env bash
# The HTML reports as a browser shows them: quantize (generic and TINPU),
# compile and train reports of the digits CNN, and quantize's report of a
# model quantized elsewhere, each written next to its JSON report by the
# same command, rendered in headless Chromium and checked against the
# JSON by check_report.js. Writes the generic page's screenshot to the test
# outputs (docs/report.png is that image; regenerate it with
# `bash tests/report/report_browser_test.sh --update-screenshot`).
set -uo pipefail
# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
TMP="$(mktemp -d "${TEST_TMPDIR:-/tmp}/report.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
fx="$FIXTURES_DIR/digits_cnn"
# The page names the model as given: relative, as in tools/example.sh.
if [[ "$FIXTURES_DIR" == "$ROOT/tests/fixtures" ]]; then
  cd "$ROOT" && fx=tests/fixtures/digits_cnn
fi
shot="${TEST_UNDECLARED_OUTPUTS_DIR:-$TMP}/report.png"
[[ "${1:-}" == "--update-screenshot" ]] && shot="$ROOT/docs/report.png"

run() {
  "$@" >"$TMP/out" 2>"$TMP/err" || { echo "FAIL $*: $(cat "$TMP/err")"; exit 1; }
}
# The README's example, as tools/example.sh runs it, then TINPU and compile.
for target in generic tinpu; do
  for ext in json html; do
    run "$QUANTC" quantize "$fx/model.onnx" -o "$TMP/$target.onnx" --calib "$fx/calib.npy" \
      --target="$target" --report="$TMP/$target.$ext"
  done
done
for ext in json html; do
  run "$QUANTC" compile "$TMP/generic.onnx" -o "$TMP/c" --report="$TMP/compile.$ext"
  # A model quantized elsewhere (PyTorch QAT), re-targeted to TINPU.
  run "$QUANTC" quantize "$ROOT/tests/imported/torch_qat/model.onnx" -o "$TMP/imported.onnx" \
    --target=tinpu --report="$TMP/imported.$ext"
done
# quantc train writes both reports of one run (two epochs on the digits CNN,
# validated on its test split).
run "$QUANTC" train "$fx/model.onnx" -o "$TMP/trained.onnx" --train "$fx/train_x.npy" \
  --labels "$fx/train_y.npy" --val "$fx/test_x.npy" --val-labels "$fx/test_y.npy" --epochs 2 \
  --threads 1 --target=tinpu --weight-bits=4 --report="$TMP/train.json,$TMP/train.html"
# A report name that is neither .json nor .html is a usage error.
"$QUANTC" quantize "$fx/model.onnx" -o "$TMP/x.onnx" --calib "$fx/calib.npy" --report="$TMP/r.txt" \
  2>"$TMP/err"
[[ $? -eq 2 ]] && grep -q "must end in .json" "$TMP/err" || { echo "FAIL --report=r.txt: $(cat "$TMP/err")"; exit 1; }
[[ ! -e "$TMP/x.onnx" ]] || { echo "FAIL --report=r.txt left a model behind"; exit 1; }

"$NODE" --experimental-websocket "$ROOT/tests/report/check_report.js" --screenshot="$shot" \
  "quantize:$TMP/generic.html:$TMP/generic.json" "quantize:$TMP/tinpu.html:$TMP/tinpu.json" \
  "compile:$TMP/compile.html:$TMP/compile.json" "imported:$TMP/imported.html:$TMP/imported.json" \
  "train:$TMP/train.html:$TMP/train.json"
