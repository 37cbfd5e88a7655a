#!/usr/bin/env bash
# The TINPU op check (passes/check_tinpu_ops.cc) and its advice, followed:
# for every model of generate.py (nodes with no TINPU integer form: gates,
# activations, one AveragePool of two, value moves outside the vocabulary,
# an ArgMax) and for the same model with part of the fix already given,
#   1. `quantize --target=tinpu` fails with exit 4 before calibration (no
#      IR printed after the calibrate pass, no output file), naming every
#      expected node in one error that ends with a --float-ops value;
#   2. quantize again with exactly that value: exit 0;
#   3. the model runs in ONNX Runtime (opt=disabled and all) and computes
#      what `quantc run` computes, bit for bit on integer outputs (a float
#      op's own output may differ in the last float bits: 1e-6 relative).
# Prints one line per check and "N passed, M failed"; exits 1 on a
# failure. Runs under `bazel test //tests/tinpu_ops:suggestion_test` or
# directly (after `bazel build //tools:quantc`).
set -uo pipefail
# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
HERE="$ROOT/tests/tinpu_ops"
MATCHES_JS="$ROOT/tests/ort/matches_run.js"
TMP="$(mktemp -d "${TEST_TMPDIR:-/tmp}/suggestion_test.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
export QUANTC_ORT_DIR="${QUANTC_ORT_DIR:-/opt/quantc-ort}"
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# case NAME MODEL "EXPECTED NODES" TOLERANCE [flags...]
case_() {
  local name="$1" model="$2" nodes="$3" tol="$4" out="$TMP/$1" fix rc n j opt
  shift 4
  "$QUANTC" quantize "$HERE/$model.onnx" -o "$out.onnx" --calib="$HERE/calib.npy" --target=tinpu \
      --print-ir-after=calibrate "$@" 2>"$out.err" >"$out.ir"
  rc=$?
  if [[ $rc -ne 4 || -e $out.onnx || -s $out.ir ]]; then
    fail "$name: expected exit 4 before calibration and no output, got $rc: $(head -c 300 "$out.err")"
    return
  fi
  for n in $nodes; do
    grep -q "node '$n'" "$out.err" || { fail "$name: error does not name '$n'"; return; }
  done
  fix="$(sed -n 's/.*: \(--float-ops=[^ ]*\)$/\1/p' "$out.err" | tail -n 1)"
  [[ -n $fix ]] || { fail "$name: no --float-ops advice: $(cat "$out.err")"; return; }
  pass "$name: exit 4 before calibration naming $nodes; advice $fix"
  if ! "$QUANTC" quantize "$HERE/$model.onnx" -o "$out.onnx" --calib="$HERE/calib.npy" \
      --target=tinpu "$fix" -q 2>"$out.err2" >/dev/null; then
    fail "$name: following the advice fails: $(head -c 300 "$out.err2")"
    return
  fi
  pass "$name: quantize $fix succeeds"
  rm -rf "$out.run"
  "$QUANTC" run "$out.onnx" --input="$HERE/calib.npy" -o "$out.run" >/dev/null 2>&1 ||
    { fail "$name: quantc run fails on the model"; return; }
  for opt in disabled all; do
    j="$("$NODE" "$MATCHES_JS" "$out.onnx" "$HERE/calib.npy" "$out.run" --opt=$opt \
        --float-tolerance="$tol" 2>&1)"
    if grep -q '"same":true' <<<"$j"; then
      pass "$name: ORT opt=$opt runs it and matches quantc run (float tolerance $tol)"
    else
      fail "$name: ORT opt=$opt: $j"
    fi
  done
}

command -v "$NODE" >/dev/null || { echo "node not found on PATH"; exit 1; }
[[ -x $QUANTC ]] || { echo "missing $QUANTC (bazel build //tools:quantc)"; exit 1; }

# The gates model's output is a float op's (SiLU): last-bit float noise.
case_ gates gates "hsig gate silu_gate" 1e-6
case_ activations activations "tanh leaky softmax" 0
case_ activations_partly_given activations "leaky softmax" 0 --float-ops=Tanh
case_ one_pool_of_two some_pools "pool_exclusive" 0
case_ moves moves "gmax tile argmax" 0
echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
