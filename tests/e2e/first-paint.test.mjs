// The popup's first paint, against a real tyme-sandbox in real Chromium: the
// worker hands what the first paint shows to the popup in the URL the
// toolbar button opens (extension/handoff.js, chrome.action.setPopup); the
// popup paints its main action from it before its storage read is answered,
// and storage stays the truth when the two disagree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../support/sandbox.mjs';
import { REDIRECT_URI, launchExtension, configure, signIn, waitFor, servePages, popupView } from './support.mjs';

const CLIENT = 'tyme-tab-first-paint';

async function ok(res) {
  assert.equal(res.ok, true, `expected ok, got ${JSON.stringify(res.error)}`);
  return res.data;
}

async function setup() {
  const sandbox = await startSandbox({ clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  const ext = await launchExtension();
  await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });
  return { sandbox, ext, async close() { await ext.close(); await sandbox.stop(); } };
}

async function aTask(env, project, task) {
  const p = await ok(await env.ext.send('create', { type: 'Project', name: project }));
  const t = await ok(await env.ext.send('create', { type: 'TimedTask', name: task, parentId: p.id }));
  return { taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: p.id, projectName: p.name };
}

// The toolbar button's popup URL, as chrome.action.getPopup gives it, and its hand-off (null without one).
async function actionPopup(ext) {
  const url = await (await ext.page()).evaluate(() => chrome.action.getPopup({}));
  const s = new URL(url).searchParams.get('s');
  return { url, path: new URL(url).pathname, handoff: s === null ? null : JSON.parse(s) };
}
// Waits until the toolbar's popup URL satisfies `pred` (the worker sets it after the write that changed it).
const popupWhen = (ext, pred, what) => waitFor(async () => { const a = await actionPopup(ext); return pred(a) ? a : null; }, { what });

// Signed in, a timer running on a new task, and its hand-off in the toolbar's popup URL.
async function running(env, project, task) {
  await signIn(env.ext);
  const ref = await aTask(env, project, task);
  await ok(await env.ext.send('start', { task: ref, page: null }));
  return popupWhen(env.ext, (x) => x.handoff && x.handoff.t, 'the running timer handed over');
}

test('the popup URL hands over signed in, the running timer (start, label) or the last task, never the note; nothing when signed out', async () => {
  const env = await setup();
  try {
    let a = await actionPopup(env.ext);
    assert.deepEqual([a.path, a.handoff], ['/popup/popup.html', null], 'signed out: the plain page');
    await signIn(env.ext);
    a = await popupWhen(env.ext, (x) => x.handoff, 'a hand-off once signed in');
    assert.deepEqual(a.handoff, { v: 1 }, 'signed in, no timer, no task used yet');

    const ref = await aTask(env, 'Hand-off', 'Painting');
    const before = Date.now();
    await ok(await env.ext.send('start', { task: ref, page: { url: 'https://example.com/private?token=s3cr3t', title: 'Private page' } }));
    const after = Date.now();
    a = await popupWhen(env.ext, (x) => x.handoff && x.handoff.t, 'the running timer handed over');
    assert.equal(a.handoff.t.l, 'Hand-off › Painting');
    assert.ok(a.handoff.t.s >= before - 1000 && a.handoff.t.s <= after, `start ${a.handoff.t.s} within the start request [${before}, ${after}]`);
    assert.ok(!/example\.com|s3cr3t|Private/.test(decodeURIComponent(a.url)), `no note in ${a.url}`);

    await ok(await env.ext.send('stop'));
    a = await popupWhen(env.ext, (x) => x.handoff && !x.handoff.t, 'the stopped timer handed over');
    assert.deepEqual(a.handoff, { v: 1, k: 'Hand-off › Painting' }, 'idle: the last task, which the popup preselects');

    await ok(await env.ext.send('signOut'));
    a = await popupWhen(env.ext, (x) => !x.handoff, 'the plain page once signed out');
    assert.equal(a.path, '/popup/popup.html');
  } finally { await env.close(); }
});

