// .npy <-> ONNX Runtime tensors, shared by the ORT scripts. Little-endian,
// C order, format 1.0-3.0, the dtypes of quantc's ir/npy.h. No npm packages
// besides ORT itself (found under $QUANTC_ORT_DIR, default /opt/quantc-ort).
'use strict';
const fs = require('fs');
const path = require('path');

const ORT_DIR = process.env.QUANTC_ORT_DIR || '/opt/quantc-ort';
const ort = require(path.join(ORT_DIR, 'node_modules', 'onnxruntime-node'));

// descr <-> ORT tensor type <-> typed array. float16 travels as raw
// Uint16Array bits, which ORT accepts and which keeps comparisons bitwise.
const DTYPES = [
  ['<f2', 'float16', Uint16Array], ['<f4', 'float32', Float32Array],
  ['<f8', 'float64', Float64Array], ['|i1', 'int8', Int8Array],
  ['|u1', 'uint8', Uint8Array], ['<i2', 'int16', Int16Array],
  ['<u2', 'uint16', Uint16Array], ['<i4', 'int32', Int32Array],
  ['<u4', 'uint32', Uint32Array], ['<i8', 'int64', BigInt64Array],
  ['<u8', 'uint64', BigUint64Array], ['|b1', 'bool', Uint8Array],
];
const BY_DESCR = new Map(DTYPES.map((d) => [d[0], d]));
const BY_TYPE = new Map(DTYPES.map((d) => [d[1], d]));

function readNpy(file) {
  const buf = fs.readFileSync(file);
  // String tensors arrive as JSON (tests/tools/pb_to_npy.cc): .npy as quantc
  // reads it has no string type.
  if (buf.length > 0 && buf[0] === 0x7b) {
    const j = JSON.parse(buf.toString('utf8'));
    if (j.dtype !== 'string') throw new Error(`${file}: JSON tensor of type ${j.dtype}`);
    return new ort.Tensor('string', j.data, j.dims);
  }
  const fail = (msg) => { throw new Error(`${file}: ${msg}`); };
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') fail('not an .npy file');
  const major = buf[6];
  if (major < 1 || major > 3) fail(`npy version ${major} is not supported`);
  const lenSize = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenSize) fail('truncated header');
  const hlen = lenSize === 2 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = 8 + lenSize + hlen;
  if (buf.length < start) fail('truncated header');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', 8 + lenSize, start);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) fail(`unreadable header ${header.trim()}`);
  if (fortran[1] === 'True') fail('Fortran order is not supported');
  const dt = BY_DESCR.get(descr[1]);
  if (!dt) fail(`unsupported dtype '${descr[1]}'`);
  const dims = shape[1].split(',').map((s) => s.trim().replace(/L$/, '')).filter((s) => s)
      .map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`bad shape (${shape[1]})`);
  const count = dims.reduce((a, b) => a * b, 1);
  const nbytes = count * dt[2].BYTES_PER_ELEMENT;
  if (buf.length - start !== nbytes) fail(`data is ${buf.length - start} bytes, expected ${nbytes}`);
  // Copy into a fresh ArrayBuffer: Buffer slices need not be aligned for
  // the typed array view.
  const ab = new ArrayBuffer(nbytes);
  new Uint8Array(ab).set(buf.subarray(start, start + nbytes));
  return new ort.Tensor(dt[1], new dt[2](ab), dims);
}

// Same bytes as numpy 1.24's np.save (see ir/npy.cc for the padding rule).
function npyBytes(tensor) {
  const dt = BY_TYPE.get(tensor.type);
  if (!dt) throw new Error(`.npy cannot hold tensors of type ${tensor.type}`);
  const dims = tensor.dims;
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${dt[0]}', 'fortran_order': False, 'shape': ${shape}, }`;
  if (dims.length > 0) header += ' '.repeat(Math.max(0, 21 - String(dims[0]).length));
  const hlen = header.length + 1;
  const pad = 64 - ((10 + hlen) % 64);
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(hlen + pad, 8);
  return Buffer.concat([pre, Buffer.from(header + ' '.repeat(pad) + '\n', 'latin1'),
    rawBytes(tensor)]);
}

function rawBytes(tensor) {
  const d = tensor.data;
  if (Array.isArray(d)) return Buffer.from(JSON.stringify(d));  // string tensors
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

module.exports = { ort, readNpy, npyBytes, rawBytes };
