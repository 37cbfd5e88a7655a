#!/usr/bin/env node
// Renders quantc's HTML reports in headless Chromium (Debian's chromium,
// driven over the DevTools protocol with Node's own WebSocket: no npm
// package) and checks the DOM Chromium built against the JSON report of the
// same run:
//
//   node --experimental-websocket check_report.js [--screenshot=PNG]
//        KIND:PAGE.html:REPORT.json ...   (KIND: quantize, imported, compile or train)
//
// Per page: nothing fetched over the network, no script; readable at 1280
// px (no horizontal overflow, every chart bar drawn); printable (print media
// at A4 width does not overflow and printToPDF gives pages). quantize: one
// bar per quantized layer, and every number of the layer, tensor, NPU and
// repair tables equal to the JSON's (exact value in data-v, shown value its
// rounding). imported (quantize of a model quantized elsewhere): its
// quantization, repair and NPU tables equal to the JSON. compile: one arena
// rectangle per arena tensor, tensor table equal to the JSON. train: the
// epoch table and the loss and metric curves' points equal to the JSON's
// epochs, SQNR bars and table, final numbers, repairs. --screenshot writes
// the first page at 1280 px, whole.
// Prints one line per check group; exit 1 on any failure.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
let failures = 0;

function check(cond, what) {
  if (!cond) {
    failures++;
    console.log(`FAIL ${what}`);
  }
  return cond;
}

// --- a minimal DevTools protocol client -----------------------------------
async function launch() {
  const dir = fs.mkdtempSync(path.join(process.env.TEST_TMPDIR || os.tmpdir(), 'chromium-'));
  const proc = spawn(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--hide-scrollbars', `--user-data-dir=${dir}`, '--remote-debugging-port=0', 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start:\n${log}`)), 60000);
    proc.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`chromium exited with ${code}:\n${log}`)));
  });
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error('cannot connect to chromium'));
  });
  let next = 1;
  const pending = new Map();
  const listeners = [];
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(`${msg.error.message} ${msg.error.data || ''}`));
      else resolve(msg.result);
    } else if (msg.method) {
      for (const l of listeners) l(msg);
    }
  };
  const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
    const id = next++;
    pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ id, method, params, sessionId }));
  });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const close = async () => {
    ws.close();
    proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    proc.kill('SIGKILL');
    // Its helper processes may still be writing the profile for a moment.
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (e) {
      console.log(`note: left ${dir} (${e.code})`);
    }
  };
  return { send, listeners, close };
}

