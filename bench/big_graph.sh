#!/bin/bash
# The 200,000-node benchmark row (README, bench/README.md): `quantc inspect`
# (import with ONNX checks and shape inference, verify, print, statistics)
# of bench/make_big_graph.py's model, next to ONNX Runtime creating a
# session for the same file in the same run. Goal: quantc under 2 s.
#
#   bench/big_graph.sh [NODES]     (default 200000; from the repository root)
#
# Prints quantc's median wall time of 3 runs (and its user CPU time, which
# other load on the machine disturbs less), ORT's load time (one load,
# given up after $ORT_LIMIT seconds, default 600: ORT takes minutes on this
# graph) and the ratio. Needs Debian's python3-onnx, GNU time and onnxruntime-node
# under $QUANTC_ORT_DIR (default /opt/quantc-ort).
set -euo pipefail
cd "$(dirname "$0")/.."
nodes="${1:-200000}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 bench/make_big_graph.py "$work/big.onnx" "$nodes"
bazel build //tools:quantc >/dev/null 2>&1
walls=() users=()
for _ in 1 2 3; do
  /usr/bin/time -f '%e %U' -o "$work/time" bazel-bin/tools/quantc inspect "$work/big.onnx" >/dev/null
  read -r wall user <"$work/time"
  walls+=("$wall") users+=("$user")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
wall=$(median "${walls[@]}") user=$(median "${users[@]}")
limit="${ORT_LIMIT:-600}"
if ort=$(timeout "$limit" node bench/ort_load.js "$work/big.onnx" 1); then
  ort=$(sed -E 's/.*"seconds":([0-9.e-]+).*/\1/' <<<"$ort")
  ort_text=$(printf '%.2f' "$ort")
  ratio=$(awk -v q="$wall" -v o="$ort" 'BEGIN { printf "%.3f", q / o }')
else
  ort_text="> $limit" ratio="< $(awk -v q="$wall" -v o="$limit" 'BEGIN { printf "%.3f", q / o }')"
fi
printf '| nodes | quantc inspect s (wall) | quantc user s | ORT load s | ratio |\n'
printf '|---:|---:|---:|---:|---:|\n'
printf '| %s | %s | %s | %s | %s |\n' "$nodes" "$wall" "$user" "$ort_text" "$ratio"
