# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared by the C backend test scripts (sourced): tool paths (tests/lib/
# paths.sh plus C_TOOL), a scratch folder TMP removed on exit, pass/fail
# counters and a JSON field reader for c_tool's and compile's output.
# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
C_TOOL="${C_TOOL:-$BIN/tests/c/c_tool}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
pass() { passed=$((passed + 1)); }
# json_field JSON KEY: the value of "KEY": in one line of JSON.
json_field() { sed -n "s/.*\"$2\": \\([^,}]*\\).*/\\1/p" <<<"$1"; }
# finish: the closing count line and exit status.
finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
