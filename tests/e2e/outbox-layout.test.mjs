// The outbox's storage layout (extension/worker/journal.js): writes made
// offline wait one key each in a journal and reach the server, once each and
// in order, on the first wake-up online; a queue stored by an older version
// (the whole queue in `outbox`, no journal) is taken over without loss; a
// worker stopped in the middle of the drain loses and duplicates nothing.
// Real extension in headless Chromium, real sandbox; offline is the DevTools
// protocol's network emulation (as in online.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signedInDemo, waitFor } from './support.mjs';

const CLIENT = 'tyme-tab-outbox-layout';

const setup = () => signedInDemo(CLIENT);

const ok = async (p) => { const r = await p; assert.equal(r.ok, true, JSON.stringify(r.error)); return r.data; };
const writesIn = (log) => log.filter((e) => e.method === 'POST' && e.path.includes('update_entity') && e.status === 200).map((e) => e.entity);
const outboxKeys = async (ext) => Object.keys(await (await ext.page()).evaluate(() => chrome.storage.local.get(null))).filter((k) => k.startsWith('outbox'));

// Offline: `n` entries, each started and stopped, then edited (notes naming
// the edit); returns each entry's id and the URL of its last write, and the
// order of their last writes.
async function writeOffline(env, n, edits) {
  const { ext } = env;
  const entries = [];
  for (let i = 0; i < n; i++) {
    const started = await ok(ext.send('start', { task: env.task, page: { url: `https://example.com/e${i}/start`, title: `E${i}` } }));
    const stopped = await ok(ext.send('stop'));
    entries.push({ id: started.entity.id, startMs: started.startMs, endMs: stopped.endMs, url: `https://example.com/e${i}/start` });
  }
  const order = entries.map((e) => e.id);
  for (let k = 0; k < edits; k++) {
    const e = entries[(k * 3) % n];
    e.url = `https://example.com/e${entries.indexOf(e)}/edit${k}`;
    await ok(ext.send('editEntry', { id: e.id, task: env.task, startMs: e.startMs, endMs: e.endMs, page: { url: e.url, title: `Edit ${k}` } }));
    order.splice(order.indexOf(e.id), 1);
    order.push(e.id);
  }
  return { entries, order };
}

async function assertLanded(sandbox, entries) {
  const state = await sandbox.state();
  for (const e of entries) {
    const on = state.time_entries.filter((x) => x.id === e.id);
    assert.equal(on.length, 1, `entry ${e.id} once on the server`);
    assert.ok(String(on[0].note).includes(e.url), `entry ${e.id} at its last write (${e.url})`);
  }
}

test('writes made offline wait one key each and reach the server once each, in the order of their last writes', async () => {
  const env = await setup();
  const { ext, sandbox } = env;
  try {
    await ext.context.setOffline(true);
    const { entries, order } = await writeOffline(env, 5, 7);
    // 17 writes of 5 entries: the journal holds one key per entity, the queue itself is not rewritten.
    await waitFor(async () => (await ext.storage('offlineAt')).offlineAt, { what: 'the worker recorded being offline' });
    const keys = await outboxKeys(ext);
    assert.equal(keys.filter((k) => k.startsWith('outboxLog:')).length, 5, keys.join());
    assert.equal((await ext.storage('outboxSize')).outboxSize, 5, 'five changes waiting');
    assert.deepEqual(writesIn(await sandbox.log()), [], 'nothing sent offline');

    await sandbox.clearLog();
    await ext.context.setOffline(false);
    await ok(ext.send('getState')); // the first wake-up online
    await waitFor(async () => (await ext.storage('outboxSize')).outboxSize === 0, { what: 'the outbox drained' });
    assert.deepEqual(writesIn(await sandbox.log()), order, 'one request per entity, in the order of their last writes');
    await assertLanded(sandbox, entries);
    assert.deepEqual((await outboxKeys(ext)).filter((k) => k.startsWith('outboxLog:')), [], 'the journal is emptied');
  } finally { await env.close(); }
});

test('a queue stored by an older version (all of it in `outbox`) is sent whole, once each, after the worker starts', async () => {
  const env = await setup();
  const { ext, sandbox } = env;
  try {
    // The older layout, written as that version wrote it: the core's state in
    // `outbox` with `outboxSize`, no journal; one op left in flight by a stopped worker.
    const at = Date.now() - 60_000;
    const ids = ['old-a', 'old-b', 'old-c'];
    const entity = (id, i) => ({ type: 'TimedTaskRecord', id, task_id: env.task.taskId, subtask_id: '', time_start: '2025-01-0' + (i + 1) + ' 09:00:00', time_end: '2025-01-0' + (i + 1) + ' 10:00:00', note: `old ${id}` });
    const ops = ids.map((id, i) => ({
      opId: `op-${i + 1}`, seq: i + 1, entityType: 'TimedTaskRecord', entityId: id, entity: entity(id, i),
      enqueuedAt: at, attempts: i === 0 ? 1 : 0, nextAttemptAt: at, state: i === 0 ? 'sending' : 'queued',
      sendingSince: i === 0 ? at : null, lastError: null,
    }));
    await sandbox.clearLog();
    for (const k of await outboxKeys(ext)) await (await ext.worker()).evaluate((key) => chrome.storage.local.remove(key), k);
    await ext.setStorage({ outbox: { version: 1, nextSeq: 4, holdUntil: null, ops }, outboxSize: 3 });
    await ext.stopWorker();
    // A write made now goes behind the older queue.
    const started = await ok(ext.send('start', { task: env.task, page: { url: 'https://example.com/after', title: 'After' } }));
    await waitFor(async () => (await ext.storage('outboxSize')).outboxSize === 0, { what: 'the outbox drained' });
    assert.deepEqual(writesIn(await sandbox.log()), [...ids, started.entity.id], 'each write once, the older queue first');
    const state = await sandbox.state();
    for (const id of ids) {
      const on = state.time_entries.filter((x) => x.id === id);
      assert.equal(on.length, 1, `${id} once on the server`);
      assert.equal(on[0].note, `old ${id}`);
    }
  } finally { await env.close(); }
});

