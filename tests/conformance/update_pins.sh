#!/usr/bin/env bash
# Records the conformance tests' current scope and passes as their pins
# (tests/conformance/pins/*.txt). Run after a change that legitimately
# grows them, and review the diff: a pin file that loses lines is a
# regression the tests exist to catch.
set -euo pipefail
cd "$(dirname "$0")/../.."
export QUANTC_ORT_DIR="${QUANTC_ORT_DIR:-/opt/quantc-ort}"
bazel test //tests/conformance:interpreter_test //tests/conformance:roundtrip_test \
  //tests/conformance:quantize_robustness_test --cache_test_results=no \
  --test_env=QUANTC_PIN_UPDATE="$PWD/tests/conformance/pins" \
  --test_env=QUANTC_ORT_DIR="$QUANTC_ORT_DIR"
git diff --stat -- tests/conformance/pins
