#!/usr/bin/env bash
# Acceptance test for models quantized elsewhere (tests/imported, README
# "Models quantized elsewhere"). Per fixture, the source model is evaluated
# exactly (ONNX Runtime, optimizations disabled) on its test split, then:
#   --target=tinpu:   quantize (twice: byte-identical); format check
#                     (tinpu_tool check: TINPU ops only, plus the float ops
#                     info.json declares as CPU fallbacks); ORT opt=disabled,
#                     opt=all, `quantc run` and the exact integer evaluator
#                     (tinpu_tool eval) identical on every output of every
#                     sample (for an output a float op computes, on the
#                     integers it reads: tinpu_tool integer-outputs);
#                     accuracy within 0.5 points of the source;
#   --target=generic: quantize (twice: byte-identical); quantc's QDQ
#                     conventions (conventions.js on `quantc inspect`); ORT
#                     opt=disabled and opt=all run it; accuracy within 0.2
#                     points of the source and argmax equal to the source's
#                     on >= 99% of samples; `quantc quantize --target=tinpu`
#                     accepts it.
# Fixtures whose info.json says needs_calib (a float tensor between quantized
# regions) must fail without --calib (exit 3, naming the tensor, no output)
# and pass with it. QAT fixtures (with float.onnx) also quantize the float
# model with quantc's own PTQ (calib.npy) and assert the imported QAT model is
# at least as accurate, per target. Prints a table and "N passed, M failed";
# with IMPORT_TSV=FILE also writes the measurements (tests/accuracy/evaluate.sh
# renders them in RESULTS.md).
# About 40 s on 2 cores. Runs under `bazel test //tests/imported:import_test`
# or directly after `bazel build //tools:quantc //tests/tinpu:tinpu_tool`.
set -uo pipefail

# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
TINPU_TOOL="${TINPU_TOOL:-$BIN/tests/tinpu/tinpu_tool}"
IMPORTED_DIR="${QUANTC_IMPORTED:-$ROOT/tests/imported}"
ACCURACY_JS="$ROOT/tests/ort/accuracy.js"
COMPARE_JS="$ROOT/tests/accuracy/compare_logits.js"
CONVENTIONS_JS="$ROOT/tests/imported/conventions.js"

FIXTURES=(torch_qat torch_qat_eager ort_qdq qoperator ti_generic mixed)
TINPU_TOLERANCE_PP=0.5
GENERIC_TOLERANCE_PP=0.2
MIN_ARGMAX_AGREEMENT=0.99

