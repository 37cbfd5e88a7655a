#!/usr/bin/env node
// Classification accuracy of an ONNX model in ONNX Runtime.
//
//   node accuracy.js MODEL.onnx TEST_X.npy TEST_Y.npy [--opt=disabled|all] [--logits=OUT.npy]
//
// TEST_X is (N, ...) float32; a model exported with batch 1 is fed one
// sample at a time (shape (1, ...)), a dynamic-batch model too, for
// identical treatment. TEST_Y holds int64 labels. Prints one JSON line
// {"model","opt","n","correct","accuracy"}. --logits writes the stacked
// first outputs (N, ...) as float32 .npy, for comparisons with `quantc run`.
// opt=disabled runs QDQ models with exact float arithmetic (the accuracy
// judge); opt=all lets ORT fuse Q/DQ groups into integer kernels.
'use strict';
const fs = require('fs');
const { ort, readNpy, npyBytes } = require('./npy');

function argmax(a, off, len) {
  let best = 0;
  for (let i = 1; i < len; i++) if (a[off + i] > a[off + best]) best = i;
  return best;
}

async function main() {
  const args = process.argv.slice(2);
  const flags = Object.fromEntries(args.filter((a) => a.startsWith('--'))
      .map((a) => a.slice(2).split('=')));
  const [model, xFile, yFile] = args.filter((a) => !a.startsWith('--'));
  if (!yFile) throw new Error('usage: accuracy.js MODEL X.npy Y.npy [--opt=...] [--logits=F]');
  const opt = flags.opt || 'disabled';
  const x = readNpy(xFile);
  const y = readNpy(yFile);
  const n = x.dims[0];
  const per = x.data.length / n;
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: opt, intraOpNumThreads: 1, interOpNumThreads: 1,
    executionMode: 'sequential', logSeverityLevel: 3,
  });
  let correct = 0;
  const logits = [];
  let outDims = null;
  for (let i = 0; i < n; i++) {
    const sample = new ort.Tensor('float32', x.data.slice(i * per, (i + 1) * per),
        [1, ...x.dims.slice(1)]);
    const res = await session.run({ [session.inputNames[0]]: sample });
    const out = res[session.outputNames[0]];
    outDims = out.dims;
    const k = out.data.length;
    if (argmax(out.data, 0, k) === Number(y.data[i])) correct++;
    if (flags.logits) logits.push(Float32Array.from(out.data));
  }
  await session.release();
  if (flags.logits) {
    const k = logits.length ? logits[0].length : 0;
    const all = new Float32Array(n * k);
    logits.forEach((l, i) => all.set(l, i * k));
    const dims = [n, ...outDims.slice(1)];
    fs.writeFileSync(flags.logits, npyBytes(new ort.Tensor('float32', all, dims)));
  }
  process.stdout.write(JSON.stringify({ model, opt, n, correct, accuracy: correct / n }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`accuracy.js: ${e.message || e}\n`);
  process.exit(1);
});
