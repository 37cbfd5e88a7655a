#!/usr/bin/env bash
# `quantc train` end to end, in CI time:
# * trains the residual 1-D CNN fixture for 3 epochs (BN frozen from the
#   start, observers frozen in the last epoch) for both targets; the emitted
#   model's accuracy in ONNX Runtime equals the reported fake-quant accuracy
#   (TINPU: the simulated outputs equal ORT's bit for bit) and is within
#   2 points of float; the report has every epoch and every layer;
# * the same seed, data, flags and threads give a byte-identical file and
#   report;
# * Ctrl-C leaves no output, and --resume from the last checkpoint gives the
#   same file as an uninterrupted run;
# * bad input (labels, shapes, NaN data, a NaN loss, unsupported ops,
#   missing quantc-train, a foreign checkpoint) fails cleanly with no output.
set -u
# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
BADD="$ROOT/tests/train/bad_data"
ORT_JS="$ROOT/tests/ort/accuracy.js"
CMP_JS="$ROOT/tests/train/compare_outputs.js"
F="$FIXTURES_DIR/sensor_resnet1d"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

DATA=(--train "$F/train_x.npy" --labels "$F/train_y.npy" --val "$F/val_x.npy" --val-labels "$F/val_y.npy")
train() { "$QUANTC" train "$F/model.onnx" "${DATA[@]}" --epochs 3 --threads 1 -q "$@"; }
# A quarter of the data for the runs that only compare files.
for s in train_x train_y val_x val_y; do
  "$NODE" "$ROOT/tests/train/npy_head.js" "$F/$s.npy" "$TMP/$s.npy" $([[ $s == train* ]] && echo 1000 || echo 250)
done
SMALL=(--train "$TMP/train_x.npy" --labels "$TMP/train_y.npy" --val "$TMP/val_x.npy" --val-labels "$TMP/val_y.npy")

# --- End to end, both targets ---------------------------------------------
for target in generic tinpu; do
  out="$TMP/$target.onnx"
  if ! train --target=$target -o "$out" --report "$TMP/$target.json" \
      --fake-quant-outputs "$TMP/$target.fq.npy" >"$TMP/line" 2>"$TMP/err"; then
    fail "train $target: $(cat "$TMP/err")"
    continue
  fi
  line=$(tail -1 "$TMP/line")
  [[ "$line" =~ ^float\ ([0-9.]+)%,\ fake-quant\ ([0-9.]+)%,\ emitted\ ([0-9.]+)%$ ]] ||
    { fail "$target final line: $line"; continue; }
  flt=${BASH_REMATCH[1]} fq=${BASH_REMATCH[2]} em=${BASH_REMATCH[3]}
  ort=$("$NODE" "$ORT_JS" "$out" "$F/val_x.npy" "$F/val_y.npy" --logits="$TMP/$target.ort.npy" |
        grep -o '"accuracy":[0-9.]*' | cut -d: -f2)
  awk -v a="$fq" -v b="$ort" 'BEGIN { d = a - 100 * b; exit !(d <= 0.3 && d >= -0.3) }' &&
    ok || fail "$target: fake-quant $fq% vs ONNX Runtime $ort"
  awk -v a="$em" -v b="$ort" 'BEGIN { d = a - 100 * b; exit !(d < 1e-9 && d > -1e-9) }' &&
    ok || fail "$target: interpreter $em% vs ONNX Runtime $ort"
  awk -v f="$flt" -v e="$em" 'BEGIN { exit !(e >= f - 2) }' && ok || fail "$target: $em% vs float $flt%"
  tol=$([[ $target == tinpu ]] && echo 0 || echo 0.5)
  "$NODE" "$CMP_JS" "$TMP/$target.fq.npy" "$TMP/$target.ort.npy" --max-abs="$tol" --min-agree=0.995 &&
    ok || fail "$target: simulated outputs differ from ONNX Runtime's"
  epochs=$(grep -o '"epoch":' "$TMP/$target.json" | wc -l)
  layers=$(grep -o '"sqnr_db":' "$TMP/$target.json" | wc -l)
  [[ $epochs -eq 4 && $layers -gt 5 ]] && ok || fail "$target report: $epochs epochs, $layers layers"
done

# --- Determinism ------------------------------------------------------------
small() { "$QUANTC" train "$F/model.onnx" "${SMALL[@]}" --threads 2 -q "$@"; }
small --epochs 3 --target=tinpu --weight-bits=4 -o "$TMP/a.onnx" --report "$TMP/a.json" >/dev/null 2>&1
small --epochs 3 --target=tinpu --weight-bits=4 -o "$TMP/b.onnx" --report "$TMP/b.json" >/dev/null 2>&1
cmp -s "$TMP/a.onnx" "$TMP/b.onnx" && ok || fail "same seed/data/flags/threads: files differ"
cmp -s "$TMP/a.json" "$TMP/b.json" && ok || fail "same seed/data/flags/threads: reports differ"

# --- Ctrl-C, then --resume ----------------------------------------------------
E=(--epochs 4 --batch-size 8 --target=generic --seed 3)
small "${E[@]}" -o "$TMP/full.onnx" >/dev/null 2>&1
# Started directly (not through a shell function) so $! is quantc's pid.
"$QUANTC" train "$F/model.onnx" "${SMALL[@]}" --threads 2 -q "${E[@]}" -o "$TMP/int.onnx" \
  --checkpoint "$TMP/ck" >/dev/null 2>"$TMP/int.err" &
