// A week offline: N_WRITES writes (creates of projects and tasks, starts,
// stops, edits of past entries' notes) across N_ENTITIES entities, queued
// through the real worker's message handlers while the browser is offline
// (DevTools network emulation, as in tests/e2e/online.test.mjs). Figures:
// the time of each write (the page's sendMessage → answer, on the page's
// clock) at the first, middle and last hundred writes; the bytes the queue
// takes in chrome.storage.local; and, once the network is back, the drain:
// its write requests against the writes still needed (one per entity: each
// entity's last write), their order (each entity's last write, in the order
// those were made), and its time against the sandbox's own rate.
// Its own browser and sandbox, so the queue left behind touches no other section.
import { REDIRECT_URI, launchExtension, configure, signIn, waitFor } from '../../e2e/support.mjs';
import { startSandbox } from '../../support/sandbox.mjs';
import { add, log, raw, median, p95, round, QUICK, CLIENT, storageGet, KB } from '../lib.mjs';

export const N_WRITES = QUICK ? 500 : 2000;
export const N_ENTITIES = QUICK ? 75 : 300;
const N_PROJECTS = N_ENTITIES / 15;            // 20 projects ...
const N_TASKS = N_ENTITIES / 3 - N_PROJECTS;   // ... and 80 tasks: 100 creates
const N_ENTRIES = N_ENTITIES - N_PROJECTS - N_TASKS; // 200 entries: a start and a stop each ...
const N_EDITS = N_WRITES - N_PROJECTS - N_TASKS - 2 * N_ENTRIES; // ... and 1,500 note edits among them
const CHUNK = 50;
const at = (n) => [100, N_WRITES / 2, N_WRITES].filter((x, i, a) => a.indexOf(x) === i && x <= n);

/** The messages, in order; each one queues exactly one write. */
function plan() {
  const msgs = [];
  for (let p = 0; p < N_PROJECTS; p++) msgs.push({ kind: 'project', p });
  for (let t = 0; t < N_TASKS; t++) msgs.push({ kind: 'task', t, p: t % N_PROJECTS });
  for (let e = 0; e < N_ENTRIES; e++) { msgs.push({ kind: 'start', e, t: e % N_TASKS }); msgs.push({ kind: 'stop', e }); }
  for (let k = 0; k < N_EDITS; k++) msgs.push({ kind: 'edit', e: (k * 7) % N_ENTRIES, k });
  return msgs;
}

// Runs in the extension page: sends each message of the chunk, waits for its
// answer, and returns {ms, ids} (the time of each, and what each made).
async function runChunk(page, chunk, made) {
  return page.evaluate(async ([items, m]) => {
    const out = [];
    const ids = { ...m };
    const refOf = (t) => ({ taskId: ids[`t${t}`], subtaskId: '', taskName: `Task ${t}`, subtaskName: '', projectId: ids[`pt${t}`], projectName: 'P' });
    for (const it of items) {
      let msg;
      if (it.kind === 'project') msg = { type: 'create', payload: { type: 'Project', name: `Offline project ${it.p}` } };
      else if (it.kind === 'task') msg = { type: 'create', payload: { type: 'TimedTask', name: `Offline task ${it.t}`, parentId: ids[`p${it.p}`] } };
      else if (it.kind === 'start') msg = { type: 'start', payload: { task: refOf(it.t), page: { url: `https://example.com/entry/${it.e}/start`, title: `Entry ${it.e}` } } };
      else if (it.kind === 'stop') msg = { type: 'stop', payload: {} };
      else {
        const e = ids[`e${it.e}`];
        msg = { type: 'editEntry', payload: { id: e.id, task: refOf(e.t), startMs: e.startMs, endMs: e.endMs, page: { url: `https://example.com/entry/${it.e}/edit/${it.k}`, title: `Edit ${it.k}` } } };
      }
      const t0 = performance.now();
      const r = await chrome.runtime.sendMessage(msg);
      const ms = performance.now() - t0;
      if (!r || !r.ok) throw new Error(`${msg.type} failed: ${JSON.stringify(r && r.error)}`);
      if (it.kind === 'project') ids[`p${it.p}`] = r.data.id;
      if (it.kind === 'task') { ids[`t${it.t}`] = r.data.id; ids[`pt${it.t}`] = ids[`p${it.p}`]; }
      if (it.kind === 'start') ids[`e${it.e}`] = { id: r.data.entity.id, t: it.t, startMs: r.data.startMs };
      if (it.kind === 'stop') ids[`e${it.e}`] = { ...ids[`e${it.e}`], endMs: r.data.endMs };
      out.push(ms);
    }
    return { ms: out, ids };
  }, [chunk, made]);
}

/** The queue's keys in chrome.storage.local (every key of the outbox's layout) and their bytes. */
async function queueBytes(ext) {
  const page = await ext.page();
  return page.evaluate(async () => {
    const all = await chrome.storage.local.get(null);
    const keys = Object.keys(all).filter((k) => k.startsWith('outbox'));
    return { keys: keys.length, bytes: await chrome.storage.local.getBytesInUse(keys), total: await chrome.storage.local.getBytesInUse(null) };
  });
}

/** Sequential GET / (no auth, no body) from Node: the sandbox's own rate, requests a second. */
async function sandboxRate(sandbox, n = 200) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await (await fetch(`${sandbox.url}/`)).arrayBuffer();
  return n / ((performance.now() - t0) / 1000);
}

