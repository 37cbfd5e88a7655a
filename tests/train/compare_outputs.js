#!/usr/bin/env node
// Compares two (N, ...) float32 .npy arrays of model outputs row by row:
//   node compare_outputs.js A.npy B.npy [--max-abs=T] [--min-agree=F]
// Prints "n=N max|d|=D argmax agree K/N"; exits 1 when max |a - b| > T or
// the fraction of rows whose argmax agrees is below F (defaults: 0 and 1).
'use strict';
const { readNpy } = require('../ort/npy');

const args = process.argv.slice(2);
const flags = Object.fromEntries(args.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')));
const [fa, fb] = args.filter((a) => !a.startsWith('--'));
const a = readNpy(fa);
const b = readNpy(fb);
if (a.data.length !== b.data.length || a.dims[0] !== b.dims[0]) {
  console.log(`shape mismatch: ${a.dims} vs ${b.dims}`);
  process.exit(1);
}
const n = a.dims[0];
const k = a.data.length / n;
let maxd = 0;
let agree = 0;
for (let i = 0; i < n; i++) {
  let ba = 0;
  let bb = 0;
  for (let j = 0; j < k; j++) {
    maxd = Math.max(maxd, Math.abs(a.data[i * k + j] - b.data[i * k + j]));
    if (a.data[i * k + j] > a.data[i * k + ba]) ba = j;
    if (b.data[i * k + j] > b.data[i * k + bb]) bb = j;
  }
  if (ba === bb) agree++;
}
console.log(`n=${n} max|d|=${maxd} argmax agree ${agree}/${n}`);
const maxAbs = Number(flags['max-abs'] || 0);
const minAgree = Number(flags['min-agree'] || 1);
process.exit(maxd <= maxAbs && agree >= minAgree * n ? 0 : 1);