async function openPage(browser, file) {
  const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
  const send = (m, p) => browser.send(m, p, sessionId);
  const requests = [];
  let loaded;
  const load = new Promise((resolve) => { loaded = resolve; });
  browser.listeners.push((msg) => {
    if (msg.sessionId !== sessionId) return;
    if (msg.method === 'Network.requestWillBeSent') requests.push(msg.params.request.url);
    if (msg.method === 'Page.loadEventFired') loaded();
  });
  await send('Page.enable');
  await send('Network.enable');
  await send('Emulation.setDeviceMetricsOverride',
             { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
  await send('Page.navigate', { url: `file://${path.resolve(file)}` });
  await load;
  const evaluate = async (fn) => {
    const r = await send('Runtime.evaluate',
                         { expression: `(${fn.toString()})()`, returnByValue: true });
    if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
    return r.result.value;
  };
  return { send, evaluate, requests, close: () => browser.send('Target.closeTarget', { targetId }) };
}

// --- what the page shows (runs in the page) --------------------------------
function collect() {
  const table = (id) => {
    const t = document.getElementById(id);
    if (!t) return null;
    return [...t.querySelectorAll('tbody tr')].map(
      (tr) => [...tr.children].map((td) => ({ text: td.textContent, v: td.dataset.v })));
  };
  const rects = (sel) => [...document.querySelectorAll(sel)].map((r) => {
    const b = r.getBoundingClientRect();
    return { label: r.dataset.label, value: r.dataset.value, tensor: r.dataset.tensor,
             width: b.width, height: b.height };
  });
  const cards = [...document.querySelectorAll('.card')].map(
    (c) => [c.querySelector('.k').textContent, c.querySelector('.v').textContent]);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    scripts: document.scripts.length,
    links: document.querySelectorAll('link[rel=stylesheet], img, iframe').length,
    fontSize: parseFloat(getComputedStyle(document.body).fontSize),
    bars: rects('#layer-sqnr rect.bar'),
    arena: rects('#arena-chart rect'),
    layers: table('layer-table'),
    tensors: table('tensor-table'),
    npu: table('npu-table'),
    diagnostics: table('diagnostic-table'),
    quantization: table('quantization-table'),
    arenaTensors: table('tensor-table'),
    epochs: table('epoch-table'),
    curves: [...document.querySelectorAll('#training svg')].map((svg) => ({
      id: svg.id,
      series: [...svg.querySelectorAll('path.line')].map((p) => p.dataset.series),
      points: [...svg.querySelectorAll('circle.point')].map((c) => {
        const b = c.getBoundingClientRect();
        return { x: c.dataset.x, y: c.dataset.y, top: b.top, width: b.width };
      }),
    })),
    activationFigures: document.querySelectorAll('#activation-histograms figure').length,
    weightFigures: document.querySelectorAll('#weight-histograms figure').length,
    cards,
  };
}

// --- the checks -------------------------------------------------------------
const num = (x) => (x === 'inf' ? Infinity : x === '-inf' ? -Infinity : x === null ? NaN : Number(x));
const same = (a, b) => num(a) === num(b) || (Number.isNaN(num(a)) && Number.isNaN(num(b)));
// Whether `text` is `x` rounded to `digits` significant digits (either way
// at an exact tie: C++ and JavaScript break ties differently).
const roundsTo = (text, x, digits) => {
  const half = 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(num(x)))) - digits + 1);
  return Math.abs(Number(text) - num(x)) <= half * (1 + 1e-9);
};
const shown2 = (x) => (num(x) === Infinity ? 'exact' : num(x).toFixed(2));

