// Journeys through the paths the browser itself drives, against a real
// tyme-sandbox: the toolbar button's popup reading the tab it was clicked on
// (activeTab), the context menu made at install time, today's and this
// week's totals across midnight and Monday in a fixed time zone, a scrub
// list saved in the options reaching a note, a write left in the outbox sent
// when the browser starts again on the same profile, and a write the server
// refuses (4xx) kept and shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox } from '../support/sandbox.mjs';
import { traits } from '../support/dialect.mjs';
import { REDIRECT_URI, launchExtension, configure, signIn, waitFor, servePages, popupView } from './support.mjs';

const CLIENT = 'tyme-tab-paths';

async function ok(res) {
  assert.equal(res.ok, true, `expected ok, got ${JSON.stringify(res.error)}`);
  return res.data;
}

async function setup({ sandboxArgs = [], launch = {}, signedIn = true } = {}) {
  const sandbox = await startSandbox({ args: sandboxArgs, clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  const ext = await launchExtension(launch);
  await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });
  if (signedIn) await signIn(ext);
  return { sandbox, ext, async close() { await ext.close(); await sandbox.stop(); } };
}

// A project and a task created through the extension and confirmed by the sandbox.
async function aTask(env, project = 'Paths', task = 'Walking') {
  const p = await ok(await env.ext.send('create', { type: 'Project', name: project }));
  const t = await ok(await env.ext.send('create', { type: 'TimedTask', name: task, parentId: p.id }));
  await waitFor(async () => (await env.sandbox.state()).tasks.some((x) => x.id === t.id), { what: 'task on the server' });
  return { taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: p.id, projectName: p.name };
}

const serverEntry = (sandbox, id, { timeout = 10000 } = {}) => waitFor(async () => (await sandbox.state()).time_entries.find((e) => e.id === id), { timeout, what: `entry ${id} on the server` });
const writes = async (sandbox) => (await sandbox.log()).filter((l) => l.method === 'POST' && l.path.startsWith('/data/update_entity'));

test('the toolbar button opens the popup over the tab it was clicked on, which reads that tab through activeTab', async () => {
  // Served on 127.0.0.1, a host the extension has no permission for (its
  // optional host permissions are not granted): only activeTab can show it the URL.
  const pages = await servePages({ '/article': { title: 'A page worth tracking' } });
  const env = await setup();
  try {
    const ref = await aTask(env);
    // The task becomes the last one used (the popup preselects it).
    await ok(await env.ext.send('start', { task: ref, page: null }));
    await ok(await env.ext.send('stop'));
    await env.ext.page(); // the helper page, before the popup (a page opened later would close it)

    const other = await env.ext.context.newPage(); // a second page, in a tab not clicked on
    await other.goto(`${pages.url}/article?id=8`);
    const url = `${pages.url}/article?id=7&utm_source=news&token=s3cr3t#part`;
    const tab = await env.ext.context.newPage();
    await tab.goto(url);
    await tab.bringToFront();
    const w = await env.ext.worker();
    const [before] = await w.evaluate(() => chrome.tabs.query({ active: true, lastFocusedWindow: true }).then((ts) => ts.map((t) => ({ id: t.id, url: t.url || null, title: t.title || null }))));
    assert.deepEqual([before.url, before.title], [null, null], 'before the click the extension cannot read the tab');

    await env.ext.clickAction(tab);
    const seen = await env.ext.inPopup((popup) => ({ search: popup.location.search, start: !popup.document.getElementById('start').disabled, selected: popup.document.getElementById('selected').textContent }));
    assert.ok(!new URLSearchParams(seen.search).has('tab'), `the popup is the browser's, with no ?tab= (${seen.search})`);
    assert.ok(new URLSearchParams(seen.search).has('s'), 'the worker\'s hand-off in its URL (handoff.js)');
    assert.equal(seen.start, true);
    assert.equal(seen.selected, 'Paths › Walking');
    // The click granted activeTab on that tab, and on that tab only.
    const after = await w.evaluate((id) => chrome.tabs.get(id).then((t) => [t.url, t.title]), before.id);
    assert.deepEqual(after, [url, 'A page worth tracking']);
    const others = await w.evaluate((id) => chrome.tabs.query({}).then((ts) => ts.filter((t) => t.id !== id && !(t.url || '').startsWith('chrome-extension:')).map((t) => t.url || null)), before.id);
    assert.ok(others.length >= 1 && others.every((u) => u === null), `the other tabs stay unreadable: ${JSON.stringify(others)}`);

    await env.ext.inPopup((popup) => popup.document.getElementById('start').click());
    const { timer } = await waitFor(async () => { const s = await env.ext.storage('timer'); return s.timer && s.timer.entity.time_end === null && s.timer.note ? s : null; }, { what: 'the timer started from the popup' });
    const note = `A page worth tracking — ${pages.url}/article?id=7`;
    assert.equal(timer.note, note);
    assert.equal((await serverEntry(env.sandbox, timer.entity.id)).note, note);
    const shown = await env.ext.inPopup((popup) => popup.document.getElementById('run-note').textContent);
    assert.equal(shown, note);
  } finally { await env.close(); await pages.stop(); }
});

