// The session ends on the server while a write waits: the console signs out,
// keeps the write in its outbox (localStorage) through the sign-in's full-page
// redirects, and sends it once after signing in again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, signIn, selectItem, createProject, createTask, addPastEntry, waitOutboxEmpty } from './support.mjs';

const timeWrites = async (sb) => (await sb.log()).filter((r) => r.method === 'POST' && r.path.startsWith('/data/update_entity'));

test('a write made as the session ends waits for sign-in, is kept through it, and lands once', async (t) => {
  const { sb, www, page, pageErrors } = await setup(t);
  await signIn(page, www);
  await createProject(page, { name: 'Kept', rounding_method: 'NEAREST', rounding_minutes: 1, hourly_rate: 0 });
  await selectItem(page, '#project-list', 'Kept');
  await createTask(page, { name: 'Queued work', billable: false });
  await selectItem(page, '#task-list', 'Queued work');

  // The user withdraws the app's access in Tyme: tokens refused, the refresh too.
  await sb.revokeTokens();
  await sb.clearLog();
  await addPastEntry(page, '2025-03-10T08:00:00', '2025-03-10T09:30:00', 'kept through sign-in');
  await page.waitForSelector('#auth-status[data-state="signed-out"]');
  await page.waitForSelector('#entry-list .sync[data-state="waitingForSignIn"]');
  assert.equal(await page.textContent('#outbox-size'), '1');
  assert.equal((await sb.state()).time_entries.length, 0);
  assert.deepEqual((await timeWrites(sb)).map((r) => r.status), [401]);
  const queued = await page.evaluate(() => localStorage.getItem('tyme.www.outbox'));

  // Sign in again: away to the authorize page and back.
  await page.click('#sign-in');
  await page.waitForSelector('#auth-status[data-state="signed-in"]');
  await waitOutboxEmpty(page);
  const st = await sb.state();
  assert.equal(st.time_entries.length, 1, 'the kept write landed once');
  const e = st.time_entries[0];
  assert.deepEqual([e.task_id, e.time_start, e.time_end, e.note], [st.tasks[0].id, '2025-03-10 08:00:00', '2025-03-10 09:30:00', 'kept through sign-in']);
  assert.ok(queued.includes(e.id), 'the write sent is the one queued before the sign-in');
  assert.deepEqual((await timeWrites(sb)).map((r) => r.status), [401, 200]);
  assert.equal(await page.getAttribute(`#entry-list form.entry[data-id="${e.id}"] .sync`, 'data-state'), 'saved');
  // The refused calls of the ended session are logged by the browser; nothing else may go wrong.
  assert.deepEqual(pageErrors.filter((x) => !/status of (400|401)/.test(x.message)), []);
});
