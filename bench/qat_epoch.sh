#!/usr/bin/env bash
# One QAT epoch, quantc train vs PyTorch (Python, Debian's torch 1.13) with
# the same model, batch size (64), optimizer (Adam 3e-4) and fake-quant
# setup (bench/qat_epoch.py), in the same run, for the digits CNN and the
# residual 1-D CNN at 1 and 2 threads. Both keep BN statistics and observers
# updating during the timed epoch, as PyTorch's prepared model does; quantc's
# time is the seconds its epoch 1 line prints (the batches only, like the
# Python loop). Median of RUNS interleaved runs each (default 5). Goal:
# quantc takes no longer.
#
#   bash bench/qat_epoch.sh [RUNS]      (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build //tools:quantc //tools:quantc-train >/dev/null 2>&1
Q=bazel-bin/tools/quantc
RUNS="${1:-5}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
# Same OpenMP behaviour for both (quantc train sets PASSIVE itself).
export OMP_WAIT_POLICY=PASSIVE

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

quantc_epoch() {  # FIXTURE THREADS TARGET -> seconds
  local F="tests/fixtures/$1"
  "$Q" train "$F/model.onnx" -o "$TMP/m.onnx" --train "$F/train_x.npy" --labels "$F/train_y.npy" \
    --epochs 2 --bn-update-epochs=never --observer-update-epochs=never --threads "$2" \
    --target="$3" 2>&1 >/dev/null | sed -n 's/.*epoch  1  .* \([0-9.]*\) s .*/\1/p'
}

echo "| model | threads | PyTorch s/epoch | quantc generic s/epoch | ratio | quantc TINPU s/epoch |"
echo "|---|---:|---:|---:|---:|---:|"
for fx in digits_cnn sensor_resnet1d; do
  for t in 1 2; do
    : >"$TMP/py"; : >"$TMP/qg"; : >"$TMP/qt"
    for _ in $(seq "$RUNS"); do  # interleaved, so load changes hit all three alike
      /usr/bin/python3 bench/qat_epoch.py "tests/fixtures/$fx" "$t" 2>/dev/null |
        sed 's/.*"epoch_seconds": \([0-9.]*\).*/\1/' >>"$TMP/py"
      quantc_epoch "$fx" "$t" generic >>"$TMP/qg"
      quantc_epoch "$fx" "$t" tinpu >>"$TMP/qt"
    done
    py=$(median <"$TMP/py")
    qg=$(median <"$TMP/qg")
    qt=$(median <"$TMP/qt")
    ratio=$(awk -v a="$qg" -v b="$py" 'BEGIN { printf "%.2f", a / b }')
    echo "| $fx | $t | $py | $qg | $ratio | $qt |"
  done
done
