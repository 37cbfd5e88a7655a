#!/usr/bin/env node
// Times ONNX Runtime (CPU, one intra-op and one inter-op thread, sequential
// execution, all graph optimizations) on model files, with fixed-seed
// random float inputs like bench/model_bench.cc.
//
//   node bench/ort_bench.js MODEL.onnx=DIMS [...]
// DIMS gives each graph input's shape as "1x3x224x224", inputs separated by
// ';' (onnxruntime-node cannot report input shapes itself). Prints one JSON
// line per model: {"model", "us_per_run", "runs"}, the mean over at least
// 20 runs and 1 s after 5 warm-up runs.
// ORT is found under $QUANTC_ORT_DIR (default /opt/quantc-ort).
'use strict';
const path = require('path');

const ORT_DIR = process.env.QUANTC_ORT_DIR || '/opt/quantc-ort';
const ort = require(path.join(ORT_DIR, 'node_modules', 'onnxruntime-node'));

async function timeModel(file, dims) {
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  let s = 12345;
  const feeds = {};
  session.inputNames.forEach((name, i) => {
    const n = dims[i].reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let k = 0; k < n; ++k) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      data[k] = (s >>> 8) / 8388608 - 1;
    }
    feeds[name] = new ort.Tensor('float32', data, dims[i]);
  });
  for (let i = 0; i < 5; ++i) await session.run(feeds);
  let runs = 0;
  let elapsed = 0n;
  const start = process.hrtime.bigint();
  while (runs < 20 || elapsed < 1000000000n) {
    await session.run(feeds);
    ++runs;
    elapsed = process.hrtime.bigint() - start;
  }
  return { us: Number(elapsed) / 1000 / runs, runs };
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error('usage: node bench/ort_bench.js MODEL.onnx=1x3x224x224[;1x10] ...');
    process.exit(2);
  }
  for (const arg of args) {
    const eq = arg.lastIndexOf('=');
    const file = arg.slice(0, eq);
    const dims = arg.slice(eq + 1).split(';').map((d) => d.split('x').map(Number));
    const r = await timeModel(file, dims);
    console.log(JSON.stringify({ model: file, us_per_run: r.us, runs: r.runs }));
  }
}

main().catch((e) => {
  console.error(`ort_bench: ${e.message || e}`);
  process.exit(1);
});
