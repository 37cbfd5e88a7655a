#!/usr/bin/env bash
# Accuracy of quantc's quantized models on every fixture, judged in ONNX
# Runtime; writes tests/accuracy/results.tsv and tests/accuracy/RESULTS.md.
#
#   tests/accuracy/evaluate.sh [--no-build] [--no-bench]
#
# For each fixture x configuration (float; int8 default = minmax; observers
# ema, percentile, mse, entropy; --weight-bits=7; --weight-bits=4;
# --power2-scale; --act-dtype=uint8; and the TI NPU integer format,
# --target=tinpu at 8- and 4-bit weights):
#   1. `quantc quantize` (wall time and number of "quantc: warning:" lines
#      recorded; not for float),
#   2. `quantc inspect` (import runs the ONNX checker; exit code recorded),
#   3. tests/ort/accuracy.js with opt=disabled (exact QDQ arithmetic: the
#      accuracy judge) and opt=all (ORT's fused integer kernels), keeping
#      both runs' logits,
#   4. logits compared: opt=all vs opt=disabled, and quantized vs float
#      (both opt=disabled),
#   5. if the driver has `quantc run`: its logits vs ORT opt=disabled.
# Then tests/imported/import_test.sh (models quantized elsewhere, both
# targets; IMPORT_TSV), bench_quantize.sh (unless --no-bench) and
# render_results.py.
# Builds //tools:quantc first unless --no-build or QUANTC_BIN is set.
# Takes about 40 seconds on 2 cores (plus the build).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/lib.sh
source "$HERE/lib.sh"

build=1
bench=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --no-bench) bench=0 ;;
    *) echo "usage: evaluate.sh [--no-build] [--no-bench]" >&2; exit 2 ;;
  esac
done
if [[ $build -eq 1 && -z "${QUANTC_BIN:-}" ]]; then
  (cd "$ROOT" && bazel build //tools:quantc) || exit 1
fi

TSV="$HERE/results.tsv"
MD="$HERE/RESULTS.md"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT


# compare A B: "agreement<TAB>max_abs_diff<TAB>mean_abs_diff", or "ERR ERR ERR".
compare() {
  local j
  if j="$("$NODE" "$COMPARE_JS" "$1" "$2" 2>"$TMP/compare.err")"; then
    printf '%s\t%s\t%s' "$(json_field "$j" argmax_agreement)" \
        "$(json_field "$j" max_abs_diff)" "$(json_field "$j" mean_abs_diff)"
  else
    printf 'ERR\tERR\tERR'
    echo "  compare $1 $2: $(head -c 300 "$TMP/compare.err")" >&2
  fi
}

header=(fixture config flags quantize_rc quantize_s quantize_warnings model_bytes inspect_rc n
        acc_disabled acc_all all_vs_disabled_agree all_vs_disabled_max_diff
        float_agree float_max_diff float_mean_diff run_agree run_max_diff)
(IFS=$'\t'; echo "${header[*]}") >"$TMP/results.tsv"

for fx in "${FIXTURES[@]}"; do
  for cfg in "${CONFIGS[@]}" "${TINPU_CONFIGS[@]}"; do
    w="$TMP/$fx.$cfg"
    model="$w.onnx"
    qrc="-" qs="-" warns="-"
    if [[ $cfg == float ]]; then
      cp "$FIXTURES_DIR/$fx/model.onnx" "$model"
    else
      start="$(now_s)"
      quantize "$fx" "$cfg" "$model"
      qrc=$?
      qs="$(elapsed "$start" "$(now_s)")"
      warns="$(grep -c '^quantc: warning:' "$model.err")"
      if [[ $qrc -ne 0 ]]; then
        echo "$fx $cfg: quantize exit $qrc: $(head -c 300 "$model.err")" >&2
      fi
    fi
    bytes="-" irc="-" n="-" accd="ERR" acca="ERR"
    av="ERR\tERR" fv="ERR\tERR\tERR" rv="-\t-"
    if [[ -f $model ]]; then
      bytes="$(stat -c %s "$model")"
      "$QUANTC" inspect "$model" >/dev/null 2>"$w.inspect.err"
      irc=$?
      if j="$(ort_accuracy "$model" "$fx" disabled "$w.dis.npy")"; then
        accd="$(json_field "$j" accuracy)"
        n="$(json_field "$j" n)"
      else
        echo "$fx $cfg: ORT opt=disabled: $(head -c 300 "$w.dis.npy.err")" >&2
      fi
      if j="$(ort_accuracy "$model" "$fx" all "$w.all.npy")"; then
        acca="$(json_field "$j" accuracy)"
      else
        echo "$fx $cfg: ORT opt=all: $(head -c 300 "$w.all.npy.err")" >&2
      fi
      if [[ -f $w.dis.npy && -f $w.all.npy ]]; then
        av="$(compare "$w.all.npy" "$w.dis.npy" | cut -f1,2)"
      fi
      if [[ -f $w.dis.npy && -f $TMP/$fx.float.dis.npy ]]; then
        fv="$(compare "$w.dis.npy" "$TMP/$fx.float.dis.npy")"
      fi
      rv="ERR\tERR"
      if logits="$(quantc_run_logits "$model" "$fx" "$w.run")"; then
        [[ -f $w.dis.npy ]] && rv="$(compare "$logits" "$w.dis.npy" | cut -f1,2)"
      else
        echo "$fx $cfg: quantc run: $(head -c 300 "$w.run.err")" >&2
      fi
    fi
    row="$fx\t$cfg\t${CONFIG_FLAGS[$cfg]:-(none)}\t$qrc\t$qs\t$warns\t$bytes\t$irc\t$n\t$accd\t$acca"
    row="$row\t$av\t$fv\t$rv"
    echo -e "$row" >>"$TMP/results.tsv"
    echo -e "$row" | cut -f1,2,4,5,6,8,10,11,12,15,17 >&2
  done
done
cp "$TMP/results.tsv" "$TSV"

# Models quantized elsewhere (tests/imported): their own acceptance test
# measures them; its numbers go into RESULTS.md.
IMPORTED_TSV="$HERE/imported.tsv"
if [[ -z "${QUANTC_BIN:-}" && $build -eq 1 ]]; then
  (cd "$ROOT" && bazel build //tests/tinpu:tinpu_tool) || exit 1
fi
IMPORT_TSV="$IMPORTED_TSV" bash "$ROOT/tests/imported/import_test.sh" >"$TMP/import_test.log" 2>&1 ||
  echo "tests/imported/import_test.sh failed: $(tail -n 5 "$TMP/import_test.log")" >&2

bench_s="-"
if [[ $bench -eq 1 ]]; then
  bench_s="$("$HERE/bench_quantize.sh" 2>/dev/null)" || bench_s="ERR"
fi

ort_version="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' \
    "${QUANTC_ORT_DIR:-/opt/quantc-ort}/node_modules/onnxruntime-node/package.json" | head -n 1)"
commit="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(cd "$ROOT" && git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  commit="$commit + uncommitted changes"
fi
/usr/bin/python3 "$HERE/render_results.py" "$TSV" --bench="$bench_s" \
    --ort="${ort_version:-?}" --commit="$commit" --has-run=1 --imported="$IMPORTED_TSV" >"$MD" || exit 1
echo "wrote $TSV and $MD" >&2
