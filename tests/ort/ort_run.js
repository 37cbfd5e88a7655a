#!/usr/bin/env node
// Runs ONNX models with ONNX Runtime for Node, the independent judge that
// quantc's tests compare emitted models against.
//
//   node ort_run.js run MODEL.onnx OUT_DIR IN0.npy [IN1.npy ...] [--opt=disabled|all] [--threads=N]
//     Feeds the .npy files, in order, to the session's inputNames (which
//     exclude initializers), writes output i to OUT_DIR/<i>_<name>.npy and
//     prints one JSON line {"outputs":[{name,type,dims,file}...]}.
//     Exit: 0 ok, 1 ORT or I/O error (message on stderr), 2 usage.
//
//   node ort_run.js batch MANIFEST.json
//     MANIFEST = {"cases":[{"name", "models":[A, B, ...], "inputs":[npy...], "opt"}]}.
//     Runs every model of every case in this one process (node + ORT startup
//     costs more than most test models take to run) and prints one JSON line
//     per case {"name","status","detail"}, where status is "same" (every
//     model's outputs are bit-identical to the first's: dtype, dims and bytes,
//     so NaNs match when their bit patterns do), "differ", "ort_error_first"
//     (ORT cannot run the first model) or "ort_error_other"; then a line
//     {"summary":{...counts}}. Exit: 0 when every case was attempted.
//     A case may list "expected" .npy outputs (ONNX's test data): when ORT
//     cannot run the first model, the second is judged against them instead
//     (|got - want| <= 1e-7 + 1e-3 |want|, ONNX's backend-test tolerances;
//     integers and booleans exactly): status "close" or "far" (still
//     "ort_error_first" when ORT cannot run the second either, for the same
//     reason; "ort_error_other" for another).
//
// The ORT package is found under $QUANTC_ORT_DIR (default /opt/quantc-ort);
// .npy I/O is in npy.js.
'use strict';
const fs = require('fs');
const path = require('path');
const { ort, readNpy, npyBytes, rawBytes } = require('./npy');

async function runModel(model, inputFiles, opt, threads) {
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: opt,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  });
  try {
    if (inputFiles.length > session.inputNames.length) {
      throw new Error(`${inputFiles.length} inputs given but the model takes ` +
                      `${session.inputNames.length} (${session.inputNames.join(', ')})`);
    }
    const feeds = {};
    inputFiles.forEach((f, i) => { feeds[session.inputNames[i]] = readNpy(f); });
    const results = await session.run(feeds);
    return session.outputNames.map((name) => ({ name, tensor: results[name] }));
  } finally {
    await session.release();
  }
}

function errorText(e) {
  const msg = String(e && e.message ? e.message : e);
  return msg.length > 400 ? msg.slice(0, 400) + '...' : msg;
}

// Returns null when `b` is bit-identical to `a`, else why not.
function compareOutputs(a, b) {
  if (a.length !== b.length) return `${b.length} outputs instead of ${a.length}`;
  for (let i = 0; i < a.length; ++i) {
    const x = a[i].tensor;
    const y = b[i].tensor;
    const what = `output ${i} '${a[i].name}'`;
    if (a[i].name !== b[i].name) return `${what} is named '${b[i].name}'`;
    if (x.type !== y.type) return `${what}: type ${y.type} instead of ${x.type}`;
    if (x.dims.join(',') !== y.dims.join(',')) {
      return `${what}: shape [${y.dims}] instead of [${x.dims}]`;
    }
    if (Buffer.compare(rawBytes(x), rawBytes(y)) !== 0) return `${what}: ${describeDiff(x, y)}`;
  }
  return null;
}

function describeDiff(x, y) {
  if (Array.isArray(x.data)) return 'string values differ';
  let count = 0;
  let first = -1;
  let maxAbs = 0;
  const raw = x.type === 'float16';  // bits only; no float16 arithmetic here
  for (let k = 0; k < x.data.length; ++k) {
    const u = x.data[k];
    const v = y.data[k];
    if (u === v || (Number.isNaN(u) && Number.isNaN(v) && !raw)) continue;
    ++count;
    if (first < 0) first = k;
    if (!raw) maxAbs = Math.max(maxAbs, Math.abs(Number(u) - Number(v)));
  }
  // NaNs with different payloads compare equal above but not bytewise.
  if (count === 0) return 'same values but NaN bit patterns differ';
  return `${count}/${x.data.length} elements differ (first at flat index ${first}: ` +
         `${x.data[first]} vs ${y.data[first]}${raw ? '' : `, max abs diff ${maxAbs}`})`;
}

