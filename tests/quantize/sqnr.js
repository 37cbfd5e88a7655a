#!/usr/bin/env node
// Output SQNR of a quantized model against its float model, both run in
// ONNX Runtime (the independent judge; opt=disabled, exact QDQ arithmetic).
//
//   node sqnr.js FLOAT.onnx QUANT.onnx DATA.npy
//
// DATA is (N, ...) float32; each row is fed as one sample (shape (1, ...)).
// Compares the first outputs over all samples and prints one JSON line:
//   {"sqnr_db": 10 log10(sum f^2 / sum (q - f)^2),
//    "max_abs_err": max |q - f|,
//    "max_channel_mean_err": max over channels (axis 1) of |mean(q - f)|}
'use strict';
const path = require('path');
const { ort, readNpy } = require(path.join(__dirname, '..', 'ort', 'npy'));

async function outputs(model, x) {
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1,
    executionMode: 'sequential', logSeverityLevel: 3,
  });
  const n = x.dims[0];
  const per = x.data.length / n;
  const all = [];
  let dims = null;
  for (let i = 0; i < n; i++) {
    const sample = new ort.Tensor('float32', x.data.slice(i * per, (i + 1) * per),
        [1, ...x.dims.slice(1)]);
    const out = (await session.run({ [session.inputNames[0]]: sample }))[session.outputNames[0]];
    dims = out.dims;
    all.push(Float32Array.from(out.data));
  }
  await session.release();
  return { all, dims };
}

async function main() {
  const [floatModel, quantModel, dataFile] = process.argv.slice(2);
  if (!dataFile) throw new Error('usage: sqnr.js FLOAT.onnx QUANT.onnx DATA.npy');
  const x = readNpy(dataFile);
  const f = await outputs(floatModel, x);
  const q = await outputs(quantModel, x);
  const channels = f.dims.length >= 2 ? Number(f.dims[1]) : 1;
  const inner = f.all[0].length / channels;
  const chanErr = new Float64Array(channels);
  let signal = 0, noise = 0, maxAbs = 0, count = 0;
  for (let s = 0; s < f.all.length; s++) {
    if (q.all[s].length !== f.all[s].length) throw new Error('output sizes differ');
    for (let i = 0; i < f.all[s].length; i++) {
      const d = q.all[s][i] - f.all[s][i];
      signal += f.all[s][i] * f.all[s][i];
      noise += d * d;
      maxAbs = Math.max(maxAbs, Math.abs(d));
      chanErr[Math.floor(i / inner) % channels] += d;
    }
    count += inner;
  }
  const sqnr = noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
  const maxChan = Math.max(...Array.from(chanErr, (e) => Math.abs(e / count)));
  process.stdout.write(JSON.stringify({ sqnr_db: sqnr, max_abs_err: maxAbs,
                                        max_channel_mean_err: maxChan }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`sqnr.js: ${e.message || e}\n`);
  process.exit(1);
});