function checkQuantize(dom, json, name) {
  // One bar per quantized layer, in order, with its SQNR.
  check(dom.bars.length === json.layers.length,
        `${name}: ${dom.bars.length} bars for ${json.layers.length} quantized layers`);
  check(json.layers.length > 0, `${name}: no quantized layers`);
  json.layers.forEach((l, i) => {
    const bar = dom.bars[i] || {};
    const want = l.output_sqnr_db !== null ? l.output_sqnr_db : l.weight_sqnr_db;
    check(bar.label === l.name && same(bar.value, want),
          `${name}: bar ${i} is ${bar.label}=${bar.value}, JSON ${l.name}=${want}`);
    check(bar.width >= 1 && bar.height >= 8, `${name}: bar ${i} not drawn (${bar.width}x${bar.height})`);
    const row = dom.layers[i] || [];
    check(row[0] && row[0].text === l.name && row[1].text === l.op &&
          Number(row[2].v) === l.weight_bits && same(row[3].v, l.weight_sqnr_db) &&
          row[3].text === shown2(l.weight_sqnr_db) &&
          (l.output_sqnr_db === null || (same(row[5].v, l.output_sqnr_db) &&
                                         row[5].text === shown2(l.output_sqnr_db))),
          `${name}: layer row ${i} ${JSON.stringify(row)} vs ${JSON.stringify(l)}`);
  });
  // Bars grow with SQNR.
  const finite = dom.bars.filter((b) => Number.isFinite(num(b.value)));
  for (const a of finite) {
    for (const b of finite) {
      if (num(a.value) > num(b.value) + 1) {
        check(a.width > b.width, `${name}: bar ${a.label} not longer than ${b.label}`);
      }
    }
  }
  check(dom.tensors.length === json.tensors.length,
        `${name}: ${dom.tensors.length} tensor rows for ${json.tensors.length} tensors`);
  json.tensors.forEach((t, i) => {
    const r = dom.tensors[i] || [];
    const scale = t.scale.length === 1 ? [r[4] && r[4].v] : JSON.parse((r[4] && r[4].v) || '[]');
    const zp = t.zero_point.length === 1 ? [r[5] && Number(r[5].v)] : JSON.parse((r[5] && r[5].v) || '[]');
    const ok = r.length === 9 && r[0].text === t.name && r[1].text === t.kind &&
      Number(r[3].v) === t.bits && scale.length === t.scale.length &&
      scale.every((s, k) => same(s, t.scale[k])) &&
      zp.every((z, k) => z === t.zero_point[k]) && same(r[6].v, t.min) && same(r[7].v, t.max) &&
      same(r[8].v, t.sqnr_db) && r[8].text === shown2(t.sqnr_db) &&
      (t.scale.length !== 1 || roundsTo(r[4].text, t.scale[0], 4));
    check(ok, `${name}: tensor row ${i} ${JSON.stringify(r)} vs ${JSON.stringify(t)}`);
  });
  const acts = json.tensors.filter((t) => t.histogram && t.kind === 'activation').length;
  const weights = json.tensors.filter((t) => t.histogram && t.kind !== 'activation').length;
  check(dom.activationFigures === acts && dom.weightFigures === weights && acts > 0 && weights > 0,
        `${name}: ${dom.activationFigures}/${dom.weightFigures} histograms for ${acts}/${weights}`);
  for (const o of json.outputs) {
    const card = dom.cards.find(([k]) => k === `output '${o.name}' SQNR`);
    check(card && card[1] === (num(o.sqnr_db) === Infinity ? 'exact' : `${shown2(o.sqnr_db)} dB`),
          `${name}: output card for ${o.name}: ${card}`);
  }
  // The digits fixture has 500 calibration samples; the report measures 16.
  const samples = dom.cards.find(([k]) => k === 'samples measured');
  check(samples && samples[1] === `${json.samples} of ${json.calibration_samples}` &&
        json.samples === 16 && json.calibration_samples === 500,
        `${name}: samples card ${samples} vs ${json.samples} of ${json.calibration_samples}`);
  checkRepairsAndNpu(dom, json, name);
}

function checkRepairsAndNpu(dom, json, name) {
  const diagRows = dom.diagnostics ? dom.diagnostics.length : 0;
  check(diagRows === json.diagnostics.length,
        `${name}: ${diagRows} repair rows for ${json.diagnostics.length} diagnostics`);
  json.diagnostics.forEach((d, i) => {
    const r = dom.diagnostics[i];
    check(r[0].text === d.severity && r[1].text === d.subject && r[2].text === d.message &&
          (d.cost_db === null || same(r[3].v, d.cost_db)),
          `${name}: repair row ${i}`);
  });
  if (json.npu) {
    check(dom.npu && dom.npu.length === json.npu.layers.length, `${name}: NPU table rows`);
    json.npu.layers.forEach((l, i) => {
      const r = dom.npu[i];
      check(r[0].text === l.node && r[1].text === l.op && r[2].text === l.kind &&
            r[3].text === (l.on_npu ? 'NPU' : 'CPU') && r[4].text === l.failed_constraint,
            `${name}: NPU row ${i}`);
    });
  } else {
    check(dom.npu === null, `${name}: an NPU table without NPU data`);
  }
}

function checkImported(dom, json, name) {
  check(dom.quantization && dom.quantization.length === json.quantization.length &&
        json.quantization.length > 0,
        `${name}: quantization rows for ${json.quantization.length} tensors`);
  json.quantization.forEach((q, i) => {
    const r = dom.quantization[i] || [];
    check(r[0].text === q.tensor && r[1].text === q.kind && r[2].text === q.layer &&
          r[3].text === q.type && Number(r[4].v) === q.bits &&
          r[5].text === `${q.int_range[0]}..${q.int_range[1]}` && r[6].text === q.scheme &&
          Number(r[7].v) === q.channels && same(r[8].v, q.scale_max) &&
          Number(r[9].v) === q.zero_point_max,
          `${name}: quantization row ${i} ${JSON.stringify(r)} vs ${JSON.stringify(q)}`);
  });
  checkRepairsAndNpu(dom, json, name);
}

