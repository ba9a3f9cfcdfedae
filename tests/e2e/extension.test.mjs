// End-to-end journeys: the real extension in headless Chromium against a real
// tyme-sandbox on 127.0.0.1. Each test has its own sandbox and profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startSandbox } from '../support/sandbox.mjs';
import { readCatalog } from '../../extension/picker.js';
import { traits, onlyIn, refreshPath, refreshRequests, tokenRequests, refreshDirect, api } from '../support/dialect.mjs';
import {
  ROOT, EXTENSION_ID, REDIRECT_URI, launchExtension, configure, signIn, waitFor, servePages, popupView, imageErrorDispatched, warmUpDone,
} from './support.mjs';

const SHOTS = path.join(ROOT, 'out', 'screenshots');
const CLIENT = 'tyme-tab-e2e';

async function setup({ args = [], sandboxArgs = [], interactive = false } = {}) {
  const sandbox = await startSandbox({ args: sandboxArgs, clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  if (interactive) await sandbox.setInteractive(true);
  const ext = await launchExtension({ args });
  await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });
  return {
    sandbox, ext,
    async close() { await ext.close(); await sandbox.stop(); },
  };
}

// A journey against its own fresh sandbox and extension profile (setup
// options), closed whatever the outcome; signedInJourney signs in first
// (auto-approve).
function journey(opts, body) {
  if (typeof opts === 'function') [opts, body] = [{}, opts];
  return async () => {
    const env = await setup(opts);
    try { await body(env); } finally { await env.close(); }
  };
}

function signedInJourney(opts, body) {
  if (typeof opts === 'function') [opts, body] = [{}, opts];
  return journey(opts, async (env) => { await signIn(env.ext); await body(env); });
}

// "Sign in" clicked in the popup of an interactive sandbox: the popup and the
// sandbox's sign-in form page it opened.
async function openSignInForm(env) {
  const popup = await env.ext.openPopup();
  const formPage = env.ext.context.waitForEvent('page', { timeout: 10000 });
  await popup.click('#sign-in');
  return { popup, form: await formPage };
}

async function ok(res) {
  assert.equal(res.ok, true, `expected ok, got ${JSON.stringify(res.error)}`);
  return res.data;
}

// A project and a task created through the extension (outbox) and confirmed by the sandbox.
async function projectAndTask(env, project = 'Website', task = 'Research') {
  const p = await ok(await env.ext.send('create', { type: 'Project', name: project }));
  const t = await ok(await env.ext.send('create', { type: 'TimedTask', name: task, parentId: p.id }));
  await waitFor(async () => (await env.sandbox.state()).tasks.some((x) => x.id === t.id), { what: 'task on the server' });
  return { taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: p.id, projectName: p.name };
}

async function entries(sandbox) { return (await sandbox.state()).time_entries; }

// The first time entry on the server that matches, waited for.
function serverEntry(env, match, what) {
  return waitFor(async () => (await entries(env.sandbox)).find(match), { what });
}

// A timer started through the extension's message protocol on a page.
async function startOn(env, task, url, title) {
  return ok(await env.ext.send('start', { task, page: { url, title } }));
}

test('sign-in through launchWebAuthFlow with auto-approve', journey(async (env) => {
  assert.equal(env.ext.extensionId, EXTENSION_ID);
  const popup = await env.ext.openPopup();
  assert.equal((await popupView(popup)).signedOut, true);
  await env.ext.screenshot(popup, path.join(SHOTS, 'signed-out.png'));
  await popup.click('#sign-in');
  await popup.waitForSelector('#idle:not([hidden])', { timeout: 10000 });
  const st = await env.ext.storage(['tokens', 'auth']);
  assert.ok(st.tokens && st.tokens.accessToken && st.tokens.refreshToken, 'tokens stored');
  assert.equal(st.auth.status, 'signed_in');
  assert.equal((await env.sandbox.state()).stats.tokens_issued, 1);
  const log = await env.sandbox.log();
  assert.ok(log.some((l) => l.path.startsWith('/v1/access_token') && l.status === 200));
  // sign-out removes the tokens
  await ok(await env.ext.send('signOut'));
  assert.equal((await env.ext.storage('tokens')).tokens, undefined);
}));