export async function offlineWeek() {
  log(`a week offline: ${N_WRITES} writes across ${N_ENTITIES} entities, then the drain`);
  const sandbox = await startSandbox({ clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  let ext = null;
  try {
    ext = await launchExtension();
    await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });
    await signIn(ext);
    await ext.context.setOffline(true);
    const w = await ext.worker();
    if (await w.evaluate(() => navigator.onLine)) throw new Error('the worker is not offline');

    const msgs = plan();
    const page = await ext.page();
    const times = [];
    let ids = {};
    const lastWrite = new Map(); // entity key → index of its last write
    const t0 = Date.now();
    for (let i = 0; i < msgs.length; i += CHUNK) {
      const r = await runChunk(page, msgs.slice(i, i + CHUNK), ids);
      times.push(...r.ms);
      ids = r.ids;
      if ((i + CHUNK) % 500 === 0) log(`  ${i + CHUNK} writes queued, last ${CHUNK}: median ${round(median(r.ms), 1)} ms`);
    }
    const enqueueSeconds = (Date.now() - t0) / 1000;
    msgs.forEach((m, i) => {
      const key = m.kind === 'project' ? ids[`p${m.p}`] : m.kind === 'task' ? ids[`t${m.t}`] : ids[`e${m.e}`].id;
      lastWrite.set(key, i);
    });
    if (lastWrite.size !== N_ENTITIES) throw new Error(`${lastWrite.size} entities written, ${N_ENTITIES} planned`);
    raw.offline = { enqueueMs: times, kinds: msgs.map((m) => m.kind), enqueueSeconds };
    for (const n of at(N_WRITES)) {
      const win = times.slice(n - 100, n);
      add('offline', `enqueue offline, writes ${n - 99}–${n}: median`, round(median(win), 2), 'ms');
      add('offline', `enqueue offline, writes ${n - 99}–${n}: p95`, round(p95(win), 2), 'ms', n === N_WRITES && !QUICK ? { op: '<=', limit: 5 } : null,
        'the page\'s sendMessage → answer (create, start, stop, editEntry: one write each), the worker offline');
    }
    // The worker's flush after a write has seen the browser offline (and recorded it, for the first wake-up online).
    await waitFor(async () => (await storageGet(ext, 'offlineAt')).offlineAt, { what: 'the worker recorded being offline', timeout: 60000 });
    const q = await queueBytes(ext);
    const { outboxSize } = await storageGet(ext, 'outboxSize');
    raw.offline.storage = q;
    add('offline', `queue in chrome.storage.local after ${N_WRITES} writes`, round(q.bytes / KB, 1), 'KiB',
      null, `${q.keys} outbox keys, ${outboxSize} changes waiting; ${round(q.total / KB, 1)} KiB in storage.local in all`);

    // The network is back; any wake-up (here the popup's state read) drains the queue.
    const rate = await sandboxRate(sandbox);
    await sandbox.clearLog();
    await ext.context.setOffline(false);
    const d0 = Date.now();
    const st = await ext.send('getState');
    if (!st.ok) throw new Error(`getState: ${JSON.stringify(st.error)}`);
    await waitFor(async () => (await storageGet(ext, 'outboxSize')).outboxSize === 0, { what: 'the outbox drained', timeout: 30 * 60000, interval: 100 });
    const drainMs = Date.now() - d0;
    const entries = await sandbox.log();
    const writes = entries.filter((e) => e.method === 'POST' && e.path.includes('update_entity'));
    const other = entries.length - writes.length;
    const failed = writes.filter((e) => e.status !== 200).length;
    raw.offline.drain = { ms: drainMs, writes: writes.length, failed, other, rate };
    add('offline', 'drain: write requests sent for the writes still needed', writes.length, 'requests', { op: '==', limit: N_ENTITIES },
      `${N_WRITES} writes queued across ${N_ENTITIES} entities: one request each for its last state; ${failed} answered other than 200; ${other} other requests (token, catalog, totals)`);
    const want = [...lastWrite.entries()].sort((a, b) => a[1] - b[1]).map(([k]) => k);
    const got = writes.filter((e) => e.status === 200).map((e) => e.entity);
    const firstOff = want.findIndex((k, i) => got[i] !== k);
    const inOrder = firstOff === -1 && got.length === want.length;
    add('offline', 'drain: requests in the order of each entity\'s last write', inOrder ? 1 : 0, inOrder ? 'in order' : 'out of order', { op: '==', limit: 1 },
      inOrder ? '' : `first difference at request ${firstOff + 1} of ${got.length}`);
    // What the server holds is each entry's last edit.
    const state = await sandbox.state();
    let wrong = 0;
    for (let e = 0; e < N_ENTRIES; e++) {
      const last = msgs.filter((m) => m.kind === 'edit' && m.e === e).pop();
      const onServer = state.time_entries.find((x) => x.id === ids[`e${e}`].id);
      const url = last ? `https://example.com/entry/${e}/edit/${last.k}` : `https://example.com/entry/${e}/start`;
      if (!onServer || !String(onServer.note || '').includes(url)) wrong++;
    }
    add('offline', 'drain: entries on the server not at their last edit', wrong, 'entries', { op: '==', limit: 0 });
    add('offline', `drain time, ${N_WRITES} writes (${writes.length} requests)`, round(drainMs / 1000, 2), 's', null,
      `${round(writes.length / (drainMs / 1000), 1)} requests/s; at the sandbox's rate (below) the ${N_ENTITIES} requests alone take ${round(N_ENTITIES / rate, 2)} s`);
    add('offline', 'the sandbox\'s rate, sequential requests', round(rate, 0), 'requests/s', null,
      'GET / from Node, one after another, measured just before the drain; the sandbox has no rate limit and no latency was injected');
    return sandbox.dialect;
  } finally {
    if (ext) await ext.close();
    await sandbox.stop();
  }
}
