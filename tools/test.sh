#!/usr/bin/env bash
# The whole test suite (the README's second quick-start command). Prints a
# closing "N passed, N failed" line counting Bazel test targets. Extra
# arguments go to `bazel test`: `bash tools/test.sh --config=asan` is the
# sanitizer run (.bazelrc, README "Tests").
set -uo pipefail
cd "$(dirname "$0")/.."
export QUANTC_ORT_DIR="${QUANTC_ORT_DIR:-/opt/quantc-ort}"

# Files stay short (shared/docs/engineering-style.md): a C++ source of 800
# lines or more fails the run before anything is built.
too_long=$(git ls-files '*.cc' '*.h' | xargs -r wc -l | awk '$2 != "total" && $1 >= 800 {print $2 " (" $1 " lines)"}')
if [[ -n "$too_long" ]]; then
  echo "files of 800 lines or more (split them):"
  echo "$too_long"
  echo "0 passed, 1 failed"
  exit 1
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
bazel test //... --test_env=QUANTC_ORT_DIR="$QUANTC_ORT_DIR" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)' "$log")
echo "${passed} passed, ${failed} failed"
if [[ $rc -ne 0 || $passed -eq 0 ]]; then
  exit $(( rc == 0 ? 1 : rc ))
fi
