// Subscribe the www server's receiver, get real deliveries from the sandbox
// when entities change and a timer starts and stops, see them in the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, signIn, selectItem, createProject, createTask, waitOutboxEmpty, openConsole } from './support.mjs';
import { webhookRequests, webhookLog } from '../support/dialect.mjs';

test('a webhook subscription receives real deliveries that show in the page', async (t) => {
  const { sb, www, page, pageErrors } = await setup(t);
  await signIn(page, www);
  await page.click('nav a[data-tab=webhooks]');
  const hookUrl = www.hooksUrl;
  assert.equal(await page.inputValue('#hook-form input[name=hookUrl]'), hookUrl);
  await page.waitForSelector('#hook-stream[data-state=open]');
  await page.check('#hook-form input[value=task]');
  await sb.clearLog();
  await page.click('#hook-subscribe');
  await page.waitForFunction(() => /^Subscribed/.test(document.querySelector('#hook-form .form-status').textContent));
  // Three triggers, three subscribes: the first finds the server's verbs (the
  // live POST first; the seed refuses it, 405, and is asked by GET), the others use them.
  assert.deepEqual(webhookLog(await sb.log()), [
    ...webhookRequests(sb, 'subscribe', { learned: false }),
    ...webhookRequests(sb, 'subscribe', { learned: true }), ...webhookRequests(sb, 'subscribe', { learned: true }),
  ]);
  const listed = await page.$$eval('#hook-table tbody tr', (trs) => trs.map((tr) => [tr.children[0].textContent, tr.children[1].textContent]));
  assert.deepEqual(listed.sort(), [[hookUrl, 'stopped_time'], [hookUrl, 'task'], [hookUrl, 'time']]);
  let st = await sb.state();
  assert.deepEqual(st.webhooks.map((w) => [w.hook_url, w.trigger_type]).sort(), listed.sort());

  // Changes that fire: a new task, a timer started, the timer stopped.
  await page.click('nav a[data-tab=browse]');
  await createProject(page, { name: 'Hooked', rounding_method: 'UP', rounding_minutes: 1, hourly_rate: 1 });
  await selectItem(page, '#project-list', 'Hooked');
  await createTask(page, { name: 'Hook <script>alert(1)</script>', billable: true });
  await selectItem(page, '#task-list', 'Hook <script>alert(1)</script>');
  await page.click('#start-timer');
  await page.waitForSelector('#running:not([hidden])');
  await waitOutboxEmpty(page);
  await page.click('#stop-timer');
  await waitOutboxEmpty(page);
  const entryId = (await sb.state()).time_entries[0].id;

  await page.click('nav a[data-tab=webhooks]');
  for (const trig of ['task', 'time', 'stopped_time']) {
    await page.waitForSelector(`#deliveries li[data-trigger="${trig}"]`, { timeout: 10000 });
  }
  assert.equal(await page.getAttribute('#deliveries li[data-trigger="stopped_time"]', 'data-entity-id'), entryId);
  assert.equal(await page.textContent('#deliveries li[data-trigger="task"] .ename'), 'Hook <script>alert(1)</script>');
  assert.equal(await page.locator('#deliveries script').count(), 0);

  const received = await (await fetch(`${www.url}/hooks/list`)).json();
  assert.deepEqual(received.map((d) => d.trigger_type).sort(), ['stopped_time', 'task', 'time']);
  const stopped = received.find((d) => d.trigger_type === 'stopped_time');
  assert.equal(stopped.entity.id, entryId);
  assert.ok(stopped.entity.time_end);
  st = await sb.state();
  assert.ok(st.deliveries.length >= 3 && st.deliveries.every((d) => d.status === 'delivered'));

  // The list survives a reload (localStorage); unsubscribe one trigger from it.
  await openConsole(page, www, '#webhooks');
  await sb.clearLog();
  await page.locator('#hook-table tbody tr[data-trigger="task"] button.unsub').click();
  await page.waitForFunction(() => /^Unsubscribed from task/.test(document.querySelector('#hook-form .form-status').textContent));
  // The verbs learned at subscribe (kept across the reload) unsubscribe at once.
  assert.deepEqual(webhookLog(await sb.log()), webhookRequests(sb, 'unsubscribe', { learned: true }));
  assert.equal(await page.locator('#hook-table tbody tr[data-trigger]').count(), 2);
  st = await sb.state();
  assert.deepEqual(st.webhooks.map((w) => w.trigger_type).sort(), ['stopped_time', 'time']);
  // The backlog of deliveries is replayed to the reloaded page.
  assert.equal(await page.locator('#deliveries li').count(), 3);
  assert.deepEqual(pageErrors, []);
});
