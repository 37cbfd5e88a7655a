# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared by evaluate.sh, accuracy_test.sh and bench_quantize.sh (sourced, not
# run): where the tools are, the fixture and configuration lists, and small
# helpers around quantc and the ONNX Runtime scripts.
#
# Tools come from Bazel runfiles under `bazel test`, else from the
# workspace's bazel-bin. Optional overrides: QUANTC_BIN, QUANTC_FIXTURES
# (folder of <name>/{model.onnx,calib.npy,test_x.npy,test_y.npy,info.json}),
# NODE (default: node on PATH); QUANTC_ORT_DIR reaches tests/ort/npy.js.

# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
ACCURACY_JS="$ROOT/tests/ort/accuracy.js"
COMPARE_JS="$ROOT/tests/accuracy/compare_logits.js"

FIXTURES=(digits_cnn digits_cnn1d digits_resnet wine_mlp)

# "float" is the unquantized fixture; every other entry is one quantize run.
# minmax passes no flag: it is quantc's default configuration.
CONFIGS=(float minmax ema percentile mse entropy w7 w4 power2 uint8)
declare -A CONFIG_FLAGS=(
  [float]=""
  [minmax]=""
  [ema]="--observer=ema"
  [percentile]="--observer=percentile"
  [mse]="--observer=mse"
  [entropy]="--observer=entropy"
  [w7]="--weight-bits=7"
  [w4]="--weight-bits=4"
  [power2]="--power2-scale"
  [uint8]="--act-dtype=uint8"
)

# TI NPU integer models (--target=tinpu) at 8- and 4-bit weights: the TINPU
# columns of RESULTS.md (evaluate.sh). Kept out of CONFIGS, whose criteria
# (accuracy_test.sh) are the QDQ target's; tests/tinpu/tinpu_test.sh, which
# cannot source this file from its package, repeats the two flag sets.
TINPU_CONFIGS=(tinpu_w8 tinpu_w4)
CONFIG_FLAGS[tinpu_w8]="--target=tinpu"
CONFIG_FLAGS[tinpu_w4]="--target=tinpu --weight-bits=4"

# json_field JSON NAME: a number (or null) from a flat one-line JSON object.
json_field() {
  sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" <<<"$1"
}

# quantize FIXTURE CONFIG OUT [extra flags...]: one `quantc quantize`;
# stderr goes to OUT.err. Returns quantc's exit code.
quantize() {
  local fx="$1" cfg="$2" out="$3"
  shift 3
  local dir="$FIXTURES_DIR/$fx"
  # shellcheck disable=SC2086  # CONFIG_FLAGS values are word lists
  "$QUANTC" quantize "$dir/model.onnx" -o "$out" --calib="$dir/calib.npy" \
      ${CONFIG_FLAGS[$cfg]} -q "$@" 2>"$out.err" >/dev/null
}

# ort_accuracy MODEL FIXTURE OPT LOGITS_OUT: prints accuracy.js's JSON line
# (stderr to LOGITS_OUT.err); returns its exit code.
ort_accuracy() {
  local dir="$FIXTURES_DIR/$2"
  "$NODE" "$ACCURACY_JS" "$1" "$dir/test_x.npy" "$dir/test_y.npy" \
      --opt="$3" --logits="$4" 2>"$4.err"
}

# quantc_run_logits MODEL FIXTURE OUT_DIR: `quantc run` over the test set;
# prints the path of the logits .npy it wrote (logits.npy, else the only or
# first .npy). Returns non-zero if quantc fails or writes nothing.
quantc_run_logits() {
  local model="$1" dir="$FIXTURES_DIR/$2" out="$3"
  rm -rf "$out" && mkdir -p "$out"
  "$QUANTC" run "$model" --input="$dir/test_x.npy" -o "$out" \
      >/dev/null 2>"$out.err" || return $?
  if [[ -f "$out/logits.npy" ]]; then
    echo "$out/logits.npy"
    return 0
  fi
  local first
  first="$(find "$out" -maxdepth 1 -name '*.npy' | LC_ALL=C sort | head -n 1)"
  [[ -n "$first" ]] || { echo "no .npy in $out" >>"$out.err"; return 1; }
  echo "$first"
}

# now_s: wall clock in seconds with microseconds (bash 5's EPOCHREALTIME).
now_s() { echo "${EPOCHREALTIME/,/.}"; }

# elapsed START END: END - START in seconds, 3 decimals.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
