#!/usr/bin/env bash
# Fidelity of quantc train's simulation on every fixture, both targets,
# 8- and 4-bit weights (28 cases): after a short training (128 samples,
# 3 epochs, so BN and observers freeze and the emitted quantization is
# synced), the simulated outputs on up to 200 evaluation samples equal the
# emitted model's outputs in ONNX Runtime bit for bit for TINPU (integer
# outputs) and agree in argmax for >= 99% of samples for the generic QDQ
# target (float conv sums differ in rounding order), and the reported
# fake-quant accuracy equals ORT's within 0.3 points. The case count is
# pinned: a missing fixture fails the test.
set -u
# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
FIXTURES=(digits_cnn digits_cnn1d digits_resnet wine_mlp sensor_resnet1d digits_dscnn sensor_bn_cnn)
EXPECTED_CASES=28
passed=0
failed=0
cases=0
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

for fx in "${FIXTURES[@]}"; do
  F="$FIXTURES_DIR/$fx"
  ex=val
  [[ -f "$F/val_x.npy" ]] || ex=train
  for s in train_x train_y; do "$NODE" "$ROOT/tests/train/npy_head.js" "$F/$s.npy" "$TMP/$s.npy" 128 || fail "$fx: $s"; done
  for s in x y; do "$NODE" "$ROOT/tests/train/npy_head.js" "$F/${ex}_$s.npy" "$TMP/e_$s.npy" 200 || fail "$fx: $ex"; done
  for target in generic tinpu; do
    for bits in 8 4; do
      cases=$((cases + 1))
      name="$fx $target w$bits"
      if ! "$QUANTC" train "$F/model.onnx" --train "$TMP/train_x.npy" --labels "$TMP/train_y.npy" \
          --val "$TMP/e_x.npy" --val-labels "$TMP/e_y.npy" --epochs 3 --threads 1 -q \
          --target=$target --weight-bits=$bits -o "$TMP/m.onnx" --fake-quant-outputs "$TMP/fq.npy" \
          >"$TMP/line" 2>"$TMP/err"; then
        fail "$name: $(cat "$TMP/err")"
        continue
      fi
      fq=$(sed -n 's/.*fake-quant \([0-9.]*\)%.*/\1/p' "$TMP/line")
      ort=$("$NODE" "$ROOT/tests/ort/accuracy.js" "$TMP/m.onnx" "$TMP/e_x.npy" "$TMP/e_y.npy" \
            --logits="$TMP/ort.npy" | grep -o '"accuracy":[0-9.]*' | cut -d: -f2)
      if [[ $target == tinpu ]]; then tol=(--max-abs=0 --min-agree=1); else tol=(--max-abs=1 --min-agree=0.99); fi
      if ! cmp_out=$("$NODE" "$ROOT/tests/train/compare_outputs.js" "$TMP/fq.npy" "$TMP/ort.npy" "${tol[@]}"); then
        fail "$name: simulated vs ONNX Runtime outputs: $cmp_out"
      elif ! awk -v a="$fq" -v b="$ort" 'BEGIN { d = a - 100 * b; exit !(d <= 0.3 && d >= -0.3) }'; then
        fail "$name: fake-quant $fq% vs ONNX Runtime $ort"
      else
        passed=$((passed + 1))
        echo "ok $name: fake-quant $fq%, ORT $ort, $cmp_out"
      fi
    done
  done
done
[[ $cases -eq $EXPECTED_CASES ]] || fail "ran $cases cases, expected $EXPECTED_CASES"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -eq $EXPECTED_CASES ]]
