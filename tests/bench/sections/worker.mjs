// The service worker, beside the floor's empty module worker: start → ready
// to answer (every listener registered) on each worker's own clock
// (globalThis.tymeTabBench / floorBench), and the restart as a popup sees it:
// a message to a stopped worker until its answer, on the sending page's
// clock. The wasm is loaded once that first answer is sent (worker/wasm.js):
// its load and when it was ready are reported beside.
import { waitFor } from '../../e2e/support.mjs';
import { add, log, raw, median, p95, round, N_COLD } from '../lib.mjs';
import { overFloor } from '../floor.mjs';

const roundTrip = (page, msg) => page.evaluate(async (m) => {
  const t0 = performance.now();
  const r = await chrome.runtime.sendMessage(m);
  if (!r) throw new Error('no answer');
  return performance.now() - t0;
}, msg);

export async function workerColdStart(ext, floor) {
  log(`service worker cold start (${N_COLD} starts, and as many of the floor's)`);
  const samples = [];
  const floorSamples = [];
  const trips = [];
  const floorTrips = [];
  let lastOrigin = null;
  let lastFloorOrigin = null;
  const page = await ext.page();
  const floorPage = await floor.page();
  for (let i = 0; i < N_COLD; i++) {
    await ext.stopWorker(); // every worker of the browser, the floor's too
    // Alternate who is woken first, so neither always meets a busier machine.
    if (i % 2) { floorTrips.push(await roundTrip(floorPage, { type: 'ping' })); trips.push(await roundTrip(page, { type: 'getState' })); }
    else { trips.push(await roundTrip(page, { type: 'getState' })); floorTrips.push(await roundTrip(floorPage, { type: 'ping' })); }
    const w = await ext.worker();
    const t = await waitFor(() => w.evaluate(() => {
      const b = globalThis.tymeTabBench;
      return b && b.wasmAt != null ? { t0: b.t0, readyAt: b.readyAt, wasmFrom: b.wasmFrom, wasmAt: b.wasmAt, origin: performance.timeOrigin } : null;
    }), { what: 'tymeTabBench.wasmAt (the wasm loaded after the first answer)', timeout: 10000, interval: 20 });
    if (t.origin === lastOrigin) throw new Error('the worker was not restarted (same time origin)');
    lastOrigin = t.origin;
    samples.push({ firstLine: t.t0, ready: t.readyAt, wasmAt: t.wasmAt, load: t.wasmAt - t.wasmFrom });
    const fw = await floor.worker();
    const f = await fw.evaluate(() => ({ readyAt: globalThis.floorBench.readyAt, origin: performance.timeOrigin }));
    if (f.origin === lastFloorOrigin) throw new Error('the floor\'s worker was not restarted (same time origin)');
    lastFloorOrigin = f.origin;
    floorSamples.push(f.readyAt);
  }
  raw.coldStart = samples;
  raw.floorWorker = { ready: floorSamples, trips: floorTrips };
  raw.workerTrips = trips;
  const load = samples.map((s) => s.load);
  const ready = median(samples.map((s) => s.ready));
  const floorReady = median(floorSamples);
  add('worker', `worker start → ready to answer, over the floor: median (n=${samples.length})`, overFloor(ready, floorReady), 'ms', { op: '<=', limit: 10 },
    `Tyme Tab ${round(ready, 1)} ms, floor ${round(floorReady, 1)} ms (worker creation → every listener registered, each on its own clock)`);
  const trip = median(trips);
  const floorTrip = median(floorTrips);
  add('worker', `worker restart, message to a stopped worker → answer, over the floor: median (n=${trips.length})`, overFloor(trip, floorTrip), 'ms', { op: '<=', limit: 5 },
    `Tyme Tab ${round(trip, 1)} ms (getState), floor ${round(floorTrip, 1)} ms; p95 ${round(p95(trips), 1)} / ${round(p95(floorTrips), 1)} ms`);
  add('worker', `wasm load (fetch, compile, instantiate), begun after the first answer: median (n=${load.length})`, round(median(load), 1), 'ms', { op: '<=', limit: 50 });
  add('worker', 'wasm load: p95', round(p95(load), 1), 'ms');
  add('worker', 'worker start → wasm ready: median', round(median(samples.map((s) => s.wasmAt)), 1), 'ms', null, 'the worker clock starts at worker creation; the popup\'s getState needs no wasm');
  add('worker', 'worker start → first line (module + glue evaluated): median', round(median(samples.map((s) => s.firstLine)), 1), 'ms', null, 'the worker clock starts at worker creation');
  return { ready, floorReady, trip, floorTrip };
}
