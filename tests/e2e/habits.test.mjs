// What people who track time in the browser reach for: time away while a
// timer ran (the worker's idle handling driven with simulated state
// changes), the keyboard shortcut that starts or stops a timer without the
// popup, and site rules ("always use this task on this site") preselected in
// the popup and used by the context menu and the shortcut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../support/sandbox.mjs';
import { readCatalog } from '../../extension/picker.js';
import { REDIRECT_URI, launchExtension, configure, signIn, waitFor, popupView, servePages } from './support.mjs';

const CLIENT = 'tyme-tab-habits';
const MIN = 60_000;
const fmt = (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

async function setup() {
  const sandbox = await startSandbox({ clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  const ext = await launchExtension();
  await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });
  await signIn(ext);
  const refs = {};
  const p = await ext.send('create', { type: 'Project', name: 'Website' });
  assert.equal(p.ok, true, JSON.stringify(p.error));
  for (const name of ['Research', 'Review']) {
    const t = await ext.send('create', { type: 'TimedTask', name, parentId: p.data.id });
    assert.equal(t.ok, true, JSON.stringify(t.error));
    refs[name] = { taskId: t.data.id, subtaskId: '', taskName: name, subtaskName: '', projectId: p.data.id, projectName: 'Website' };
  }
  await ext.send('flush');
  await ext.send('syncCatalog', { fresh: true });
  await waitFor(async () => (readCatalog((await ext.storage('catalog')).catalog)?.tasks || []).length === 2, { what: 'both tasks in the catalog' });
  return { sandbox, ext, refs, async close() { await ext.close(); await sandbox.stop(); } };
}

const entries = async (sandbox) => (await sandbox.state()).time_entries.slice().sort((a, b) => a.time_start.localeCompare(b.time_start));
const badge = async (ext) => (await ext.worker()).evaluate(() => chrome.action.getBadgeText({}));
const idle = async (ext, state, at) => (await ext.worker()).evaluate(([s, t]) => globalThis.tymeTab.idleChanged(s, t), [state, at]);

async function startedTimer(env, page = { url: 'https://example.com/spec?id=4', title: 'Spec' }) {
  const r = await env.ext.send('start', { task: env.refs.Research, page });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  await env.ext.send('flush');
  await waitFor(async () => (await env.sandbox.state()).time_entries.length === 1, { what: 'the started entry on the server' });
  return r.data;
}

for (const choice of ['keep', 'stop', 'drop']) {
  test(`idle: 25 minutes locked while the timer ran, the badge shows it, the popup asks; "${choice}" after a worker stop`, async () => {
    const env = await setup();
    try {
      const timer = await startedTimer(env);
      const away = timer.startMs + 2 * MIN;
      const back = away + 25 * MIN;
      await idle(env.ext, 'locked', away);
      await idle(env.ext, 'active', back);
      assert.equal(await badge(env.ext), 'idle');
      // The record survives the worker (nothing is kept in its memory).
      await env.ext.stopWorker();
      const popup = await env.ext.openPopup();
      await popup.waitForSelector('#idle-question:not([hidden])');
      assert.match(await popup.textContent('#idle-text'), /away 25 min/);
      const before = (await entries(env.sandbox))[0];
      await popup.click(`#idle-${choice}`);
      await popup.waitForSelector('#idle-question', { state: 'hidden' });
      await env.ext.send('flush');
      const note = before.note;
      if (choice === 'keep') {
        const list = await entries(env.sandbox);
        assert.equal(list.length, 1);
        assert.equal(list[0].time_end, null, 'still running');
        assert.equal((await popupView(popup)).running, true);
      } else if (choice === 'stop') {
        const list = await waitFor(async () => { const l = await entries(env.sandbox); return l[0].time_end ? l : null; }, { what: 'the stop on the server' });
        assert.equal(list.length, 1);
        assert.deepEqual([list[0].id, list[0].time_start, list[0].time_end], [timer.entity.id, fmt(timer.startMs), fmt(away)]);
        assert.equal((await env.ext.storage('timer')).timer ?? null, null);
        await popup.waitForSelector('#idle:not([hidden])');
      } else {
        const list = await waitFor(async () => { const l = await entries(env.sandbox); return l.length === 2 ? l : null; }, { what: 'two entries on the server' });
        assert.deepEqual([list[0].id, list[0].time_start, list[0].time_end], [timer.entity.id, fmt(timer.startMs), fmt(away)]);
        assert.deepEqual([list[1].time_start, list[1].time_end, list[1].note, list[1].task_id], [fmt(back), null, note, env.refs.Research.taskId]);
        assert.notEqual(list[1].id, timer.entity.id);
        assert.equal((await env.ext.storage('timer')).timer.entity.id, list[1].id, 'the new entry runs');
      }
      assert.notEqual(await badge(env.ext), 'idle', 'the badge no longer shows time away');
      assert.equal((await env.ext.storage('idle')).idle, null);
    } finally { await env.close(); }
  });
}

test('idle: away less than the threshold, with no timer, or with the option off asks nothing', async () => {
  const env = await setup();
  try {
    await idle(env.ext, 'locked', Date.now());
    await idle(env.ext, 'active', Date.now() + 30 * MIN);
    assert.equal((await env.ext.storage('idle')).idle ?? null, null, 'no timer: nothing recorded');
    const timer = await startedTimer(env);
    await idle(env.ext, 'locked', timer.startMs + MIN);
    await idle(env.ext, 'active', timer.startMs + 6 * MIN);
    assert.equal((await env.ext.storage('idle')).idle, null, 'five minutes is under the default ten');
    const off = await env.ext.send('saveSettings', { baseUrl: env.sandbox.url, clientId: CLIENT, idleMinutes: 0 });
    assert.equal(off.ok, true, JSON.stringify(off.error));
    await idle(env.ext, 'idle', timer.startMs + 60 * MIN);
    await idle(env.ext, 'active', timer.startMs + 90 * MIN);
    assert.equal((await env.ext.storage('idle')).idle, null, 'off');
    const bad = await env.ext.send('saveSettings', { baseUrl: env.sandbox.url, clientId: CLIENT, idleMinutes: 2.5 });
    assert.deepEqual([bad.ok, bad.error.code], [false, 'invalid_input']);
    const popup = await env.ext.openPopup();
    assert.equal(await popup.isHidden('#idle-question'), true);
  } finally { await env.close(); }
});

test('shortcut: the manifest offers both commands; toggle starts on the last task with the page, then stops, no popup', async () => {
  const env = await setup();
  const pages = await servePages({ '/doc': { title: 'The doc' } });
  try {
    const w = await env.ext.worker();
    const commands = await w.evaluate(() => chrome.commands.getAll());
    assert.deepEqual(commands.map((c) => c.name).sort(), ['_execute_action', 'toggle-timer']);
    // A first start and stop from the popup's path gives a last task.
    await startedTimer(env);
    await env.ext.send('stop');
    const pagesBefore = env.ext.context.pages().length;
    const tab = { id: 1, url: `${pages.url}/doc?utm_source=x`, title: 'The doc', incognito: false };
    const r1 = await w.evaluate((t) => globalThis.tymeTab.toggleTimer(t), tab);
    assert.equal(r1.started, true);
    assert.match(await badge(env.ext), /^\d+m$/);
    await env.ext.send('flush');
    const running = await waitFor(async () => (await entries(env.sandbox)).find((e) => e.time_end === null), { what: 'the shortcut entry on the server' });
    assert.equal(running.task_id, env.refs.Research.taskId);
    assert.match(running.note, new RegExp(`${pages.url.replace(/[.:/]/g, '\\$&')}/doc`));
    assert.ok(!running.note.includes('utm_source'), 'the note is scrubbed');
    const r2 = await w.evaluate((t) => globalThis.tymeTab.toggleTimer(t), tab);
    assert.equal(r2.stopped, true);
    assert.equal(await badge(env.ext), '');
    await env.ext.send('flush');
    await waitFor(async () => (await entries(env.sandbox)).every((e) => e.time_end !== null), { what: 'the stop on the server' });
    assert.equal(env.ext.context.pages().length, pagesBefore, 'no popup or window was opened');
  } finally { await pages.stop(); await env.close(); }
});

test('site rules: saved from the popup, preselected on the page, used by the menu and the shortcut; longest prefix wins', async () => {
  const env = await setup();
  const pages = await servePages({ '/acme/site/pull/1': { title: 'PR' }, '/acme/other': { title: 'Other' }, '/elsewhere': { title: 'E' } });
  try {
    // Last task: Research (a start and stop).
    await startedTimer(env);
    await env.ext.send('stop');
    const host = new URL(pages.url).hostname;
    const page = await env.ext.context.newPage();
    // The page's tab as the toolbar click grants it (activeTab), then the
    // popup opened as a tab naming it (?tab=) so the test can drive it.
    const visit = async (url) => {
      await page.goto(url);
      await env.ext.page();
      await env.ext.clickAction(page);
      return (await env.ext.worker()).evaluate(() => chrome.tabs.query({ active: true, lastFocusedWindow: true }).then((t) => t[0].id));
    };
    let tabId = await visit(`${pages.url}/acme/site/pull/1`);

    // From the popup: pick Review, save it for host/acme/site.
    let popup = await env.ext.openPopup(`?tab=${tabId}`);
    await popup.click('#project-list button');
    await popup.click('#task-list button[data-task="' + env.refs.Review.taskId + '"]');
    await popup.waitForSelector('#rule-box:not([hidden])');
    const scopes = await popup.$$eval('#rule-scope option', (os) => os.map((o) => o.textContent));
    assert.deepEqual(scopes, [host, `${host}/acme`, `${host}/acme/site`]);
    await popup.selectOption('#rule-scope', { label: `${host}/acme/site` });
    await popup.click('#save-rule');
    await popup.waitForFunction(() => /Saved/.test(document.getElementById('rule-note').textContent));
    await popup.close();
    // And a host-wide rule for Research (the options' path, through the worker).
    const all = await env.ext.send('rules');
    const saved = await env.ext.send('setRules', { rules: [...all.data, { host, path: '', task: env.refs.Research }] });
    assert.equal(saved.ok, true, JSON.stringify(saved.error));
    assert.equal((await (await env.ext.page()).evaluate(() => chrome.storage.sync.get('siteRules'))).siteRules.length, 2, 'kept in storage.sync');

    // The popup preselects the rule's task: the longest prefix (Review) on the PR page ...
    popup = await env.ext.openPopup(`?tab=${tabId}`);
    await popup.waitForFunction(() => /rule/.test(document.getElementById('rule-note').textContent));
    assert.equal(await popup.textContent('#selected'), 'Website › Review');
    await popup.close();
    // ... the host rule (Research) on another path of the same host.
    tabId = await visit(`${pages.url}/acme/other`);
    popup = await env.ext.openPopup(`?tab=${tabId}`);
    await popup.waitForFunction(() => /rule/.test(document.getElementById('rule-note').textContent));
    assert.equal(await popup.textContent('#selected'), 'Website › Research');
    await popup.close();

    // The context menu starts on the rule's task directly (Review on the PR page).
    const w = await env.ext.worker();
    const m = await w.evaluate((u) => globalThis.tymeTab.handleMenuClick({ menuItemId: 'track-page', pageUrl: u }, { id: 9, url: u, title: 'PR', incognito: false }), `${pages.url}/acme/site/pull/1`);
    assert.deepEqual([m.started, m.byRule, m.timer.ref.taskId], [true, true, env.refs.Review.taskId]);
    // The shortcut stops it, and on a page without a rule of its own, uses the host rule.
    await w.evaluate((t) => globalThis.tymeTab.toggleTimer(t), { id: 9, url: `${pages.url}/acme/site`, title: 'x', incognito: false });
    const s = await w.evaluate((t) => globalThis.tymeTab.toggleTimer(t), { id: 9, url: `${pages.url}/elsewhere`, title: 'E', incognito: false });
    assert.deepEqual([s.started, s.byRule, s.timer.ref.taskId], [true, true, env.refs.Research.taskId]);
    await env.ext.send('stop');
    await env.ext.send('flush');
    const list = await waitFor(async () => { const l = await entries(env.sandbox); return l.length === 3 && l.every((e) => e.time_end) ? l : null; }, { what: 'three stopped entries' });
    assert.deepEqual(list.slice(1).map((e) => e.task_id), [env.refs.Review.taskId, env.refs.Research.taskId]);
  } finally { await pages.stop(); await env.close(); }
});

test('site rules: a rule whose task was deleted on the server is not used; the page waits for a pick, with a message', async () => {
  const env = await setup();
  try {
    await startedTimer(env);
    await env.ext.send('stop');
    const url = 'https://docs.example.org/guide/intro';
    const saved = await env.ext.send('saveRule', { host: 'docs.example.org', path: '', task: env.refs.Review });
    assert.equal(saved.ok, true, JSON.stringify(saved.error));
    // Review is deleted in Tyme; the catalog learns it on its next fetch.
    const del = await env.sandbox.removeEntity('TimedTask', env.refs.Review.taskId);
    assert.equal(del.removed, 1);
    const sync = await env.ext.send('syncCatalog', { fresh: true });
    assert.equal(sync.ok, true, JSON.stringify(sync.error));
    await waitFor(async () => (readCatalog((await env.ext.storage('catalog')).catalog)?.tasks || []).length === 1, { what: 'the catalog without the deleted task' });
    const w = await env.ext.worker();
    const m = await w.evaluate((u) => globalThis.tymeTab.handleMenuClick({ menuItemId: 'track-page', pageUrl: u }, { id: 3, url: u, title: 'Intro', incognito: false }), url);
    assert.deepEqual([m.started, m.askedForTask, m.ruleGone], [false, true, true]);
    const st = await env.ext.storage(['pendingPage', 'notice', 'timer']);
    assert.equal(st.timer ?? null, null, 'nothing started on the last task either');
    assert.match(st.notice.message, /rule for docs\.example\.org is no longer in Tyme/);
    const popup = await env.ext.openPopup();
    await popup.waitForFunction(() => /no longer in Tyme/.test(document.getElementById('rule-note').textContent));
    assert.notEqual(await popup.textContent('#selected'), 'Website › Review');
  } finally { await env.close(); }
});
