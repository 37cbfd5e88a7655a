#!/usr/bin/env bash
# Foundation conformance: quantc must pass every ONNX test model it accepts
# through `quantc convert` without changing what the model computes.
#
# For each model in ONNX's test data (Debian's libonnx-testdata):
#   1. `quantc convert MODEL -o OUT` and classify by exit code: accepted (0),
#      rejected (3 invalid, 4 unsupported; first stderr line kept as the
#      reason) or crashed (anything else, including timeouts and signals).
#   2. For accepted models, convert test_data_set_0's inputs to .npy
#      (pb_to_npy) and add a case [original, converted] to one manifest.
#   3. Run every case in a single `node ort_run.js batch` (node + ORT
#      startup dwarfs most of these models' run time). The outputs must be
#      bit-identical. ORT runs with graph optimization disabled so each
#      model executes exactly as written: a difference is then quantc's.
# A case whose ORIGINAL model ORT cannot run (ORT 1.30 lacks some old or
# exotic ops, e.g. the opset 6 kernels of old PyTorch exports quantc
# upgrades to opset 7) is judged by its converted model in ORT against the
# test data's expected outputs instead (ONNX's tolerances: passed_expected),
# and is out of scope only when ORT cannot run that either or it has no
# expected outputs; one whose inputs .npy cannot carry (strings) is
# untestable. Neither counts as a failure. The test fails if any model
# crashed quantc, or a converted model fails in ORT or computes differently,
# and if any model pinned in tests/conformance/pins/roundtrip_accepted.txt
# (converted), roundtrip_passed.txt (bit-identical in ORT) or
# roundtrip_correct.txt (bit-identical, or within tolerance of the expected
# outputs) is no longer (tests/lib/pins.sh): the scope cannot shrink
# unnoticed. Rejections (exit
# 3 and 4) are counted apart from accepted models.
#
# Environment (all optional): QUANTC_BIN, PB_TO_NPY, ORT_RUN_JS override the
# tools (default: Bazel runfiles, else the workspace's bazel-bin);
# QUANTC_TESTDATA (default /usr/share/libonnx-testdata/data);
# QUANTC_CONFORMANCE_SUITES (default "node pytorch-converted pytorch-operator
# simple"); QUANTC_ORT_DIR is passed through to ort_run.js.
set -uo pipefail

DATA_ROOT="${QUANTC_TESTDATA:-/usr/share/libonnx-testdata/data}"
SUITES="${QUANTC_CONFORMANCE_SUITES:-node pytorch-converted pytorch-operator simple}"
CONVERT_TIMEOUT=60
JOBS=2  # the build machines have two cores

# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
# shellcheck source=tests/lib/pins.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/pins.sh"
PB_TO_NPY="${PB_TO_NPY:-$BIN/tests/tools/pb_to_npy}"
ORT_RUN="${ORT_RUN_JS:-$ROOT/tests/ort/ort_run.js}"
export DATA_ROOT QUANTC PB_TO_NPY CONVERT_TIMEOUT

# Worker, run through xargs: converts one model and its test inputs and
# writes one TSV line to $WORK/results: suite, test, class, exit code, reason.
if [[ "${1:-}" == "--convert-one" ]]; then
  suite="$2" test="$3"
  dir="$DATA_ROOT/$suite/$test"
  out="$WORK/out/$suite/$test"
  mkdir -p "$out"
  ulimit -c 0  # a crash is reported, not dumped
  timeout --kill-after=10 "$CONVERT_TIMEOUT" "$QUANTC" convert "$dir/model.onnx" \
    -o "$out/model.onnx" >"$out/convert.stdout" 2>"$out/convert.stderr"
  rc=$?
  reason="$(head -n 1 "$out/convert.stderr" | tr '\t' ' ' | cut -c 1-300)"
  case "$rc" in
    0) class=accepted
       [[ -s "$out/model.onnx" ]] || { class=crashed; reason="exit 0 but no output file"; } ;;
    3) class=rejected_invalid ;;
    4) class=rejected_unsupported ;;
    124) class=crashed; reason="timed out after ${CONVERT_TIMEOUT}s" ;;
    *) class=crashed
       ((rc > 128)) && reason="killed by signal $((rc - 128)); $reason" ;;
  esac
  if [[ "$class" == accepted ]]; then
    : >"$out/inputs.list"
    data="$dir/test_data_set_0"
    [[ -d "$data" ]] || { class=untestable; reason="no test_data_set_0"; }
    # input_10.pb sorts after input_9.pb: order by the number.
    for f in $(ls "$data" 2>/dev/null | grep -E '^input_[0-9]+\.pb$' | sort -t _ -k 2 -n); do
      npy="$out/${f%.pb}.npy"
      if ! "$PB_TO_NPY" "$data/$f" "$npy" >/dev/null 2>"$out/pb_to_npy.stderr"; then
        reason="$(head -n 1 "$out/pb_to_npy.stderr" | tr '\t' ' ')"
        class=untestable reason="${reason//"$WORK/"/}"
        break
      fi
      echo "$npy" >>"$out/inputs.list"
    done
    : >"$out/expected.list"
    for f in $(ls "$data" 2>/dev/null | grep -E '^output_[0-9]+\.pb$' | sort -t _ -k 2 -n); do
      npy="$out/${f%.pb}.npy"
      "$PB_TO_NPY" "$data/$f" "$npy" >/dev/null 2>&1 || { : >"$out/expected.list"; break; }
      echo "$npy" >>"$out/expected.list"
    done
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$suite" "$test" "$class" "$rc" "$reason" \
    >"$WORK/results/$suite.$test.tsv"
  exit 0
