#!/usr/bin/env bash
# `quantc eval`: accuracy and MSE against independent numbers (the torch
# accuracy the fixture generator recorded; ONNX Runtime's own logits), and
# every class of bad input rejected with a clear error.
set -u
# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
BADD="$ROOT/tests/train/bad_data"
ORT_JS="$ROOT/tests/ort/accuracy.js"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

check() {  # check NAME EXPECTED_CODE STDOUT+STDERR_FRAGMENT CMD...
  local name="$1" want="$2" fragment="$3"
  shift 3
  "$@" >"$TMP/out" 2>&1
  local got=$?
  if [[ $got -ne $want ]]; then
    echo "FAIL $name: exit $got, want $want: $(head -c 400 "$TMP/out")"
    failed=$((failed + 1))
  elif ! grep -qF -- "$fragment" "$TMP/out"; then
    echo "FAIL $name: output lacks '$fragment': $(head -c 400 "$TMP/out")"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
}

# Float accuracy equals the one torch measured when the fixture was made.
for m in digits_cnn digits_resnet wine_mlp; do
  f="$FIXTURES_DIR/$m"
  n=$(grep -o '"num_test": [0-9]*' "$f/info.json" | grep -o '[0-9]*$')
  acc=$(grep -o '"float_test_accuracy": [0-9.]*' "$f/info.json" | grep -o '[0-9.]*$')
  correct=$(awk -v a="$acc" -v n="$n" 'BEGIN { printf "%d", a * n + 0.5 }')
  want=$(awk -v c="$correct" -v n="$n" 'BEGIN { printf "top1 %.2f%% (%d/%d)", 100 * c / n, c, n }')
  check "eval $m" 0 "$want" "$QUANTC" eval "$f/model.onnx" --data "$f/test_x.npy" --labels "$f/test_y.npy"
  # The other value spelling gives the same line.
  check "eval $m, --flag=value" 0 "$want" "$QUANTC" eval "$f/model.onnx" --data="$f/test_x.npy" \
    --labels="$f/test_y.npy" --metric=top1
done

# MSE against ONNX Runtime's logits of the same model: ~0; shifted by 1: ~1.
f="$FIXTURES_DIR/digits_cnn"
if "$NODE" "$ORT_JS" "$f/model.onnx" "$BADD/x.npy" "$BADD/y.npy" --logits="$TMP/logits.npy" >/dev/null; then
  "$QUANTC" eval "$f/model.onnx" --data "$BADD/x.npy" --labels "$TMP/logits.npy" --metric=mse >"$TMP/mse" 2>&1
  if awk '{ exit !($1 == "mse" && $2 < 1e-9) }' "$TMP/mse"; then
    passed=$((passed + 1))
  else
    echo "FAIL mse vs ORT logits: $(cat "$TMP/mse")"
    failed=$((failed + 1))
  fi
else
  echo "FAIL: ONNX Runtime could not run $f/model.onnx"
  failed=$((failed + 1))
fi

# Bad input: exit 3 (invalid input) or 2 (usage), the file named.
M="$f/model.onnx"
check "labels short" 3 "y_short.npy: 39 labels for 40 samples" \
  "$QUANTC" eval "$M" --data "$BADD/x.npy" --labels "$BADD/y_short.npy"
check "label out of range" 3 "y_out_of_range.npy: label of sample 7 is 10, outside the model's 10 classes" \
  "$QUANTC" eval "$M" --data "$BADD/x.npy" --labels "$BADD/y_out_of_range.npy"
check "label negative" 3 "y_negative.npy: label of sample 3 is negative" \
  "$QUANTC" eval "$M" --data "$BADD/x.npy" --labels "$BADD/y_negative.npy"
check "float labels" 3 "y_float.npy: top1 labels must be integer class indices" \
  "$QUANTC" eval "$M" --data "$BADD/x.npy" --labels "$BADD/y_float.npy"
check "nan data" 3 "x_nan.npy" \
  "$QUANTC" eval "$M" --data "$BADD/x_nan.npy" --labels "$BADD/y.npy"
check "wrong shape" 3 "x_wrong_shape.npy" \
  "$QUANTC" eval "$M" --data "$BADD/x_wrong_shape.npy" --labels "$BADD/y.npy"
check "missing labels" 2 "--labels=Y.npy are required" "$QUANTC" eval "$M" --data "$BADD/x.npy"
check "bad metric" 2 "unknown metric 'top5'" \
  "$QUANTC" eval "$M" --data "$BADD/x.npy" --labels "$BADD/y.npy" --metric=top5

echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