// Training: every epoch in the table and as points of the loss and metric
// curves (a higher value drawn higher), the per-tensor SQNR
// bars and table, the final three numbers on the cards, the repairs.
function checkTrain(dom, json, name) {
  const top1 = json.metric === 'top1';
  const shown = (x) => (top1 ? `${num(x).toFixed(2)}%` : null);
  check(dom.epochs && dom.epochs.length === json.epochs.length && json.epochs.length >= 2,
        `${name}: ${dom.epochs && dom.epochs.length} epoch rows for ${json.epochs.length} epochs`);
  json.epochs.forEach((e, i) => {
    const r = (dom.epochs || [])[i] || [];
    const frozen = e.bn_frozen && e.observers_frozen ? 'BN+observers'
      : e.bn_frozen ? 'BN' : e.observers_frozen ? 'observers' : '';
    check(r.length === 6 && Number(r[0].v) === e.epoch &&
          (e.loss === null ? r[1].text === '–' : same(r[1].v, e.loss)) &&
          same(r[2].v, e.train) && (!top1 || r[2].text === shown(e.train)) &&
          (e.val === null ? r[3].text === '–' : same(r[3].v, e.val)) &&
          same(r[4].v, e.lr) && r[5].text === frozen,
          `${name}: epoch row ${i} ${JSON.stringify(r)} vs ${JSON.stringify(e)}`);
  });
  const curve = (id) => dom.curves.find((c) => c.id === id) || { series: [], points: [] };
  const loss = curve('loss-curve');
  const withLoss = json.epochs.filter((e) => e.loss !== null);
  check(loss.points.length === withLoss.length &&
        withLoss.every((e, i) => Number(loss.points[i].x) === e.epoch && same(loss.points[i].y, e.loss)),
        `${name}: loss curve ${JSON.stringify(loss.points)}`);
  const metric = curve('metric-curve');
  const val = json.epochs.every((e) => e.val !== null);
  check(metric.series.length === (val ? 2 : 1), `${name}: metric series ${metric.series}`);
  const want = [...json.epochs.map((e) => [e.epoch, e.train]),
                ...(val ? json.epochs.map((e) => [e.epoch, e.val]) : [])];
  check(metric.points.length === want.length &&
        want.every(([x, y], i) => Number(metric.points[i].x) === x && same(metric.points[i].y, y)),
        `${name}: metric curve ${JSON.stringify(metric.points)}`);
  for (const a of metric.points) {
    for (const b of metric.points) {
      if (num(a.y) > num(b.y) + 0.5) {
        check(a.top < b.top, `${name}: point ${a.y} not drawn above ${b.y}`);
      }
    }
  }
  check(dom.bars.length === json.layers.length && json.layers.length > 0,
        `${name}: ${dom.bars.length} bars for ${json.layers.length} tensors`);
  json.layers.forEach((l, i) => {
    const bar = dom.bars[i] || {};
    const r = (dom.layers || [])[i] || [];
    check(bar.label === l.tensor && same(bar.value, l.sqnr_db) && bar.width >= 1 &&
          r[0] && r[0].text === l.tensor && same(r[1].v, l.sqnr_db) && r[1].text === shown2(l.sqnr_db),
          `${name}: tensor ${i} ${JSON.stringify(bar)} ${JSON.stringify(r)} vs ${JSON.stringify(l)}`);
  });
  const on = json.final.data === 'val' ? 'validation data' : 'training data';
  for (const [key, label] of [['float', 'float'], ['fake_quant', 'fake-quant'], ['emitted', 'emitted']]) {
    const card = dom.cards.find(([k]) => k === `${label} (${on})`);
    check(card && (!top1 || card[1] === shown(json.final[key])),
          `${name}: ${label} card ${card} vs ${json.final[key]}`);
  }
  checkRepairsAndNpu(dom, json, name);
}

