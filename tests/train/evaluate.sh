#!/usr/bin/env bash
# Regenerates tests/train/RESULTS.md: float / PTQ / QAT test accuracy side
# by side (8- and 4-bit weights, both targets) for every fixture with a
# training split, and the fidelity of quantc train's reported fake-quant
# accuracy against the emitted model run by ONNX Runtime. Not a test (about
# 15 minutes on 2 cores); tests/train/*_test.sh check the same properties
# in CI time.
#
#   bash tests/train/evaluate.sh [EPOCHS]     (default 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
EPOCHS="${1:-10}"
export QUANTC_ORT_DIR="${QUANTC_ORT_DIR:-/opt/quantc-ort}"
bazel build //tools:quantc //tools:quantc-train >/dev/null 2>&1
Q=bazel-bin/tools/quantc
ACC=tests/ort/accuracy.js
OUT=tests/train
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
FIXTURES=(sensor_resnet1d digits_dscnn sensor_bn_cnn digits_cnn digits_cnn1d digits_resnet wine_mlp)

ort() {  # ort MODEL X Y -> accuracy in %
  node "$ACC" "$1" "$2" "$3" | sed -n 's/.*"accuracy":\([0-9.e-]*\).*/\1/p' | awk '{ printf "%.2f", 100 * $1 }'
}

tsv="$OUT/results.tsv"
printf "fixture\ttarget\tconfig\ttest_acc\treported_fq\tort_eval\teval_data\tseconds\n" >"$tsv"
for fx in "${FIXTURES[@]}"; do
  F="tests/fixtures/$fx"
  ev=val
  [[ -f "$F/val_x.npy" ]] || ev=train
  val=()
  [[ $ev == val ]] && val=(--val "$F/val_x.npy" --val-labels "$F/val_y.npy")
  printf "%s\t-\tfloat\t%s\t-\t-\t-\t-\n" "$fx" "$(ort "$F/model.onnx" "$F/test_x.npy" "$F/test_y.npy")" >>"$tsv"
  for target in generic tinpu; do
    for cfg in "ptq_w8:" "ptq_w4:--weight-bits=4" "ptq_w4_bc:--weight-bits=4 --bias-correction"; do
      name=${cfg%%:*}
      # shellcheck disable=SC2206
      flags=(${cfg#*:})
      "$Q" quantize "$F/model.onnx" -o "$TMP/p.onnx" --calib "$F/calib.npy" --target=$target -q "${flags[@]}" 2>/dev/null
      printf "%s\t%s\t%s\t%s\t-\t-\t-\t-\n" "$fx" "$target" "$name" \
        "$(ort "$TMP/p.onnx" "$F/test_x.npy" "$F/test_y.npy")" >>"$tsv"
    done
    for bits in 8 4; do
      start=$(date +%s.%N)
      line=$("$Q" train "$F/model.onnx" -o "$TMP/t.onnx" --train "$F/train_x.npy" --labels "$F/train_y.npy" \
             "${val[@]}" --epochs "$EPOCHS" --target=$target --weight-bits=$bits --threads 2 -q | tail -1)
      secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }')
      fq=$(sed -n 's/.*fake-quant \([0-9.]*\)%.*/\1/p' <<<"$line")
      printf "%s\t%s\tqat_w%s\t%s\t%s\t%s\t%s\t%s\n" "$fx" "$target" "$bits" \
        "$(ort "$TMP/t.onnx" "$F/test_x.npy" "$F/test_y.npy")" "$fq" \
        "$(ort "$TMP/t.onnx" "$F/${ev}_x.npy" "$F/${ev}_y.npy")" "$ev" "$secs" >>"$tsv"
    done
  done
  echo "$fx done" >&2
done
/usr/bin/python3 "$OUT/render_results.py" "$tsv" "$EPOCHS" "$(git rev-parse --short HEAD)" >"$OUT/RESULTS.md"
echo "wrote $OUT/RESULTS.md"
