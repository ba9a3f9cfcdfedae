// Tokens, the client secret and queued writes belong to one account
// (issue 11, point 1): {base URL, client id}, and the member once known.
// A change of either signs out first, under the same lock every reader of
// the tokens takes, so no request of the new server carries the old
// account's token or secret; the old account's queued writes, running timer
// and recents are parked for it (the popup: "3 changes for <server> not
// sent", Keep / Discard), never sent to the new server, and come back when
// the user returns to that server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../support/sandbox.mjs';
import { REDIRECT_URI, launchExtension, configure, signIn, waitFor, popupView } from './support.mjs';

const CLIENT = 'tyme-tab-account';
const SECRET = 'cs-account-a1b2c3d4e5f60718293a4b5c';

async function ok(res) {
  assert.equal(res.ok, true, `expected ok, got ${JSON.stringify(res.error)}`);
  return res.data;
}

async function twoServers({ secret = null } = {}) {
  const a = await startSandbox({ args: ['--demo'], clients: [{ client_id: CLIENT, ...(secret ? { client_secret: secret } : {}), redirect_uris: [REDIRECT_URI] }] });
  const b = await startSandbox({ args: ['--demo'], clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  const ext = await launchExtension();
  return { a, b, ext, async close() { await ext.close(); await a.stop(); await b.stop(); } };
}

// In the current worker: every request the wasm client sends (URL,
// Authorization header, body), recorded before it goes out.
async function recordRequests(ext) {
  const w = await ext.worker();
  await w.evaluate(() => {
    globalThis.__sent = [];
    const real = globalThis.__realFetch || globalThis.fetch;
    globalThis.__realFetch = real;
    globalThis.fetch = async (input, init) => {
      const req = new Request(input, init);
      let body = '';
      try { body = await req.clone().text(); } catch { /* no body */ }
      globalThis.__sent.push({ url: req.url, auth: req.headers.get('authorization') || '', body });
      return real(req);
    };
  });
  return w;
}

test('a change of server signs out first: no request to the new server carries the old token or the client secret', async () => {
  const env = await twoServers({ secret: SECRET });
  const { a, b, ext } = env;
  try {
    await configure(ext, { baseUrl: a.url, clientId: CLIENT, clientSecret: SECRET });
    await signIn(ext);
    const old = (await ext.storage('tokens')).tokens;
    const w = await recordRequests(ext);
    // The first storage removal after this point waits until the test lets
    // it go: the old code removed the tokens only after writing the new
    // settings, so a request made meanwhile paired the new server with them.
    await w.evaluate(() => {
      const real = chrome.storage.local.remove.bind(chrome.storage.local);
      globalThis.__gate = { hit: false, release: null };
      let armed = true;
      chrome.storage.local.remove = (keys) => {
        if (!armed) return real(keys);
        armed = false;
        globalThis.__gate.hit = true;
        return new Promise((resolve, reject) => { globalThis.__gate.release = () => real(keys).then(resolve, reject); });
      };
    });
    await w.evaluate((url) => { globalThis.__save = globalThis.tymeTab.dispatch({ type: 'saveSettings', payload: { baseUrl: url, clientId: 'tyme-tab-account' } }); }, b.url);
    await waitFor(() => w.evaluate(() => globalThis.__gate.hit), { what: 'the switch under way' });
    // A reader of the tokens while the switch is under way ...
    await w.evaluate(() => { globalThis.__search = globalThis.tymeTab.dispatch({ type: 'search', payload: { type: 'Project', name: '' } }); });
    // ... either waits for the lock the switch holds, or has sent its request.
    await waitFor(() => w.evaluate((url) => (globalThis.tymeTab.lockWaiting && globalThis.tymeTab.lockWaiting() > 0)
      || globalThis.__sent.some((s) => s.url.startsWith(url)), b.url), { what: 'the reader waiting or sent' });
    await w.evaluate(() => globalThis.__gate.release());
    const [saved, search] = await w.evaluate(() => Promise.all([globalThis.__save, globalThis.__search]));
    assert.equal(saved.ok, true, JSON.stringify(saved.error));
    assert.equal(search.ok, false, 'the reader found no tokens for the new server');
    assert.equal(search.error.code, 'signed_out');
    const state = await ok(await ext.send('getState'));
    assert.equal(state.signedIn, false);
    assert.equal(state.settings.baseUrl, b.url);
    assert.equal(state.settings.hasClientSecret, false, 'the secret belongs to the old server: cleared, to be asked for again');
    assert.equal((await ext.storage('settings')).settings.clientSecret, '');
    // Signing in to the new server sends neither the old secret nor the old tokens.
    await signIn(ext);
    const sent = await w.evaluate(() => globalThis.__sent);
    const toB = sent.filter((s) => s.url.startsWith(b.url));
    assert.ok(toB.length > 0, 'requests went to the new server');
    for (const s of toB) {
      assert.ok(!s.auth.includes(old.accessToken), `old access token sent to the new server: ${s.url}`);
      assert.ok(!s.body.includes(old.refreshToken), `old refresh token sent to the new server: ${s.url}`);
      assert.ok(!s.body.includes(SECRET), `client secret sent to the new server: ${s.url}`);
    }
    assert.ok(!(await b.log()).some((l) => l.status === 401), 'the new server refused nothing as unauthorized');
  } finally { await env.close(); }
});

// A project and task on server A, a timer started on it and synced; then A
// refuses writes, and three changes wait: a project, a task, a new timer.
async function threeQueued(ext, a) {
  const p = await ok(await ext.send('create', { type: 'Project', name: 'Home project' }));
  const t = await ok(await ext.send('create', { type: 'TimedTask', name: 'Home task', parentId: p.id }));
  await waitFor(async () => (await a.state()).tasks.some((x) => x.id === t.id), { what: 'task on A' });
  const ref = { taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: p.id, projectName: p.name };
  await a.faults({ status: 503, path_prefix: '/data/update_entity' });
  const qp = await ok(await ext.send('create', { type: 'Project', name: 'Queued project' }));
  const qt = await ok(await ext.send('create', { type: 'TimedTask', name: 'Queued task', parentId: p.id }));
  const timer = await ok(await ext.send('start', { task: ref, page: { url: 'https://example.com/queued', title: 'Queued page' } }));
  await waitFor(async () => (await ext.storage('outboxSize')).outboxSize === 3, { what: 'three changes queued' });
  return { ref, ids: [qp.id, qt.id, timer.entity.id] };
}

async function nothingOf(server, ids) {
  const st = await server.state();
  const all = [...st.projects, ...st.tasks, ...st.time_entries].map((x) => x.id);
  for (const id of ids) assert.ok(!all.includes(id), `${id} reached the wrong server`);
  assert.ok(!st.projects.some((x) => /Queued|Home/.test(x.name)), 'no project of the other account');
}

test('queued writes, the running timer and recents stay with their server: parked, Keep in the popup, sent there after returning', async () => {
  const env = await twoServers();
  const { a, b, ext } = env;
  try {
    await configure(ext, { baseUrl: a.url, clientId: CLIENT });
    await signIn(ext);
    const { ref, ids } = await threeQueued(ext, a);
    assert.ok((await ext.storage('timer')).timer, 'a timer runs');

    await ok(await ext.send('saveSettings', { baseUrl: b.url, clientId: CLIENT }));
    const st = await ok(await ext.send('getState'));
    assert.equal(st.outboxSize, 0, 'nothing of A waits for B');
    assert.equal(st.timer, null, 'the timer of A does not run on B');
    assert.deepEqual(st.recent, [], 'no recents of A on B');
    assert.equal(st.lastTask, null);
    assert.deepEqual(st.parked.map((p) => [p.baseUrl, p.changes]), [[a.url, 3]]);

    await signIn(ext);
    await ok(await ext.send('flush'));
    await ok(await ext.send('refresh'));
    await nothingOf(b, ids);
    assert.ok(!(await b.log()).some((l) => l.method === 'POST' && l.path.startsWith('/data/update_entity')), 'no write reached B');
    // A menu click on B has no task of A to start.
    const click = await ext.menuClick({ menuItemId: 'track-page', pageUrl: 'https://example.com/b' }, { id: 3, title: 'B page', url: 'https://example.com/b' });
    assert.equal(click.started, false);
    await ok(await ext.send('dismissNotice'));

    const popup = await ext.openPopup();
    await popup.waitForSelector('#parked:not([hidden])');
    assert.equal(await popup.textContent('#parked .parked-text'), `3 changes for ${a.url} not sent`);
    await popup.click('#parked button[data-action="keep"]');
    await popup.waitForSelector('#parked', { state: 'hidden' });
    assert.equal((await ok(await ext.send('getState'))).parked[0].kept, true);

    // Back to A: its changes, timer stop and recents return, and go to A.
    await a.clearFaults();
    await ok(await ext.send('saveSettings', { baseUrl: a.url, clientId: CLIENT }));
    const back = await ok(await ext.send('getState'));
    assert.equal(back.outboxSize, 3);
    assert.deepEqual(back.parked, [], 'nothing parked: B had nothing to keep');
    assert.equal(back.lastTask.taskId, ref.taskId);
    assert.equal(back.recent[0].taskId, ref.taskId);
    await signIn(ext);
    await ok(await ext.send('flush'));
    await waitFor(async () => {
      const s = await a.state();
      const entry = s.time_entries.find((e) => e.id === ids[2]);
      return s.projects.some((x) => x.id === ids[0]) && s.tasks.some((x) => x.id === ids[1]) && entry && entry.time_end;
    }, { what: 'the three changes on A, the timer stopped at the switch' });
    await nothingOf(b, ids);
  } finally { await env.close(); }
});

test('parked changes can be discarded from the popup: they are never sent', async () => {
  const env = await twoServers();
  const { a, b, ext } = env;
  try {
    await configure(ext, { baseUrl: a.url, clientId: CLIENT });
    await signIn(ext);
    const { ids } = await threeQueued(ext, a);
    // Another client id on the same server is another account too.
    await ok(await ext.send('saveSettings', { baseUrl: a.url, clientId: 'another-client' }));
    let st = await ok(await ext.send('getState'));
    assert.equal(st.outboxSize, 0);
    assert.deepEqual(st.parked.map((p) => [p.baseUrl, p.clientId, p.changes]), [[a.url, CLIENT, 3]]);
    const popup = await ext.openPopup();
    await popup.waitForSelector('#parked:not([hidden])');
    assert.match(await popup.textContent('#parked .parked-text'), /^3 changes for .+ not sent$/);
    await popup.click('#parked button[data-action="discard"]');
    await popup.waitForSelector('#parked', { state: 'hidden' });
    st = await ok(await ext.send('getState'));
    assert.deepEqual(st.parked, []);
    await a.clearFaults();
    await ok(await ext.send('saveSettings', { baseUrl: a.url, clientId: CLIENT }));
    assert.equal((await ok(await ext.send('getState'))).outboxSize, 0, 'nothing came back');
    await signIn(ext);
    await ok(await ext.send('flush'));
    await ok(await ext.send('refresh'));
    await nothingOf(b, ids);
    const s = await a.state();
    for (const id of ids.slice(0, 2)) assert.ok(![...s.projects, ...s.tasks].some((x) => x.id === id), `${id} was discarded yet sent`);
    assert.equal((await popupView(await ext.openPopup())).pending, '', 'no changes waiting');
  } finally { await env.close(); }
});

test('a sign-in as another member of the same server parks the previous member\u2019s changes', async (t) => {
  if (process.env.TYME_DIALECT !== 'live') { t.skip('members are known in the live dialect only (GET /data/members/me)'); return; }
  const env = await twoServers();
  const { a, ext } = env;
  try {
    await configure(ext, { baseUrl: a.url, clientId: CLIENT });
    await signIn(ext);
    const { ids } = await threeQueued(ext, a);
    const { account } = await ext.storage('account');
    assert.equal(account.userId, '1001', 'the member is known after sign-in');
    // The sandbox has one member per token; the last sign-in was, say, member 9999.
    await ext.setStorage({ account: { ...account, userId: '9999' } });
    await signIn(ext);
    await a.clearFaults();
    const st = await ok(await ext.send('getState'));
    assert.equal(st.outboxSize, 0, 'the other member\u2019s changes wait for them');
    assert.deepEqual(st.parked.map((p) => [p.baseUrl, p.userId, p.changes]), [[a.url, '9999', 3]]);
    await ok(await ext.send('flush'));
    // This member's own changes go out as usual.
    const mine = await ok(await ext.send('create', { type: 'Project', name: 'Member project' }));
    await waitFor(async () => (await a.state()).projects.some((x) => x.id === mine.id), { what: 'the signed-in member\u2019s change on A' });
    const s = await a.state();
    for (const id of ids) assert.ok(![...s.projects, ...s.tasks, ...s.time_entries].some((x) => x.id === id), `${id} sent as another member`);
  } finally { await env.close(); }
});