// Returns null when every output is within ONNX's backend-test tolerance of
// the expected array, else why not.
function compareExpected(outputs, expectedFiles) {
  if (outputs.length !== expectedFiles.length) {
    return `${outputs.length} outputs, ${expectedFiles.length} expected`;
  }
  for (let i = 0; i < outputs.length; ++i) {
    const got = outputs[i].tensor;
    const want = readNpy(expectedFiles[i]);
    const what = `output ${i} '${outputs[i].name}'`;
    if (got.type !== want.type) return `${what}: type ${got.type}, expected ${want.type}`;
    if (got.dims.join(',') !== want.dims.join(',')) {
      return `${what}: shape [${got.dims}], expected [${want.dims}]`;
    }
    if (Array.isArray(got.data)) {
      if (got.data.some((v, k) => v !== want.data[k])) return `${what}: strings differ`;
      continue;
    }
    const float = got.type === 'float32' || got.type === 'float64';  // float16: bits
    for (let k = 0; k < got.data.length; ++k) {
      const u = Number(got.data[k]);
      const v = Number(want.data[k]);
      const ok = float ? (Number.isNaN(u) && Number.isNaN(v)) || Math.abs(u - v) <= 1e-7 + 1e-3 * Math.abs(v)
                       : got.data[k] === want.data[k];
      if (!ok) return `${what}: element ${k} is ${got.data[k]}, expected ${want.data[k]}`;
    }
  }
  return null;
}

async function runCase(c) {
  const opt = c.opt || 'all';
  let reference = null;
  for (let m = 0; m < c.models.length; ++m) {
    let outputs;
    try {
      outputs = await runModel(c.models[m], c.inputs || [], opt, c.threads || 1);
    } catch (e) {
      if (m === 0 && c.expected && c.models.length === 2) return runExpected(c, opt, e);
      return { status: m === 0 ? 'ort_error_first' : 'ort_error_other',
        detail: `${c.models[m]}: ${errorText(e)}` };
    }
    if (m === 0) {
      reference = outputs;
      continue;
    }
    const diff = compareOutputs(reference, outputs);
    if (diff) return { status: 'differ', detail: `${c.models[m]}: ${diff}` };
  }
  return { status: 'same', detail: '' };
}

// The first model does not run in ORT (error `first`): the second against
// the expected outputs.
async function runExpected(c, opt, first) {
  let outputs;
  try {
    outputs = await runModel(c.models[1], c.inputs || [], opt, c.threads || 1);
  } catch (e) {
    // Neither runs for the same reason (a locale ORT lacks, say): nothing
    // to judge. A different reason is the conversion's fault.
    const reason = (err, model) => errorText(err).split(model).join('MODEL');
    if (reason(e, c.models[1]) === reason(first, c.models[0])) {
      return { status: 'ort_error_first', detail: `${c.models[0]}: ${errorText(first)}` };
    }
    return { status: 'ort_error_other', detail: `${c.models[1]}: ${errorText(e)}` };
  }
  const diff = compareExpected(outputs, c.expected);
  return diff ? { status: 'far', detail: `${c.models[1]}: ${diff}` }
              : { status: 'close', detail: `${c.models[0]}: ${errorText(first)}` };
}

async function batch(manifestFile) {
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const summary = { total: 0, same: 0, differ: 0, ort_error_first: 0, ort_error_other: 0,
                    close: 0, far: 0 };
  for (const c of manifest.cases) {
    const r = await runCase(c);
    ++summary.total;
    ++summary[r.status];
    console.log(JSON.stringify({ name: c.name, status: r.status, detail: r.detail }));
  }
  console.log(JSON.stringify({ summary }));
}

function sanitize(name) { return name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100); }

async function run(args) {
  const flags = { opt: 'all', threads: '1' };
  const pos = [];
  for (const a of args) {
    const m = /^--(opt|threads)=(.*)$/.exec(a);
    if (m) flags[m[1]] = m[2];
    else if (a.startsWith('--')) usage(`unknown flag ${a}`);
    else pos.push(a);
  }
  if (pos.length < 2) usage('run needs MODEL.onnx OUT_DIR');
  if (!['disabled', 'basic', 'extended', 'all'].includes(flags.opt)) usage(`bad --opt=${flags.opt}`);
  const threads = Number(flags.threads);
  if (!Number.isInteger(threads) || threads < 0) usage(`bad --threads=${flags.threads}`);
  const [model, outDir, ...inputs] = pos;
  const outputs = await runModel(model, inputs, flags.opt, threads);
  fs.mkdirSync(outDir, { recursive: true });
  const report = outputs.map(({ name, tensor }, i) => {
    const file = path.join(outDir, `${i}_${sanitize(name)}.npy`);
    fs.writeFileSync(file, npyBytes(tensor));
    return { name, type: tensor.type, dims: tensor.dims, file };
  });
  console.log(JSON.stringify({ outputs: report }));
}

function usage(msg) {
  process.stderr.write(`ort_run.js: ${msg}\nusage: node ort_run.js run MODEL.onnx OUT_DIR ` +
      'IN.npy... [--opt=disabled|all] [--threads=N]\n       node ort_run.js batch MANIFEST.json\n');
  process.exit(2);
}

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'run') return run(rest);
  if (mode === 'batch' && rest.length === 1) return batch(rest[0]);
  return usage('expected "run" or "batch MANIFEST.json"');
}

main().catch((e) => {
  process.stderr.write(`ort_run.js: ${errorText(e)}\n`);
  process.exit(1);
});
