#!/usr/bin/env node
// Times ONNX Runtime's session creation (load, check, shape inference,
// graph build; optimizations disabled) for one model file: the step that
// matches `quantc inspect`'s import, verify and print.
//
//   node bench/ort_load.js MODEL.onnx [REPEATS]
// Prints {"model", "seconds"} with the median of REPEATS (default 3) loads.
// ORT is found under $QUANTC_ORT_DIR (default /opt/quantc-ort).
'use strict';
const path = require('path');

const ORT_DIR = process.env.QUANTC_ORT_DIR || '/opt/quantc-ort';
const ort = require(path.join(ORT_DIR, 'node_modules', 'onnxruntime-node'));

async function main() {
  const file = process.argv[2];
  const repeats = Number(process.argv[3] || 3);
  const times = [];
  for (let i = 0; i < repeats; ++i) {
    const start = process.hrtime.bigint();
    const session = await ort.InferenceSession.create(file, {graphOptimizationLevel: 'disabled'});
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (session.release) await session.release();
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({model: file, seconds: times[Math.floor(times.length / 2)]}));
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
