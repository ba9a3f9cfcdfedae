// Hours of running: a simulated working day of DAY_HOURS hours in a minute
// or two. The worker's own handlers run, in the worker that is running, with
// two things of the browser's replaced inside it (sim.mjs): the clock (Date,
// offset by the simulated time passed) and chrome.alarms (a schedule kept on
// that clock, fired through the worker's real alarm listener,
// globalThis.tymeTab.onAlarm, as the browser fires it). Every 30 simulated
// seconds the clock advances and the due alarms fire; DAY_STARTS starts
// (each stopped 8 minutes later), a real popup opened every
// DAY_POPUP_EVERY_MIN minutes; at each simulated hour: the worker's JS heap
// after forced GC, its wasm linear memory, and the hour's alarms created and
// fired, badge writes and API requests.
import { add, log, raw, round, sleep, KB, settle, countRequests, cdpConnect, workerTarget, ok, DAY_HOURS, DAY_STARTS, DAY_POPUP_EVERY_MIN } from '../lib.mjs';
import { installSim, advanceSim, hourSim, removeSim } from './sim.mjs';

const STEP_MS = 30_000;
const ALARMS_PER_HOUR = 80;       // budget: see RESULTS.md ("Hours of running")
const CREATIONS_PER_HOUR = 40;
// Each request's AbortSignal.timeout (the core's default 30 s) holds its
// signal and timer until it runs out, in real time: a compressed day has
// hundreds of them pending at once where a real one has a handful.
const REQUEST_TIMEOUT_MS = 30_000;

// Self sizes by node type and name, from a heap snapshot: what grew.
async function snapshotByName(cdp) {
  let text = '';
  const ws = cdp.ws;
  const prev = ws.onmessage;
  ws.onmessage = (m) => { const d = JSON.parse(m.data); if (d.method === 'HeapProfiler.addHeapSnapshotChunk') text += d.params.chunk; else prev(m); };
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  ws.onmessage = prev;
  const snap = JSON.parse(text);
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
  const out = {};
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + iType]];
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '(string)' : snap.strings[snap.nodes[i + iName]].slice(0, 60);
    const k = `${type}:${name}`;
    out[k] = out[k] || { n: 0, size: 0 };
    out[k].n++;
    out[k].size += snap.nodes[i + iSize];
  }
  return out;
}

