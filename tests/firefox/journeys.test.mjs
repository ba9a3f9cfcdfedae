// Firefox journeys: the Firefox build of Tyme Tab (out/firefox-test, the
// package's files unpacked, no test hook) installed as a temporary add-on in
// Debian's firefox-esr, headless, driven through geckodriver, against a real
// tyme-sandbox on 127.0.0.1 (TYME_DIALECT picks its dialect). Each test has
// its own sandbox and Firefox profile. The user's steps are real: clicks in
// the options page and popup, Firefox's own permission prompt answered with
// its buttons, the page's context menu opened with a right click and its item
// chosen; the background page is stopped the way Firefox suspends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { By } from 'selenium-webdriver';
import { startSandbox } from '../support/sandbox.mjs';
import { servePages } from '../e2e/support.mjs';
import { launchFirefox, REDIRECT_URI, BASE } from './support.mjs';

const CLIENT = 'tyme-tab-firefox';

function journey(body, { signedIn = true } = {}) {
  return async () => {
    const sandbox = await startSandbox({ clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
    let ff = null;
    try {
      ff = await launchFirefox();
      if (signedIn) await signInFromOptions(ff, sandbox, { allow: true });
      await body({ ff, sandbox, driver: ff.driver });
    } finally {
      if (ff) await ff.close();
      await sandbox.stop();
    }
  };
}

async function ok(res) {
  assert.equal(res.ok, true, `expected ok, got ${JSON.stringify(res.error)}`);
  return res.data;
}

// The options page as a user fills it: client id, the sandbox as API base
// URL, "Save and sign in"; Firefox asks for the host, answered Allow or Deny.
async function signInFromOptions(ff, sandbox, { allow }) {
  const d = ff.driver;
  await ff.helper();
  await d.get(`${BASE}/options/options.html`);
  await ff.textOf('#auth-status', /signed/);
  const id = await d.findElement(By.id('client-id'));
  await id.clear();
  await id.sendKeys(CLIENT);
  const base = await d.findElement(By.id('base-url'));
  await base.clear();
  await base.sendKeys(sandbox.url);
  await d.executeScript("document.getElementById('message').textContent = ''");
  await d.findElement(By.id('sign-in')).click();
  const prompt = await ff.answerPermissionPrompt(allow);
  const message = await ff.textOf('#message', allow ? /Signed in\.|\S.*[^…]$/ : /Firefox did not/);
  return { prompt, message };
}

// A project and a task made through the extension and confirmed by the sandbox.
async function projectAndTask(ff, sandbox, project = 'Website', task = 'Research') {
  const p = await ok(await ff.send('create', { type: 'Project', name: project }));
  const t = await ok(await ff.send('create', { type: 'TimedTask', name: task, parentId: p.id }));
  await ff.waitFor(async () => (await sandbox.state()).tasks.some((x) => x.id === t.id), { what: 'task on the server' });
  return { taskId: t.id, subtaskId: '', taskName: t.name, subtaskName: '', projectId: p.id, projectName: p.name };
}

const entries = async (sandbox) => (await sandbox.state()).time_entries;
const serverEntry = (ff, sandbox, match, what) => ff.waitFor(async () => (await entries(sandbox)).find(match), { what });

// The note the extension puts on an entry for this page: the page's title and
// its address without the fragment and the secret and tracking parameters.
function assertScrubbed(note, { path, title, secrets }) {
  assert.ok(note.includes(path), `note has the page address ${path}: ${note}`);
  assert.ok(note.includes(title), `note has the title: ${note}`);
  for (const s of secrets) assert.ok(!note.includes(s), `note has no ${s}: ${note}`);
}

test('sign-in: Firefox asks for the API host at the click, a refusal is explained, Allow signs in (auto-approve)', journey(async ({ ff, sandbox, driver }) => {
  // The redirect URL Firefox derives from the add-on id, shown in the options.
  await ff.helper();
  assert.equal(await ff.textOf('#redirect-uri'), REDIRECT_URI);
  assert.match(REDIRECT_URI, /^https:\/\/[0-9a-f]{40}\.extensions\.allizom\.org\/$/);
  const origin = `http://127.0.0.1/*`;
  assert.ok(!(await ff.inPage('() => browser.permissions.getAll()')).origins.includes(origin), 'no access to the sandbox host before sign-in');

  const denied = await signInFromOptions(ff, sandbox, { allow: false });
  assert.match(denied.message, /Firefox did not give Tyme Tab access to 127\.0\.0\.1/);
  assert.match(denied.message, /Sign in” again and choose “Allow”/);
  assert.equal((await ff.storage('tokens')).tokens, undefined);
  assert.equal((await sandbox.state()).stats.tokens_issued, 0);
  assert.ok(!(await sandbox.log()).some((l) => l.path.startsWith('/v1/')), 'no sign-in request after a refusal');
  assert.equal(await driver.findElement(By.id('auth-status')).getText(), 'signed out');

  const allowed = await signInFromOptions(ff, sandbox, { allow: true });
  assert.equal(allowed.message, 'Signed in.');
  assert.ok((await ff.inPage('() => browser.permissions.getAll()')).origins.includes(origin), 'access to the sandbox host granted');
  assert.equal(await ff.textOf('#auth-status', /signed in/), 'signed in');
  const st = await ff.storage(['tokens', 'auth']);
  assert.ok(st.tokens && st.tokens.accessToken && st.tokens.refreshToken, 'tokens stored');
  assert.equal(st.auth.status, 'signed_in');
  assert.equal((await sandbox.state()).stats.tokens_issued, 1);
  const log = await sandbox.log();
  const authorize = log.find((l) => l.path.startsWith('/v1/authorize'));
  assert.ok(authorize, 'launchWebAuthFlow opened the authorize endpoint');
  assert.ok(log.some((l) => l.path.startsWith('/v1/access_token') && l.status === 200), 'code exchanged');
}, { signedIn: false }));

test('sign-in from the popup: the same question at the click; refused, the popup says why; allowed, signed in', journey(async ({ ff, sandbox, driver }) => {
  await ok(await ff.send('saveSettings', { baseUrl: sandbox.url, clientId: CLIENT }));
  await ff.openPopup();
  assert.equal(await ff.textOf('#signed-out-text'), 'You are signed out.');
  await driver.findElement(By.id('sign-in')).click();
  await ff.answerPermissionPrompt(false);
  assert.match(await ff.textOf('#error', /Firefox did not/), /access to 127\.0\.0\.1/);
  assert.equal((await sandbox.state()).stats.tokens_issued, 0);
  await driver.findElement(By.id('sign-in')).click();
  await ff.answerPermissionPrompt(true);
  await ff.shown('#idle');
  assert.equal(await ff.textOf('#status'), 'signed in');
  assert.equal((await sandbox.state()).stats.tokens_issued, 1);
  assert.ok((await ff.storage('tokens')).tokens.accessToken);
}, { signedIn: false }));

test('start on a locally served page from the popup: scrubbed URL in the note on the server; stop', journey(async ({ ff, sandbox, driver }) => {
  const ref = await projectAndTask(ff, sandbox);
  const pages = await servePages({ '/article': { title: 'A page worth tracking' } });
  try {
    const pagePath = `/article?id=7&utm_source=news&token=s3cr3t#part`;
    const pageTab = await ff.openTab(`${pages.url}${pagePath}`);
    // The sandbox host (127.0.0.1, any port) granted at sign-in covers the page: its tab is readable.
    const [tab] = await ff.inPage((u) => browser.tabs.query({ url: u }), 'http://127.0.0.1/article*');
    assert.ok(tab && tab.id, 'the page tab');
    assert.notEqual(pageTab, null);

    await ff.openPopup(`?tab=${tab.id}`);
    await driver.findElement(By.xpath(`//ul[@id='project-list']//button[normalize-space()='${ref.projectName}']`)).click();
    await driver.findElement(By.xpath(`//ul[@id='task-list']//button[normalize-space()='${ref.taskName}']`)).click();
    assert.equal(await ff.textOf('#selected'), `${ref.projectName} › ${ref.taskName}`);
    await driver.findElement(By.id('start')).click();
    assert.equal(await ff.textOf('#run-task'), `${ref.projectName} › ${ref.taskName}`);

    const running = await serverEntry(ff, sandbox, (e) => e.time_end === null, 'running entry on the server');
    assertScrubbed(running.note, { path: `${pages.url}/article?id=7`, title: 'A page worth tracking', secrets: ['s3cr3t', 'utm_source', '#part', 'token='] });
    assert.equal(running.task_id, ref.taskId);
    assert.match(running.time_start, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal((await ff.storage('timer')).timer.entity.id, running.id, 'the client-generated id on the server');
    assert.ok((await ff.textOf('#run-note')).includes(`${pages.url}/article?id=7`));

    await driver.findElement(By.id('stop')).click();
    await ff.shown('#idle');
    const stopped = await serverEntry(ff, sandbox, (e) => e.id === running.id && e.time_end, 'time_end on the server');
    assert.ok(stopped.time_end >= stopped.time_start);
    assert.equal((await entries(sandbox)).length, 1);
    assert.equal((await ff.storage('timer')).timer ?? null, null, 'no timer kept');
  } finally { await pages.stop(); }
}));

test('context menu: "Track this page" and "Track this link" from a right click on the page', journey(async ({ ff, sandbox, driver }) => {
  const ref = await projectAndTask(ff, sandbox);
  const pages = await servePages({
    '/first': { title: 'First page', body: '<h1 id="h">First page</h1>' },
    '/second': { title: 'Second page', body: '<h1 id="h">Second page</h1><p><a id="link" href="/linked?ref=9&amp;code=abc123">a link</a></p>' },
  });
  try {
    // No task known yet: the page is kept for the popup, which asks for one; nothing is sent.
    await ff.openTab(`${pages.url}/first?fbclid=xyz`);
    await ff.contextMenu(await driver.findElement(By.id('h')), 'Track this page');
    const pending = (await ff.waitFor(async () => (await ff.storage('pendingPage')).pendingPage, { what: 'the page kept for the popup' }));
    // Kept scrubbed (no raw URL is stored): the tracking parameter is gone.
    assert.equal(pending.url, `${pages.url}/first`);
    assert.equal(pending.title, 'First page');
    assert.equal((await entries(sandbox)).length, 0);
    // The popup names the page and starts on it once a task is picked.
    await ff.openPopup();
    assert.match(await ff.textOf('#pending-page'), /Pick a task to track: First page/);
    await driver.findElement(By.xpath(`//ul[@id='project-list']//button[normalize-space()='${ref.projectName}']`)).click();
    await driver.findElement(By.xpath(`//ul[@id='task-list']//button[normalize-space()='${ref.taskName}']`)).click();
    await driver.findElement(By.id('start')).click();
    const first = await serverEntry(ff, sandbox, (e) => e.time_end === null, 'entry for the first page');
    assertScrubbed(first.note, { path: `${pages.url}/first`, title: 'First page', secrets: ['fbclid', 'xyz'] });

    // A task known: the menu starts on the page at once (the running entry is stopped first).
    await ff.openTab(`${pages.url}/second`);
    await ff.contextMenu(await driver.findElement(By.id('h')), 'Track this page');
    const second = await serverEntry(ff, sandbox, (e) => e.time_end === null && e.id !== first.id, 'entry for the second page');
    assertScrubbed(second.note, { path: `${pages.url}/second`, title: 'Second page', secrets: [] });
    assert.equal(second.task_id, ref.taskId);
    await serverEntry(ff, sandbox, (e) => e.id === first.id && e.time_end, 'the first entry stopped');

    // The link under the pointer, not the page.
    await ff.contextMenu(await driver.findElement(By.id('link')), 'Track this link');
    const linked = await serverEntry(ff, sandbox, (e) => e.time_end === null && ![first.id, second.id].includes(e.id), 'entry for the link');
    assertScrubbed(linked.note, { path: `${pages.url}/linked?ref=9`, title: 'Second page', secrets: ['code=', 'abc123'] });
    await serverEntry(ff, sandbox, (e) => e.id === second.id && e.time_end, 'the second entry stopped');
    assert.equal((await entries(sandbox)).length, 3);
  } finally { await pages.stop(); }
}));

test('the background page stopped and started again: nothing is lost', journey(async ({ ff, sandbox, driver }) => {
  const ref = await projectAndTask(ff, sandbox);
  // Writes fail: the start waits in the outbox, stored.
  await sandbox.faults({ fail_percent: 100, status: 503, path_prefix: '/data/update_entity' });
  const started = await ok(await ff.send('start', { task: ref, page: { url: 'https://example.com/long?session=abc', title: 'Long read' } }));
  await ff.waitFor(async () => (await ff.storage('outboxError')).outboxError, { what: 'the failed send recorded' });
  assert.equal((await ff.storage('outboxSize')).outboxSize, 1);
  assert.equal((await entries(sandbox)).length, 0);
  await ff.inPage(async () => { (await browser.runtime.getBackgroundPage()).beforeStop = true; });

  assert.equal(await ff.stopBackground(), 'stopped');
  assert.equal(await ff.backgroundState(), 'stopped');
  await sandbox.clearFaults();

  // Opening the popup starts the background page again: a new instance, the timer as it was, the queued start sent.
  await ff.openPopup();
  assert.equal(await ff.backgroundState(), 'running');
  assert.equal(await ff.inPage(async () => (await browser.runtime.getBackgroundPage()).beforeStop === true), false, 'a new background page');
  assert.equal(await ff.textOf('#run-task'), `${ref.projectName} › ${ref.taskName}`);
  assert.ok((await ff.textOf('#run-note')).includes('https://example.com/long'));
  const entry = await serverEntry(ff, sandbox, (e) => e.id === started.entity.id, 'the queued start on the server');
  assert.equal(entry.time_end, null);
  assert.ok(!entry.note.includes('abc'), entry.note);
  assert.equal((await ff.storage('timer')).timer.entity.id, started.entity.id);

  // The stop, then another restart and a flush: still one entry, nothing left to send.
  await driver.findElement(By.id('stop')).click();
  await serverEntry(ff, sandbox, (e) => e.id === started.entity.id && e.time_end, 'stopped after the restart');
  await ff.stopBackground();
  await ok(await ff.send('flush'));
  const all = await entries(sandbox);
  assert.equal(all.length, 1, 'one entry, not duplicated');
  assert.equal((await ff.storage('outboxSize')).outboxSize, 0);
}));
