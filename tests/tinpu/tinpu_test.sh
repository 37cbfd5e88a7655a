#!/usr/bin/env bash
# Acceptance test for `quantc quantize --target=tinpu` (TI's NPU integer
# ONNX format, shared/docs/tinpu-format.md) on every fixture, at 8-bit and
# 4-bit weights (the TINPU_CONFIGS of tests/accuracy/lib.sh):
#   1. quantize succeeds, and a second run is byte-identical (cmp);
#   2. format (tinpu_tool check): only §1.3 ops, no QDQ ops or int8 tensors,
#      integer weights in ±(2^(bw-1)-1), every Floor closing an
#      Add->Mul->Mul->Floor->Clip block with mult 1 (8-bit weights, except
#      the input-quantize block: 1..255) or 1..255 (4-bit), shift_mult 2^-k
#      with 0 <= k <= 31, integer offsets in int24/int16 (the input block's
#      is fractional by design), Clip ranges [-128,127] / [0,255] /
#      [-512,511] (see format_check.h);
#   3. bit-exactness on the whole test split, element for element:
#      (a) ONNX Runtime opt=disabled and opt=all outputs == `quantc run`'s;
#      (b) all three == the exact integer evaluation of tinpu_tool eval
#          (int_evaluator.h: int64 accumulators, OSS blocks as
#          (x + offset) * mult >> shift, the input block in exact rational
#          arithmetic);
#      on a mismatch the first differing node is located (tinpu_tool tap +
#      trace against ORT's and quantc run's intermediates) and printed;
#   4. accuracy with ORT opt=disabled within 1.5 percentage points of the
#      float model at 8-bit weights; 4-bit weights are reported only.
# Also reports, not asserted: the largest integer a float32 evaluation held
# on the test split and its worst case over all inputs (bounds.h); above
# 2^24 float32 (ORT) is no longer guaranteed to equal integer arithmetic.
#
# Prints a table per fixture, the failures and a final "N passed, M failed"
# line (individual checks); exits 1 on any failure. About 20 s on 2 cores.
# Runs under `bazel test //tests/tinpu:tinpu_test` or directly (after
# `bazel build //tools:quantc //tests/tinpu:tinpu_tool`). Optional
# overrides: QUANTC_BIN, TINPU_TOOL, QUANTC_FIXTURES, NODE, and
# QUANTC_ORT_DIR (read by tests/ort/*.js).
set -uo pipefail

# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
TINPU_TOOL="${TINPU_TOOL:-$BIN/tests/tinpu/tinpu_tool}"
ACCURACY_JS="$ROOT/tests/ort/accuracy.js"
ORT_RUN_JS="$ROOT/tests/ort/ort_run.js"

FIXTURES=(digits_cnn digits_cnn1d digits_resnet wine_mlp)
# Same names and flags as TINPU_CONFIGS in tests/accuracy/lib.sh.
TINPU_CONFIGS=(tinpu_w8 tinpu_w4)
declare -A CONFIG_FLAGS=(
  [tinpu_w8]="--target=tinpu"
  [tinpu_w4]="--target=tinpu --weight-bits=4"
)
TOLERANCE_PP=1.5

