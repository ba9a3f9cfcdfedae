// The bench's shared parts: the figures recorded (rows, raw), statistics,
// the machine line, sizes helpers, CDP and sandbox helpers, and the output
// (table, tests/bench/RESULTS.md). The sections (tests/bench/sections/)
// record their figures with add().
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { tokenRequests } from '../support/dialect.mjs';
import { ROOT, CHROMIUM, waitFor } from '../e2e/support.mjs';

export const QUICK = !!process.env.BENCH_QUICK;
export const N_COLD = QUICK ? 5 : 41;          // worker cold starts
export const N_POPUP = QUICK ? 5 : 41;         // popup opens, per worker state
export const N_CYCLES = QUICK ? 200 : 1000;    // start/stop cycles for memory
export const SAMPLE_AT = QUICK ? 50 : 100;     // first memory sample
export const N_PROJECTS = QUICK ? 2000 : 10000;
export const N_TASKS = QUICK ? 1800 : 9000;    // tasks of one project ...
export const N_SUBTASKS = QUICK ? 200 : 1000;  // ... plus sub-tasks: 10,000 picker items
export const BIG_PROJECTS = QUICK ? 10000 : 50000; // the big catalog (sections/catalog.mjs), in all
export const BIG_TASKS = QUICK ? 9000 : 45000;     // ... tasks, in one project
export const BIG_SUBTASKS = QUICK ? 1000 : 5000;   // ... and sub-tasks
export const DAY_HOURS = 8;                        // the simulated working day (sections/day.mjs)
export const DAY_STARTS = 50;                      // start/stop pairs in it
export const DAY_POPUP_EVERY_MIN = QUICK ? 20 : 5; // a popup opened every this many simulated minutes
export const OUT_DIR = path.join(ROOT, 'out');
export const CLIENT = 'tyme-tab-bench';
export const KB = 1024;

export const rows = [];   // {section, name, value, unit, budget?, op?, pass?, note?}
export const raw = {};    // samples and details for the JSON file
export const started = Date.now();

export function log(msg) { process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}\n`); }
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const p95 = (xs) => quantile(xs, 0.95);
export const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Record one figure. budget: {op:'<='|'==', limit}; the row passes when value op limit. */
export function add(section, name, value, unit, budget = null, note = '') {
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
export function machine() {
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

export function gzip9(file) {
  try {
    return execFileSync('gzip', ['-9', '-c', file], { maxBuffer: 64 * 1024 * 1024 }).length;
  } catch {
    return zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
  }
}

// ---------------------------------------------------------------- browser helpers
/** CDP over WebSocket to a target listed by the browser's DevTools HTTP endpoint. */
export async function cdpConnect(url) {
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
    ws,
  };
}

export function devtoolsPort(profileDir) {
  return fs.readFileSync(path.join(profileDir, 'DevToolsActivePort'), 'utf8').split('\n')[0].trim();
}

export async function workerTarget(ext) {
  const port = devtoolsPort(ext.profileDir);
  return waitFor(async () => {
    const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    return list.find((t) => t.type === 'service_worker' && t.url === `${ext.base}/build/background.js`);
  }, { what: 'service worker target', timeout: 15000 });
}

/** chrome.storage.local read from the helper page: does not wake the worker. */
export async function storageGet(ext, keys) {
  const p = await ext.page();
  return p.evaluate((k) => chrome.storage.local.get(k), keys);
}

/** Wait until the sandbox log has stopped growing and the outbox is empty; return the log. */
export async function settle(ext, sandbox, { quietMs = 500, timeout = 15000 } = {}) {
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

export function countRequests(entries) {
  const real = entries.filter((e) => e.method !== 'OPTIONS');
  const preflights = entries.length - real.length;
  const by = {};
  for (const e of real) { const k = `${e.method} ${e.path}`; by[k] = (by[k] || 0) + 1; }
  const detail = Object.entries(by).map(([k, n]) => `${k}${n > 1 ? ` ×${n}` : ''}`).join(', ');
  const tokenPosts = tokenRequests(real);
  return { requests: real.length, preflights, detail, tokenPosts, statuses: real.map((e) => e.status) };
}

export async function ok(resPromise, what) {
  const res = await resPromise;
  if (!res || !res.ok) throw new Error(`${what}: ${JSON.stringify(res && res.error)}`);
  return res.data;
}

export async function measure(ext, sandbox, name, fn, budget = null) {
  await settle(ext, sandbox);
  await sandbox.clearLog();
  await fn();
  const c = countRequests(await settle(ext, sandbox));
  raw.requests[name] = c;
  const note = `${c.detail || 'none'}; ${c.preflights} OPTIONS preflight${c.preflights === 1 ? '' : 's'} not counted`;
  add('requests', name, c.requests, c.requests === 1 ? 'request' : 'requests', budget, note);
  return c;
}

// ---------------------------------------------------------------- output
const SINGULAR = { requests: 'request', refreshes: 'refresh' };
function fmt(v) { return typeof v === 'number' ? String(v) : v; }

export function table(m) {
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
export function writeResults(text, machineLine) {
  const block = `${MARK_START}\nTaken ${new Date().toISOString().slice(0, 10)} with \`node tests/bench/bench.mjs --results\`.\n\n${text}\n\n${machineLine}\n${MARK_END}`;
  const cur = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmark results\n\n' + MARK_START + '\n' + MARK_END + '\n';
  const a = cur.indexOf(MARK_START);
  const b = cur.indexOf(MARK_END);
  const next = a >= 0 && b > a ? cur.slice(0, a) + block + cur.slice(b + MARK_END.length) : `${cur.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(RESULTS, next);
  console.log(`Table written to ${path.relative(ROOT, RESULTS)}`);
}