test('sign-in through the interactive form', journey({ interactive: true }, async (env) => {
  const { popup, form } = await openSignInForm(env);
  await form.waitForSelector('#approve');
  await form.fill('[name=email]', 'ada@example.com');
  await form.fill('[name=password]', 'correct horse');
  await form.click('#approve');
  await popup.waitForSelector('#idle:not([hidden])', { timeout: 10000 });
  assert.ok((await env.ext.storage('tokens')).tokens.accessToken);
}));

test('a denied sign-in leaves the user signed out with a clear message', journey({ interactive: true }, async (env) => {
  const { popup, form } = await openSignInForm(env);
  await form.click('#deny');
  await popup.waitForSelector('#error:not([hidden])', { timeout: 10000 });
  const v = await popupView(popup);
  assert.equal(v.signedOut, true);
  assert.match(v.error, /denied|cancel/i);
  assert.equal((await env.ext.storage('tokens')).tokens, undefined);
  assert.equal((await env.sandbox.state()).stats.tokens_issued, 0);
  await env.ext.screenshot(popup, path.join(SHOTS, 'sign-in-denied.png'));
}));

test('start from the popup on a real page, then stop', async () => {
  // The page is served over TLS under the manifest's one host permission, so the
  // popup may read the tab's URL and title as it does through activeTab.
  const pages = await servePages({ '/article': { title: 'A page worth tracking' } }, { tls: true });
  const env = await setup({ args: [`--host-resolver-rules=MAP api.tyme-app.com 127.0.0.1:${pages.port}`, '--ignore-certificate-errors'] });
  try {
    await signIn(env.ext);
    const pageUrl = 'https://api.tyme-app.com/article?id=7&utm_source=news&token=s3cr3t#part';
    const page = await env.ext.context.newPage();
    await page.goto(pageUrl);
    const w = await env.ext.worker();
    const [tab] = await w.evaluate(() => chrome.tabs.query({ url: 'https://api.tyme-app.com/*' }));
    assert.ok(tab && tab.id, 'the page tab');

    const popup = await env.ext.openPopup(`?tab=${tab.id}`);
    // inline creation of a project and a task, then pick the task
    await popup.fill('#project-search', 'Client work');
    await popup.waitForSelector('#create-project:not([hidden])');
    await popup.click('#create-project');
    await popup.waitForSelector('#task-box:not([hidden])');
    await popup.fill('#task-search', 'Reading');
    await popup.click('#create-task');
    await popup.waitForSelector('#selected:not([hidden])');
    assert.match(await popup.textContent('#selected'), /Client work › Reading/);
    await env.ext.screenshot(popup, path.join(SHOTS, 'idle-picker.png'));
    await popup.click('#start');
    await popup.waitForSelector('#running:not([hidden])');

    const running = await serverEntry(env, (e) => e.time_end === null, 'running entry on the server');
    assert.ok(running.note.includes('https://api.tyme-app.com/article?id=7'), running.note);
    assert.ok(running.note.includes('A page worth tracking'), running.note);
    assert.ok(!running.note.includes('s3cr3t') && !running.note.includes('utm_source') && !running.note.includes('#part'), running.note);
    assert.match(running.time_start, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const st = await env.sandbox.state();
    assert.equal(st.projects.find((p) => p.name === 'Client work')?.id, st.tasks.find((t) => t.name === 'Reading')?.project_id);
    assert.equal(running.task_id, st.tasks.find((t) => t.name === 'Reading').id);
    const local = (await env.ext.storage('timer')).timer;
    assert.equal(local.entity.id, running.id, 'client-generated id used on the server');
    await waitFor(async () => /\d:\d\d:\d\d/.test((await popupView(popup)).elapsed));
    assert.equal((await popupView(popup)).task, 'Client work › Reading');
    // the popup's clock ticks past its first second before the screenshot
    await waitFor(async () => (await popupView(popup)).elapsed !== '0:00:00', { what: 'the elapsed time past 0:00:00' });
    await env.ext.screenshot(popup, path.join(SHOTS, 'running.png'));
    const badge = await w.evaluate(() => chrome.action.getBadgeText({}));
    assert.equal(badge, '0m');

    await popup.click('#stop');
    await popup.waitForSelector('#idle:not([hidden])');
    const stopped = await serverEntry(env, (e) => e.id === running.id && e.time_end, 'time_end on the server');
    assert.ok(stopped.time_end >= stopped.time_start);
    assert.equal((await entries(env.sandbox)).length, 1);
    // totals from summary after a refresh
    const popup2 = await env.ext.openPopup(`?tab=${tab.id}`);
    await popup2.waitForSelector('#totals:not([hidden])');
    assert.match(await popup2.textContent('#recent'), /Client work › Reading/);
    await env.ext.screenshot(popup2, path.join(SHOTS, 'idle-after-stop.png'));
  } finally { await env.close(); await pages.stop(); }
});

test('context menu: track this page and track this link', signedInJourney(async (env) => {
  // an incognito tab, no task known yet: refused before anything of it is stored
  const hidden = { id: 2, title: 'Hidden diagnosis', url: 'https://example.net/hidden?q=1', incognito: true };
  await assert.rejects(env.ext.menuClick({ menuItemId: 'track-page', pageUrl: hidden.url }, hidden), /Incognito tabs are not tracked/);
  await assert.rejects(env.ext.menuClick({ menuItemId: 'track-link', linkUrl: 'https://example.net/hidden-link', pageUrl: hidden.url }, hidden), /Incognito tabs are not tracked/);
  const noTrace = async () => {
    const all = JSON.stringify(await env.ext.storage(null));
    for (const s of ['example.net/hidden', 'Hidden diagnosis']) assert.ok(!all.includes(s), `storage holds nothing of the incognito tab (${s})`);
  };
  await noTrace();
  assert.equal((await env.ext.storage('pendingPage')).pendingPage, undefined);
  // no task known yet: the popup asks, the page is kept for it
  const asked = await env.ext.menuClick({ menuItemId: 'track-page', pageUrl: 'https://example.com/first' }, { id: 1, title: 'First', url: 'https://example.com/first' });
  assert.equal(asked.askedForTask, true);
  assert.equal((await env.ext.storage('pendingPage')).pendingPage.url, 'https://example.com/first');
  assert.equal((await entries(env.sandbox)).length, 0);

  const ref = await projectAndTask(env);
  await startOn(env, ref, 'https://example.com/start', 'Start');
  const r1 = await env.ext.menuClick({ menuItemId: 'track-page', pageUrl: 'https://example.com/docs?page=2' }, { id: 5, title: 'Docs page', url: 'https://example.com/docs?page=2' });
  assert.equal(r1.started, true);
  const r2 = await env.ext.menuClick({ menuItemId: 'track-link', linkUrl: 'https://example.org/linked', pageUrl: 'https://example.com/docs?page=2' }, { id: 5, title: 'Docs page', url: 'https://example.com/docs?page=2' });
  assert.equal(r2.started, true);
  const all = await waitFor(async () => {
    const es = await entries(env.sandbox);
    return es.length === 3 && es.filter((e) => e.time_end === null).length === 1 ? es : null;
  }, { what: 'three entries, one running' });
  const byNote = (s) => all.find((e) => e.note.includes(s));
  assert.ok(byNote('https://example.com/start').time_end, 'first stopped when the page was tracked');
  assert.ok(byNote('https://example.com/docs?page=2').time_end, 'page entry stopped when the link was tracked');
  assert.ok(byNote('Docs page'));
  const link = byNote('https://example.org/linked');
  assert.equal(link.time_end, null);
  assert.equal(link.task_id, ref.taskId);
  // incognito tabs are not tracked unless the options allow it
  const secret = { id: 9, title: 'Private', url: 'https://example.net/private', incognito: true };
  await assert.rejects(env.ext.menuClick({ menuItemId: 'track-page', pageUrl: secret.url }, secret), /Incognito tabs are not tracked/);
  assert.equal((await env.ext.storage('timer')).timer.entity.id, link.id, 'the running timer is untouched');
  const dump = JSON.stringify(await env.ext.storage(null));
  assert.ok(!dump.includes('example.net/private') && !dump.includes('"Private"'), 'storage holds nothing of the incognito tab');
  await noTrace();
  await ok(await env.ext.send('saveSettings', { baseUrl: env.sandbox.url, clientId: CLIENT, allowIncognito: true }));
  assert.equal((await env.ext.menuClick({ menuItemId: 'track-page', pageUrl: secret.url }, secret)).started, true);
  await serverEntry(env, (e) => e.note.includes('https://example.net/private'), 'incognito entry once allowed');
}));

test('a sub-task timer sends the sub-task only (task_id empty) and shows its task', signedInJourney(async (env) => {
  const ref = await projectAndTask(env, 'Garden', 'Planting');
  const sub = await ok(await env.ext.send('create', { type: 'TimedSubTask', name: 'Tulips', parentId: ref.taskId }));
  await waitFor(async () => (await env.sandbox.state()).subtasks.some((x) => x.id === sub.id), { what: 'sub-task on the server' });
  const subRef = { ...ref, subtaskId: sub.id, subtaskName: 'Tulips' };
  const t = await startOn(env, subRef, 'https://example.com/bulbs', 'Bulbs');
  assert.equal(t.entity.task_id, '', 'sent without task_id');
  assert.equal(t.entity.subtask_id, sub.id);
  assert.equal(t.ref.taskId, ref.taskId, 'the local timer knows the task');
  const e = await serverEntry(env, (x) => x.id === t.entity.id, 'entry on the server');
  assert.equal(e.subtask_id, sub.id);
  assert.equal(e.task_id, ref.taskId, 'the server resolves the task from the sub-task');
  const popup = await env.ext.openPopup();
  assert.equal((await popupView(popup)).task, 'Garden › Planting › Tulips');
  await popup.click('#stop');
  const done = await serverEntry(env, (x) => x.id === t.entity.id && x.time_end, 'stopped');
  assert.equal(done.subtask_id, sub.id);
}));

test('sign-out clears the cached catalog, totals and the running check of the account', signedInJourney(async (env) => {
  const ref = await projectAndTask(env, 'Secret project', 'Secret task');
  await ok(await env.ext.send('syncCatalog', { fresh: true }));
  await startOn(env, ref, 'https://example.com/c', 'C');
  await waitFor(async () => (await env.ext.storage('outboxSize')).outboxSize === 0, { what: 'synced' });
  await env.ext.setStorage({ totals: null });
  await ok(await env.ext.send('refresh'));
  const KEYS = ['catalog', 'catalogAt', 'catalogItems', 'totals', 'pastWeek', 'reconcile'];
  const before = await env.ext.storage(KEYS);
  assert.ok(readCatalog(before.catalog).projects.some((p) => p.name === 'Secret project'), 'catalog cached');
  // The running entry's check keeps an observation (`reconcile`) only where it
  // works from summary growth; with /data/times it reads the entry itself.
  for (const k of KEYS.filter((x) => x !== 'reconcile' || !traits(env.sandbox).times)) assert.ok(before[k], `${k} cached before sign-out`);
  await ok(await env.ext.send('signOut'));
  assert.deepEqual(await env.ext.storage(KEYS), {}, 'nothing of the account left');
  // what was learned of the server is not the account's: kept for the next sign-in
  assert.equal((await env.ext.storage('dialect')).dialect.server, JSON.stringify([env.sandbox.url, CLIENT]));
  // the popup's picker, opened signed out, lists nothing of the account
  const popup = await env.ext.openPopup();
  assert.equal((await popupView(popup)).signedOut, true);
  assert.equal(await popup.locator('#project-list button:has-text("Secret project")').count(), 0);
  // and a change of server clears them too
  await signIn(env.ext);
  await ok(await env.ext.send('syncCatalog', { fresh: true }));
  assert.ok((await env.ext.storage('catalog')).catalog);
  await ok(await env.ext.send('saveSettings', { baseUrl: env.sandbox.url, clientId: 'another-client' }));
  assert.deepEqual(await env.ext.storage(KEYS), {});
  assert.deepEqual(await env.ext.storage('dialect'), {}, 'another server (client id) is learned afresh');
}));

test('the sync alarm refetches a big catalog less often: a catalog of 12,000 items after 15 minutes, not 5', signedInJourney(async (env) => {
  await ok(await env.ext.send('syncCatalog', { fresh: true }));
  const stored = await env.ext.storage(['catalogItems', 'catalog']);
  assert.equal(typeof stored.catalog, 'string', 'the catalog is stored as one string');
  const catalog = readCatalog(stored.catalog);
  assert.equal(stored.catalogItems, catalog.projects.length + catalog.tasks.length + catalog.subtasks.length, 'the stored count is the catalog\'s');
  const w = await env.ext.worker();
  const searches = async () => (await env.sandbox.log()).filter((e) => e.path.includes('search')).length;
  // Fires the sync alarm with the catalog `ageMin` minutes old and `items` long; → the searches it sent.
  const fire = async (ageMin, items) => {
    await env.ext.setStorage({ catalogAt: Date.now() - ageMin * 60_000, catalogItems: items });
    await env.sandbox.clearLog();
    await w.evaluate(() => globalThis.tymeTab.onAlarm({ name: 'sync' }));
    return searches();
  };
  assert.ok(await fire(6, 100) >= 3, 'a small catalog 6 minutes old is fetched again (its three lists)');
  assert.equal(await fire(6, 12_000), 0, 'a catalog of 12,000 items 6 minutes old is not');
  assert.equal(await fire(11, 12_000), 0, 'nor at 11 minutes');
  assert.ok(await fire(16, 12_000) >= 3, 'but at 16 minutes it is');
  assert.equal(await fire(50, 1_000_000), 0, 'the biggest catalog waits at most an hour ...');
  assert.ok(await fire(61, 1_000_000) >= 3, '... and is fetched after it');
}));

test('expired tokens mid-session: the next action succeeds with exactly one refresh', signedInJourney(async (env) => {
  const ref = await projectAndTask(env);
  await startOn(env, ref, 'https://example.com/a', 'A');
  await waitFor(async () => (await entries(env.sandbox)).length === 1, { what: 'entry' });
  await env.sandbox.expireTokens();
  await env.sandbox.clearLog();
  const before = (await env.ext.storage('tokens')).tokens;
  // several calls at once find the token expired: one refresh between them
  const [a, b, c] = await Promise.all([
    env.ext.send('search', { type: 'Project', name: '' }),
    env.ext.send('search', { type: 'TimedTask', name: '' }),
    env.ext.send('stop'),
  ]);
  await ok(a); await ok(b); await ok(c);
  await waitFor(async () => (await entries(env.sandbox))[0].time_end, { what: 'time_end after refresh' });
  const log = await env.sandbox.log();
  // one refresh, the first on this server (so on the seed, the live path's refusal first)
  assert.deepEqual(tokenRequests(log), refreshRequests(env.sandbox, { learned: false }), JSON.stringify(log));
  const after = (await env.ext.storage('tokens')).tokens;
  assert.notEqual(after.refreshToken, before.refreshToken, 'rotated pair stored');
  assert.equal((await env.sandbox.state()).stats.refreshes, 1);
  const popup = await env.ext.openPopup();
  const v = await popupView(popup);
  assert.equal(v.idle, true);
  assert.equal(v.error, '');
}));

// A request found the access token expired (a 401 on a data path) and its
// refresh is under way: every token request of the refresh but the slow last
// one (on the seed, the first refresh is first refused at the live path) is in
// the log, which was cleared before the tokens expired, and that last one is
// in flight at the sandbox (sent, held by its latency: 6 s, so a slow
// machine's polling cannot miss the window).
async function refreshUnderWay(env, { learned }) {
  const first = refreshRequests(env.sandbox, { learned }).slice(0, -1);
  await waitFor(async () => {
    const log = await env.sandbox.log();
    return log.some((l) => l.path.startsWith('/data/') && l.status === 401) && JSON.stringify(tokenRequests(log)) === JSON.stringify(first)
      && (await env.sandbox.inFlight()).some((r) => r.method === 'POST' && r.path === refreshPath(env.sandbox));
  }, { what: 'the refresh under way' });
}

test('sign-out while a token refresh is in flight: the old client cannot sign back in', signedInJourney(async (env) => {
  // The sign-in's own requests done first: the refresh under way is then the
  // search's (a clean run saw the warm-up's catalog fetch own it, and the
  // search answer at sign-out, before the server had finished the refresh).
  await warmUpDone(env.ext);
  await env.sandbox.clearLog();
  await env.sandbox.expireTokens();
  await env.sandbox.faults({ latency_ms: 6000, path_prefix: refreshPath(env.sandbox) });
  // A request finds the token expired; its refresh is slow to answer.
  const inFlight = env.ext.send('search', { type: 'Project', name: '' });
  await refreshUnderWay(env, { learned: false });
  await ok(await env.ext.send('signOut'));
  // The request answers only after its refresh handed the rotated pair to
  // onTokens and waited for it (src/wasm/client.rs): from here on nothing
  // of that refresh can still be written.
  const res = await inFlight;
  assert.ok(res, 'the request answered');
  // the refresh went through on the server, but its rotated pair is dropped
  assert.equal((await env.sandbox.state()).stats.refreshes, 1, 'the refresh on the server');
  const st = await env.ext.storage(['tokens', 'auth']);
  assert.equal(st.tokens, undefined, 'no tokens after sign-out');
  assert.equal(st.auth.status, 'signed_out');
  assert.equal((await ok(await env.ext.send('getState'))).signedIn, false);
  // changing the server drops the client the same way
  await env.sandbox.clearFaults();
  await signIn(env.ext);
  await warmUpDone(env.ext);
  await env.sandbox.clearLog();
  await env.sandbox.expireTokens();
  await env.sandbox.faults({ latency_ms: 6000, path_prefix: refreshPath(env.sandbox) });
  const inFlight2 = env.ext.send('search', { type: 'Project', name: '' });
  await refreshUnderWay(env, { learned: true });
  await ok(await env.ext.send('saveSettings', { baseUrl: env.sandbox.url, clientId: 'another-client' }));
  assert.ok(await inFlight2, 'the second request answered');
  // The second refresh goes through on the server (its rotated pair is then
  // dropped, checked below). Waited for: in one clean run of eight the
  // request answered before the server had finished that refresh.
  await waitFor(async () => (await env.sandbox.state()).stats.refreshes === 2, { what: 'the second refresh on the server', timeout: 15000 });
  const st2 = await env.ext.storage(['tokens', 'auth']);
  assert.equal(st2.tokens, undefined, 'no tokens after the client id changed');
  assert.equal(st2.auth.status, 'signed_out');
}));

test('a rejected refresh token signs out but keeps the outbox, which drains after sign-in', signedInJourney(async (env) => {
  const ref = await projectAndTask(env);
  // spend the stored refresh token behind the extension's back
  const { tokens } = await env.ext.storage('tokens');
  const r = await refreshDirect(env.sandbox, { refreshToken: tokens.refreshToken, clientId: CLIENT });
  assert.equal(r.status, 200);
  await env.sandbox.expireTokens();
  await startOn(env, ref, 'https://example.com/kept', 'Kept');
  await waitFor(async () => (await env.ext.storage('auth')).auth.status === 'reauth', { what: 'reauth state' });
  assert.equal((await env.ext.storage('tokens')).tokens, undefined);
  assert.equal((await env.ext.storage('outboxSize')).outboxSize, 1);
  const popup = await env.ext.openPopup();
  const v = await popupView(popup);
  assert.equal(v.signedOut, true);
  assert.match(v.signedOutText, /sign in again/i);
  assert.match(v.pending, /1 change waiting/);
  await env.ext.screenshot(popup, path.join(SHOTS, 'sign-in-again.png'));
  await popup.click('#sign-in');
  await serverEntry(env, (e) => e.note.includes('https://example.com/kept'), 'kept entry sent after sign-in');
}));

test('the sandbox failing requests: clear message, changes waiting, nothing lost', signedInJourney(async (env) => {
  const ref = await projectAndTask(env);
  await env.sandbox.faults({ fail_next: 3, status: 503, retry_after: 1, path_prefix: '/data/update_entity' });
  const popup = await env.ext.openPopup();
  await popup.click('#project-list button:has-text("Website")');
  await popup.click('#task-list button:has-text("Research")');
  await popup.waitForSelector('#start:not([disabled])');
  await popup.click('#start');
  await popup.waitForSelector('#running:not([hidden])');
  await popup.waitForSelector('#pending:not([hidden])', { timeout: 10000 });
  // the count shows as soon as the start is queued, the error once its send failed
  await popup.waitForFunction(() => /server error/.test(document.getElementById('pending').textContent), null, { timeout: 10000 });
  const v = await popupView(popup);
  assert.match(v.pending, /1 change waiting/);
  assert.match(v.pending, /server error \(HTTP 503\)/);
  await env.ext.screenshot(popup, path.join(SHOTS, 'changes-waiting.png'));
  assert.equal((await entries(env.sandbox)).length, 0);
  // the retries (alarm-driven, Retry-After honoured) get it through once the faults are spent
  await env.sandbox.clearFaults();
  const e = await waitFor(async () => (await entries(env.sandbox))[0], { timeout: 45000, what: 'entry after the faults' });
  assert.equal(e.task_id, ref.taskId);
  await popup.waitForSelector('#pending', { state: 'hidden', timeout: 10000 });
  assert.equal((await entries(env.sandbox)).length, 1);
}));

test('the service worker stopped while a timer runs: the popup shows the same timer', signedInJourney(async (env) => {
  const ref = await projectAndTask(env);
  const started = await startOn(env, ref, 'https://example.com/long', 'Long read');
  await (await env.ext.worker()).evaluate(() => { globalThis.beforeStop = true; });
  await env.ext.stopWorker();
  const popup = await env.ext.openPopup();
  assert.equal(await (await env.ext.worker()).evaluate(() => globalThis.beforeStop === true), false, 'a new worker instance');
  const v = await popupView(popup);
  assert.equal(v.running, true);
  assert.equal(v.task, 'Website › Research');
  assert.ok(v.note.includes('https://example.com/long'));
  assert.equal((await env.ext.storage('timer')).timer.entity.id, started.entity.id);
  await popup.click('#stop');
  await serverEntry(env, (e) => e.id === started.entity.id && e.time_end, 'stopped after worker restart');
}));

test('a page title with markup renders as text', signedInJourney(async (env) => {
  const ref = await projectAndTask(env);
  const title = '<img src=x onerror=alert(1)>';
  await startOn(env, ref, 'https://example.com/x', title);
  const popup = await env.ext.openPopup();
  let dialog = false;
  popup.on('dialog', (d) => { dialog = true; d.dismiss().catch(() => {}); });
  const v = await popupView(popup);
  assert.ok(v.note.includes(title), v.note);
  assert.equal(await popup.locator('#run-note img').count(), 0);
  assert.equal(await popup.locator('img[src=x]').count(), 0);
  // an inline onerror of the title would have run by now
  await imageErrorDispatched(popup);
  assert.equal(dialog, false);
  await env.ext.screenshot(popup, path.join(SHOTS, 'markup-title-as-text.png'));
}));

// A server without /data/times (the seed): the stop is seen in summary growth.
// With /data/times (live) the entry itself is read: tests/e2e/dialects.test.mjs.
test('seed: a timer stopped elsewhere is stopped here too, and the user is told; a skewed clock stops nothing', onlyIn('seed'), signedInJourney(async (env) => {
  assert.equal(traits(env.sandbox).times, false, 'a server without /data/times');
  const ref = await projectAndTask(env);
  const started = await startOn(env, ref, 'https://example.com/r', 'R');
  await waitFor(async () => (await entries(env.sandbox)).length === 1 && (await env.ext.storage('outboxSize')).outboxSize === 0, { what: 'synced' });
  // This device's clock runs 10 minutes ahead of the server's: locally the
  // timer has run 10 minutes, the server counts only seconds of its
  // device-stamped start. Checks (popup opens, the alarm) must not stop it.
  const { timer } = await env.ext.storage('timer');
  await env.ext.setStorage({ timer: { ...timer, startMs: timer.startMs - 600_000 } });
  for (let i = 0; i < 3; i++) {
    await env.ext.setStorage({ totals: null });
    const st = await ok(await env.ext.send('refresh'));
    assert.equal(st.reconciled, null);
    assert.ok(st.timer && st.timer.entity.id === started.entity.id, 'still running with a clock ahead');
  }
  assert.equal((await entries(env.sandbox))[0].time_end, null, 'still running on the server');
  const obs = (await env.ext.storage('reconcile')).reconcile;
  assert.equal(obs.id, started.entity.id, 'the check was recorded');

  // Now the entry is stopped in the Tyme app.
  const fmt = (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  const { tokens } = await env.ext.storage('tokens');
  const server = api(env.sandbox, tokens.accessToken);
  const startMs = Date.now() - 600_000;
  const r = await server.update({ ...started.entity, time_start: fmt(startMs), time_end: fmt(startMs + 60_000) });
  assert.equal(r.status, 200);
  // Two checks a minute apart are needed: the earlier one (made two minutes
  // ago, when the entry had been seen growing) is put in storage rather than
  // waited for; the server's figure has not grown since.
  const day = new Date(); day.setHours(0, 0, 0, 0);
  const rows = await server.summary(day.getTime(), Date.now());
  const tracked = rows.filter((x) => x.task_id === ref.taskId && !x.subtask_id).reduce((s, x) => s + x.duration, 0);
  await env.ext.setStorage({ totals: null, reconcile: { ...obs, from: day.getTime(), tracked, at: Date.now() - 120_000, grew: true } });
  const popup = await env.ext.openPopup();
  await popup.waitForSelector('#notice:not([hidden])', { timeout: 10000 });
  const v = await popupView(popup);
  assert.match(v.notice, /stopped elsewhere/);
  await env.ext.screenshot(popup, path.join(SHOTS, 'stopped-elsewhere.png'));
  assert.equal(v.idle, true);
  assert.equal((await env.ext.storage('timer')).timer, null);
  // a timer still running on the server is left alone
  await startOn(env, ref, 'https://example.com/s', 'S');
  await waitFor(async () => (await env.ext.storage('outboxSize')).outboxSize === 0, { what: 'synced' });
  await ok(await env.ext.send('refresh'));
  assert.ok((await env.ext.storage('timer')).timer);
}));

test('options page: settings, redirect URI, sign-in without waiting for the host permission prompt', async () => {
  const sandbox = await startSandbox({ clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  const ext = await launchExtension();
  try {
    const page = await ext.openOptions();
    await page.waitForFunction(() => document.getElementById('redirect-uri').textContent.length > 0);
    assert.equal(await page.textContent('#redirect-uri'), REDIRECT_URI);
    assert.equal(await page.inputValue('#base-url'), 'https://api.tyme-app.com');
    await page.fill('#client-id', CLIENT);
    await page.fill('#client-secret', 'not-a-real-secret');
    await page.fill('#base-url', sandbox.url);
    await page.fill('#scrub', 'ref, utm_*');
    await page.click('#sign-in');
    await page.waitForFunction(() => document.getElementById('message').textContent === 'Signed in.', null, { timeout: 10000 });
    assert.equal(await page.textContent('#auth-status'), 'signed in');
    const { settings } = await ext.storage('settings');
    assert.deepEqual(settings.scrubParams, ['ref', 'utm_*']);
    assert.equal(settings.baseUrl, sandbox.url);
    // the secret is stored but never handed back to pages
    const state = await ext.send('getState');
    assert.equal(state.data.settings.hasClientSecret, true);
    assert.ok(!JSON.stringify(state).includes('not-a-real-secret'));
    // an empty field keeps the stored secret; "Remove secret" removes it
    await page.waitForSelector('#remove-secret:not([hidden])');
    assert.equal(await page.getAttribute('#client-secret', 'placeholder'), '(stored)');
    await page.click('#save');
    await page.waitForFunction(() => document.getElementById('message').textContent === 'Saved.');
    assert.equal((await ext.storage('settings')).settings.clientSecret, 'not-a-real-secret', 'kept');
    await page.click('#remove-secret');
    await page.waitForFunction(() => document.getElementById('message').textContent === 'Client secret removed.');
    assert.equal((await ext.storage('settings')).settings.clientSecret, '');
    assert.equal((await ext.send('getState')).data.settings.hasClientSecret, false);
    await page.waitForSelector('#remove-secret', { state: 'hidden' });
    assert.equal(await page.getAttribute('#client-secret', 'placeholder'), '');
    assert.equal(await page.textContent('#auth-status'), 'signed in', 'same server and client: still signed in');
    assert.equal((await ext.storage('settings')).settings.baseUrl, sandbox.url, 'other settings kept');
    await page.click('#sign-out');
    await page.waitForFunction(() => document.getElementById('auth-status').textContent === 'signed out');
    assert.equal((await ext.storage('tokens')).tokens, undefined);
    await ext.screenshot(page, path.join(SHOTS, 'options.png'));
  } finally { await ext.close(); await sandbox.stop(); }
});