function checkCompile(dom, json, name) {
  const arena = json.tensors.filter((t) => t.home === 'arena');
  const named = new Set(arena.map((t) => t.name));
  check(dom.arena.length > 0 && dom.arena.every((r) => named.has(r.tensor) && r.width >= 1),
        `${name}: ${dom.arena.length} arena rectangles for ${arena.length} arena tensors`);
  check(dom.arenaTensors.length === json.tensors.length, `${name}: tensor rows`);
  json.tensors.forEach((t, i) => {
    const r = dom.arenaTensors[i];
    check(r[0].text === t.name && r[2].text === t.home &&
          (t.home !== 'arena' || (Number(r[3].v) === t.offset && Number(r[4].v) === t.bytes)),
          `${name}: tensor row ${i} ${JSON.stringify(r)} vs ${JSON.stringify(t)}`);
  });
  const card = dom.cards.find(([k]) => k === 'arena / lower bound');
  check(card && card[1] === `${json.arena_bytes} / ${json.lower_bound_bytes} B`, `${name}: arena card`);
}

async function checkPage(browser, kind, html, jsonFile, screenshot) {
  const name = path.basename(html);
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  const page = await openPage(browser, html);
  const dom = await page.evaluate(collect);
  const before = failures;
  check(dom.scripts === 0 && dom.links === 0, `${name}: scripts/links/images in the page`);
  check(page.requests.every((u) => u.startsWith('file:') || u.startsWith('data:')),
        `${name}: fetched ${page.requests.filter((u) => !u.startsWith('file:'))}`);
  check(dom.viewport === 1280 && dom.scrollWidth <= 1280,
        `${name}: ${dom.scrollWidth} px wide in a 1280 px window`);
  check(dom.fontSize >= 13, `${name}: body text ${dom.fontSize} px`);
  if (kind === 'quantize') checkQuantize(dom, json, name);
  else if (kind === 'imported') checkImported(dom, json, name);
  else if (kind === 'train') checkTrain(dom, json, name);
  else checkCompile(dom, json, name);

  if (screenshot) {
    const m = await page.send('Page.getLayoutMetrics');
    const height = Math.ceil(m.cssContentSize.height);
    const shot = await page.send('Page.captureScreenshot', {
      format: 'png', captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: 1280, height, scale: 1 },
    });
    fs.writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
  }
  // Print: A4 less 12 mm margins is 186 mm, 703 px at 96 dpi.
  await page.send('Emulation.setEmulatedMedia', { media: 'print' });
  await page.send('Emulation.setDeviceMetricsOverride',
                  { width: 703, height: 1000, deviceScaleFactor: 1, mobile: false });
  const printed = await page.evaluate(collect);
  check(printed.scrollWidth <= 703, `${name}: ${printed.scrollWidth} px wide on an A4 page`);
  const pdf = Buffer.from((await page.send('Page.printToPDF', { preferCSSPageSize: true })).data,
                          'base64');
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  check(pdf.subarray(0, 5).toString() === '%PDF-' && pages >= 1, `${name}: printed ${pages} pages`);
  await page.close();
  console.log(`${failures === before ? 'ok  ' : 'FAIL'} ${name}: ${dom.bars.length} bars, ` +
              `${(dom.tensors || dom.quantization || dom.epochs || []).length} table rows, ` +
              `${pages} printed pages`);
}

async function main() {
  const args = process.argv.slice(2);
  const shotArg = args.find((a) => a.startsWith('--screenshot='));
  const pages = args.filter((a) => !a.startsWith('--'));
  if (pages.length === 0) {
    console.error('usage: check_report.js [--screenshot=PNG] KIND:PAGE.html:REPORT.json ...');
    process.exit(2);
  }
  const browser = await launch();
  try {
    for (let i = 0; i < pages.length; ++i) {
      const [kind, html, json] = pages[i].split(':');
      await checkPage(browser, kind, html, json, i === 0 && shotArg ? shotArg.slice(13) : null);
    }
  } finally {
    await browser.close();
  }
  console.log(failures === 0 ? 'check_report: OK' : `check_report: ${failures} failures`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`check_report: ${e.stack || e}`);
  process.exit(1);
});
