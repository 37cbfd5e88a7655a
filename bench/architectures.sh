#!/usr/bin/env bash
# Benchmark (not a test): the real-architecture suite on all seven
# torchvision networks, with quantize times.
#
#   bench/architectures.sh [MODELS_DIR] [RUNS]
#
# Exports the models into MODELS_DIR (default: a temporary folder; reused
# when it already holds them) with tests/architectures/export.py, then runs
# tests/architectures/suite.sh --bench: every check of the suite plus, per
# model and target, the CPU seconds (user + system, best of RUNS, default 3)
# of a plain quantize, one with --bias-correction and one with --report, and
# their ratios. CPU time, not wall time: other jobs share this 2-core
# machine. Uses bazel-bin/tools/quantc (build it first) or $QUANTC_BIN.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ALL="mobilenet_v2,mobilenet_v3_small,resnet18,shufflenet_v2_x0_5,squeezenet1_1,mnasnet0_5,efficientnet_b0"
DIR="${1:-$(mktemp -d)}"
RUNS="${2:-3}"
missing=()
IFS=',' read -r -a names <<<"$ALL"
for m in "${names[@]}"; do [[ -f $DIR/$m/info.json ]] || missing+=("$m"); done
if ((${#missing[@]})); then
  (IFS=','; /usr/bin/python3 "$ROOT/tests/architectures/export.py" "$DIR" --models "${missing[*]}")
fi
exec bash "$ROOT/tests/architectures/suite.sh" --models "$ALL" --models-dir "$DIR" --bench --runs "$RUNS"
