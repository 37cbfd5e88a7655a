#!/usr/bin/env bash
# `quantc compile` and `quantc run --integer` on bad input: every case gets
# "quantc: error:" naming the file (and the node or tensor), its exit code,
# and leaves no output folder and no temporary folder behind. Also: output
# folder rules (replaced whole when it holds only generated files, refused
# when it holds anything else) and usage errors. Bad models are ONNX text in
# tests/c/bad/, converted with c_tool text2onnx.
set -uo pipefail
# shellcheck source=tests/c/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BAD="$ROOT/tests/c/bad"

check() {  # check NAME EXPECTED_CODE STDERR_FRAGMENT CMD...
  local name="$1" want="$2" fragment="$3"
  shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    echo "FAIL $name: exit $got, want $want; stderr: $(head -c 400 "$TMP/err")"
    failed=$((failed + 1))
  elif [[ -n "$fragment" ]] && ! grep -qF -- "$fragment" "$TMP/err"; then
    echo "FAIL $name: stderr lacks '$fragment': $(head -c 400 "$TMP/err")"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
}

# Nothing may be left in the output's parent but what the test put there.
no_leftovers() {  # no_leftovers NAME
  if ls -A "$TMP/outs" | grep -q .; then
    echo "FAIL $1: left behind: $(ls -A "$TMP/outs")"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
}

bad_compile() {  # bad_compile NAME EXPECTED_CODE FRAGMENT
  local model="$TMP/$1.onnx"
  "$C_TOOL" text2onnx "$BAD/$1.onnxtxt" "$model" || { echo "FAIL $1: text2onnx"; failed=$((failed + 1)); return; }
  mkdir -p "$TMP/outs"
  check "compile $1" "$2" "quantc: error: $model: " "$QUANTC" compile "$model" -o "$TMP/outs/c"
  grep -qF -- "$3" "$TMP/err" || { echo "FAIL compile $1: lacks '$3'"; failed=$((failed + 1)); }
  no_leftovers "compile $1"
  check "run --integer $1" "$2" "$3" \
    "$QUANTC" run "$model" --integer --input="$FIXTURES_DIR/digits_cnn/test_x.npy" -o "$TMP/outs/r"
  no_leftovers "run --integer $1"
}

mkdir -p "$TMP/outs"
check "float model" 3 "model.onnx: the model is not quantized" \
  "$QUANTC" compile "$FIXTURES_DIR/digits_cnn/model.onnx" -o "$TMP/outs/c"
no_leftovers "float model"
bad_compile transpose 4 "node producing 't' (Transpose): no integer kernel"
bad_compile float_weight 4 "node producing 'c' (Conv): input 'w' is not a quantized constant"
bad_compile per_channel_activation 4 "node producing 'xq' (QuantizeLinear): the scale must be one constant"
bad_compile two_outputs 4 "one input and one output; this one has 1 input(s) and 2 output(s)"
bad_compile dynamic_batch 3 "tensor 'x' has no fully known shape"
bad_compile tinpu_wide_clip 4 "node producing 'a4' (Floor): clip range [-512, 511] of 'y' needs more than 8 bits"
check "missing model" 3 "cannot open file" "$QUANTC" compile "$TMP/none.onnx" -o "$TMP/outs/c"
no_leftovers "missing model"

# Usage errors.
good="$TMP/good.onnx"
"$QUANTC" quantize "$FIXTURES_DIR/wine_mlp/model.onnx" -o "$good" --calib "$FIXTURES_DIR/wine_mlp/calib.npy" -q 2>/dev/null
check "no -o" 2 "missing -o DIR" "$QUANTC" compile "$good"
check "bad name" 2 "--name '9lives' is not a C identifier" "$QUANTC" compile "$good" -o "$TMP/outs/c" --name=9lives
check "bad io" 2 "--io must be int8 or float" "$QUANTC" compile "$good" -o "$TMP/outs/c" --io=double
check "bad align" 2 "--arena-align must be a power of two" "$QUANTC" compile "$good" -o "$TMP/outs/c" --arena-align=3
no_leftovers "usage errors"

# Output folders: created, replaced whole, never mixed with foreign files.
check "compile" 0 "" "$QUANTC" compile "$good" -o "$TMP/outs/c" --name=wine
check "recompile over own output" 0 "" "$QUANTC" compile "$good" -o "$TMP/outs/c" --name=wine --io=float
if [[ "$(ls "$TMP/outs/c" | tr '\n' ' ')" == "quantc_kernels.c quantc_kernels.h wine.c wine.h wine_weights.c " ]] &&
   grep -q wine_run_float "$TMP/outs/c/wine.h"; then
  passed=$((passed + 1))
else
  echo "FAIL recompile: folder holds $(ls "$TMP/outs/c")"
  failed=$((failed + 1))
fi
touch "$TMP/outs/c/notes.txt"
check "foreign file" 3 "holds 'notes.txt', which this command does not write" \
  "$QUANTC" compile "$good" -o "$TMP/outs/c" --name=wine
if [[ -f "$TMP/outs/c/notes.txt" && -f "$TMP/outs/c/wine.c" ]]; then passed=$((passed + 1)); else
  echo "FAIL foreign file: the folder was changed"; failed=$((failed + 1)); fi
rm -rf "$TMP/outs/c"
check "missing parent" 1 "cannot create a temporary folder" \
  "$QUANTC" compile "$good" -o "$TMP/outs/no/such/c"
check "bad model over good folder" 4 "no integer kernel" \
  "$QUANTC" compile "$TMP/transpose.onnx" -o "$TMP/outs/c"
no_leftovers "failed writes"

finish