json_field() { sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" <<<"$1"; }
now_s() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# quantize FIXTURE CONFIG OUT: stderr to OUT.err; returns quantc's exit code.
quantize() {
  local dir="$FIXTURES_DIR/$1"
  # shellcheck disable=SC2086  # CONFIG_FLAGS values are word lists
  "$QUANTC" quantize "$dir/model.onnx" -o "$3" --calib="$dir/calib.npy" \
      ${CONFIG_FLAGS[$2]} -q 2>"$3.err" >/dev/null
}

# ort_accuracy MODEL FIXTURE OPT LOGITS_OUT: accuracy.js's JSON line.
ort_accuracy() {
  local dir="$FIXTURES_DIR/$2"
  "$NODE" "$ACCURACY_JS" "$1" "$dir/test_x.npy" "$dir/test_y.npy" \
      --opt="$3" --logits="$4" 2>"$4.err"
}

# quantc_run_logits MODEL FIXTURE OUT_DIR: `quantc run` over the test set;
# prints the .npy it wrote for the model's (single) output.
quantc_run_logits() {
  local out="$3" first
  rm -rf "$out" && mkdir -p "$out"
  "$QUANTC" run "$1" --input="$FIXTURES_DIR/$2/test_x.npy" -o "$out" >/dev/null 2>"$out.err" ||
    return 1
  first="$(find "$out" -maxdepth 1 -name '*.npy' | LC_ALL=C sort | head -n 1)"
  [[ -n $first ]] || { echo "no .npy in $out" >>"$out.err"; return 1; }
  echo "$first"
}
TMP="$(mktemp -d "${TEST_TMPDIR:-/tmp}/tinpu_test.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0
failures=()
row_status=""

pass() { passed=$((passed + 1)); }
fail() {  # fail LABEL SHORT DETAIL
  failed=$((failed + 1))
  failures+=("$1: $3")
  [[ $row_status == ok ]] && row_status="FAIL:$2"
}
pct() { awk -v a="$1" 'BEGIN { if (a == "") print "-"; else printf "%.2f", 100 * a }'; }

for tool in "$QUANTC" "$TINPU_TOOL" "$ACCURACY_JS" "$ORT_RUN_JS"; do
  [[ -e $tool ]] || { echo "missing $tool (build //tools:quantc //tests/tinpu:tinpu_tool)"; exit 1; }
done
command -v "$NODE" >/dev/null || { echo "node not found on PATH"; exit 1; }

# localize MODEL FIXTURE OPT VERDICT OUT: for the first differing sample
# named in VERDICT ("... first at sample S ..."), the first node whose value
# differs between the exact evaluation and ORT (opt=OPT) / quantc run.
localize() {
  local model="$1" fx="$2" opt="$3" verdict="$4" out="$5" s
  s="$(sed -n 's/.*first at sample \([0-9]*\) .*/\1/p' <<<"$verdict")"
  [[ -n $s ]] || return 0
  rm -rf "$out" && mkdir -p "$out/ort" "$out/run"
  "$TINPU_TOOL" slice "$model" "$FIXTURES_DIR/$fx/test_x.npy" "$s" "$out/x.npy" &&
    "$TINPU_TOOL" tap "$model" "$out/tapped.onnx" || return 0
  echo "sample $s:"
  if "$NODE" "$ORT_RUN_JS" run "$out/tapped.onnx" "$out/ort" "$out/x.npy" --opt="$opt" \
      >/dev/null 2>"$out/ort.err"; then
    echo "  ORT opt=$opt: $("$TINPU_TOOL" trace "$model" "$out/x.npy" --ort-dir="$out/ort" 2>&1)"
  else
    echo "  ORT opt=$opt on the tapped model failed: $(head -c 200 "$out/ort.err")"
  fi
  if "$QUANTC" run "$out/tapped.onnx" --input="$out/x.npy" -o "$out/run" >/dev/null 2>&1; then
    echo "  quantc run: $("$TINPU_TOOL" trace "$model" "$out/x.npy" --run-dir="$out/run" 2>&1)"
  fi
}

details=()
for fx in "${FIXTURES[@]}"; do
  dir="$FIXTURES_DIR/$fx"
  float_acc="" j=""
  if j="$(ort_accuracy "$dir/model.onnx" "$fx" disabled "$TMP/$fx.float.npy")"; then
    float_acc="$(json_field "$j" accuracy)"
  else
    fail "$fx/float" ort "ORT cannot run the float model: $(head -c 300 "$TMP/$fx.float.npy.err")"
  fi
  echo "== $fx: $(json_field "$j" n) test samples, float accuracy $(pct "$float_acc")% (ORT opt=disabled)"
  fmt="%-9s %-6s %-5s %-7s %-8s %-10s %-7s %-9s %-8s %-9s %s\n"
  # shellcheck disable=SC2059
  printf "$fmt" config quant det format "ORT=run" "exact=all" acc% vs_float f32max f32worst result
  for cfg in "${TINPU_CONFIGS[@]}"; do
    label="$fx/$cfg"
    row_status=ok
    wb=8
    [[ $cfg == tinpu_w4 ]] && wb=4
    w="$TMP/$fx.$cfg"
    model="$w.onnx"
    q="-" det="-" form="-" same_run="-" exact="-" acc="-" delta="-" peak="-" worst="-"

    # 1. quantize, twice.
    start="$(now_s)"
    quantize "$fx" "$cfg" "$model"
    rc=$?
    q="$(elapsed "$start" "$(now_s)")"
    if [[ $rc -ne 0 ]]; then
      fail "$label" quantize "quantize exited $rc: $(head -c 300 "$model.err")"
      q="rc=$rc"
      # shellcheck disable=SC2059
      printf "$fmt" "$cfg" "$q" "$det" "$form" "$same_run" "$exact" "$acc" "$delta" "$peak" "$worst" "$row_status"
      continue
    fi
    pass
    quantize "$fx" "$cfg" "$w.again.onnx"
    rc=$?
    if [[ $rc -eq 0 ]] && cmp -s "$model" "$w.again.onnx"; then
      det=same
      pass
    else
      det=DIFF
      fail "$label" determinism "second quantize (exit $rc) is not byte-identical: $(cmp "$model" "$w.again.onnx" 2>&1 | head -c 200)"
    fi

    # 2. format.
    check_out="$("$TINPU_TOOL" check "$model" --weight-bits="$wb" 2>&1)"
    rc=$?
    details+=("$label $(grep '^format:' <<<"$check_out")")
    if [[ $rc -eq 0 ]]; then
      form=ok
      pass
    else
      form="$(grep -c '^violation:' <<<"$check_out") viol"
      fail "$label" format "$(grep -v '^format:' <<<"$check_out" | head -n 8 | tr '\n' ';')"
    fi

    # 3. the three evaluations and the exact one.
    dis="$w.dis.npy" all="$w.all.npy" runl=""
    accd=""
    if j="$(ort_accuracy "$model" "$fx" disabled "$dis")"; then
      accd="$(json_field "$j" accuracy)"
      pass
    else
      fail "$label" ort-disabled "ORT opt=disabled failed: $(head -c 300 "$dis.err")"
    fi
    if ort_accuracy "$model" "$fx" all "$all" >/dev/null; then
      pass
    else
      fail "$label" ort-all "ORT opt=all failed: $(head -c 300 "$all.err")"
    fi
    if runl="$(quantc_run_logits "$model" "$fx" "$w.run")"; then
      pass
    else
      fail "$label" run "quantc run failed: $(head -c 300 "$w.run.err")"
      runl=""
    fi
    # (a) ORT (both levels) == quantc run.
    n_same=0
    for opt in disabled all; do
      f="$dis"
      [[ $opt == all ]] && f="$all"
      [[ -f $f && -n $runl ]] || continue
      if v="$("$TINPU_TOOL" diff "$runl" "$f" 2>&1)"; then
        n_same=$((n_same + 1))
        pass
      else
        fail "$label" ort=run "ORT opt=$opt vs quantc run (expected = quantc run): $v"
      fi
    done
    same_run="$n_same/2"
    # (b) the exact integer evaluation == each of them.
    expects=()
    [[ -f $dis ]] && expects+=("--expect=ort_disabled=$dis")
    [[ -f $all ]] && expects+=("--expect=ort_all=$all")
    [[ -n $runl ]] && expects+=("--expect=quantc_run=$runl")
    eval_out="$("$TINPU_TOOL" eval "$model" --input="$dir/test_x.npy" --output="$w.exact.npy" \
        "${expects[@]}" 2>&1)"
    rc=$?
    if [[ $rc -ne 0 && $rc -ne 1 ]]; then
      exact=ERR
      fail "$label" exact "integer evaluation failed (exit $rc): $(head -c 400 <<<"$eval_out")"
    else
      n_exact=0
      while IFS= read -r line; do
        name="${line#expect }"
        name="${name%%:*}"
        if [[ $line == *": identical"* ]]; then
          n_exact=$((n_exact + 1))
          pass
        else
          opt=disabled
          [[ $name == ort_all ]] && opt=all
          where="$(localize "$model" "$fx" "$opt" "$line" "$w.trace.$name")"
          fail "$label" exact "exact integer evaluation vs $name (expected = exact): ${line#*: } ${where//$'\n'/ }"
        fi
      done < <(grep '^expect ' <<<"$eval_out")
      exact="$n_exact/${#expects[@]}"
      peak="$(sed -n 's/^peak observed: \(2^[0-9.]*\).*/\1/p' <<<"$eval_out")"
      worst="$(sed -n 's/^peak worst case: \(2^[0-9.]*\).*/\1/p' <<<"$eval_out")"
      details+=("$label $(grep '^peak' <<<"$eval_out" | tr '\n' ' ')")
    fi

    # 4. accuracy.
    if [[ -n $accd ]]; then
      acc="$(pct "$accd")"
      if [[ -n $float_acc ]]; then
        delta="$(awk -v a="$accd" -v f="$float_acc" 'BEGIN { printf "%+.2f", 100 * (a - f) }')"
        if [[ $wb -eq 8 ]]; then
          if awk -v a="$accd" -v f="$float_acc" -v t="$TOLERANCE_PP" \
              'BEGIN { exit !(100 * (f - a) <= t + 1e-9) }'; then
            pass
          else
            fail "$label" accuracy "accuracy $acc% is more than $TOLERANCE_PP points below float $(pct "$float_acc")%"
          fi
        fi
      fi
    fi
    # shellcheck disable=SC2059
    printf "$fmt" "$cfg" "$q" "$det" "$form" "$same_run" "$exact" "$acc" "$delta" "$peak" "$worst" "$row_status"
  done
  echo
done

echo "columns: quant = quantize seconds; det = second quantize byte-identical; format = tinpu_tool check;"
echo "  ORT=run = ORT opt=disabled/opt=all outputs identical to quantc run's; exact=all = the exact"
echo "  integer evaluation identical to ORT opt=disabled, opt=all and quantc run; acc% = ORT opt=disabled"
echo "  top-1 (vs_float in points; asserted within $TOLERANCE_PP at 8-bit weights only); f32max / f32worst ="
echo "  largest integer a float32 evaluation held on the test split / could hold for any input (exact"
echo "  float32 while <= 2^24; reported, not asserted)."
echo
echo "details:"
printf '  %s\n' "${details[@]}"
echo
if [[ ${#failures[@]} -gt 0 ]]; then
  echo "failures:"
  printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
