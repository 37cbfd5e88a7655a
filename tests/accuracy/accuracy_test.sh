#!/usr/bin/env bash
# Acceptance test for `quantc quantize` on every fixture (tests/fixtures),
# judged in real ONNX Runtime:
#   * the float fixture's ORT accuracy matches its info.json (harness check);
#   * int8 default (minmax) accuracy with opt=disabled is within 1.0
#     percentage point of the float model's;
#   * every configuration (default, observers ema/percentile/mse/entropy,
#     --weight-bits=7/4, --power2-scale, --act-dtype=uint8) quantizes (exit
#     0), loads in `quantc inspect` (whose import runs the ONNX checker; exit
#     0) and runs in ORT with opt=disabled and opt=all;
#   * determinism: quantizing twice gives byte-identical files (cmp);
#   * if the driver has `quantc run`: its top-1 agrees with ORT opt=disabled
#     on >= 99.5% of the test samples, for the float and every quantized
#     model.
# Prints one table row per fixture x configuration, the failures, and a
# final "N passed, M failed" line (counting individual checks); exits 1 on
# any failure. About 30 s on 2 cores.
#
# Runs under `bazel test //tests/accuracy:accuracy_test` or directly
# (bash tests/accuracy/accuracy_test.sh, after `bazel build //tools:quantc`);
# see lib.sh for QUANTC_BIN / QUANTC_FIXTURES / QUANTC_ORT_DIR.
set -uo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOLERANCE_PP=1.0
MIN_RUN_AGREEMENT=0.995
TMP="$(mktemp -d "${TEST_TMPDIR:-/tmp}/accuracy_test.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0
failures=()
row_status=""  # "ok", or the first failed check's short name, per table row

pass() { passed=$((passed + 1)); }
fail() {  # fail ROW_LABEL SHORT DETAIL
  failed=$((failed + 1))
  failures+=("$1: $3")
  [[ $row_status == ok ]] && row_status="FAIL:$2"
}
# ge A B: A >= B (floats).
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 1e-9 >= b) }'; }
pct() { awk -v a="$1" 'BEGIN { if (a == "" || a == "-") print "-"; else printf "%.2f", 100 * a }'; }

for tool in "$QUANTC" "$ACCURACY_JS" "$COMPARE_JS"; do
  [[ -e $tool ]] || { echo "missing $tool (build //tools:quantc first)"; exit 1; }
done
command -v "$NODE" >/dev/null || { echo "node not found on PATH"; exit 1; }
echo "quantc: $QUANTC"
echo

fmt="%-14s %-11s %-7s %-6s %-7s %-9s %-9s %-9s %-7s %s\n"
# shellcheck disable=SC2059
printf "$fmt" fixture config quant det check acc_dis% acc_all% vs_float run% result
# shellcheck disable=SC2059
printf "$fmt" -------------- ----------- ------- ------ ------- --------- --------- --------- ------- ------

for fx in "${FIXTURES[@]}"; do
  float_acc=""
  info="$FIXTURES_DIR/$fx/info.json"
  info_acc="$(sed -n 's/.*"float_test_accuracy": *\([0-9.eE+-]*\).*/\1/p' "$info" | head -n 1)"
  for cfg in "${CONFIGS[@]}"; do
    label="$fx/$cfg"
    row_status=ok
    w="$TMP/$fx.$cfg"
    q="-" det="-" chk="-" accd="-" acca="-" delta="-" run="-"

    if [[ $cfg == float ]]; then
      model="$FIXTURES_DIR/$fx/model.onnx"
    else
      model="$w.onnx"
      start="$(now_s)"
      quantize "$fx" "$cfg" "$model"
      rc=$?
      q="$(elapsed "$start" "$(now_s)")"
      if [[ $rc -ne 0 ]]; then
        fail "$label" quantize "quantize exited $rc: $(head -c 300 "$model.err")"
        q="rc=$rc"
      else
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
      fi
    fi

    if [[ -f $model ]]; then
      if "$QUANTC" inspect "$model" >/dev/null 2>"$w.inspect.err"; then
        chk=ok
        pass
      else
        chk="rc=$?"
        fail "$label" checker "quantc inspect exited ${chk#rc=}: $(head -c 300 "$w.inspect.err")"
      fi

      if j="$(ort_accuracy "$model" "$fx" disabled "$w.dis.npy")"; then
        accd="$(json_field "$j" accuracy)"
        pass
      else
        accd=""
        fail "$label" ort-disabled "ORT opt=disabled failed: $(head -c 300 "$w.dis.npy.err")"
      fi
      if j="$(ort_accuracy "$model" "$fx" all "$w.all.npy")"; then
        acca="$(json_field "$j" accuracy)"
        pass
      else
        acca=""
        fail "$label" ort-all "ORT opt=all failed: $(head -c 300 "$w.all.npy.err")"
      fi

      if [[ $cfg == float && -n $accd ]]; then
        float_acc="$accd"
        # The harness itself: ORT must reproduce the generator's accuracy.
        if [[ -n $info_acc ]] && awk -v a="$accd" -v b="$info_acc" \
            'BEGIN { d = a - b; exit !(d < 1e-4 && d > -1e-4) }'; then
          pass
        else
          fail "$label" info.json "ORT float accuracy $accd != info.json float_test_accuracy '$info_acc'"
        fi
      fi
      if [[ $cfg != float && -n $accd && -n $float_acc ]]; then
        delta="$(awk -v a="$accd" -v f="$float_acc" 'BEGIN { printf "%+.2f", 100 * (a - f) }')"
        if [[ $cfg == minmax ]]; then
          if ge "$accd" "$(awk -v f="$float_acc" -v t="$TOLERANCE_PP" 'BEGIN { print f - t / 100 }')"; then
            pass
          else
            fail "$label" accuracy "int8 default accuracy $(pct "$accd")% is more than $TOLERANCE_PP point below float $(pct "$float_acc")%"
          fi
        fi
      fi

      if logits="$(quantc_run_logits "$model" "$fx" "$w.run")"; then
        if [[ -f $w.dis.npy ]] && j="$("$NODE" "$COMPARE_JS" "$logits" "$w.dis.npy" 2>"$w.cmp.err")"; then
          agree="$(json_field "$j" argmax_agreement)"
          run="$(pct "$agree")"
          if ge "$agree" "$MIN_RUN_AGREEMENT"; then
            pass
          else
            fail "$label" run "quantc run top-1 agrees with ORT opt=disabled on $(pct "$agree")% < 99.5% (max |Δ| $(json_field "$j" max_abs_diff))"
          fi
        else
          run=ERR
          fail "$label" run "cannot compare quantc run's $logits with ORT's logits: $(head -c 300 "$w.cmp.err" 2>/dev/null)"
        fi
      else
        run=ERR
        fail "$label" run "quantc run failed: $(head -c 300 "$w.run.err")"
      fi
    fi
    # shellcheck disable=SC2059
    printf "$fmt" "$fx" "$cfg" "$q" "$det" "$chk" "$(pct "$accd")" "$(pct "$acca")" "$delta" "$run" "$row_status"
  done
done

echo
if [[ ${#failures[@]} -gt 0 ]]; then
  echo "failures:"
  printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
