#!/usr/bin/env node
// Writes the first N rows of an .npy array: node npy_head.js IN.npy OUT.npy N
// (smaller data sets keep the training tests within CI time).
'use strict';
const fs = require('fs');
const { ort, readNpy, npyBytes } = require('../ort/npy');

const [src, dst, count] = process.argv.slice(2);
const t = readNpy(src);
const n = Math.min(Number(count), t.dims[0]);
const per = t.data.length / t.dims[0];
fs.writeFileSync(dst, npyBytes(new ort.Tensor(t.type, t.data.slice(0, n * per), [n, ...t.dims.slice(1)])));
