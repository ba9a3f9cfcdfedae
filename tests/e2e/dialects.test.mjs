// Journeys that differ between the sandbox's dialects (tests/sandbox/README.md,
// "Dialects side by side"): the real extension in headless Chromium against
// the sandbox the suite runs with (TYME_DIALECT). A journey of one dialect is
// skipped, with its reason, under the other; those of both state what they
// expect through tests/support/dialect.mjs. Every wait is for an event (the
// popup's refresh answered, a storage value, the sandbox's state or log).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  traits, onlyIn, refreshRequests, refreshCount, tokenRequests, missesIn, discoveryMisses, api,
} from '../support/dialect.mjs';
import { ROOT, signIn, waitFor, popupView, signedInSandbox, warmUpDone } from './support.mjs';

const SHOTS = path.join(ROOT, 'out', 'screenshots');
const CLIENT = 'tyme-tab-dialects';
// From the sandbox's --demo set: a project and task with all-digit ids (numbers on the live wire).
const PROJECT = 'Support Retainer';
const TASK = 'Hotline';
const TASK_ID = '4002';
const SUBTASK = 'Escalations';
const SUBTASK_ID = '4003';

// Signed in against a fresh --demo sandbox, the sign-in's warm-up (catalog,
// and the past days of the week) finished, the request log then cleared.
async function signedIn(t) {
  const { sandbox, ext } = await signedInSandbox(t, CLIENT);
  await warmUpDone(ext);
  const signInLog = await sandbox.log();
  await sandbox.clearLog();
  return { sandbox, ext, signInLog };
}

async function ok(res) {
  assert.equal(res.ok, true, `expected ok, got ${JSON.stringify(res.error)}`);
  return res.data;
}

const entries = async (sandbox) => (await sandbox.state()).time_entries;

// Pick the demo task in a popup and start; → the local timer once its entry is on the server.
async function startInPopup(env, popup) {
  await popup.click(`#project-list button:has-text("${PROJECT}")`);
  await popup.click(`#task-list button:has-text("${TASK}")`);
  await popup.waitForSelector('#start:not([disabled])');
  await popup.click('#start');
  await popup.waitForSelector('#running:not([hidden])');
  const { timer } = await env.ext.storage('timer');
  assert.equal(timer.ref.taskId, TASK_ID);
  await waitFor(async () => (await entries(env.sandbox)).some((e) => e.id === timer.entity.id)
    && (await env.ext.storage('outboxSize')).outboxSize === 0, { what: 'the entry on the server' });
  return timer;
}

const requests = (log, method, p) => log.filter((l) => l.method === method && l.path === p);

test('live: a timer stopped in Tyme shows stopped on the next popup open, with a notice; a skewed clock stops nothing', onlyIn('live'), async (t) => {
  const env = await signedIn(t);
  assert.equal(traits(env.sandbox).times, true);
  const popup = await env.ext.openPopup();
  const timer = await startInPopup(env, popup);
  await popup.close();

  // This device's clock runs 10 minutes ahead: the server's own entry says it
  // runs, so popup opens leave it running.
  await env.ext.setStorage({ timer: { ...timer, startMs: timer.startMs - 600_000 } });
  for (let i = 0; i < 3; i++) {
    const st = await ok(await env.ext.send('refresh'));
    assert.equal(st.reconciled, null);
    assert.equal(st.timer && st.timer.entity.id, timer.entity.id, 'still running with a clock ahead');
  }
  assert.equal((await entries(env.sandbox)).find((e) => e.id === timer.entity.id).time_end, null);

  // Stopped in the Tyme app; the next popup open (its refresh) shows it.
  const stopped = await env.sandbox.stopTime({ id: timer.entity.id });
  assert.ok(stopped.time_end);
  await env.sandbox.clearLog();
  const popup2 = await env.ext.openPopup(); // resolves once the popup's refresh has answered
  await popup2.waitForSelector('#notice:not([hidden])');
  const v = await popupView(popup2);
  assert.equal(v.idle, true);
  assert.equal(v.running, false);
  assert.match(v.notice, /stopped elsewhere \(in Tyme\)/);
  assert.match(v.notice, new RegExp(`${PROJECT} › ${TASK}`));
  await env.ext.screenshot(popup2, path.join(SHOTS, 'live-stopped-in-tyme.png'));
  const st = await env.ext.storage(['timer', 'totals']);
  assert.equal(st.timer, null);
  assert.equal(st.totals.runningId, null);
  const log = await env.sandbox.log();
  // The popup's refresh read the entries (the core pages through them: a
  // page as full as the first may have a successor, so one entry costs a
  // second, empty page), and nothing else.
  const reads = requests(log, 'GET', '/data/times');
  assert.ok(reads.length >= 1 && reads.every((l) => l.status === 200), JSON.stringify(log));
  assert.deepEqual(log.filter((l) => l.method !== 'OPTIONS' && l.path !== '/data/times'), [], 'no other request');
  assert.equal(requests(log, 'POST', '/data/update_entity').length, 0, 'nothing written back: the stop is Tyme\'s');
  assert.equal((await entries(env.sandbox)).find((e) => e.id === timer.entity.id).time_end, stopped.time_end);
});

