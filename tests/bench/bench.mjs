// Tyme Tab benchmark: the real extension in headless Chromium against a real
// tyme-sandbox on 127.0.0.1. Prints a table, writes the same figures as JSON
// to out/bench.json (and the table as Markdown to out/bench.md), and exits 1
// when a budget is missed (2 when the benchmark itself failed).
//
//   node tests/bench/bench.mjs            (make bench builds first)
//   BENCH_QUICK=1 node tests/bench/bench.mjs   fewer samples, for trying it out
//   node tests/bench/bench.mjs --results       also put the table and machine line
//                                              into tests/bench/RESULTS.md (between its markers)
//
// Figures come from: file sizes on disk; the worker's own clock
// (globalThis.tymeTabBench, set by background.js); the popup's
// performance.mark('tyme:timer-rendered'); the sandbox request log; the
// popup's real input handlers driven in the page; CDP Runtime.getHeapUsage on
// the worker target.
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

// CDP on the worker target goes over a WebSocket: Node 22 has one built in,
// Node 20 behind a flag, so re-run with the flag when it is missing.
if (typeof WebSocket === 'undefined') {
  const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 2);
}

const { startSandbox } = await import('../support/sandbox.mjs');
const { tokenRequests, refreshRequests, signInDirect, api } = await import('../support/dialect.mjs');
const { ROOT, EXT_DIR, REDIRECT_URI, CHROMIUM, launchExtension, configure, signIn, waitFor } = await import('../e2e/support.mjs');

const QUICK = !!process.env.BENCH_QUICK;
const N_COLD = QUICK ? 5 : 25;          // worker cold starts
const N_POPUP = QUICK ? 5 : 25;         // popup opens, per worker state
const N_CYCLES = QUICK ? 200 : 1000;    // start/stop cycles for memory
const SAMPLE_AT = QUICK ? 50 : 100;     // first memory sample
const N_PROJECTS = QUICK ? 2000 : 10000;
const N_TASKS = QUICK ? 1800 : 9000;    // tasks of one project ...
const N_SUBTASKS = QUICK ? 200 : 1000;  // ... plus sub-tasks: 10,000 picker items
const OUT_DIR = path.join(ROOT, 'out');
const OUT_JSON = path.join(OUT_DIR, 'bench.json');
const OUT_MD = path.join(OUT_DIR, 'bench.md');
const CLIENT = 'tyme-tab-bench';
const KB = 1024;

const rows = [];   // {section, name, value, unit, budget?, op?, pass?, note?}
const raw = {};    // samples and details for the JSON file
const started = Date.now();

