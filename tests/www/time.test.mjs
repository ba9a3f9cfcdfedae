// Start and stop a timer on a task and on a sub-task, and edit a note: the
// writes go through the wasm outbox and land in the sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, signIn, selectItem, createProject, createTask, createSubTask, waitOutboxEmpty, openConsole,
} from './support.mjs';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const secs = (dt) => Date.parse(dt.replace(' ', 'T') + 'Z') / 1000;

test('start and stop a timer on a task and a sub-task, then edit a note', async (t) => {
  const { sb, www, page, pageErrors } = await setup(t);
  await signIn(page, www);
  await createProject(page, { name: 'Timers', rounding_method: 'NEAREST', rounding_minutes: 15, hourly_rate: 50 });
  await selectItem(page, '#project-list', 'Timers');
  await createTask(page, { name: 'Coding', billable: true });
  await selectItem(page, '#task-list', 'Coding');
  await createSubTask(page, { name: 'Review' });
  const { tasks, subtasks } = await sb.state();
  await selectItem(page, '#task-list', 'Coding'); // back from the new sub-task to its task

  // On the task.
  assert.equal(await page.textContent('#time-target'), 'Coding');
  const t0 = Math.floor(Date.now() / 1000);
  await page.fill('#start-form input[name=note]', 'first <i>note</i>');
  await page.click('#start-timer');
  await page.waitForSelector('#running:not([hidden])');
  await waitOutboxEmpty(page);
  let st = await sb.state();
  assert.equal(st.time_entries.length, 1);
  const running = st.time_entries[0];
  assert.match(running.id, UUID4);
  assert.deepEqual([running.task_id, running.subtask_id, running.time_end, running.note], [tasks[0].id, '', null, 'first <i>note</i>']);
  assert.ok(Math.abs(secs(running.time_start) - t0) <= 2);
  assert.equal(await page.isDisabled('#start-timer'), true);

  // The running clock (counted from the stored start) shows a second gone by.
  await page.waitForFunction(() => document.querySelector('#running-elapsed').textContent !== '0:00:00');
  await page.click('#stop-timer');
  await page.waitForSelector('#running', { state: 'hidden' });
  await waitOutboxEmpty(page);
  st = await sb.state();
  assert.equal(st.time_entries.length, 1, 'the stop updates the same entry');
  const stopped = st.time_entries[0];
  assert.equal(stopped.id, running.id);
  assert.ok(stopped.time_end !== null);
  assert.ok(secs(stopped.time_end) - secs(stopped.time_start) >= 1);

  // On the sub-task: the record names the sub-task (the sandbox adds its task).
  await selectItem(page, '#subtask-list', 'Review');
  assert.equal(await page.textContent('#time-target'), 'Coding › Review');
  await page.click('#start-timer');
  await page.waitForSelector('#running:not([hidden])');
  await page.click('#stop-timer');
  await waitOutboxEmpty(page);
  st = await sb.state();
  assert.equal(st.time_entries.length, 2);
  const sub = st.time_entries.find((e) => e.id !== running.id);
  assert.deepEqual([sub.subtask_id, sub.task_id], [subtasks[0].id, tasks[0].id]);
  assert.ok(sub.time_end !== null && secs(sub.time_end) >= secs(sub.time_start));

  // Edit the first entry's note (the list is newest first), after a reload.
  await openConsole(page, www);
  const row = page.locator(`#entry-list form.entry[data-id="${running.id}"]`);
  assert.equal(await row.locator('.sync').getAttribute('data-state'), 'saved');
  assert.equal(await row.locator('.what').textContent(), 'Coding');
  await row.locator('input[name=note]').fill('edited, "quoted" & <b>bold</b>');
  await row.locator('button[type=submit]').click();
  await waitOutboxEmpty(page);
  st = await sb.state();
  const edited = st.time_entries.find((e) => e.id === running.id);
  assert.equal(edited.note, 'edited, "quoted" & <b>bold</b>');
  assert.deepEqual([edited.time_start, edited.time_end], [stopped.time_start, stopped.time_end]);
  assert.equal(await page.locator('#entry-list b, #entry-list i').count(), 0);
  assert.deepEqual(pageErrors, []);
});

test('a write made while the server fails is retried by the outbox and lands once', async (t) => {
  const { sb, www, page } = await setup(t);
  await signIn(page, www);
  await createProject(page, { name: 'Flaky', rounding_method: 'UP', rounding_minutes: 1, hourly_rate: 0 });
  await selectItem(page, '#project-list', 'Flaky');
  await createTask(page, { name: 'Work', billable: false });
  await selectItem(page, '#task-list', 'Work');
  await sb.faults({ fail_next: 1, status: 503, retry_after: 1, path_prefix: '/data/update_entity' });
  await page.fill('#past-form input[name=start]', '2025-03-10T08:00:00');
  await page.fill('#past-form input[name=end]', '2025-03-10T08:30:00');
  await page.click('#past-form button[type=submit]');
  await page.waitForFunction(() => /last error/.test(document.querySelector('#outbox-error').textContent));
  await waitOutboxEmpty(page);
  const st = await sb.state();
  assert.equal(st.time_entries.length, 1);
  assert.deepEqual([st.time_entries[0].time_start, st.time_entries[0].time_end], ['2025-03-10 08:00:00', '2025-03-10 08:30:00']);
  const writes = (await sb.log()).filter((r) => r.path.startsWith('/data/update_entity') && r.method === 'POST');
  assert.deepEqual(writes.slice(-2).map((r) => r.status), [503, 200]);
});

test('a stop that cannot be queued keeps the timer running, so the stop is not lost', async (t) => {
  const { sb, www, page, pageErrors } = await setup(t);
  await signIn(page, www);
  await createProject(page, { name: 'Careful', rounding_method: 'NEAREST', rounding_minutes: 1, hourly_rate: 0 });
  await selectItem(page, '#project-list', 'Careful');
  await createTask(page, { name: 'Stopping', billable: false });
  await selectItem(page, '#task-list', 'Stopping');
  await page.click('#start-timer');
  await page.waitForSelector('#running:not([hidden])');
  await waitOutboxEmpty(page);

  // The stored outbox is one the core refuses (as after a bad write by an old
  // page): queueing the stop throws.
  await page.evaluate(() => localStorage.setItem('tyme.www.outbox', JSON.stringify({ version: 99, ops: [] })));
  await page.click('#stop-timer');
  await page.waitForFunction(() => document.querySelector('#message').dataset.kind === 'error');
  assert.match(await page.textContent('#message'), /not (be )?queued|could not/i);
  assert.notEqual(await page.evaluate(() => localStorage.getItem('tyme.www.running')), null, 'the running timer was dropped');
  assert.equal(await page.isVisible('#running'), true);
  assert.equal((await sb.state()).time_entries[0].time_end, null);

  // Once the outbox is usable again, Stop works.
  await page.evaluate(() => localStorage.removeItem('tyme.www.outbox'));
  await page.click('#stop-timer');
  await page.waitForSelector('#running', { state: 'hidden' });
  await waitOutboxEmpty(page);
  const st = await sb.state();
  assert.equal(st.time_entries.length, 1);
  assert.ok(st.time_entries[0].time_end !== null);
  assert.equal(await page.evaluate(() => localStorage.getItem('tyme.www.running')), null);
  assert.deepEqual(pageErrors, []);
});
