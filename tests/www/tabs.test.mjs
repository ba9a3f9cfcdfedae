// Two console tabs share the localStorage outbox: a tab that loads while
// another is sending a write leaves that write alone (its send lease), so it
// is sent once and a stop queued behind it goes after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, signIn, selectItem, createProject, createTask, openConsole,
} from './support.mjs';
import { waitFor } from '../support/wait.mjs';

const writes = async (sb) => (await sb.log()).filter((r) => r.method === 'POST' && r.path.startsWith('/data/update_entity'));

test('a tab loading while another sends a write does not send it again', async (t) => {
  const { sb, www, context, page: a, pageErrors } = await setup(t);
  await signIn(a, www);
  await createProject(a, { name: 'Two tabs', rounding_method: 'NEAREST', rounding_minutes: 1, hourly_rate: 0 });
  await selectItem(a, '#project-list', 'Two tabs');
  await createTask(a, { name: 'Shared', billable: false });
  await selectItem(a, '#task-list', 'Shared');

  const b = await context.newPage();
  b.on('pageerror', (e) => pageErrors.push(e));
  await signIn(b, www); // its own session (sessionStorage is per tab), the same outbox

  // Every write now takes 3 s to answer.
  await sb.faults({ latency_ms: 3000, path_prefix: '/data/update_entity' });
  await sb.clearLog();
  await a.click('#start-timer');
  await a.waitForFunction(() => JSON.parse(localStorage.getItem('tyme.www.outbox') || '{}').ops?.some((o) => o.state === 'sending'));

  // Tab B loads while A's start is in flight, then A stops the timer.
  await openConsole(b, www);
  await a.click('#stop-timer');
  await a.waitForSelector('#running', { state: 'hidden' });
  await a.waitForFunction(() => document.querySelector('#outbox-size').textContent === '0', null, { timeout: 15000 });
  // The shared outbox is empty, so no tab can start another write; one
  // either tab started before is still in flight at the sandbox until answered.
  assert.equal(await b.evaluate(() => (JSON.parse(localStorage.getItem('tyme.www.outbox') || '{}').ops || []).length), 0);
  await waitFor(async () => !(await sb.inFlight()).some((r) => r.path.startsWith('/data/update_entity')), { timeout: 15000, what: 'no write in flight' });

  const st = await sb.state();
  assert.equal(st.time_entries.length, 1);
  assert.ok(st.time_entries[0].time_end !== null, 'the entry ends stopped');
  const sent = await writes(sb);
  assert.deepEqual(sent.map((r) => r.status), [200, 200], `start and stop once each, got ${sent.length} writes`);
  // B shows the shared outbox emptied (its storage event).
  await b.waitForFunction(() => document.querySelector('#outbox-size').textContent === '0');
  assert.deepEqual(pageErrors, []);
});
