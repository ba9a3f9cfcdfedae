// Coming back online drains the outbox at once, not at the next alarm.
// Chromium fires no `online` event in an extension service worker (checked
// below), so the worker sends what waited or failed while offline on its next
// wake-up (a page's message, an alarm, browser start) and on an `online`
// event where the platform fires one. Real extension, headless Chromium,
// real sandbox; offline is the DevTools protocol's network emulation
// (Network.emulateNetworkConditions on the worker's target, through
// Playwright's context.setOffline), which sets navigator.onLine and makes
// every fetch of the worker fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { signedInDemo, waitFor } from './support.mjs';

const CLIENT = 'tyme-tab-online';
// The window the send is expected in: no outbox alarm and no backoff of the
// op falls inside it (both checked), so an entry that lands before either is
// due was sent by the event under test (asserted as that order, not as a time).
const LAND_WITHIN_MS = 5000;
const MIN_BACKOFF_MS = 10_000;

const setup = () => signedInDemo(CLIENT);

async function pendingOps(ext) {
  const { outbox } = await ext.storage('outbox');
  return (outbox && outbox.ops) || [];
}

// The one op of the started entry, once a send of it failed with a network error.
async function failedOp(ext, minAttempts = 1) {
  return waitFor(async () => {
    const op = (await pendingOps(ext))[0];
    return op && op.attempts >= minAttempts && op.state === 'queued' && op.lastError && op.lastError.code === 'network' ? op : null;
  }, { what: `a network failure (attempts >= ${minAttempts})` });
}

// Fail the op again (through the worker's online handler) until its next
// attempt is at least MIN_BACKOFF_MS away: the entry cannot then land by
// its own backoff during the assertion window. Full jitter makes one try
// short now and then; the cap doubles with each attempt.
async function pushBackoff(ext) {
  let op = await failedOp(ext);
  for (let i = 0; i < 12 && op.nextAttemptAt - Date.now() < MIN_BACKOFF_MS; i++) {
    await (await ext.worker()).evaluate(() => self.dispatchEvent(new Event('online')));
    op = await failedOp(ext, op.attempts + 1);
  }
  assert.ok(op.nextAttemptAt - Date.now() >= MIN_BACKOFF_MS, `backoff grew (attempts ${op.attempts})`);
  return op;
}

// The next time an outbox alarm is due.
async function nextOutboxAlarm(ext) {
  const alarms = await (await ext.worker()).evaluate(() => chrome.alarms.getAll());
  return Math.min(...alarms.filter((a) => a.name.startsWith('outbox')).map((a) => a.scheduledTime));
}

// No outbox alarm may fire during the assertion window: if the periodic one
// is about to, wait for it to fire (it finds nothing due, or fails offline),
// seen as its next scheduled time moving on.
async function alarmsClearOfWindow(ext) {
  for (let i = 0; i < 3; i++) {
    const next = await nextOutboxAlarm(ext);
    if (!(next - Date.now() < LAND_WITHIN_MS + 2000)) return next;
    await waitFor(async () => (await nextOutboxAlarm(ext)) > next, {
      timeout: Math.max(0, next - Date.now()) + 15000, what: 'the due outbox alarm to fire',
    });
  }
  throw new Error('the outbox alarms keep firing within the window');
}

async function entry(sandbox, id) {
  return (await sandbox.state()).time_entries.find((e) => e.id === id);
}

test('offline → online (network emulation): the first wake-up after it sends the queued entry at once', async (t) => {
  const env = await setup();
  const { ext, sandbox } = env;
  try {
    const w0 = await ext.worker();
    await w0.evaluate(() => {
      globalThis.__onlineEvents = 0;
      self.addEventListener('online', () => { globalThis.__onlineEvents += 1; });
    });
    await ext.context.setOffline(true);
    assert.equal(await w0.evaluate(() => navigator.onLine), false, 'the worker is offline');

    // The timer works offline; its entry waits in the outbox.
    const started = await ext.send('start', { task: env.task, page: { url: 'https://example.com/offline', title: 'Offline page' } });
    assert.equal(started.ok, true, JSON.stringify(started.error));
    const id = started.data.entity.id;
    // Offline, nothing is tried (no request could get through): the write
    // waits in the outbox's journal, and the worker records that it is offline.
    await waitFor(async () => (await ext.storage('offlineAt')).offlineAt, { what: 'the worker recorded being offline' });
    assert.equal((await ext.storage('outboxSize')).outboxSize, 1, 'the write waits');
    assert.equal(await entry(sandbox, id), undefined, 'nothing reached the server while offline');

    // No outbox alarm may fire in the window (one due soon fires first, offline: it tries nothing).
    const nextAlarm = await alarmsClearOfWindow(ext);
    await w0.evaluate(() => { globalThis.__onlineEvents = 0; });
    await ext.context.setOffline(false);
    const w = await ext.worker();
    assert.equal(await w.evaluate(() => navigator.onLine), true, 'the worker is online again');
    // Chromium does not fire `online` in the service worker (recorded, not relied on).
    t.diagnostic(`online events seen by the service worker: ${await w.evaluate(() => globalThis.__onlineEvents)}`);
    assert.equal(await entry(sandbox, id), undefined, 'still not sent before the wake-up');

    // Any message from an extension page wakes the worker (here: the popup's state read).
    assert.equal((await ext.send('getState')).ok, true);
    const landed = await waitFor(() => entry(sandbox, id), { timeout: 30000, interval: 50, what: 'the entry on the server after coming online' });
    const at = Date.now();
    assert.equal(landed.note.includes('https://example.com/offline'), true);
    // What sent it was the wake-up: no outbox alarm had fired yet.
    assert.ok(at < nextAlarm, 'before any outbox alarm could have sent it');
    await waitFor(async () => (await pendingOps(ext)).length === 0, { what: 'the outbox empty' });
    assert.equal((await ext.storage('offlineAt')).offlineAt, undefined, 'the offline mark is cleared');
  } finally { await env.close(); }
});