export async function workingDay(ext, sandbox, ref) {
  const minutes = DAY_HOURS * 60;
  const every = minutes / DAY_STARTS;
  log(`hours of running: ${DAY_HOURS} simulated hours, ${DAY_STARTS} starts and stops, a popup every ${DAY_POPUP_EVERY_MIN} min`);
  await ok(ext.send('getState'), 'getState'); // wakes the worker through a page, as the popup would
  const w = await ext.worker();
  const target = await workerTarget(ext);
  const cdp = await cdpConnect(target.webSocketDebuggerUrl);
  await cdp.send('Runtime.enable');
  await settle(ext, sandbox);
  await w.evaluate(installSim);
  // settled: after the request timeouts of the last REQUEST_TIMEOUT_MS have run out as well.
  const sample = async (hour, settled = false) => {
    await settle(ext, sandbox, { quietMs: 300, timeout: 60000 });
    if (settled) await sleep(REQUEST_TIMEOUT_MS + 1000);
    const counts = await w.evaluate(hourSim);
    const c = countRequests(await sandbox.log());
    await sandbox.clearLog();
    await cdp.send('HeapProfiler.collectGarbage');
    await sleep(100);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const snap = settled ? await snapshotByName(cdp) : null;
    const ev = await cdp.send('Runtime.evaluate', {
      expression: 'JSON.stringify({ wasm: globalThis.tymeTabBench.wasmMemory ? globalThis.tymeTabBench.wasmMemory.buffer.byteLength : null, origin: performance.timeOrigin })',
      returnByValue: true,
    });
    const { wasm, origin } = JSON.parse(ev.result.value);
    return { hour, settled, snap, jsHeapUsed: heap.usedSize, wasmMemory: wasm, total: heap.usedSize + wasm, origin, ...counts, requests: c.requests, requestDetail: c.detail };
  };

  await sandbox.clearLog();
  const t0 = Date.now();
  const hours = [];
  let running = false;
  let starts = 0;
  let popups = 0;
  const ms = (min) => Math.round(min * 60_000);
  // The steps between two events are made in one call into the worker.
  let steps = 0;
  const catchUp = async () => { if (steps) await w.evaluate(advanceSim, [STEP_MS, steps]); steps = 0; };
  for (let at = STEP_MS; at <= ms(minutes); at += STEP_MS) {
    steps++;
    const min = at / 60_000;
    // A start at every `every` minutes from minute 1, its stop 8 minutes later.
    const k = Math.floor((min - 1) / every);
    const into = min - 1 - k * every;
    const startNow = k >= 0 && k < DAY_STARTS && into < 0.5 && !running;
    const stopNow = running && into >= 8 && into < 8.5;
    if (startNow || stopNow || at % ms(DAY_POPUP_EVERY_MIN) === 0 || at % ms(60) === 0) await catchUp();
    if (startNow) {
      const task = { ...ref };
      await ok(ext.call('start', { task, page: { url: `https://example.com/day?k=${k}`, title: `Day ${k}` } }), 'start');
      running = true;
      starts++;
    } else if (stopNow) {
      await ok(ext.call('stop'), 'stop');
      running = false;
    }
    if (at % ms(DAY_POPUP_EVERY_MIN) === 0) {
      const page = await ext.openPopup(); // waits for its refresh through the worker
      await page.close();
      popups++;
    }
    if (at % ms(60) === 0) {
      const s = await sample(at / ms(60), at === ms(60) || at === ms(minutes));
      hours.push(s);
      log(`  hour ${s.hour}: JS heap ${round(s.jsHeapUsed / KB, 0)} KB, wasm ${round(s.wasmMemory / KB, 0)} KB, alarms fired ${s.fired} (${JSON.stringify(s.firedBy)}), created ${s.created}, ${s.requests} requests`);
    }
  }
  await catchUp();
  const seconds = (Date.now() - t0) / 1000;
  if (running) await ok(ext.call('stop'), 'stop');
  await w.evaluate(removeSim);
  cdp.close();
  // What grew between the two settled samples, by heap snapshot node kind.
  const [x, y] = [hours[0].snap, hours[hours.length - 1].snap];
  const grew = Object.keys(y).map((k) => ({ k, n: y[k].n - (x[k]?.n || 0), bytes: y[k].size - (x[k]?.size || 0) })).sort((p, q) => q.bytes - p.bytes).slice(0, 8);
  const byType = (sn) => Object.entries(sn).reduce((o, [k, v]) => { const t = k.split(':')[0]; o[t] = (o[t] || 0) + v.size; return o; }, {});
  const [tx, ty] = [byType(x), byType(y)];
  const typeGrowth = Object.keys(ty).map((t) => ({ t, bytes: ty[t] - (tx[t] || 0) })).sort((p, q) => q.bytes - p.bytes);
  for (const g of grew) log(`  grew ${g.bytes} B, ${g.n} nodes: ${g.k}`);
  log(`  by type: ${typeGrowth.map((g) => `${g.t} ${round(g.bytes / KB, 1)} KB`).join(', ')}`);
  for (const h of hours) delete h.snap;
  raw.day = { hours, seconds, starts, popups, grew, typeGrowth };
  if (new Set(hours.map((h) => h.origin)).size !== 1) throw new Error('the worker restarted during the simulated day: the samples are not comparable');
  if (starts !== DAY_STARTS) throw new Error(`the simulated day made ${starts} starts, not ${DAY_STARTS}`);
  const entries = (await sandbox.state()).time_entries.length;

  const [a, b] = [hours[0], hours[hours.length - 1]];
  const growth = (b.total - a.total) / a.total * 100;
  const list = (k, f = (x) => x) => hours.map((h) => f(h[k])).join(' / ');
  add('day', `worker JS heap used at simulated hour 1..${DAY_HOURS}`, list('jsHeapUsed', (x) => round(x / KB, 0)), 'KB', null,
    `after HeapProfiler.collectGarbage, one worker (same time origin) all day; hours 2..${DAY_HOURS - 1} include the requests of the last 30 real seconds (their pending AbortSignal.timeout), hours 1 and ${DAY_HOURS} are taken once those have run out`);
  add('day', `worker wasm linear memory at simulated hour 1..${DAY_HOURS}`, list('wasmMemory', (x) => round(x / KB, 0)), 'KB');
  add('day', `worker memory growth, simulated hour 1 → ${DAY_HOURS} (JS heap + wasm)`, round(growth, 1), '%', { op: '<=', limit: 5 },
    `both samples once the requests' 30 s timeouts have run out; ${DAY_STARTS} starts and stops, ${popups} popup opens, ${entries} time entries on the server; ${round(seconds, 0)} s of real time`);
  const objects = (t) => Object.entries(t).filter(([k]) => !['code', 'native', 'hidden', 'synthetic'].includes(k)).reduce((n, [, v]) => n + v, 0);
  add('day', `worker JS heap growth alone, simulated hour 1 → ${DAY_HOURS}`, round((b.jsHeapUsed - a.jsHeapUsed) / a.jsHeapUsed * 100, 1), '%', null,
    'the wasm memory, flat after its high-water mark, is most of the sum when the catalog is big');
  add('day', `what grew, hour 1 → ${DAY_HOURS} (heap snapshots): JS objects / compiled code`, `${round((objects(ty) - objects(tx)) / KB, 1)} / ${round(((ty.code || 0) - (tx.code || 0)) / KB, 1)}`, 'KB', null,
    `JS objects, arrays, strings, closures and shapes, against compiled code (JIT tier-up); native (DevTools' own network buffer, resource timings, wasm code): ${round(((ty.native || 0) - (tx.native || 0)) / KB, 0)} KB. Top: ${grew.slice(0, 3).map((g) => `${g.k} ${round(g.bytes / KB, 0)} KB`).join('; ')}`);
  add('day', `alarms fired per simulated hour, 1..${DAY_HOURS}`, list('fired'), 'alarms', null, `hour 1 by name: ${JSON.stringify(a.firedBy)}`);
  add('day', 'alarms fired in the busiest simulated hour', Math.max(...hours.map((h) => h.fired)), 'alarms', { op: '<=', limit: ALARMS_PER_HOUR },
    'tick every minute while a timer runs (60) + sync every 5 minutes (12) + a few outbox retries');
  add('day', `alarms created per simulated hour, 1..${DAY_HOURS}`, list('created'), 'alarms', null, `${round(DAY_STARTS / DAY_HOURS, 1)} starts and as many stops an hour`);
  add('day', 'alarms created in the busiest simulated hour', Math.max(...hours.map((h) => h.created)), 'alarms', { op: '<=', limit: CREATIONS_PER_HOUR });
  add('day', `badge writes (setBadgeText) per simulated hour, 1..${DAY_HOURS}`, list('badge'), 'writes');
  add('day', `API requests per simulated hour, 1..${DAY_HOURS}`, list('requests'), 'requests', null, `hour ${DAY_HOURS}: ${b.requestDetail}`);
}
