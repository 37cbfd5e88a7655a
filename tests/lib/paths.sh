# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Where the test scripts find quantc's tools (sourced, not run): Bazel
# runfiles under `bazel test`, else the workspace's bazel-bin. Sets ROOT
# (tree with tests/, tools/), BIN (built binaries), QUANTC, FIXTURES_DIR and
# NODE. Overrides: QUANTC_BIN, QUANTC_FIXTURES, NODE; QUANTC_ORT_DIR reaches
# tests/ort/*.js.
if [[ -n "${TEST_SRCDIR:-}" ]]; then
  ROOT="$TEST_SRCDIR/${TEST_WORKSPACE:-quantc}"
  BIN="$ROOT"
else
  ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  BIN="$ROOT/bazel-bin"
fi
QUANTC="${QUANTC_BIN:-$BIN/tools/quantc}"
FIXTURES_DIR="${QUANTC_FIXTURES:-$ROOT/tests/fixtures}"
NODE="${NODE:-node}"
