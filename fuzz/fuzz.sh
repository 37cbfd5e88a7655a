#!/usr/bin/env bash
# Fuzzes quantc's libFuzzer targets (fuzz/BUILD) for a set time each and
# reports executions, coverage and crashes.
#
#   bash fuzz/fuzz.sh [SECONDS] [TARGET...]
#
# Defaults: 600 s per target; all of import_fuzzer, import_run_fuzzer,
# npy_fuzzer, run_fuzzer. Builds with --config=fuzz (clang-14, libFuzzer,
# ASan, UBSan) in its own Bazel output base ($QUANTC_FUZZ_OUTPUT_BASE,
# default ~/.cache/quantc-fuzz), which leaves the normal build's cache alone.
# Each target starts from its committed corpus (fuzz/corpus/<dir>) plus a
# working corpus in $QUANTC_FUZZ_WORK/<target> (default /tmp/quantc-fuzz)
# that keeps what earlier runs found. Any finding (crash, leak, timeout,
# out-of-memory) is copied to fuzz/corpus/<dir>/crash-<sha1> and makes the
# script exit 1: fix it, then commit the file; the normal suite replays it
# (//fuzz:<target>_corpus_test).
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-600}"
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(import_fuzzer import_run_fuzzer npy_fuzzer run_fuzzer)
OUTPUT_BASE="${QUANTC_FUZZ_OUTPUT_BASE:-$HOME/.cache/quantc-fuzz}"
WORK="${QUANTC_FUZZ_WORK:-/tmp/quantc-fuzz}"
bazel_fuzz() { bazel --output_base="$OUTPUT_BASE" "$@"; }

corpus_of() {  # the committed corpus folder of a target (as in fuzz/BUILD)
  case "$1" in
    import_fuzzer | import_run_fuzzer) echo import ;;
    npy_fuzzer) echo npy ;;
    run_fuzzer) echo run ;;
    *) echo "fuzz.sh: unknown target $1" >&2; exit 2 ;;
  esac
}

labels=()
for t in "${TARGETS[@]}"; do corpus_of "$t" >/dev/null; labels+=("//fuzz:$t"); done
if ! bazel_fuzz build --config=fuzz --symlink_prefix=/ "${labels[@]}" >"$WORK.build.log" 2>&1; then
  grep -vE "Cannot export local symbol" "$WORK.build.log" | tail -n 30
  echo "fuzz.sh: build failed" >&2
  exit 1
fi
BIN="$(bazel_fuzz info --config=fuzz bazel-bin 2>/dev/null)"

status=0
printf '%-18s %6s %12s %8s %6s %7s %7s %8s\n' target secs executions exec/s cov ft corpus findings
for t in "${TARGETS[@]}"; do
  dir="$(corpus_of "$t")"
  mkdir -p "$WORK/$t/corpus" "$WORK/$t/artifacts"
  log="$WORK/$t/fuzz.log"
  # -timeout: a unit over 20 s is a hang; -rss_limit_mb: libFuzzer's
  # out-of-memory line (the targets cap tensors at 16 MiB).
  "$BIN/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$WORK/$t/artifacts/" \
    "$WORK/$t/corpus" "fuzz/corpus/$dir" >"$log" 2>&1
  rc=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+')
  corp=$(grep -oE 'corp: [0-9]+' <<<"$last" | grep -oE '[0-9]+')
  findings=0
  for a in "$WORK/$t/artifacts"/*; do
    [[ -f "$a" ]] || continue
    sha=$(sha1sum "$a" | cut -c1-40)
    cp "$a" "fuzz/corpus/$dir/crash-$sha"
    rm -f "$a"
    findings=$((findings + 1))
  done
  if ((rc != 0 || findings > 0)); then
    status=1
    grep -E 'ERROR|SUMMARY|runtime error|violated' "$log" | head -n 5 >&2
  fi
  printf '%-18s %6s %12s %8s %6s %7s %7s %8s\n' "$t" "$SECONDS_PER_TARGET" "${execs:-?}" \
    "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$findings"
done
exit "$status"
