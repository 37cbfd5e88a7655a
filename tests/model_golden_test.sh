#!/usr/bin/env bash
# Whole-CLI goldens: quantizes fixture models and compares `quantc inspect`
# of the result (canonical IR text, constants by content hash) with
# tests/model_goldens/<case>.txt, so any change in quantc's output is a
# reviewed diff. Regenerate after a deliberate change with:
#   bash tests/model_golden_test.sh --update      (from the repository root)
set -uo pipefail
# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/paths.sh"
GOLDENS="$ROOT/tests/model_goldens"
UPDATE=0
if [[ "${1:-}" == "--update" ]]; then
  UPDATE=1
  GOLDENS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/model_goldens"
  (cd "$ROOT" && bazel build //tools:quantc >/dev/null 2>&1) || exit 1
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# case name | fixture | quantize flags
CASES=(
  "digits_cnn_generic|digits_cnn|"
  "digits_resnet_generic|digits_resnet|"
  "wine_mlp_generic_w4_mse|wine_mlp|--weight-bits=4 --weight-observer=mse --bias-correction"
  "digits_cnn_tinpu|digits_cnn|--target=tinpu"
  "digits_cnn1d_tinpu|digits_cnn1d|--target=tinpu"
  "digits_resnet_tinpu_w4|digits_resnet|--target=tinpu --weight-bits=4"
)
passed=0
failed=0
for c in "${CASES[@]}"; do
  IFS='|' read -r name fixture flags <<<"$c"
  # shellcheck disable=SC2086
  if ! "$QUANTC" quantize "$FIXTURES_DIR/$fixture/model.onnx" -o "$TMP/$name.onnx" \
      --calib "$FIXTURES_DIR/$fixture/calib.npy" -q $flags 2>"$TMP/$name.err"; then
    echo "FAIL $name: quantize failed: $(head -c 300 "$TMP/$name.err")"
    failed=$((failed + 1))
    continue
  fi
  "$QUANTC" inspect "$TMP/$name.onnx" >"$TMP/$name.txt"
  if [[ $UPDATE -eq 1 ]]; then
    cp "$TMP/$name.txt" "$GOLDENS/$name.txt"
    echo "wrote $GOLDENS/$name.txt"
  elif diff -u "$GOLDENS/$name.txt" "$TMP/$name.txt" >"$TMP/$name.diff"; then
    passed=$((passed + 1))
  else
    echo "FAIL $name: output differs from tests/model_goldens/$name.txt:"
    head -40 "$TMP/$name.diff"
    failed=$((failed + 1))
  fi
done
[[ $UPDATE -eq 1 ]] && exit 0
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
