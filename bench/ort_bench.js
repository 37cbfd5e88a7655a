#!/usr/bin/env node
// Times ONNX Runtime (CPU, one intra-op and one inter-op thread, sequential
// execution, all graph optimizations) on model files, with the same kind of
// fixed-seed random float inputs as bench/model_bench.cc.
//
//   node bench/ort_bench.js MODEL.onnx [...]
// Prints one JSON line per model: {"model", "us_per_run", "runs"}.
// ORT is found under $QUANTC_ORT_DIR (default /opt/quantc-ort).
'use strict';
const path = require('path');

const ORT_DIR = process.env.QUANTC_ORT_DIR || '/opt/quantc-ort';
const ort = require(path.join(ORT_DIR, 'node_modules', 'onnxruntime-node'));

function randomInputs(session) {
  const feeds = {};
  let s = 12345;
  for (const name of session.inputNames) {
    // onnxruntime-node does not expose input shapes before 1.17, so the
    // caller's naming convention is not needed: read them from metadata
    // when available, else from the model via a probe run below.
    feeds[name] = null;
  }
  return { feeds, next: () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s >>> 8) / 8388608 - 1; } };
}

async function timeModel(file, dims) {
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const { feeds, next } = randomInputs(session);
  session.inputNames.forEach((name, i) => {
    const d = dims[i];
    const n = d.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let k = 0; k < n; ++k) data[k] = next();
    feeds[name] = new ort.Tensor('float32', data, d);
  });
  for (let i = 0; i < 5; ++i) await session.run(feeds);  // warm up
  // Run for at least 1 s (and 20 runs), report the mean.
  let runs = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (runs < 20 || elapsed < 1000000000n) {
    await session.run(feeds);
    ++runs;
    elapsed = process.hrtime.bigint() - start;
  }
  return { us: Number(elapsed) / 1000 / runs, runs };
}

async function main() {
  // Arguments: MODEL.onnx=DIMS where DIMS is "1x3x224x224" (one per input,
  // separated by ';'), as printed by model_bench --print_input_dims.
  for (const arg of process.argv.slice(2)) {
    const eq = arg.lastIndexOf('=');
    const file = arg.slice(0, eq);
    const dims = arg.slice(eq + 1).split(';').map((d) => d.split('x').map(Number));
    const r = await timeModel(file, dims);
    console.log(JSON.stringify({ model: file, us_per_run: r.us, runs: r.runs }));
  }
}

main().catch((e) => { console.error(`ort_bench: ${e.message || e}`); process.exit(1); });
