#!/usr/bin/env bash
# Runs python/quantc_test.py with Debian's Python on the module Bazel just
# built (not an installed copy), laid out as the installed package is.
set -euo pipefail
# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tests/lib/paths.sh"
PY=/usr/bin/python3
[[ -x "$PY" ]] || { echo "python_test: $PY missing (python3 from Debian)"; exit 1; }
PKG="$(mktemp -d "${TEST_TMPDIR:-/tmp}/pkg.XXXXXX")"
trap 'rm -rf "$PKG"' EXIT
mkdir -p "$PKG/quantc"
cp "$ROOT/python/quantc/"*.py "$PKG/quantc/"
cp "$BIN/python/_quantc.so" "$PKG/quantc/_quantc.so"
cp "$BIN/tools/quantc-train" "$PKG/quantc/quantc-train"
cp "$ROOT/python/quantc_test.py" "$ROOT/python/quantc_train_test.py" "$ROOT/python/hostile_test.py" \
  "$PKG/"
export PYTHONPATH="$PKG" QUANTC ROOT QUANTC_FIXTURES="$FIXTURES_DIR"
if [[ "${QUANTC_SANITIZED:-0}" == 1 ]]; then
  # --config=asan built the module with ASan and UBSan: Python, which is
  # not, must load their runtimes first. What Python itself still holds at
  # exit is not quantc's leak, so leak checking is off in this process
  # (the quantc command it runs keeps it, and any other report still fails).
  LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
  export LD_PRELOAD ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
fi
# Not from python/, whose quantc/ (without the extension) would shadow it.
cd "$PKG"
exec "$PY" -m unittest -v quantc_test quantc_train_test hostile_test