pid=$!
for _ in $(seq 600); do [[ -f "$TMP/ck/checkpoint.pt" ]] && break; sleep 0.05; done
kill -INT "$pid"
wait "$pid"
code=$?
[[ $code -eq 130 && ! -e "$TMP/int.onnx" ]] && grep -q "nothing was written" "$TMP/int.err" &&
  grep -q "resumes with --resume" "$TMP/int.err" && ok ||
  fail "interrupt: exit $code, $(cat "$TMP/int.err")"
small "${E[@]}" -o "$TMP/int.onnx" --checkpoint "$TMP/ck" --resume >/dev/null 2>"$TMP/res.err" &&
  cmp -s "$TMP/full.onnx" "$TMP/int.onnx" && ok ||
  fail "resume: $(cat "$TMP/res.err"), or differs from an uninterrupted run"
small "${E[@]}" --lr 0.1 -o "$TMP/x.onnx" --checkpoint "$TMP/ck" --resume >/dev/null 2>"$TMP/err"
[[ $? -eq 3 && ! -e "$TMP/x.onnx" ]] && grep -q "made for a different model, data or training flags" "$TMP/err" &&
  ok || fail "foreign checkpoint: $(cat "$TMP/err")"

# --- Bad input: clear error, exit code, no output ------------------------------
check() {  # check NAME CODE FRAGMENT ARGS...
  local name="$1" want="$2" fragment="$3"
  shift 3
  rm -f "$TMP/bad.onnx"
  "$QUANTC" train "$@" -o "$TMP/bad.onnx" -q >/dev/null 2>"$TMP/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    fail "$name: exit $got, want $want: $(head -c 400 "$TMP/err")"
  elif ! grep -qF -- "$fragment" "$TMP/err"; then
    fail "$name: stderr lacks '$fragment': $(head -c 400 "$TMP/err")"
  elif [[ -e "$TMP/bad.onnx" ]]; then
    fail "$name: left an output file"
  else
    ok
  fi
}
M="$FIXTURES_DIR/digits_cnn/model.onnx" E1=(--epochs 1)
check "labels out of range" 3 "y_out_of_range.npy: label of sample 7 is 10, outside the model's 10 classes" \
  "$M" "${E1[@]}" --train "$BADD/x.npy" --labels "$BADD/y_out_of_range.npy"
check "labels short" 3 "y_short.npy: 39 labels for 40 samples" "$M" "${E1[@]}" --train "$BADD/x.npy" --labels "$BADD/y_short.npy"
check "val labels short" 3 "y_wrong_length_val.npy: 38 labels for 40 samples" \
  "$M" "${E1[@]}" --train "$BADD/x.npy" --labels "$BADD/y.npy" --val "$BADD/x.npy" --val-labels "$BADD/y_wrong_length_val.npy"
check "negative label" 3 "label of sample 3 is negative" "$M" "${E1[@]}" --train "$BADD/x.npy" --labels "$BADD/y_negative.npy"
check "shape mismatch" 3 "x_wrong_shape.npy (--train): f32 array of shape (40,1,7,7) does not fit the model input 'input' (1,1,8,8)" \
  "$M" "${E1[@]}" --train "$BADD/x_wrong_shape.npy" --labels "$BADD/y.npy"
check "nan data" 3 "x_nan.npy (--train): sample 5 holds nan" "$M" "${E1[@]}" --train "$BADD/x_nan.npy" --labels "$BADD/y.npy"
# A learning rate that blows the weights up: activations and the loss go
# non-finite in the second batch of epoch 1.
check "diverging loss" 3 "in epoch 1 (batch 2 of 5); nothing was written" "$M" --epochs 3 --batch-size 8 \
  --train "$BADD/x.npy" --labels "$BADD/y.npy" --lr 1e30 --optimizer sgd --momentum 0
check "unsupported op" 4 "node 'erf1' (Erf): unsupported in training" \
  "$BADD/erf_model.onnx" "${E1[@]}" --train "$BADD/x.npy" --labels "$BADD/y.npy"
check "no TINPU form" 4 "node 'sig1' (Sigmoid): has no TINPU integer form" \
  "$BADD/sigmoid_model.onnx" "${E1[@]}" --train "$BADD/x.npy" --labels "$BADD/y.npy" --target=tinpu
check "usage" 2 "missing --epochs" "$M" --train "$BADD/x.npy" --labels "$BADD/y.npy"
check "resume without checkpoint" 2 "--resume needs --checkpoint=DIR" "$M" "${E1[@]}" --train "$BADD/x.npy" \
  --labels "$BADD/y.npy" --resume

# quantc alone (no quantc-train beside it) says what is missing.
mkdir "$TMP/alone" && cp "$QUANTC" "$TMP/alone/quantc"
"$TMP/alone/quantc" train "$M" -o "$TMP/bad.onnx" "${E1[@]}" --train "$BADD/x.npy" --labels "$BADD/y.npy" \
  >/dev/null 2>"$TMP/err"
[[ $? -eq 4 ]] && grep -q "needs the quantc-train binary next to quantc" "$TMP/err" && ok ||
  fail "missing quantc-train: $(cat "$TMP/err")"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