function log(msg) { process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}\n`); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const p95 = (xs) => quantile(xs, 0.95);
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Record one figure. budget: {op:'<='|'==', limit}; the row passes when value op limit. */
function add(section, name, value, unit, budget = null, note = '') {
  const row = { section, name, value, unit, note };
  if (budget) {
    row.budget = budget.limit;
    row.op = budget.op;
    row.pass = Number.isFinite(value) && (budget.op === '==' ? value === budget.limit : value <= budget.limit);
  }
  rows.push(row);
  return row;
}

// ---------------------------------------------------------------- machine
function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = (/^model name\s*:\s*(.+)$/m.exec(cpuinfo) || [])[1] || os.cpus()[0]?.model || 'unknown';
  let nproc = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  try { nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc; } catch { /* keep os figure */ }
  let chromium = 'unknown';
  try {
    const out = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    chromium = (/(Chromium|Google Chrome)\s+[\d.]+/.exec(out) || [out.trim()])[0];
  } catch { /* reported as unknown */ }
  return { nproc, cpu: model.trim(), chromium, node: process.version, os: `${os.type()} ${os.release()}`, memGiB: round(os.totalmem() / 2 ** 30, 1) };
}

// ---------------------------------------------------------------- sizes
function gzip9(file) {
  try {
    return execFileSync('gzip', ['-9', '-c', file], { maxBuffer: 64 * 1024 * 1024 }).length;
  } catch {
    return zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
  }
}

function sizes() {
  const pkg = path.join(EXT_DIR, 'pkg');
  const wasm = path.join(pkg, 'tyme_tab_bg.wasm');
  const glue = path.join(pkg, 'tyme_tab.js');
  const popupFiles = ['popup/popup.js', 'popup/popup.html', 'popup/popup.css', 'common.js', 'shared/format.js', 'shared/rules.js', 'picker.js'].map((f) => path.join(EXT_DIR, f));
  const sum = (fs_) => fs_.reduce((s, f) => s + fs.statSync(f).size, 0);
  const sumGz = (fs_) => fs_.reduce((s, f) => s + gzip9(f), 0);

  add('size', '.wasm raw', round(fs.statSync(wasm).size / KB, 1), 'KB');
  // 120 KiB = 122,880 bytes, as the product card (and the Makefile's wasm target) set it.
  add('size', '.wasm gzip -9', round(gzip9(wasm) / KB, 1), 'KB', { op: '<=', limit: 120 }, `${gzip9(wasm)} bytes; budget 122,880 bytes`);
  add('size', 'JS glue (pkg/tyme_tab.js) raw / gzip', `${round(fs.statSync(glue).size / KB, 1)} / ${round(gzip9(glue) / KB, 1)}`, 'KB');
  add('size', 'popup code (popup.js/html/css + common.js + shared/format.js, rules.js + picker.js) raw / gzip', `${round(sum(popupFiles) / KB, 1)} / ${round(sumGz(popupFiles) / KB, 1)}`, 'KB');

  // The store upload: extension/ zipped, without key files.
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const zipFile = path.join(OUT_DIR, 'tyme-tab.zip');
  fs.rmSync(zipFile, { force: true });
  const z = spawnSync('zip', ['-9', '-r', '-q', '-X', zipFile, '.', '-x', '*.pem'], { cwd: EXT_DIR, encoding: 'utf8' });
  if (z.error || z.status !== 0) throw new Error(`zip failed (is the zip package installed? make deps-apt installs it): ${z.error?.message || z.stderr}`);
  add('size', 'zipped extension (zip -9, no .pem)', round(fs.statSync(zipFile).size / KB, 1), 'KB', { op: '<=', limit: 200 }, path.relative(ROOT, zipFile));
}

// ---------------------------------------------------------------- browser helpers
/** CDP over WebSocket to a target listed by the browser's DevTools HTTP endpoint. */
async function cdpConnect(url) {
  const ws = new WebSocket(url);
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error(`CDP connect failed: ${url}`)); });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const d = JSON.parse(m.data);
    const p = pending.get(d.id);
    if (!p) return;
    pending.delete(d.id);
    if (d.error) p.rej(new Error(`CDP ${p.method}: ${d.error.message}`)); else p.res(d.result);
  };
  return {
    send(method, params = {}) {
      return new Promise((res, rej) => {
        const i = ++id;
        pending.set(i, { res, rej, method });
        ws.send(JSON.stringify({ id: i, method, params }));
      });
    },
    close() { ws.close(); },
  };
}

function devtoolsPort(profileDir) {
  return fs.readFileSync(path.join(profileDir, 'DevToolsActivePort'), 'utf8').split('\n')[0].trim();
}

async function workerTarget(ext) {
  const port = devtoolsPort(ext.profileDir);
  return waitFor(async () => {
    const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    return list.find((t) => t.type === 'service_worker' && t.url === `${ext.base}/background.js`);
  }, { what: 'service worker target', timeout: 15000 });
}

/** chrome.storage.local read from the helper page: does not wake the worker. */
async function storageGet(ext, keys) {
  const p = await ext.page();
  return p.evaluate((k) => chrome.storage.local.get(k), keys);
}

/** Wait until the sandbox log has stopped growing and the outbox is empty; return the log. */
async function settle(ext, sandbox, { quietMs = 500, timeout = 15000 } = {}) {
  const end = Date.now() + timeout;
  let last = -1;
  let since = Date.now();
  for (;;) {
    const entries = await sandbox.log();
    const { outboxSize } = await storageGet(ext, 'outboxSize');
    if (entries.length !== last || outboxSize) { last = entries.length; since = Date.now(); }
    else if (Date.now() - since >= quietMs) return entries;
    if (Date.now() > end) return entries;
    await sleep(100);
  }
}

function countRequests(entries) {
  const real = entries.filter((e) => e.method !== 'OPTIONS');
  const preflights = entries.length - real.length;
  const by = {};
  for (const e of real) { const k = `${e.method} ${e.path}`; by[k] = (by[k] || 0) + 1; }
  const detail = Object.entries(by).map(([k, n]) => `${k}${n > 1 ? ` ×${n}` : ''}`).join(', ');
  const tokenPosts = tokenRequests(real);
  return { requests: real.length, preflights, detail, tokenPosts, statuses: real.map((e) => e.status) };
}

async function ok(resPromise, what) {
  const res = await resPromise;
  if (!res || !res.ok) throw new Error(`${what}: ${JSON.stringify(res && res.error)}`);
  return res.data;
}

async function measure(ext, sandbox, name, fn, budget = null) {
  await settle(ext, sandbox);
  await sandbox.clearLog();
  await fn();
  const c = countRequests(await settle(ext, sandbox));
  raw.requests[name] = c;
  const note = `${c.detail || 'none'}; ${c.preflights} OPTIONS preflight${c.preflights === 1 ? '' : 's'} not counted`;
  add('requests', name, c.requests, c.requests === 1 ? 'request' : 'requests', budget, note);
  return c;
}

// ---------------------------------------------------------------- sections
async function requestsPerAction(ext, sandbox) {
  log('requests per user action');
  raw.requests = {};
  await measure(ext, sandbox, 'sign-in', () => signIn(ext));

  // A project and a task, and one start/stop so the popup has a last task.
  const p = await ok(ext.send('create', { type: 'Project', name: 'Bench project' }), 'create project');
  const t = await ok(ext.send('create', { type: 'TimedTask', name: 'Bench task', parentId: p.id }), 'create task');
  await waitFor(async () => (await sandbox.state()).tasks.some((x) => x.id === t.id), { what: 'task on the server' });
  const ref = { taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: p.id, projectName: p.name };
  await ok(ext.send('start', { task: ref, page: { url: 'https://example.com/warm-up', title: 'Warm-up' } }), 'start');
  await ok(ext.send('stop'), 'stop');

  // The first totals on a server find out where they come from (the live
  // /data/times, or the seed's summary after a 404, remembered): reported,
  // then the budgets are for every open after it, the totals again not yet fetched.
  let popup;
  await measure(ext, sandbox, 'first popup open on this server (finds /data/times or summary)', async () => { popup = await ext.openPopup(); });
  await popup.close();
  await ext.setStorage({ totals: null });
  await measure(ext, sandbox, 'popup open (idle)', async () => { popup = await ext.openPopup(); }, { op: '<=', limit: 1 });
  await popup.waitForSelector('#start:not([disabled])');
  await measure(ext, sandbox, 'start (popup button)', async () => {
    await popup.click('#start');
    await popup.waitForSelector('#running:not([hidden])');
  }, { op: '==', limit: 1 });
  await popup.close();
  await measure(ext, sandbox, 'popup open (timer running)', async () => { popup = await ext.openPopup(); }, { op: '<=', limit: 1 });
  await measure(ext, sandbox, 'stop (popup button)', async () => {
    await popup.click('#stop');
    await popup.waitForSelector('#idle:not([hidden])');
  }, { op: '==', limit: 1 });
  await popup.close();

  await measure(ext, sandbox, 'context-menu start (track this page)', async () => {
    const r = await ext.menuClick({ menuItemId: 'track-page', pageUrl: 'https://example.com/article?id=7' }, { id: 1, title: 'Article', url: 'https://example.com/article?id=7', incognito: false });
    if (!r.started) throw new Error(`context-menu start did not start: ${JSON.stringify(r)}`);
  });
  await ok(ext.send('stop'), 'stop');

  // 50 concurrent calls that all find the access token expired.
  await settle(ext, sandbox);
  await sandbox.expireTokens();
  const before = (await sandbox.state()).stats.refreshes;
  const c = await measure(ext, sandbox, '50 concurrent calls, expired token (all requests)', async () => {
    const page = await ext.page();
    const results = await page.evaluate(() => Promise.all(Array.from({ length: 50 }, (_, i) => chrome.runtime.sendMessage({ type: 'search', payload: { type: 'Project', name: i % 2 ? 'Bench' : '' } }))));
    const failed = results.filter((r) => !r || !r.ok);
    if (failed.length) throw new Error(`${failed.length} of 50 calls failed: ${JSON.stringify(failed[0])}`);
  });
  const refreshes = (await sandbox.state()).stats.refreshes - before;
  const want = refreshRequests(sandbox, { learned: false });
  add('requests', '50 concurrent calls, expired token → refreshes', refreshes, refreshes === 1 ? 'refresh' : 'refreshes', { op: '==', limit: 1 },
    `token requests: ${c.tokenPosts.map((x) => x.join(' ')).join(', ') || 'none'} (the first refresh on this ${sandbox.dialect} server: ${want.length} expected)`);
  add('requests', '50 concurrent calls, expired token → token requests', c.tokenPosts.length, c.tokenPosts.length === 1 ? 'request' : 'requests', { op: '==', limit: want.length },
    'the first refresh on a seed server is refused once at the live path (unsupported_grant_type)');
  return ref;
}

async function popupInteractive(ext, ref) {
  log(`popup time to interactive (${N_POPUP} opens warm, ${N_POPUP} cold)`);
  await ok(ext.send('start', { task: ref, page: { url: 'https://example.com/tti', title: 'TTI' } }), 'start');
  const open = async () => {
    const page = await ext.context.newPage();
    await page.goto(`${ext.base}/popup/popup.html`);
    const handle = await page.waitForFunction(() => {
      const m = performance.getEntriesByName('tyme:timer-rendered')[0];
      const el = document.getElementById('run-elapsed');
      return m && el && /^\d+:\d\d:\d\d$/.test(el.textContent) && !document.getElementById('running').hidden ? m.startTime : null;
    }, null, { timeout: 15000, polling: 20 });
    const mark = await handle.jsonValue();
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
    const readyAt = await page.evaluate(() => performance.now()); // upper bound: polled
    await page.close();
    return { mark, readyAt };
  };
  const warm = [];
  const cold = [];
  await open(); // first open of the page (compiles and caches the popup's code), not counted
  for (let i = 0; i < N_POPUP; i++) {
    await ext.worker();
    warm.push(await open());
  }
  for (let i = 0; i < N_POPUP; i++) {
    await ext.stopWorker();
    cold.push(await open());
  }
  raw.popup = { warm, cold };
  const w = warm.map((x) => x.mark);
  const c = cold.map((x) => x.mark);
  add('popup', `popup interactive, worker warm: median (n=${w.length})`, round(median(w), 1), 'ms', { op: '<=', limit: 100 }, 'navigation → running timer with elapsed time rendered');
  add('popup', 'popup interactive, worker warm: p95', round(p95(w), 1), 'ms');
  add('popup', `popup interactive, worker cold: median (n=${c.length})`, round(median(c), 1), 'ms');
  add('popup', 'popup interactive, worker cold: p95', round(p95(c), 1), 'ms');
  add('popup', 'popup refreshed through the worker (warm / cold median)', `${round(median(warm.map((x) => x.readyAt)), 0)} / ${round(median(cold.map((x) => x.readyAt)), 0)}`, 'ms', null, 'navigation → data-ready after the refresh round trip (one summary request at most); polled, an upper bound');
  await ok(ext.send('stop'), 'stop');
}

async function workerColdStart(ext) {
  log(`service worker cold start (${N_COLD} starts)`);
  const samples = [];
  let lastOrigin = null;
  for (let i = 0; i < N_COLD; i++) {
    await ext.stopWorker();
    const page = await ext.page();
    await page.evaluate(() => chrome.runtime.sendMessage({ type: 'getState' }));
    const w = await ext.worker();
    const t = await waitFor(() => w.evaluate(() => {
      const b = globalThis.tymeTabBench;
      return b && b.readyAt != null ? { t0: b.t0, readyAt: b.readyAt, origin: performance.timeOrigin } : null;
    }), { what: 'tymeTabBench.readyAt', timeout: 10000, interval: 20 });
    if (t.origin === lastOrigin) throw new Error('the worker was not restarted (same time origin)');
    lastOrigin = t.origin;
    samples.push({ firstLine: t.t0, ready: t.readyAt, init: t.readyAt - t.t0 });
  }
  raw.coldStart = samples;
  const init = samples.map((s) => s.init);
  add('worker', `cold start, first line → wasm ready: median (n=${init.length})`, round(median(init), 1), 'ms', { op: '<=', limit: 50 });
  add('worker', 'cold start, first line → wasm ready: p95', round(p95(init), 1), 'ms');
  add('worker', 'worker start → first line (module + glue evaluated): median', round(median(samples.map((s) => s.firstLine)), 1), 'ms', null, 'the worker clock starts at worker creation');
}

async function workerMemory(ext, sandbox, ref) {
  log(`worker memory over ${N_CYCLES} start/stop cycles`);
  const w = await ext.worker();
  const target = await workerTarget(ext);
  const cdp = await cdpConnect(target.webSocketDebuggerUrl);
  await cdp.send('Runtime.enable');
  const sample = async (cycle) => {
    await settle(ext, sandbox, { quietMs: 300, timeout: 60000 });
    await cdp.send('HeapProfiler.collectGarbage');
    await sleep(100);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const ev = await cdp.send('Runtime.evaluate', {
      expression: 'JSON.stringify({ wasm: globalThis.tymeTabBench.wasmMemory ? globalThis.tymeTabBench.wasmMemory.buffer.byteLength : null, origin: performance.timeOrigin })',
      returnByValue: true,
    });
    const { wasm, origin } = JSON.parse(ev.result.value);
    return { cycle, jsHeapUsed: heap.usedSize, jsHeapTotal: heap.totalSize, wasmMemory: wasm, total: heap.usedSize + wasm, origin };
  };
  let done = 0;
  const samples = [];
  const chunk = 25;
  const cycles = async (n) => {
    for (let k = 0; k < n; k += chunk) {
      const m = Math.min(chunk, n - k);
      const res = await w.evaluate(async ([task, count]) => {
        for (let i = 0; i < count; i++) {
          const a = await globalThis.tymeTab.dispatch({ type: 'start', payload: { task, page: { url: `https://example.com/cycle?i=${i}`, title: 'Cycle' } } });
          if (!a.ok) return a;
          const b = await globalThis.tymeTab.dispatch({ type: 'stop', payload: {} });
          if (!b.ok) return b;
        }
        return { ok: true };
      }, [ref, m]);
      if (!res.ok) throw new Error(`cycle failed: ${JSON.stringify(res.error)}`);
      done += m;
      if (done % 250 === 0) log(`  ${done} cycles`);
    }
  };
  // Sampled at SAMPLE_AT and N_CYCLES (the budget), and half-way for the trend.
  const mid = Math.round((SAMPLE_AT + N_CYCLES) / 2);
  await cycles(SAMPLE_AT);
  samples.push(await sample(done));
  await cycles(mid - SAMPLE_AT);
  samples.push(await sample(done));
  await cycles(N_CYCLES - mid);
  samples.push(await sample(done));
  cdp.close();
  raw.memory = samples;
  const [a, h, b] = samples;
  if (a.origin !== b.origin || h.origin !== b.origin) throw new Error('the worker restarted during the memory cycles: the samples are not comparable');
  const growth = (b.total - a.total) / a.total * 100;
  const entries = (await sandbox.state()).time_entries.length;
  const three = (k) => samples.map((x) => round(x[k] / KB, 0)).join(' / ');
  add('memory', `worker JS heap used at cycle ${samples.map((x) => x.cycle).join(' / ')}`, three('jsHeapUsed'), 'KB');
  add('memory', `worker wasm linear memory at cycle ${samples.map((x) => x.cycle).join(' / ')}`, three('wasmMemory'), 'KB');
  add('memory', `worker memory growth, cycle ${a.cycle} → ${b.cycle} (JS heap + wasm)`, round(growth, 1), '%', { op: '<=', limit: 10 }, `${entries} time entries on the server; GC forced before each sample`);
}

