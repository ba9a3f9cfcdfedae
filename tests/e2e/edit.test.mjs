// Editing a past time entry through the worker's `editEntry` message: the
// entry's task, times and page (its note scrubbed as for a start) go through
// the outbox, so a failing server and a stopped worker lose nothing. The
// running timer's entry and an end before the start are refused, with
// nothing queued. (The soak edits entries under faults as well.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signedInSandbox, waitFor } from './support.mjs';

const CLIENT = 'tyme-tab-edit';
const HOTLINE = { taskId: '4002', subtaskId: '', taskName: 'Hotline', subtaskName: '', projectId: '4001', projectName: 'Support Retainer' };
const ESCALATIONS = { ...HOTLINE, subtaskId: '4003', subtaskName: 'Escalations' };

const signedIn = (t) => signedInSandbox(t, CLIENT);
const entry = async (sandbox, id) => (await sandbox.state()).time_entries.find((e) => e.id === id);

test('a past entry edited (task, times, page) while the server fails and the worker stops reaches the server as edited', async (t) => {
  const { sandbox, ext } = await signedIn(t);
  const started = await ext.send('start', { task: HOTLINE, page: null });
  assert.equal(started.ok, true);
  const id = started.data.entity.id;
  assert.equal((await ext.send('stop')).ok, true);
  await waitFor(async () => { const e = await entry(sandbox, id); return e && e.time_end; }, { what: 'the stopped entry on the server' });

  await sandbox.faults({ fail_percent: 100, status: 503, retry_after: 1, path_prefix: '/data/update_entity' });
  const startMs = Date.UTC(2026, 0, 5, 9, 0, 0);
  const endMs = Date.UTC(2026, 0, 5, 10, 30, 0);
  const page = { url: 'https://bob:pw@example.com/ticket/7?utm_source=x&id=7&access_token=abc#c', title: 'Ticket 7' };
  const res = await ext.send('editEntry', { id, task: ESCALATIONS, startMs, endMs, page });
  assert.equal(res.ok, true, JSON.stringify(res.error));
  await waitFor(async () => (await sandbox.log()).some((l) => l.path === '/data/update_entity' && l.status === 503), { what: 'the edit refused by the server' });
  await ext.stopWorker();
  await sandbox.clearFaults();
  // Nothing sent by the test from here: the outbox's alarm wakes the worker.
  await waitFor(async () => (await entry(sandbox, id)).note !== '', { timeout: 60000, what: 'the edit on the server' });
  const e = await entry(sandbox, id);
  assert.deepEqual(
    { task_id: e.task_id, subtask_id: e.subtask_id, time_start: e.time_start, time_end: e.time_end, note: e.note },
    { task_id: '4002', subtask_id: '4003', time_start: '2026-01-05 09:00:00', time_end: '2026-01-05 10:30:00', note: 'Ticket 7 — https://example.com/ticket/7?id=7' },
  );
  assert.equal((await sandbox.state()).time_entries.length, 1, 'the same entry changed, none added');
});

test('the running entry and an end before the start are refused, nothing queued', async (t) => {
  const { ext } = await signedIn(t);
  const started = await ext.send('start', { task: HOTLINE, page: null });
  const id = started.data.entity.id;
  await waitFor(async () => (await ext.storage('outboxSize')).outboxSize === 0, { what: 'the start sent' });
  const now = Date.now();
  const running = await ext.send('editEntry', { id, task: HOTLINE, startMs: now - 60000, endMs: now });
  assert.equal(running.ok, false);
  assert.equal(running.error.code, 'invalid_input');
  const backwards = await ext.send('editEntry', { id: 'some-other-id', task: HOTLINE, startMs: now, endMs: now - 1000 });
  assert.equal(backwards.ok, false);
  assert.equal(backwards.error.code, 'invalid_input');
  assert.equal((await ext.storage('outboxSize')).outboxSize, 0);
});