test('the context menu items are made by the onInstalled Chromium fires, on a fresh profile and again at the next launch of it', async () => {
  // Chromium fires runtime.onInstalled when a profile loads the extension;
  // the worker's handler makes the two items. An unpacked extension given on
  // the command line is installed again at every launch (onInstalled again,
  // no onStartup), so the second launch runs the handler once more on the
  // same profile. Whether an item exists is asked the browser
  // (update() of a missing id is refused). A click on an item cannot be made
  // here: headless Chromium shows no context menu to choose from.
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tyme-tab-menus-'));
  const has = (w, id) => w.evaluate((i) => chrome.contextMenus.update(i, {}).then(() => true, () => false), id);
  const both = async (w) => (await has(w, 'track-page')) && has(w, 'track-link');
  try {
    for (const launch of ['fresh profile', 'same profile']) {
      const ext = await launchExtension({ profileDir });
      try {
        const w = await ext.worker();
        await waitFor(() => both(w), { what: `the menu items (${launch})` });
        assert.equal(await has(w, 'no-such-item'), false, 'a missing item is refused');
        assert.equal(await w.evaluate(() => chrome.contextMenus.onClicked.hasListeners()), true, 'the click listener is registered');
      } finally { await ext.close(); }
    }
  } finally { fs.rmSync(profileDir, { recursive: true, force: true }); }
});