/** Token for seeding the sandbox directly (a second client, the same auto-approve flow). */
async function seedToken(sandbox) {
  const redirect = 'http://127.0.0.1/bench-callback';
  await sandbox.addClient({ client_id: 'bench-seed', redirect_uris: [redirect] });
  return (await signInDirect(sandbox, { clientId: 'bench-seed', redirectUri: redirect })).accessToken;
}

async function seed(sandbox, token, entities) {
  const server = api(sandbox, token);
  let next = 0;
  const worker = async () => {
    while (next < entities.length) {
      const e = entities[next++];
      const r = await server.update(e);
      if (r.status !== 200) throw new Error(`seeding ${e.type} ${e.id}: HTTP ${r.status} ${JSON.stringify(r.answer)}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function picker(ext, sandbox) {
  const pad = (i) => String(i).padStart(5, '0');
  log(`picker: seeding ${N_PROJECTS} projects, ${N_TASKS} tasks and ${N_SUBTASKS} sub-tasks`);
  const bigId = 'bench-big-project';
  const ents = [];
  for (let i = 0; i < N_PROJECTS - 1; i++) ents.push({ type: 'Project', id: `bench-p-${pad(i)}`, name: `Project ${pad(i)}`, category_id: null });
  ents.push({ type: 'Project', id: bigId, name: 'Zeta big project', category_id: null });
  for (let i = 0; i < N_TASKS; i++) ents.push({ type: 'TimedTask', id: `bench-t-${pad(i)}`, name: `Task ${pad(i)}`, project_id: bigId });
  for (let i = 0; i < N_SUBTASKS; i++) ents.push({ type: 'TimedSubTask', id: `bench-s-${pad(i)}`, name: `Step ${pad(i)}`, task_id: `bench-t-${pad(i % N_TASKS)}` });
  const t0 = Date.now();
  const token = await seedToken(sandbox);
  for (const type of ['Project', 'TimedTask', 'TimedSubTask']) await seed(sandbox, token, ents.filter((e) => e.type === type)); // parents first
  log(`  seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s; measuring keystrokes`);

  // The popup filters the catalog the worker keeps in storage; the seeded
  // entities reach it through the popup's "Refresh lists" button (the user
  // asking for a server fetch).
  const page = await ext.openPopup();
  await page.waitForSelector('#idle:not([hidden])');
  await page.click('#refresh-lists');
  const total = N_PROJECTS + N_TASKS + N_SUBTASKS;
  await page.waitForFunction((n) => Number(document.body.dataset.catalogSize) >= n, total, { timeout: 60000 });

  // Each keystroke: the popup's own input handler, run synchronously by the
  // input event (filter and list rebuild); the rows shown are recorded.
  const keystrokes = (inputId, listId, queries) => page.evaluate(async ([inputId_, listId_, qs]) => {
    const input = document.getElementById(inputId_);
    const list = document.getElementById(listId_);
    const out = [];
    for (const q of qs) {
      for (let k = 1; k <= q.length; k++) {
        const t0 = performance.now();
        input.value = q.slice(0, k);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        const ms = performance.now() - t0;
        out.push({ q: q.slice(0, k), ms, shown: list.childElementCount, ids: [...list.querySelectorAll('button')].slice(0, 3).map((b) => b.dataset.id || b.dataset.subtask || b.dataset.task) });
        await new Promise((r) => setTimeout(r, 10)); // let layout and paint happen between keystrokes
      }
    }
    return out;
  }, [inputId, listId, queries]);
  const expectFirst = (keys, q, id) => {
    const k = keys.find((x) => x.q === q);
    if (!k || k.ids[0] !== id) throw new Error(`picker: "${q}" should list ${id} first: ${JSON.stringify(k)}`);
  };

  const projectKeys = await keystrokes('project-search', 'project-list', ['Project 00421', 'project 01', 'Zeta big']);
  raw.pickerProjects = projectKeys;
  expectFirst(projectKeys, 'Project 00421', 'bench-p-00421');
  expectFirst(projectKeys, 'Zeta big', bigId);
  if (projectKeys.some((x) => x.shown > 50)) throw new Error('picker: more than 50 project rows rendered');

  // Choose the big project ("Zeta big" is still typed): its tasks and sub-tasks.
  await page.click(`#project-list button[data-id="${bigId}"]`);
  await page.waitForSelector('#task-list button[data-task]');
  const taskKeys = await keystrokes('task-search', 'task-list', ['task 01234', 'step 00777', 'Task 0899', 'zz']);
  raw.pickerTasks = taskKeys;
  expectFirst(taskKeys, 'task 01234', 'bench-t-01234');
  if (N_SUBTASKS > 777) expectFirst(taskKeys, 'step 00777', 'bench-t-00777'); // the sub-task's task, then the sub-task
  if (taskKeys.find((x) => x.q === 'zz').shown !== 0) throw new Error('picker: "zz" should match nothing');
  if (taskKeys.some((x) => x.shown > 50)) throw new Error('picker: more than 50 task rows rendered');

  // The pure filter (extension/picker.js) alone, over the same stored catalog.
  const pure = await page.evaluate(async ([big, qs, ps]) => {
    const m = await import('/picker.js');
    const { catalog } = await chrome.storage.local.get('catalog');
    const t0 = performance.now();
    const index = m.buildIndex(catalog);
    const build = performance.now() - t0;
    const out = [];
    for (const q of qs) for (let k = 1; k <= q.length; k++) { const t = performance.now(); m.filterTasks(index, big, q.slice(0, k)); out.push(performance.now() - t); }
    for (const q of ps) for (let k = 1; k <= q.length; k++) { const t = performance.now(); m.filterProjects(index, q.slice(0, k)); out.push(performance.now() - t); }
    return { build, out };
  }, [bigId, ['task 01234', 'step 00777', 'Task 0899', 'zz'], ['Project 00421', 'project 01', 'Zeta big']]);
  raw.pickerPure = pure;
  await page.close();

  const pk = projectKeys.map((x) => x.ms);
  const tk = taskKeys.map((x) => x.ms);
  add('picker', `task filter over ${N_TASKS + N_SUBTASKS} tasks + sub-tasks: median per keystroke (n=${tk.length})`, round(median(tk), 2), 'ms', { op: '<=', limit: 2 }, 'popup input handler: in-memory filter of the stored catalog + list rebuild (≤ 50 rows)');
  add('picker', 'task filter: p95 per keystroke', round(p95(tk), 2), 'ms', { op: '<=', limit: 2 });
  add('picker', `project filter over ${N_PROJECTS} projects: median per keystroke (n=${pk.length})`, round(median(pk), 2), 'ms', { op: '<=', limit: 2 }, 'popup input handler: in-memory filter of the stored catalog + list rebuild (≤ 50 rows); no request');
  add('picker', 'project filter: p95 per keystroke', round(p95(pk), 2), 'ms', { op: '<=', limit: 2 });
  add('picker', `picker.js filter alone (both lists): median / p95 (n=${pure.out.length})`, `${round(median(pure.out), 3)} / ${round(p95(pure.out), 3)}`, 'ms', null, 'filterTasks / filterProjects called directly in the popup page');
  add('picker', `picker.js buildIndex over ${total} items (once per catalog change)`, round(pure.build, 1), 'ms');
}

// ---------------------------------------------------------------- output
const SINGULAR = { requests: 'request', refreshes: 'refresh' };
function fmt(v) { return typeof v === 'number' ? String(v) : v; }

function table(m) {
  const head = ['section', 'metric', 'value', 'budget', 'result'];
  const body = rows.map((r) => [
    r.section, r.name, `${fmt(r.value)} ${r.unit}`,
    r.op ? `${r.op === '==' ? '=' : '≤'} ${r.budget} ${r.budget === 1 ? (SINGULAR[r.unit] || r.unit) : r.unit}` : '',
    r.op ? (r.pass ? 'pass' : 'MISS') : '',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  const text = [line(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...body.map(line)].join('\n');
  const machineLine = `Machine: ${m.nproc} CPUs (nproc), ${m.cpu}, ${m.memGiB} GiB RAM, ${m.chromium} headless, Node ${m.node}, ${m.os}${m.dialect ? `; sandbox dialect ${m.dialect}` : ''}`;
  return { text, machineLine };
}

const RESULTS = path.join(ROOT, 'tests', 'bench', 'RESULTS.md');
const MARK_START = '<!-- bench:start (written by node tests/bench/bench.mjs --results) -->';
const MARK_END = '<!-- bench:end -->';
function writeResults(text, machineLine) {
  const block = `${MARK_START}\nTaken ${new Date().toISOString().slice(0, 10)} with \`node tests/bench/bench.mjs --results\`.\n\n${text}\n\n${machineLine}\n${MARK_END}`;
  const cur = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmark results\n\n' + MARK_START + '\n' + MARK_END + '\n';
  const a = cur.indexOf(MARK_START);
  const b = cur.indexOf(MARK_END);
  const next = a >= 0 && b > a ? cur.slice(0, a) + block + cur.slice(b + MARK_END.length) : `${cur.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(RESULTS, next);
  console.log(`Table written to ${path.relative(ROOT, RESULTS)}`);
}

async function main() {
  const m = machine();
  log(`${m.chromium}, ${m.nproc} × ${m.cpu}${QUICK ? ' (BENCH_QUICK: fewer samples)' : ''}`);
  sizes();

  const sandbox = await startSandbox({ clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  m.dialect = sandbox.dialect;
  log(`sandbox dialect: ${sandbox.dialect} (TYME_DIALECT)`);
  let ext = null;
  let failure = null;
  try {
    ext = await launchExtension({ args: ['--remote-debugging-port=0'] });
    await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });
    const ref = await requestsPerAction(ext, sandbox);
    await workerColdStart(ext);
    await popupInteractive(ext, ref);
    await workerMemory(ext, sandbox, ref);
    await picker(ext, sandbox);
  } catch (e) {
    failure = e;
  } finally {
    if (ext) await ext.close();
    await sandbox.stop();
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
  if (process.argv.includes('--results') && !failure && !QUICK) writeResults(text, machineLine);
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
