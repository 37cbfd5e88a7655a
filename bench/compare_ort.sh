#!/bin/bash
# Interpreter latency next to ONNX Runtime's, both single-threaded, on the
# benchmark layers (bench/make_models.py) and the test fixtures.
#
#   bench/compare_ort.sh            (from the repository root)
#
# Prints one row per model: quantc and ORT microseconds per run and their
# ratio (the interpreter's goal is <= 2x). Needs Debian's python3-onnx and
# node with onnxruntime-node under $QUANTC_ORT_DIR (default /opt/quantc-ort).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 bench/make_models.py "$work/models"
models=("$work"/models/*.onnx tests/fixtures/*/model.onnx)

bazel build //bench:model_bench >/dev/null 2>&1
bazel-bin/bench/model_bench --models="$(IFS=,; echo "${models[*]}")" \
  --benchmark_format=json >"$work/quantc.json" 2>/dev/null

# ORT needs each input's shape spelled out.
mapfile -t ort_args < <(/usr/bin/python3 - "${models[@]}" <<'PY'
import sys
import onnx
for path in sys.argv[1:]:
    m = onnx.load(path)
    inits = {t.name for t in m.graph.initializer}
    dims = [
        "x".join(str(d.dim_value or 1) for d in i.type.tensor_type.shape.dim)
        for i in m.graph.input if i.name not in inits
    ]
    print(path + "=" + ";".join(dims))
PY
)
node bench/ort_bench.js "${ort_args[@]}" >"$work/ort.jsonl"

/usr/bin/python3 - "$work/quantc.json" "$work/ort.jsonl" "${models[@]}" <<'PY'
import json
import os
import sys

quantc = {b["name"]: b["real_time"] for b in json.load(open(sys.argv[1]))["benchmarks"]}
ort = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    ort[r["model"]] = r["us_per_run"]

def stem(path):
    base = os.path.basename(path)
    if base == "model.onnx":
        return os.path.basename(os.path.dirname(path))
    return base[:-len(".onnx")]

print(f"{'model':28} {'quantc us':>10} {'ORT us':>10} {'ratio':>7}")
worst = 0.0
for path in sys.argv[3:]:
    q, o = quantc[stem(path)], ort[path]
    worst = max(worst, q / o)
    print(f"{stem(path):28} {q:10.1f} {o:10.1f} {q / o:7.2f}")
print(f"worst ratio {worst:.2f} (goal <= 2)")
PY