// Time-zone arithmetic of the test's own, for a fixed UTC offset (minutes).
const MIN = 60_000;
const HOUR = 60 * MIN;
function localBounds(now, offsetMin) {
  const shifted = new Date(now + offsetMin * MIN);
  const day = Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), shifted.getUTCDate()) - offsetMin * MIN;
  const week = day - ((shifted.getUTCDay() + 6) % 7) * 24 * HOUR;
  return { day, week };
}
const wire = (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const hms = (s) => `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;

test('today\'s and this week\'s totals count entries across midnight and across Monday in the browser\'s time zone', async () => {
  // A fixed-offset zone (no daylight saving) in which this run is at about
  // local noon, whatever the hour: the boundaries under test (local midnight,
  // Monday 00:00) are hours away, so no entry is still under way.
  const now0 = Date.now();
  const offsetH = ((12 - new Date(now0).getUTCHours() + 36) % 24) - 12; // -12 … 11
  const tz = offsetH === 0 ? 'Etc/GMT' : `Etc/GMT${offsetH > 0 ? '-' : '+'}${Math.abs(offsetH)}`; // POSIX sign: Etc/GMT-5 is UTC+5
  const { day, week } = localBounds(now0, offsetH * 60);
  // Made in Tyme before the extension signs in (demo tasks, entries of the app).
  const inputs = [
    [day - 30 * MIN, day + 30 * MIN],                 // yesterday 23:30 – today 00:30
    [week - 30 * MIN, week + 30 * MIN],               // Sunday 23:30 – Monday 00:30
    [day + 9 * HOUR, day + 10 * HOUR + 15 * MIN],     // today 09:00 – 10:15
    [week - 3 * HOUR, week - 2 * HOUR],               // last Sunday 21:00 – 22:00
    [day - 10 * HOUR, day - 9 * HOUR + 15 * MIN],     // yesterday 14:00 – 15:15
  ];
  for (const [, end] of inputs) assert.ok(end < now0, 'every input ended before the run');
  const overlap = (from) => inputs.reduce((s, [a, b]) => s + Math.max(0, b - Math.max(a, from)), 0) / 1000;
  const expected = { today: overlap(day), week: overlap(week) };

  const env = await setup({ sandboxArgs: ['--demo'], launch: { env: { TZ: tz } }, signedIn: false });
  try {
    const w = await env.ext.worker();
    assert.equal(await w.evaluate(() => new Date(0).getTimezoneOffset()), offsetH === 0 ? 0 : -offsetH * 60, `the browser runs in ${tz}`); // not -0 (Object.is) in the hour UTC 12
    const member = traits(env.sandbox).memberId;
    for (const [a, b] of inputs) {
      await env.sandbox.addTime({ task_id: 'demo-task-design', time_start: wire(a), time_end: wire(b), note: 'from Tyme', ...(member ? { user_id: member } : {}) });
    }
    await signIn(env.ext);
    const popup = await env.ext.openPopup();
    await popup.waitForSelector('#totals:not([hidden])');
    const shown = { today: await popup.textContent('#total-today'), week: await popup.textContent('#total-week') };
    assert.deepEqual(shown, { today: hms(expected.today), week: hms(expected.week) },
      `in ${tz}, day ${wire(day)}Z, week ${wire(week)}Z`);
  } finally { await env.close(); }
});

test('a scrub list saved in the options removes its parameters from the note of the next entry', async () => {
  const env = await setup();
  try {
    const ref = await aTask(env);
    const page = { url: 'https://docs.example.com/guide?panel=2&variant=b&lang=de', title: 'The guide' };
    // Before: the built-in rules keep these parameters.
    const first = await ok(await env.ext.send('start', { task: ref, page }));
    assert.equal((await serverEntry(env.sandbox, first.entity.id)).note, 'The guide — https://docs.example.com/guide?panel=2&variant=b&lang=de');

    const options = await env.ext.openOptions();
    await options.waitForFunction(() => document.getElementById('client-id').value !== '');
    await options.fill('#scrub', 'panel, Variant');
    await options.click('#save');
    await options.waitForFunction(() => /^Saved/.test(document.getElementById('message').textContent));
    assert.deepEqual((await env.ext.storage('settings')).settings.scrubParams, ['panel', 'Variant']);

    const second = await ok(await env.ext.send('start', { task: ref, page }));
    const note = 'The guide — https://docs.example.com/guide?lang=de';
    assert.equal(second.note, note);
    assert.equal((await serverEntry(env.sandbox, second.entity.id)).note, note);
  } finally { await env.close(); }
});

test('a write left in the outbox when the browser closed is sent when it starts again on the same profile', async () => {
  // The second launch loads the extension from the command line again, which
  // Chromium reports as an install (no runtime.onStartup): the write is sent
  // by the new worker's start (its wake-up, or the outbox alarm at the end of
  // the backoff), from what the profile's storage kept.
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tyme-tab-restart-'));
  const sandbox = await startSandbox({ clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  try {
    let ext = await launchExtension({ profileDir });
    let timer;
    let before;
    try {
      await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });
      await signIn(ext);
      const ref = await aTask({ ext, sandbox });
      before = (await writes(sandbox)).length;
      // The connection drops on every write: the start stays queued.
      await sandbox.faults({ drop: true, path_prefix: '/data/update_entity' });
      timer = await ok(await ext.send('start', { task: ref, page: { url: 'https://example.com/queued', title: 'Queued' } }));
      await waitFor(async () => { const s = await ext.storage(['outboxError', 'outboxSize']); return s.outboxSize === 1 && s.outboxError && s.outboxError.code === 'network'; }, { what: 'the failed send recorded' });
    } finally { await ext.close(); }
    await sandbox.clearFaults();
    assert.equal((await sandbox.state()).time_entries.length, 0, 'nothing reached the server before the restart');
    const dropped = (await writes(sandbox)).slice(before);
    assert.ok(dropped.length >= 1 && dropped.every((l) => l.status === 0), 'every send before the restart was dropped');

    ext = await launchExtension({ profileDir });
    try {
      const entry = await serverEntry(sandbox, timer.entity.id, { timeout: 30000 }); // safety net: a backoff may be running
      assert.deepEqual([entry.time_start, entry.time_end, entry.note], [timer.entity.time_start, null, 'Queued — https://example.com/queued']);
      await waitFor(async () => (await ext.storage('outboxSize')).outboxSize === 0, { what: 'the outbox emptied' });
      assert.equal((await sandbox.state()).time_entries.length, 1);
      assert.deepEqual((await writes(sandbox)).slice(before + dropped.length).map((l) => l.status), [200], 'sent once after the start');
    } finally { await ext.close(); }
  } finally {
    await sandbox.stop();
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
});

test('a write the server refuses (404, a task it does not have) is kept, shown in the popup, and not retried in a loop', async () => {
  const env = await setup();
  try {
    await aTask(env); // the task's writes are through: what follows is the one refused
    // A task deleted in Tyme while this browser still offered it.
    const gone = { taskId: 'A1B2C3D4-0000-4000-8000-00000000DEAD', subtaskId: '', taskName: 'Old task', subtaskName: '', projectId: 'gone', projectName: 'Old project' };
    await env.sandbox.clearLog();
    const timer = await ok(await env.ext.send('start', { task: gone, page: null }));
    const op = await waitFor(async () => {
      const { outbox } = await env.ext.storage('outbox');
      return (outbox.ops || []).find((o) => o.entity.id === timer.entity.id && o.state === 'stuck');
    }, { what: 'the refused write parked' });
    assert.equal(op.lastError.code, 'not_found');
    assert.deepEqual((await writes(env.sandbox)).map((l) => l.status), [404]);

    const popup = await env.ext.openPopup();
    const v = await popupView(popup);
    // The server's reason (seed: "no task with this id", live: "no task or sub-task with this id").
    assert.match(v.pending, /^1 change waiting — .*no task (or sub-task )?with this id/, 'the popup says a change waits, with the server\'s reason');
    assert.equal(v.running, true, 'the timer is still shown');
    // The popup's open sent what was due: the refused write is not resent by itself.
    assert.deepEqual((await writes(env.sandbox)).map((l) => l.status), [404]);
    assert.equal((await env.sandbox.state()).time_entries.some((e) => e.id === timer.entity.id), false);
    // Kept: the stop replaces it and is tried (and refused) again.
    await ok(await env.ext.send('stop'));
    await waitFor(async () => (await writes(env.sandbox)).length === 2, { what: 'the stop sent' });
    const { outbox } = await env.ext.storage('outbox');
    const kept = outbox.ops.filter((o) => o.entity.id === timer.entity.id);
    assert.equal(kept.length, 1);
    assert.ok(kept[0].entity.time_end, 'the kept write is the stopped entry');
  } finally { await env.close(); }
});
