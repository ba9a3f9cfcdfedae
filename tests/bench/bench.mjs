// Tyme Tab benchmark: the real extension in headless Chromium against a real
// tyme-sandbox on 127.0.0.1, beside a blank reference extension (the floor,
// tests/bench/floor/) in the same browser. Prints a table, writes the same
// figures as JSON to out/bench.json (the table as Markdown to out/bench.md,
// the chart against the floor to out/bench-floor.svg), and exits 1 when a
// budget is missed (2 when the benchmark itself failed).
//
//   node tests/bench/bench.mjs            (make bench builds first)
//   BENCH_QUICK=1 node tests/bench/bench.mjs   fewer samples, for trying it out
//   BENCH_ONLY=offline node tests/bench/bench.mjs   the offline section alone
//   node tests/bench/bench.mjs --results       also put the table, machine line and chart
//                                              into tests/bench/RESULTS.md / floor.svg
//
// Sections (tests/bench/sections/): size, requests per action, worker (start
// and restart against the floor), popup (first render against the floor),
// instant (start/stop click to painted view under 2 s latency), memory,
// picker, catalog (a 50,000-project catalog: sync, storage, popup, picker),
// day (8 simulated hours of alarms, popups and start/stops), offline (a week
// of writes queued offline, then the drain; its own browser and sandbox).
// Shared parts: lib.mjs; the floor: floor.mjs; chart.mjs.
// Figures come from: file sizes on disk; the worker's own clock
// (globalThis.tymeTabBench, set by background.js); the popup's
// performance.mark('tyme:timer-rendered'); the sandbox request log; the
// popup's real input handlers driven in the page; CDP Runtime.getHeapUsage on
// the worker target.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// CDP on the worker target goes over a WebSocket: Node 22 has one built in,
// Node 20 behind a flag, so re-run with the flag when it is missing.
if (typeof WebSocket === 'undefined') {
  const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 2);
}

const { startSandbox } = await import('../support/sandbox.mjs');
const { ROOT, REDIRECT_URI, launchExtension, configure } = await import('../e2e/support.mjs');
const { QUICK, OUT_DIR, CLIENT, rows, raw, started, log, machine, table, writeResults } = await import('./lib.mjs');
const { FLOOR_DIR, floorOf } = await import('./floor.mjs');
const { floorChart } = await import('./chart.mjs');
const { sizes } = await import('./sections/size.mjs');
const { requestsPerAction } = await import('./sections/requests.mjs');
const { workerColdStart } = await import('./sections/worker.mjs');
const { popupInteractive } = await import('./sections/popup.mjs');
const { instantActions } = await import('./sections/instant.mjs');
const { workerMemory } = await import('./sections/memory.mjs');
const { picker } = await import('./sections/picker.mjs');
const { offlineWeek } = await import('./sections/offline.mjs');
const { bigCatalog } = await import('./sections/catalog.mjs');
const { workingDay } = await import('./sections/day.mjs');

const OUT_JSON = path.join(OUT_DIR, 'bench.json');
const OUT_MD = path.join(OUT_DIR, 'bench.md');
const OUT_SVG = path.join(OUT_DIR, 'bench-floor.svg');
const RESULTS_SVG = path.join(ROOT, 'tests', 'bench', 'floor.svg');

// Every section but the offline one, in one browser beside the floor, against one sandbox.
async function browserSections(m) {
  const sandbox = await startSandbox({ clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  m.dialect = sandbox.dialect;
  log(`sandbox dialect: ${sandbox.dialect} (TYME_DIALECT)`);
  let ext = null;
  let failure = null;
  let chart = null;
  try {
    ext = await launchExtension({ args: ['--remote-debugging-port=0'], alsoLoad: [FLOOR_DIR] });
    const floor = await floorOf(ext);
    await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });
    const ref = await requestsPerAction(ext, sandbox);
    const wk = await workerColdStart(ext, floor);
    const pp = await popupInteractive(ext, ref, floor);
    await instantActions(ext, sandbox);
    chart = floorChart([
      { name: 'popup first render, worker warm', value: pp.warm, floor: pp.floorWarm },
      { name: 'popup first render, worker cold', value: pp.cold, floor: pp.floorCold },
      { name: 'worker start → ready', value: wk.ready, floor: wk.floorReady },
      { name: 'worker restart (message → answer)', value: wk.trip, floor: wk.floorTrip },
    ]);
    await workerMemory(ext, sandbox, ref);
    await picker(ext, sandbox);
    await bigCatalog(ext, sandbox, ref, floor);
    await workingDay(ext, sandbox, ref);
  } catch (e) {
    failure = e;
  } finally {
    if (ext) await ext.close();
    await sandbox.stop();
  }
  return { failure, chart };
}

async function main() {
  const m = machine();
  log(`${m.chromium}, ${m.nproc} × ${m.cpu}${QUICK ? ' (BENCH_QUICK: fewer samples)' : ''}`);
  const only = process.env.BENCH_ONLY || '';
  if (only && only !== 'offline') throw new Error(`BENCH_ONLY=${only}: only "offline" can run alone`);
  if (!only) sizes();

  let failure = null;
  let chart = null;
  if (!only) ({ failure, chart } = await browserSections(m));
  if (!failure) {
    try { m.dialect = await offlineWeek(); } catch (e) { failure = e; }
  }

  const { text, machineLine } = table(m);
  const missed = rows.filter((r) => r.op && !r.pass);
  const seconds = Math.round((Date.now() - started) / 1000);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(OUT_JSON, `${JSON.stringify({
    date: new Date().toISOString(), quick: QUICK, seconds, machine: m, machineLine,
    complete: !failure, error: failure ? String(failure.stack || failure) : null,
    budgetsMissed: missed.map((r) => r.name), rows, raw,
  }, null, 2)}\n`);
  fs.writeFileSync(OUT_MD, `${text}\n\n${machineLine}\n`);
  if (chart) fs.writeFileSync(OUT_SVG, chart);
  if (chart && process.argv.includes('--results') && !failure && !QUICK && !only) fs.writeFileSync(RESULTS_SVG, chart);
  if (process.argv.includes('--results') && !failure && !QUICK && !only) writeResults(text, machineLine);
  console.log(text);
  console.log(`\n${machineLine}`);
  console.log(`Run took ${seconds} s. Figures as JSON: ${path.relative(ROOT, OUT_JSON)} (table as Markdown: ${path.relative(ROOT, OUT_MD)})`);
  if (failure) {
    console.error(`\nbench FAILED before finishing: ${failure.stack || failure}`);
    process.exit(2);
  }
  if (missed.length) {
    console.log(`\n${missed.length} budget${missed.length === 1 ? '' : 's'} missed: ${missed.map((r) => r.name).join('; ')}`);
    process.exit(1);
  }
  console.log('\nall budgets met');
}

await main();