test('an online event in the worker sends what failed for want of a network at once', async () => {
  const env = await setup();
  const { ext, sandbox } = env;
  try {
    // The browser stays online; the server drops every write.
    await sandbox.faults({ fail_next: 1000, drop: true, path_prefix: '/data/update_entity' });
    const started = await ext.send('start', { task: env.task, page: { url: 'https://example.com/dropped', title: 'Dropped' } });
    assert.equal(started.ok, true, JSON.stringify(started.error));
    const id = started.data.entity.id;
    const op = await pushBackoff(ext);
    assert.equal(await entry(sandbox, id), undefined);

    await sandbox.clearFaults();
    const nextAlarm = await alarmsClearOfWindow(ext);
    assert.ok(op.nextAttemptAt - Date.now() >= LAND_WITHIN_MS + 1000, 'the op is not due by its own backoff in the window');
    assert.equal(await entry(sandbox, id), undefined, 'not sent before the event');

    await (await ext.worker()).evaluate(() => self.dispatchEvent(new Event('online')));
    await waitFor(() => entry(sandbox, id), { timeout: 30000, interval: 50, what: 'the entry on the server after the online event' });
    const at = Date.now();
    // What sent it was the event: no outbox alarm had fired yet and the op's own backoff was not due.
    assert.ok(at < nextAlarm && at < op.nextAttemptAt, 'before any outbox alarm or the backoff could have sent it');
    await waitFor(async () => (await pendingOps(ext)).length === 0, { what: 'the outbox empty' });
  } finally { await env.close(); }
});

test('a project and a task created offline are listed in the picker as not yet synced, and lose the mark once the server has them', async () => {
  const env = await setup();
  const { ext, sandbox } = env;
  const mark = JSON.parse(fs.readFileSync(new URL('../../extension/_locales/en/messages.json', import.meta.url), 'utf8')).not_synced.message;
  try {
    await ext.context.setOffline(true);
    const project = await ext.send('create', { type: 'Project', name: 'Offline client' });
    assert.equal(project.ok, true, JSON.stringify(project.error));
    const task = await ext.send('create', { type: 'TimedTask', name: 'Offline task', parentId: project.data.id });
    assert.equal(task.ok, true, JSON.stringify(task.error));

    const popup = await ext.openPopup();
    await popup.waitForSelector('#idle:not([hidden])');
    await popup.fill('#project-search', 'Offline client');
    const projectRow = popup.locator(`#project-list button[data-id="${project.data.id}"]`);
    assert.equal(await projectRow.textContent(), `Offline client${mark}`);
    await projectRow.click();
    const taskRow = popup.locator(`#task-list button[data-task="${task.data.id}"]`);
    assert.equal(await taskRow.textContent(), `Offline task${mark}`);
    assert.equal((await sandbox.state()).tasks.some((x) => x.id === task.data.id), false, 'nothing reached the server while offline');

    await ext.context.setOffline(false);
    assert.equal((await ext.send('getState')).ok, true); // the wake-up online sends the queue
    await waitFor(async () => (await sandbox.state()).tasks.some((x) => x.id === task.data.id && x.project_id === project.data.id), { what: 'the task on the server' });
    // The stored catalog drops the mark as each write is confirmed; the open popup re-renders from it.
    await waitFor(async () => (await taskRow.textContent()) === 'Offline task', { what: 'the task row without the mark' });
    await popup.fill('#project-search', 'Offline client');
    await waitFor(async () => (await projectRow.textContent()) === 'Offline client', { what: 'the project row without the mark' });
  } finally { await env.close(); }
});