test('live: a running entry started in Tyme is taken over by the popup and can be stopped there', onlyIn('live'), async (t) => {
  const env = await signedIn(t);
  const fmt = (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  const added = await env.sandbox.addTime({ task_id: TASK_ID, time_start: fmt(Date.now() - 5 * 60_000), note: 'from the app', user_id: '1001' });
  assert.equal(added.time_end, null);
  const popup = await env.ext.openPopup();
  await popup.waitForSelector('#running:not([hidden])');
  const v = await popupView(popup);
  assert.equal(v.task, `${PROJECT} › ${TASK}`);
  assert.equal(v.note, 'from the app');
  const { timer } = await env.ext.storage('timer');
  assert.equal(timer.entity.id, added.id);
  assert.equal(timer.adopted, true);
  await popup.click('#stop');
  await popup.waitForSelector('#idle:not([hidden])');
  const done = await waitFor(async () => (await entries(env.sandbox)).find((e) => e.id === added.id && e.time_end), { what: 'stopped on the server' });
  assert.equal(done.time_start, added.time_start);
  assert.equal(done.task_id, TASK_ID);
  assert.equal((await entries(env.sandbox)).length, 1);

  // One on a sub-task (its parent on the live wire is the sub-task alone).
  const onSub = await env.sandbox.addTime({ task_id: TASK_ID, subtask_id: SUBTASK_ID, time_start: fmt(Date.now() - 60_000), user_id: '1001' });
  // (An open within a minute of the last fetch sends nothing: the totals are made stale, as a minute later.)
  await env.ext.setStorage({ totals: null });
  const popup2 = await env.ext.openPopup();
  await popup2.waitForSelector('#running:not([hidden])');
  assert.equal((await popupView(popup2)).task, `${PROJECT} › ${TASK} › ${SUBTASK}`);
  await popup2.click('#stop');
  await popup2.waitForSelector('#idle:not([hidden])');
  const doneSub = await waitFor(async () => (await entries(env.sandbox)).find((e) => e.id === onSub.id && e.time_end), { what: 'the sub-task entry stopped' });
  assert.deepEqual([doneSub.task_id, doneSub.subtask_id, doneSub.time_start], [TASK_ID, SUBTASK_ID, onSub.time_start]);
  assert.equal((await entries(env.sandbox)).length, 2);
});

test('live: Discard deletes the entry on the server, queued while offline (and a worker stop) and sent once when back online', onlyIn('live'), async (t) => {
  const env = await signedIn(t);
  const popup = await env.ext.openPopup();
  const timer = await startInPopup(env, popup);
  assert.equal((await popupView(popup)).discard, true, 'Discard offered (the server has /data/times)');
  assert.equal((await ok(await env.ext.send('getState'))).canDiscard, true);
  await env.sandbox.clearLog();

  await env.ext.context.setOffline(true);
  assert.equal(await (await env.ext.worker()).evaluate(() => navigator.onLine), false, 'the worker is offline');
  await popup.click('#discard');
  await popup.waitForSelector('#idle:not([hidden])');
  assert.equal((await popupView(popup)).running, false);
  // queued (offline, in the outbox's journal: nothing is tried), and the worker knows it is offline
  await waitFor(async () => (await env.ext.storage('offlineAt')).offlineAt, { what: 'the worker recorded being offline' });
  const stored = await env.ext.storage(null);
  const op = Object.keys(stored).filter((k) => k.startsWith('outboxLog:')).map((k) => stored[k]).find((x) => x.entity.id === timer.entity.id);
  assert.deepEqual(op && op.entity, { type: 'TimedTaskRecord', id: timer.entity.id, deleted: true });
  assert.equal((await env.ext.storage('timer')).timer, null);
  assert.ok((await entries(env.sandbox)).some((e) => e.id === timer.entity.id), 'still on the server while offline');
  // (Chromium's offline emulation lets a CORS preflight through, not the request.)
  assert.deepEqual((await env.sandbox.log()).filter((l) => l.method !== 'OPTIONS'), [], 'nothing reached the server while offline');

  // The worker stops while offline; a new one, woken by a page while still
  // offline, holds the discard (from storage). (Woken only after going online,
  // a restarted worker keeps the offline emulation of the one stopped: its
  // fetches fail with navigator.onLine true, a Chromium/CDP artefact.)
  await popup.close();
  await (await env.ext.worker()).evaluate(() => { globalThis.beforeStop = true; });
  await env.ext.stopWorker();
  const held = await ok(await env.ext.send('getState'));
  const w2 = await env.ext.worker();
  assert.equal(await w2.evaluate(() => globalThis.beforeStop === true), false, 'a new worker instance');
  assert.equal(await w2.evaluate(() => navigator.onLine), false);
  assert.equal(held.outboxSize, 1, 'the discard kept across the worker stop');
  assert.equal(held.timer, null);
  assert.ok((await entries(env.sandbox)).some((e) => e.id === timer.entity.id), 'still on the server');

  await env.ext.context.setOffline(false);
  assert.equal(await w2.evaluate(() => navigator.onLine), true, 'the worker is online again');
  await ok(await env.ext.send('getState')); // a page's message wakes the worker, which finds itself online
  await waitFor(async () => !(await entries(env.sandbox)).some((e) => e.id === timer.entity.id)
    && (await env.ext.storage('outboxSize')).outboxSize === 0, { what: 'the entry deleted on the server' });
  // a later popup open sends no second delete
  const popup2 = await env.ext.openPopup();
  const v = await popupView(popup2);
  assert.equal(v.idle, true);
  assert.equal(v.pending, '');
  const log = await env.sandbox.log();
  assert.deepEqual(requests(log, 'DELETE', '/data/entity').map((l) => l.status), [200], JSON.stringify(log));
  assert.deepEqual((await env.sandbox.state()).time_entries, []);
});

test('seed: no Discard, and totals come from summary (/data/times asked once, 404)', onlyIn('seed'), async (t) => {
  const env = await signedIn(t);
  assert.equal(traits(env.sandbox).times, false);
  const fmt = (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  // A past entry of today (10 minutes ending 10 minutes ago), made in Tyme.
  const now0 = Date.now();
  const past = await env.sandbox.addTime({ task_id: TASK_ID, time_start: fmt(now0 - 20 * 60_000), time_end: fmt(now0 - 10 * 60_000) });

  const popup = await env.ext.openPopup();
  const timer = await startInPopup(env, popup);
  const v = await popupView(popup);
  assert.equal(v.running, true);
  assert.equal(v.discard, false, 'no Discard where the server has no DELETE');
  assert.equal((await ok(await env.ext.send('getState'))).canDiscard, false);
  await popup.click('#stop');
  await popup.waitForSelector('#idle:not([hidden])');
  const stopped = await waitFor(async () => (await entries(env.sandbox)).find((e) => e.id === timer.entity.id && e.time_end), { what: 'stopped' });
  await waitFor(async () => (await env.ext.storage('outboxSize')).outboxSize === 0, { what: 'synced' });

  // Two more popup opens, each asking for the totals again.
  for (let i = 0; i < 2; i++) {
    await env.ext.setStorage({ totals: null });
    const p = await env.ext.openPopup();
    await p.waitForSelector('#totals:not([hidden])');
    await p.close();
  }
  const log = await env.sandbox.log();
  assert.deepEqual(requests(log, 'GET', '/data/times').map((l) => l.status), [404], JSON.stringify(log));
  const firstMiss = log.findIndex((l) => l.path === '/data/times');
  assert.equal(requests(log.slice(firstMiss), 'GET', '/data/summary').length, 3, 'one summary per popup open');
  // Today's total is the server's: the past entry and the stopped timer, clipped to today.
  const day = new Date(); day.setHours(0, 0, 0, 0);
  const ms = (dt) => Date.parse(`${dt.replace(' ', 'T')}Z`);
  const today = (e) => Math.max(0, ms(e.time_end) - Math.max(ms(e.time_start), day.getTime())) / 1000;
  const { totals } = await env.ext.storage('totals');
  assert.equal(totals.today, today(past) + today(stopped));
  assert.equal(totals.exact, undefined, 'from summary, not from the entries');
});

test('both dialects: after the first discovery no request is wasted (refreshes, worker restart, sign-in again)', async (t) => {
  const env = await signedIn(t);
  const tr = traits(env.sandbox);
  const all = [...env.signInLog];
  const take = async () => { const log = await env.sandbox.log(); await env.sandbox.clearLog(); all.push(...log); return log; };

  // Sign-in: the code exchange, and the member asked once.
  assert.deepEqual(tokenRequests(env.signInLog), [['POST', '/v1/access_token', 200]]);
  assert.deepEqual(requests(env.signInLog, 'GET', '/data/members/me').map((l) => l.status), [tr.members ? 200 : 404]);
  assert.deepEqual(env.signInLog.filter((l) => l.path.endsWith('/')), [], 'no path with a trailing slash');

  // A popup open: totals (on the seed, /data/times is asked once and answers 404).
  let p = await env.ext.openPopup();
  await p.close();
  const open1 = await take();
  assert.ok(open1.some((l) => l.path === (tr.times ? '/data/times' : '/data/summary') && l.status === 200), JSON.stringify(open1));

  // The first refresh finds the refresh path (seed: after the live path's refusal) ...
  assert.equal(await refreshCount(env.sandbox), 0);
  await env.sandbox.expireTokens();
  await ok(await env.ext.send('search', { type: 'Project', name: '' }));
  assert.deepEqual(tokenRequests(await take()), refreshRequests(env.sandbox, { learned: false }));
  assert.equal(await refreshCount(env.sandbox), 1);
  // ... and the second goes straight there: one token request.
  await env.sandbox.expireTokens();
  await ok(await env.ext.send('search', { type: 'Project', name: '' }));
  assert.deepEqual(tokenRequests(await take()), refreshRequests(env.sandbox, { learned: true }));
  assert.equal(refreshRequests(env.sandbox, { learned: true }).length, 1);
  assert.equal(await refreshCount(env.sandbox), 2);

  // A new worker reads what was learned from storage: nothing asked again.
  await (await env.ext.worker()).evaluate(() => { globalThis.beforeRestart = true; });
  await env.ext.setStorage({ totals: null });
  await env.sandbox.expireTokens();
  await env.ext.stopWorker();
  p = await env.ext.openPopup(); // wakes the worker: refresh of the totals
  assert.equal(await (await env.ext.worker()).evaluate(() => globalThis.beforeRestart === true), false, 'a new worker instance');
  await p.close();
  const afterRestart = await take();
  assert.deepEqual(tokenRequests(afterRestart), refreshRequests(env.sandbox, { learned: true }), JSON.stringify(afterRestart));
  assert.deepEqual(missesIn(env.sandbox, afterRestart), []);
  assert.equal(await refreshCount(env.sandbox), 3);
  assert.deepEqual(requests(afterRestart, 'GET', '/data/members/me'), []);
  assert.ok(afterRestart.some((l) => l.path === (tr.times ? '/data/times' : '/data/summary') && l.status === 200), JSON.stringify(afterRestart));

  // Signing in again asks for the member again where members are served (it
  // may be another account); the seed's 404 is remembered for the server.
  await ok(await env.ext.send('signOut'));
  await signIn(env.ext);
  const again = await take();
  assert.deepEqual(requests(again, 'GET', '/data/members/me').map((l) => l.status), tr.members ? [200] : []);

  // Over the whole journey the only refusals (but the expired tokens' 401s)
  // were the discovery misses, each seen once, in the order met: the seed's
  // members at sign-in, its times at the first popup open, its refresh path
  // at the first refresh; none on live.
  const refused = all.filter((l) => (l.status < 200 || l.status >= 400) && l.status !== 401).map((l) => `${l.method} ${l.path} ${l.status}`);
  const expected = { seed: ['GET /data/members/me 404', 'GET /data/times 404', 'POST /v1/access_token 400'], live: [] }[tr.name];
  assert.deepEqual(refused, expected, JSON.stringify(all));
  assert.deepEqual(missesIn(env.sandbox, all), expected);
  assert.ok(expected.every((m) => discoveryMisses(env.sandbox).some((d) => d.join(' ') === m)), 'each a discovery miss of the dialect table');
  assert.deepEqual(all.filter((l) => l.path.endsWith('/')), [], 'no path with a trailing slash');
});

test('both dialects: time entries carry the member\'s user_id where the server has members', async (t) => {
  const env = await signedIn(t);
  const popup = await env.ext.openPopup();
  const timer = await startInPopup(env, popup);
  const running = (await entries(env.sandbox)).find((e) => e.id === timer.entity.id);
  assert.equal(running.user_id, traits(env.sandbox).memberId);
  await popup.click('#stop');
  const done = await waitFor(async () => (await entries(env.sandbox)).find((e) => e.id === timer.entity.id && e.time_end), { what: 'stopped' });
  assert.equal(done.user_id, traits(env.sandbox).memberId);
  if (traits(env.sandbox).members) {
    // The live server refuses an entry write without it (a direct write, not the extension's).
    const { tokens } = await env.ext.storage('tokens');
    const r = await fetch(`${env.sandbox.url}/data/update_entity`, {
      method: 'POST', headers: { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'TimedTaskRecord', id: 'no-member', related_id: TASK_ID, time_start: '2025-06-02 09:00:00' }),
    });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).field, 'user_id');
    // ... and takes the same write with it, as the test helper signs it.
    const w = await api(env.sandbox, tokens.accessToken).update({ type: 'TimedTaskRecord', id: 'with-member', task_id: TASK_ID, subtask_id: '', time_start: '2025-06-02 09:00:00', time_end: '2025-06-02 09:30:00', note: '' });
    assert.equal(w.status, 200);
    assert.equal((await entries(env.sandbox)).find((e) => e.id === 'with-member').user_id, '1001');
  }
});