fi

for tool in "$QUANTC" "$PB_TO_NPY" "$ORT_RUN"; do
  [[ -e "$tool" ]] || { echo "roundtrip: missing $tool" >&2; exit 1; }
done
WORK="$(mktemp -d "${TEST_TMPDIR:-/tmp}/roundtrip.XXXXXX")"
export WORK
mkdir -p "$WORK/results"

# 1 + 2: conversions, $JOBS at a time.
for suite in $SUITES; do
  for d in "$DATA_ROOT/$suite"/*/; do
    [[ -f "$d/model.onnx" ]] && printf '%s\n%s\n' "$suite" "$(basename "$d")"
  done
done >"$WORK/models.list"
total_models=$(($(wc -l <"$WORK/models.list") / 2))
if ((total_models == 0)); then
  echo "roundtrip: no models found under $DATA_ROOT for suites: $SUITES" >&2
  exit 1
fi
echo "roundtrip: converting $total_models models" >&2
xargs -d '\n' -n 2 -P "$JOBS" bash "${BASH_SOURCE[0]}" --convert-one <"$WORK/models.list" \
  2>"$WORK/workers.stderr"  # bash "Segmentation fault" notices; crashes are in the table
cat "$WORK"/results/*.tsv | sort >"$WORK/convert.tsv"

# 3: one ORT batch over every accepted model with test inputs.
json_str() {
  local s="${1//\\/\\\\}"
  printf '"%s"' "${s//\"/\\\"}"
}
{
  echo '{"cases": ['
  sep=""
  while IFS=$'\t' read -r suite test class _; do
    [[ "$class" == accepted ]] || continue
    out="$WORK/out/$suite/$test"
    inputs="" expected=""
    while read -r npy; do inputs+="${inputs:+, }$(json_str "$npy")"; done <"$out/inputs.list"
    while read -r npy; do expected+="${expected:+, }$(json_str "$npy")"; done <"$out/expected.list"
    printf '%s{"name": %s, "models": [%s, %s], "inputs": [%s], %s"opt": "disabled"}\n' "$sep" \
      "$(json_str "$suite/$test")" "$(json_str "$DATA_ROOT/$suite/$test/model.onnx")" \
      "$(json_str "$out/model.onnx")" "$inputs" "${expected:+\"expected\": [$expected], }"
    sep=", "
  done <"$WORK/convert.tsv"
  echo ']}'
} >"$WORK/manifest.json"
echo "roundtrip: running ONNX Runtime" >&2
if ! node "$ORT_RUN" batch "$WORK/manifest.json" >"$WORK/ort.jsonl" 2>"$WORK/ort.stderr"; then
  echo "roundtrip: ort_run.js failed:" >&2
  tail -n 20 "$WORK/ort.stderr" >&2
  exit 1
fi
# JSON lines -> name<TAB>status<TAB>detail.
node -e '
  for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
    if (!line) continue;
    const o = JSON.parse(line);
    if (o.name) console.log([o.name, o.status, o.detail.replace(/\s+/g, " ")].join("\t"));
  }' <"$WORK/ort.jsonl" >"$WORK/ort.tsv"

# Join both tables into one final class per model.
awk -F '\t' -v OFS='\t' '
  FNR == NR { status[$1] = $2; detail[$1] = $3; next }
  {
    name = $1 "/" $2; cls = $3; why = $5
    if (cls == "accepted") {
      s = status[name]
      if (s == "same") { cls = "passed"; why = "" }
      else if (s == "close") { cls = "passed_expected"; why = detail[name] }
      else if (s == "ort_error_first") { cls = "out_of_scope"; why = detail[name] }
      else if (s == "") { cls = "failed"; why = "no ORT result" }
      else { cls = "failed"; why = s ": " detail[name] }
    }
    print $1, $2, cls, $4, why
  }' "$WORK/ort.tsv" "$WORK/convert.tsv" >"$WORK/final.tsv"

report() {
  local classes="passed passed_expected out_of_scope untestable rejected_invalid rejected_unsupported crashed failed"
  printf '%-18s %6s %8s %6s %12s %12s %10s %11s %15s %7s %6s\n' suite models accepted passed \
    vs-expected out-of-scope untestable rej-invalid rej-unsupported crashed failed
  awk -F '\t' -v classes="$classes" '
    BEGIN { n = split(classes, c, " ") }
    { count[$1, $3]++; count["total", $3]++; models[$1]++; models["total"]++
      if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
    END {
      order[++k] = "total"
      for (i = 1; i <= k; i++) {
        s = order[i]
        acc = count[s, "passed"] + count[s, "passed_expected"] + count[s, "out_of_scope"]
        acc += count[s, "untestable"] + count[s, "failed"]
        printf "%-18s %6d %8d %6d %12d %12d %10d %11d %15d %7d %6d\n", s, models[s], acc,
          count[s, "passed"], count[s, "passed_expected"], count[s, "out_of_scope"], count[s, "untestable"],
          count[s, "rejected_invalid"], count[s, "rejected_unsupported"], count[s, "crashed"],
          count[s, "failed"]
      }
    }' "$WORK/final.tsv"
  # Reasons with paths and quoted names blanked, so that like groups with like.
  echo
  echo "rejections by reason:"
  awk -F '\t' '$3 ~ /^rejected/ { print $3 "\t" $5 }' "$WORK/final.tsv" |
    sed -E "s#[^ ]*model\.onnx:? ?##; s/'[^']*'/'_'/g; s/[0-9]+/N/g" |
    sort | uniq -c | sort -rn | sed 's/^/  /'
  echo
  echo "judged against the expected outputs (ORT cannot run the original):"
  awk -F '\t' '$3 == "passed_expected" { print "  " $1 "/" $2 }' "$WORK/final.tsv"
  echo
  echo "out of scope (ORT cannot run the original, and has no expected outputs or cannot run the converted model either):"
  awk -F '\t' '$3 == "out_of_scope" { print "  " $1 "/" $2 ": " $5 }' "$WORK/final.tsv" |
    sed -E 's#: [^ ]*model\.onnx: (Load model from [^ ]* failed:)?#: #' | cut -c 1-200
  echo
  echo "untestable (inputs .npy cannot carry):"
  awk -F '\t' '$3 == "untestable" { print "  " $1 "/" $2 ": " $5 }' "$WORK/final.tsv"
  echo
  echo "crashed:"
  awk -F '\t' '$3 == "crashed" { print "  " $1 "/" $2 " (exit " $4 "): " $5 }' "$WORK/final.tsv"
  echo
  echo "failed:"
  awk -F '\t' '$3 == "failed" { print "  " $1 "/" $2 ": " $5 }' "$WORK/final.tsv"
}
report | tee "$WORK/summary.txt"
if [[ -n "${TEST_UNDECLARED_OUTPUTS_DIR:-}" ]]; then
  cp "$WORK/summary.txt" "$TEST_UNDECLARED_OUTPUTS_DIR/roundtrip_summary.txt"
  cp "$WORK/final.tsv" "$TEST_UNDECLARED_OUTPUTS_DIR/roundtrip_results.tsv"
fi

# Pins: accepted = converted (passed, out of scope, untestable or failed).
awk -F '\t' '$3 != "crashed" && $3 !~ /^rejected/ { print $1 "/" $2 }' "$WORK/final.tsv" \
  >"$WORK/accepted.txt"
awk -F '\t' '$3 == "passed" { print $1 "/" $2 }' "$WORK/final.tsv" >"$WORK/passed.txt"
awk -F '\t' '$3 == "passed" || $3 == "passed_expected" { print $1 "/" $2 }' "$WORK/final.tsv" \
  >"$WORK/correct.txt"
pins_ok=1
check_pins roundtrip_accepted "$WORK/accepted.txt" || pins_ok=0
check_pins roundtrip_passed "$WORK/passed.txt" || pins_ok=0
check_pins roundtrip_correct "$WORK/correct.txt" || pins_ok=0
if ((pins_ok == 0)); then
  echo "roundtrip: FAILED (pinned models left the accepted or passed set)"
  exit 1
fi

bad=$(awk -F '\t' '$3 == "crashed" || $3 == "failed"' "$WORK/final.tsv" | wc -l)
if ((bad > 0)); then
  where="$WORK"
  [[ -n "${TEST_UNDECLARED_OUTPUTS_DIR:-}" ]] && where="test.outputs/roundtrip_results.tsv"
  echo "roundtrip: FAILED ($bad models crashed quantc or changed results; details in $where)"
  exit 1
fi
echo "roundtrip: OK"