test('the toolbar button\'s popup paints the running timer from its URL before its storage read is answered', async () => {
  const pages = await servePages({ '/work': { title: 'Work' } });
  const env = await setup();
  try {
    await running(env, 'Toolbar', 'Clicking');
    await env.ext.page(); // the helper page, before the popup (a page opened later would close it)
    const tab = await env.ext.context.newPage();
    await tab.goto(`${pages.url}/work`);
    await env.ext.clickAction(tab);
    const got = await env.ext.inPopup((w) => {
      const at = (n) => w.performance.getEntriesByName(n)[0]?.startTime ?? null;
      return { search: w.location.search, painted: at('tyme:timer-rendered'), read: at('tyme:first-read'), task: w.document.getElementById('run-task').textContent, running: !w.document.getElementById('running').hidden };
    });
    assert.match(got.search, /^\?s=/, 'the browser opened the URL the worker set');
    assert.ok(got.painted !== null && got.read !== null, JSON.stringify(got));
    assert.ok(got.painted < got.read, `painted at ${got.painted} ms, before the storage read was answered at ${got.read} ms`);
    assert.deepEqual([got.running, got.task], [true, 'Toolbar › Clicking']);
  } finally { await env.close(); await pages.stop(); }
});

test('a hand-off that disagrees with storage, or is not one, gives way to storage: the popup shows what is stored', async () => {
  const env = await setup();
  try {
    await signIn(env.ext);
    const ref = await aTask(env, 'Stale', 'Idle');
    await ok(await env.ext.send('start', { task: ref, page: null }));
    await ok(await env.ext.send('stop'));
    // A hand-off of a running timer the storage no longer has (a worker stopped between a write and its setPopup).
    const stale = encodeURIComponent(JSON.stringify({ v: 1, t: { s: Date.now() - 60_000, l: 'Gone › Timer' } }));
    for (const query of [`?s=${stale}`, '?s=%7B', '?s=[1]', `?s=${encodeURIComponent('{"v":2,"t":{"s":1,"l":"x"}}')}`, '?s=null', `?s=${'x'.repeat(5000)}`]) {
      const errors = [];
      const page = await env.ext.context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${env.ext.base}/popup/popup.html${query}`);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
      const v = await popupView(page);
      assert.deepEqual([v.running, v.idle, v.error], [false, true, ''], `${query.slice(0, 40)}: storage's idle view`);
      assert.equal(await page.evaluate(() => document.getElementById('selected').textContent), 'Stale › Idle', 'the last task preselected');
      assert.deepEqual(errors, [], 'no script error');
      await page.close();
    }
  } finally { await env.close(); }
});

test('a worker start sets the hand-off again (a browser start puts back the manifest\'s plain popup)', async () => {
  const env = await setup();
  try {
    await running(env, 'Restart', 'Waking');
    // What a browser start does to the action: its popup is the manifest's again.
    await (await env.ext.page()).evaluate(() => chrome.action.setPopup({ popup: 'popup/popup.html' }));
    assert.equal((await actionPopup(env.ext)).handoff, null);
    await env.ext.stopWorker();
    await ok(await env.ext.send('getState')); // woken by a message, as the popup wakes it
    const a = await popupWhen(env.ext, (x) => x.handoff && x.handoff.t, 'the hand-off set by the woken worker');
    assert.equal(a.handoff.t.l, 'Restart › Waking');
  } finally { await env.close(); }
});

// A worker woken by a message begins the state's storage read while its
// script is still being set up (worker/state.js readEarly); the first
// getState answers with it unless the worker has written since.
test('a worker woken by getState answers what storage holds; a write it took first is not answered stale', async () => {
  const env = await setup();
  try {
    await signIn(env.ext);
    const page = await env.ext.page();
    // Written while the worker is stopped (from a page: the worker is not woken by it).
    await env.ext.stopWorker();
    const planted = { message: 'Planted while the worker slept', at: Date.now() };
    await page.evaluate((n) => chrome.storage.local.set({ notice: n }), planted);
    const woken = await ok(await env.ext.send('getState'));
    assert.deepEqual(woken.notice, planted);
    assert.equal(woken.signedIn, true);

    // Two messages to a stopped worker, a write then a read, sent in that order.
    await env.ext.stopWorker();
    const [dismissed, after] = await page.evaluate(() => Promise.all([
      chrome.runtime.sendMessage({ type: 'dismissNotice' }),
      chrome.runtime.sendMessage({ type: 'getState' }),
    ]));
    assert.equal(dismissed.ok, true);
    assert.equal(after.ok, true);
    assert.equal(after.data.notice, null, 'the read made after the dismissal shows it');
    assert.equal((await env.ext.storage('notice')).notice, null);
  } finally { await env.close(); }
});
