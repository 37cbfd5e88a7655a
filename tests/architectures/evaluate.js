#!/usr/bin/env node
// Runs a float model and its quantized versions over a test set in ONNX
// Runtime (opt=disabled: exact QDQ arithmetic) and compares them.
//
//   node evaluate.js FLOAT.onnx TEST_X.npy TEST_Y.npy OUT_DIR QUANT.onnx...
//
// Each row of TEST_X is fed as one sample (shape (1, ...)). For every model
// (the float one first) prints one JSON line {"model", "n", "accuracy",
// "sqnr_db", "argmax_agreement", "logits"}: SQNR of the stacked first
// outputs against the float model's, 10 log10(sum f^2 / sum (q - f)^2);
// argmax agreement with the float model; the logits written to
// OUT_DIR/<i>.npy (float32 (N, K)) for comparisons with `quantc run`.
// Exit: 0 when every model ran, 1 when ORT rejects one (reported as
// {"model", "error"}), 2 on usage errors.
'use strict';
const fs = require('fs');
const path = require('path');
const { ort, readNpy, npyBytes } = require(path.join(__dirname, '..', 'ort', 'npy'));

function argmax(a) {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

async function logits(model, x) {
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1,
    executionMode: 'sequential', logSeverityLevel: 3,
  });
  const n = x.dims[0];
  const per = x.data.length / n;
  const rows = [];
  try {
    for (let i = 0; i < n; i++) {
      const sample = new ort.Tensor('float32', x.data.slice(i * per, (i + 1) * per),
          [1, ...x.dims.slice(1)]);
      const out = (await session.run({ [session.inputNames[0]]: sample }))[session.outputNames[0]];
      rows.push(Float32Array.from(out.data));
    }
  } finally {
    await session.release();
  }
  return rows;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 4) {
    process.stderr.write('usage: evaluate.js FLOAT.onnx TEST_X.npy TEST_Y.npy OUT_DIR [QUANT.onnx...]\n');
    process.exit(2);
  }
  const [floatModel, xFile, yFile, outDir, ...quant] = args;
  const x = readNpy(xFile);
  const y = readNpy(yFile);
  fs.mkdirSync(outDir, { recursive: true });
  let ref = null;
  let failed = false;
  const models = [floatModel, ...quant];
  for (let m = 0; m < models.length; m++) {
    let rows;
    try {
      rows = await logits(models[m], x);
    } catch (e) {
      failed = true;
      process.stdout.write(JSON.stringify({ model: models[m], error: String(e.message || e) }) + '\n');
      continue;
    }
    if (ref === null) ref = rows;
    const k = rows[0].length;
    let signal = 0, noise = 0, correct = 0, agree = 0;
    const all = new Float32Array(rows.length * k);
    rows.forEach((r, i) => {
      all.set(r, i * k);
      if (argmax(r) === Number(y.data[i])) correct++;
      if (argmax(r) === argmax(ref[i])) agree++;
      for (let j = 0; j < k; j++) {
        signal += ref[i][j] * ref[i][j];
        noise += (r[j] - ref[i][j]) * (r[j] - ref[i][j]);
      }
    });
    const file = path.join(outDir, `${m}.npy`);
    fs.writeFileSync(file, npyBytes(new ort.Tensor('float32', all, [rows.length, k])));
    const sqnr = noise === 0 ? null : 10 * Math.log10(signal / noise);
    process.stdout.write(JSON.stringify({
      model: models[m], n: rows.length, accuracy: correct / rows.length,
      sqnr_db: sqnr === null ? 'inf' : Number(sqnr.toFixed(2)),
      argmax_agreement: agree / rows.length, logits: file,
    }) + '\n');
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
