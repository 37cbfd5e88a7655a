#!/usr/bin/env node
// Compares two stacked logit files (N, ...) sample by sample.
//
//   node compare_logits.js A.npy B.npy
//
// Both files must hold the same number of elements and the same leading N;
// each sample's K = size / N values are compared, so (N, 10) and (N, 1, 10)
// match. Prints one JSON line {"n","k","agree","argmax_agreement",
// "max_abs_diff","mean_abs_diff"}. argmax ties resolve to the first index,
// as in tests/ort/accuracy.js. Any NaN makes max_abs_diff null.
'use strict';
const path = require('path');
// __dirname is the real source folder (node resolves the main script's
// symlinks), so this finds tests/ort/npy.js in the tree and in runfiles.
const { readNpy } = require(path.join(__dirname, '..', 'ort', 'npy'));

function argmax(a, off, len) {
  let best = 0;
  for (let i = 1; i < len; i++) if (a[off + i] > a[off + best]) best = i;
  return best;
}

function main() {
  const [aFile, bFile] = process.argv.slice(2);
  if (!bFile) throw new Error('usage: compare_logits.js A.npy B.npy');
  const a = readNpy(aFile);
  const b = readNpy(bFile);
  const n = a.dims[0];
  if (b.dims[0] !== n) throw new Error(`N differs: ${a.dims} vs ${b.dims}`);
  if (a.data.length !== b.data.length) {
    throw new Error(`sizes differ: (${a.dims}) vs (${b.dims})`);
  }
  const k = n ? a.data.length / n : 0;
  const av = Float64Array.from(a.data, Number);
  const bv = Float64Array.from(b.data, Number);
  let agree = 0;
  let maxDiff = 0;
  let sumDiff = 0;
  let nan = false;
  for (let i = 0; i < n; i++) {
    if (argmax(av, i * k, k) === argmax(bv, i * k, k)) agree++;
  }
  for (let j = 0; j < av.length; j++) {
    const d = Math.abs(av[j] - bv[j]);
    if (Number.isNaN(d)) nan = true;
    else {
      maxDiff = Math.max(maxDiff, d);
      sumDiff += d;
    }
  }
  process.stdout.write(JSON.stringify({
    n, k, agree,
    argmax_agreement: n ? agree / n : 1,
    max_abs_diff: nan ? null : maxDiff,
    mean_abs_diff: av.length ? sumDiff / av.length : 0,
  }) + '\n');
}

try {
  main();
} catch (e) {
  process.stderr.write(`compare_logits.js: ${e.message || e}\n`);
  process.exit(1);
}