TMP="$(mktemp -d "${TEST_TMPDIR:-/tmp}/import_test.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
failures=()
check() {  # check LABEL CONDITION_EXIT_CODE MESSAGE
  if [[ $2 -eq 0 ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$1: $3")
  fi
}
json_field() { sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" <<<"$1" | head -n 1; }
pct() { awk -v a="$1" 'BEGIN { if (a == "") print "-"; else printf "%.2f", 100 * a }'; }
# within A B TOL: |A - B| <= TOL points (A, B fractions)
within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = 100 * (a - b); exit !(d <= t + 1e-9 && -d <= t + 1e-9) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 1e-9 >= b) }'; }

for tool in "$QUANTC" "$TINPU_TOOL" "$ACCURACY_JS" "$COMPARE_JS" "$CONVENTIONS_JS"; do
  [[ -e $tool ]] || { echo "missing $tool"; exit 1; }
done
command -v "$NODE" >/dev/null || { echo "node not found on PATH"; exit 1; }

# accuracy MODEL DATA OPT LOGITS: accuracy.js's accuracy, logits to LOGITS.
accuracy() {
  local j
  j="$("$NODE" "$ACCURACY_JS" "$1" "$FIXTURES_DIR/$2/test_x.npy" "$FIXTURES_DIR/$2/test_y.npy" \
      --opt="$3" --logits="$4" 2>"$4.err")" || return 1
  json_field "$j" accuracy
}

TSV_ROWS=()  # fixture target source acc argmax exact warnings  |  qat fixture target imported ptq
fmt="%-16s %-8s %-7s %-6s %-8s %-9s %-8s %-8s %-8s %s\n"
# shellcheck disable=SC2059
printf "$fmt" fixture target source acc vs_src argmax= exact det format result
for fx in "${FIXTURES[@]}"; do
  dir="$IMPORTED_DIR/$fx"
  info="$(cat "$dir/info.json")"
  data="$(sed -n 's/.*"data": "\([^"]*\)".*/\1/p' <<<"$info")"
  needs_calib="$(sed -n 's/.*"needs_calib": \([a-z]*\).*/\1/p' <<<"$info")"
  float_ops="$(sed -n 's/.*"tinpu_float_ops": "\([^"]*\)".*/\1/p' <<<"$info")"
  calib=()
  [[ $needs_calib == true ]] && calib=("--calib=$FIXTURES_DIR/$data/calib.npy")
  w="$TMP/$fx"
  src_acc="$(accuracy "$dir/model.onnx" "$data" disabled "$w.src.npy")"
  check "$fx/source" $? "ORT cannot run the source model: $(head -c 300 "$w.src.npy.err")"

  if [[ $needs_calib == true ]]; then
    "$QUANTC" quantize "$dir/model.onnx" -o "$w.nocalib.onnx" --target=tinpu -q 2>"$w.nocalib.err"
    rc=$?
    [[ $rc -eq 3 && ! -e $w.nocalib.onnx ]] && grep -q "give --calib" "$w.nocalib.err"
    check "$fx/no-calib" $? "without --calib: exit $rc, output $([[ -e $w.nocalib.onnx ]] && echo written || echo absent): $(head -c 300 "$w.nocalib.err")"
  fi

  for target in tinpu generic; do
    m="$w.$target.onnx"
    status=ok acc="" delta="-" agree="-" agree_raw="-" exact="-" det="-" form="-"
    "$QUANTC" quantize "$dir/model.onnx" -o "$m" --target="$target" "${calib[@]}" -q \
        --report="$w.$target.json" 2>"$m.err"
    rc=$?
    check "$fx/$target/quantize" $rc "quantize exited $rc: $(head -c 300 "$m.err")"
    if [[ $rc -ne 0 ]]; then
      # shellcheck disable=SC2059
      printf "$fmt" "$fx" "$target" "$(pct "$src_acc")" - - - - - - "FAIL:quantize"
      continue
    fi
    "$QUANTC" quantize "$dir/model.onnx" -o "$m.again" --target="$target" "${calib[@]}" -q 2>/dev/null
    cmp -s "$m" "$m.again"
    rc=$?
    check "$fx/$target/determinism" $rc "a second quantize is not byte-identical"
    det=$([[ $rc -eq 0 ]] && echo same || echo DIFF)

    acc="$(accuracy "$m" "$data" disabled "$w.$target.dis.npy")"
    check "$fx/$target/ort-disabled" $? "ORT opt=disabled failed: $(head -c 300 "$w.$target.dis.npy.err")"
    accuracy "$m" "$data" all "$w.$target.all.npy" >/dev/null
    check "$fx/$target/ort-all" $? "ORT opt=all failed: $(head -c 300 "$w.$target.all.npy.err")"
    delta="$(awk -v a="$acc" -v s="$src_acc" 'BEGIN { printf "%+.2f", 100 * (a - s) }')"
    tol=$GENERIC_TOLERANCE_PP
    [[ $target == tinpu ]] && tol=$TINPU_TOLERANCE_PP
    within "$acc" "$src_acc" "$tol"
    check "$fx/$target/accuracy" $? "accuracy $(pct "$acc")% is more than $tol points from the source's $(pct "$src_acc")%"
    [[ $? -ne 0 ]] && status="FAIL:accuracy"

    if [[ $target == tinpu ]]; then
      wb="$(json_field "$(tr -d '\n' <"$w.$target.json")" weight_bits)"
      out="$("$TINPU_TOOL" check "$m" --weight-bits="${wb:-8}" ${float_ops:+--float-ops="$float_ops"} 2>&1)"
      rc=$?
      check "$fx/tinpu/format" $rc "$(grep -v '^format:' <<<"$out" | head -n 6 | tr '\n' ';')"
      form=$([[ $rc -eq 0 ]] && echo ok || echo VIOL)
      # A float op producing an output (a CPU fallback such as a final
      # Softmax) is float arithmetic, not TINPU's: the integers it reads are
      # what must agree bit for bit.
      im="$m" dis="$w.tinpu.dis.npy" all="$w.tinpu.all.npy"
      if [[ -n $float_ops ]]; then
        im="$w.integer.onnx" dis="$w.integer.dis.npy" all="$w.integer.all.npy"
        "$TINPU_TOOL" integer-outputs "$m" "$im"
        accuracy "$im" "$data" disabled "$dis" >/dev/null
        accuracy "$im" "$data" all "$all" >/dev/null
      fi
      rm -rf "$w.run" && mkdir -p "$w.run"
      "$QUANTC" run "$im" --input="$FIXTURES_DIR/$data/test_x.npy" -o "$w.run" >/dev/null 2>"$w.run.err"
      check "$fx/tinpu/run" $? "quantc run failed: $(head -c 300 "$w.run.err")"
      runl="$(find "$w.run" -maxdepth 1 -name '*.npy' | LC_ALL=C sort | head -n 1)"
      eval_out="$("$TINPU_TOOL" eval "$im" --input="$FIXTURES_DIR/$data/test_x.npy" \
          --output="$w.exact.npy" --expect=ort_disabled="$dis" \
          --expect=ort_all="$all" --expect=quantc_run="$runl" 2>&1)"
      n_exact="$(grep -c '^expect .*: identical' <<<"$eval_out")"
      exact="$n_exact/3"
      [[ $n_exact -eq 3 ]]
      check "$fx/tinpu/bit-exact" $? "exact evaluation vs ORT/run: $(grep -v ': identical' <<<"$eval_out" | head -n 4 | tr '\n' ';')"
      [[ $n_exact -ne 3 ]] && status="FAIL:exact"
    else
      "$QUANTC" inspect "$m" --format=json >"$w.inspect.json" 2>"$w.inspect.err"
      check "$fx/generic/inspect" $? "quantc inspect failed: $(head -c 300 "$w.inspect.err")"
      out="$("$NODE" "$CONVENTIONS_JS" "$w.inspect.json" 2>&1)"
      rc=$?
      check "$fx/generic/conventions" $rc "$(head -n 6 <<<"$out" | tr '\n' ';')"
      form=$([[ $rc -eq 0 ]] && echo ok || echo VIOL)
      j="$("$NODE" "$COMPARE_JS" "$w.src.npy" "$w.generic.dis.npy" 2>&1)"
      agree="$(json_field "$j" argmax_agreement)"
      ge "${agree:-0}" "$MIN_ARGMAX_AGREEMENT"
      check "$fx/generic/argmax" $? "argmax equals the source's on $(pct "$agree")% < 99%"
      "$QUANTC" quantize "$m" -o "$w.requant.onnx" --target=tinpu "${calib[@]}" -q 2>"$w.requant.err"
      check "$fx/generic/re-import" $? "quantc quantize --target=tinpu of the generic output failed: $(head -c 300 "$w.requant.err")"
      agree_raw="$agree"
      agree="$(pct "$agree")"
    fi
    # shellcheck disable=SC2059
    printf "$fmt" "$fx" "$target" "$(pct "$src_acc")" "$(pct "$acc")" "$delta" "$agree" "$exact" "$det" "$form" "$status"
    TSV_ROWS+=("import	$fx	$target	$src_acc	$acc	$agree_raw	$exact	$(grep -c '^quantc: warning:' "$m.err")")
  done

  if [[ -f $dir/float.onnx ]]; then
    for target in generic tinpu; do
      p="$w.ptq.$target.onnx"
      "$QUANTC" quantize "$dir/float.onnx" -o "$p" --target="$target" \
          --calib="$FIXTURES_DIR/$data/calib.npy" -q 2>"$p.err"
      check "$fx/ptq-$target" $? "quantc PTQ of float.onnx failed: $(head -c 300 "$p.err")"
      ptq="$(accuracy "$p" "$data" disabled "$p.npy")"
      imp="$(accuracy "$w.$target.onnx" "$data" disabled "$w.$target.cmp.npy")"
      ge "${imp:-0}" "${ptq:-1}"
      check "$fx/qat-vs-ptq-$target" $? "imported QAT $(pct "$imp")% is below quantc PTQ $(pct "$ptq")% ($target)"
      echo "  $fx $target: imported QAT $(pct "$imp")% vs quantc PTQ of float.onnx $(pct "$ptq")%"
      fa="$(accuracy "$dir/float.onnx" "$data" disabled "$w.float.npy")"
      TSV_ROWS+=("qat	$fx	$target	$imp	$ptq	$fa")
    done
  fi
done
echo
echo "columns: source = the source model's accuracy (ORT, optimizations disabled); acc = the"
echo "  quantized model's (same); vs_src in points; argmax= share of samples whose argmax equals"
echo "  the source's (generic); exact = exact integer evaluation identical to ORT opt=disabled,"
echo "  opt=all and quantc run (tinpu); det = second quantize byte-identical; format = TINPU"
echo "  format check (tinpu) or quantc's QDQ conventions (generic)."
if [[ ${#failures[@]} -gt 0 ]]; then
  echo "failures:"
  printf '  %s\n' "${failures[@]}"
fi
if [[ -n ${IMPORT_TSV:-} ]]; then
  printf '%s\n' "${TSV_ROWS[@]}" >"$IMPORT_TSV"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
