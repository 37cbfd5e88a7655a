#!/usr/bin/env node
// Checks that a model `quantc quantize --target=generic` emitted from an
// imported quantized model follows quantc's QDQ conventions, from
// `quantc inspect --format=json` (which re-imports the model):
//   * ops: standard ONNX only; no Cast, BatchNormalization, QOperator
//     (QLinear*, QGemm) or integer (MatMulInteger, ConvInteger) ops;
//   * every weight int8, zero point 0, per channel (when its layer has
//     more than one output channel); every bias int32 at zero point 0.
// Prints one line per violation and exits 1 if there is any.
//
//   node conventions.js INSPECT.json
'use strict';
const fs = require('fs');

const j = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const bad = [];
for (const op of Object.keys(j.ops)) {
  if (/^(Cast|BatchNormalization|QLinear.*|QGemm|MatMulInteger|ConvInteger)$/.test(op)) {
    bad.push(`op ${op} x${j.ops[op]}`);
  }
}
const q = (j.imported || {}).quantization;
if (!q) bad.push('no imported quantization in the inspect output');
for (const t of q || []) {
  if (t.kind === 'weight') {
    if (t.type !== 'i8' || t.zero_point_min !== 0 || t.zero_point_max !== 0) {
      bad.push(`weight of ${t.tensor}: ${t.type} zero points ${t.zero_point_min}..${t.zero_point_max}`);
    }
    if (!t.per_channel) bad.push(`weight of ${t.tensor}: per tensor`);
  }
  if (t.kind === 'bias' && (t.type !== 'i32' || t.zero_point_min !== 0 || t.zero_point_max !== 0)) {
    bad.push(`bias of ${t.tensor}: ${t.type}`);
  }
}
for (const b of bad) console.log(b);
process.exit(bad.length ? 1 : 0);
