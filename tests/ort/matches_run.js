#!/usr/bin/env node
// Whether ONNX Runtime computes exactly what `quantc run` computed.
//
//   node matches_run.js MODEL.onnx X.npy RUN_DIR [--opt=disabled|all] [--float-tolerance=T]
//
// X is (N, ...): each row is fed to ORT as one sample (shape (1, ...)).
// RUN_DIR holds `quantc run MODEL --input=X.npy -o RUN_DIR`'s outputs, one
// <output name>.npy per model output, stacked (N, ...). Every output of
// every sample must be bit-identical (dtype, element count and bytes);
// with --float-tolerance, a float32 output may instead differ by at most
// T * max|quantc run's output| per element (for outputs computed by float
// ops such as Sigmoid, whose last bits depend on the math library).
// Prints one JSON line {"model","opt","n","same","detail"}; exit 0 when
// the comparison ran (whatever its verdict), 1 on ORT or I/O errors.
'use strict';
const path = require('path');
const { ort, readNpy, rawBytes } = require('./npy');

// Largest |a[k] - b[i * a.length + k]|: sample i of the stacked b.
function maxDiff(a, b, i) {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[i * a.length + k]));
  return m;
}

async function main() {
  const args = process.argv.slice(2);
  const flags = Object.fromEntries(args.filter((a) => a.startsWith('--'))
      .map((a) => a.slice(2).split('=')));
  const [model, xFile, runDir] = args.filter((a) => !a.startsWith('--'));
  if (!runDir) throw new Error('usage: matches_run.js MODEL X.npy RUN_DIR [--opt=...]');
  const opt = flags.opt || 'disabled';
  const tolerance = Number(flags['float-tolerance'] || 0);
  const x = readNpy(xFile);
  const n = x.dims[0];
  const per = x.data.length / n;
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: opt, intraOpNumThreads: 1, interOpNumThreads: 1,
    executionMode: 'sequential', logSeverityLevel: 3,
  });
  const expected = {};
  for (const name of session.outputNames) {
    const t = readNpy(path.join(runDir, `${name}.npy`));
    let max = 0;
    if (t.type === 'float32') for (const v of t.data) max = Math.max(max, Math.abs(v));
    expected[name] = { type: t.type, bytes: rawBytes(t), per: rawBytes(t).length / n,
                       values: t.data, max };
  }
  let detail = '';
  for (let i = 0; i < n && !detail; i++) {
    const sample = new ort.Tensor('float32', x.data.slice(i * per, (i + 1) * per),
        [1, ...x.dims.slice(1)]);
    const out = await session.run({ [session.inputNames[0]]: sample });
    for (const name of session.outputNames) {
      const want = expected[name];
      const got = rawBytes(out[name]);
      if (out[name].type !== want.type) {
        detail = `output '${name}': ORT gives ${out[name].type}, quantc run ${want.type}`;
      } else if (got.length !== want.per) {
        detail = `output '${name}': ${got.length} bytes per sample instead of ${want.per}`;
      } else if (Buffer.compare(got, want.bytes.subarray(i * want.per, (i + 1) * want.per)) !== 0) {
        const within = tolerance > 0 && want.type === 'float32' &&
            maxDiff(out[name].data, want.values, i) <= tolerance * want.max;
        if (!within) detail = `output '${name}' differs at sample ${i}`;
      }
      if (detail) break;
    }
  }
  await session.release();
  process.stdout.write(JSON.stringify({ model, opt, n, tolerance, same: !detail, detail }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