test('a worker stopped in the middle of the drain: the next one sends the rest, nothing lost, no entry twice', async () => {
  const env = await setup();
  const { ext, sandbox } = env;
  try {
    await ext.context.setOffline(true);
    const { entries } = await writeOffline(env, 8, 4);
    await waitFor(async () => (await ext.storage('offlineAt')).offlineAt, { what: 'the worker recorded being offline' });
    await sandbox.clearLog();
    // Every write takes 300 ms: the drain is stopped with some sent and one in flight.
    await sandbox.faults({ latency_ms: 300, path_prefix: '/data/update_entity' });
    await ext.context.setOffline(false);
    await ok(ext.send('getState'));
    await waitFor(async () => writesIn(await sandbox.log()).length >= 3, { what: 'three writes sent', timeout: 30000, interval: 20 });
    await ext.stopWorker();
    const before = writesIn(await sandbox.log()).length;
    assert.ok(before < entries.length, `stopped mid-drain (${before} of ${entries.length} sent)`);
    await sandbox.clearFaults();
    await ok(ext.send('getState')); // the new worker's start and wake-up
    await waitFor(async () => (await ext.storage('outboxSize')).outboxSize === 0, { what: 'the outbox drained', timeout: 60000 });
    const sent = writesIn(await sandbox.log());
    // At most the one in flight when the worker stopped is sent again (its answer was lost with the worker).
    assert.ok(sent.length <= entries.length + 1, `${sent.length} writes for ${entries.length} entries`);
    assert.deepEqual([...new Set(sent)].sort(), entries.map((e) => e.id).sort(), 'every entry sent');
    await assertLanded(sandbox, entries);
  } finally { await env.close(); }
});

test('a drain writes the whole queue a few times, not once or twice per request: each confirmation is one small key', async () => {
  const env = await setup();
  const { ext, sandbox } = env;
  const N = 30;
  try {
    await ext.context.setOffline(true);
    const { entries, order } = await writeOffline(env, N, 0);
    await waitFor(async () => (await ext.storage('offlineAt')).offlineAt, { what: 'the worker recorded being offline' });
    // Every write to chrome.storage.local during the drain (the keys it set), seen from an extension page.
    const page = await ext.page();
    await page.evaluate(() => {
      globalThis.__changes = [];
      chrome.storage.onChanged.addListener((changes, area) => {
        const set = Object.keys(changes).filter((k) => changes[k].newValue !== undefined);
        if (area === 'local' && set.length) globalThis.__changes.push(set);
      });
    });
    await sandbox.clearLog();
    await ext.context.setOffline(false);
    await ok(ext.send('getState'));
    await waitFor(async () => (await ext.storage('outboxSize')).outboxSize === 0, { what: 'the outbox drained' });
    assert.deepEqual(writesIn(await sandbox.log()), order, 'one request per entry, in order');
    await assertLanded(sandbox, entries);
    const changes = await page.evaluate(() => globalThis.__changes);
    const queueWrites = changes.filter((keys) => keys.includes('outbox')).length;
    const confirmations = changes.filter((keys) => keys.some((k) => k.startsWith('outboxSent:'))).length;
    assert.equal(confirmations, N, `one small write per confirmed request (${JSON.stringify(changes)})`);
    // The journal folded, the claim, the end of the claim: a few, however long the queue.
    assert.ok(queueWrites <= 4, `${queueWrites} writes of the whole queue for ${N} requests`);
    assert.deepEqual((await outboxKeys(ext)).filter((k) => k.startsWith('outboxSent:')), [], 'the confirmations are folded in and removed');
  } finally { await env.close(); }
});

test('a child claimed with its parent is not sent when the parent\'s write fails: it follows it once the parent lands', async () => {
  const env = await setup();
  const { ext, sandbox } = env;
  try {
    await ext.context.setOffline(true);
    const project = await ok(ext.send('create', { type: 'Project', name: 'Parent made offline' }));
    const task = await ok(ext.send('create', { type: 'TimedTask', name: 'Child made offline', parentId: project.id }));
    await waitFor(async () => (await ext.storage('offlineAt')).offlineAt, { what: 'the worker recorded being offline' });
    await sandbox.clearLog();
    // The first write (the project's) fails with a 500; the drain goes on with what does not depend on it.
    await sandbox.faults({ fail_next: 1, status: 500, path_prefix: '/data/update_entity' });
    await ext.context.setOffline(false);
    await ok(ext.send('getState'));
    await waitFor(async () => (await sandbox.state()).tasks.some((x) => x.id === task.id), { what: 'the task on the server', timeout: 60000 });
    const writes = (await sandbox.log()).filter((e) => e.method === 'POST' && e.path.includes('update_entity'));
    // The project's failed try, then the project, then the task: the task never went before its parent.
    assert.deepEqual(writes.map((e) => [e.entity, e.status]), [[project.id, 500], [project.id, 200], [task.id, 200]]);
    assert.equal((await ext.storage('outboxRefused')).outboxRefused, 0, 'nothing refused');
  } finally { await env.close(); }
});
