// Security checks as tests, on the real extension in headless Chromium
// against a real tyme-sandbox: minimal manifest, OAuth state and PKCE,
// no secrets in logs or shown errors, untrusted text shown as text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox } from '../support/sandbox.mjs';
import { api, refreshPath } from '../support/dialect.mjs';
import { EXT_DIR, REDIRECT_URI, launchExtension, configure, signIn, waitFor, popupView, imageErrorDispatched } from './support.mjs';

const CLIENT = 'tyme-tab-security';
const SECRET = 'cs-7f1e9a3b5d2c4e6f8a0b1c2d3e4f5a6b';

async function setup({ secret = null } = {}) {
  const sandbox = await startSandbox({
    args: ['--demo'],
    clients: [{ client_id: CLIENT, ...(secret ? { client_secret: secret } : {}), redirect_uris: [REDIRECT_URI] }],
  });
  const ext = await launchExtension();
  await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT, ...(secret ? { clientSecret: secret } : {}) });
  return { sandbox, ext, async close() { await ext.close(); await sandbox.stop(); } };
}

// Inside the current worker: wrap chrome.identity.launchWebAuthFlow so the
// test sees every authorize URL and may rewrite the redirect it answers.
// The wrapper lives as long as this worker; callers use ext.call (same worker).
async function wrapAuthFlow(ext, { tamperState = null } = {}) {
  const w = await ext.worker();
  await w.evaluate((tamper) => {
    const real = globalThis.__realLaunchWebAuthFlow || chrome.identity.launchWebAuthFlow.bind(chrome.identity);
    globalThis.__realLaunchWebAuthFlow = real;
    globalThis.__authUrls = globalThis.__authUrls || [];
    chrome.identity.launchWebAuthFlow = async (details) => {
      globalThis.__authUrls.push(details.url);
      const redirect = await real(details);
      if (tamper == null) return redirect;
      const u = new URL(redirect);
      if (tamper === '') u.searchParams.delete('state'); else u.searchParams.set('state', tamper);
      return u.toString();
    };
  }, tamperState);
  return w;
}

test('manifest: exactly the minimal permissions, one host, no content scripts, strict CSP', () => {
  const m = JSON.parse(fs.readFileSync(path.join(EXT_DIR, 'manifest.json'), 'utf8'));
  assert.equal(m.manifest_version, 3);
  // unlimitedStorage: no prompt in Chromium; without it storage.local stops at 10 MB (a catalog of
  // about 57,000 projects), and the outbox's writes would fail with it.
  assert.deepEqual(m.permissions, ['identity', 'storage', 'contextMenus', 'activeTab', 'alarms', 'idle', 'unlimitedStorage']);
  assert.deepEqual(m.host_permissions, ['https://api.tyme-app.com/*']);
  assert.equal(m.content_scripts, undefined);
  assert.equal(m.background.type, 'module');
  const text = JSON.stringify(m);
  assert.ok(!text.includes('<all_urls>'), 'no <all_urls>');
  assert.ok(!(m.permissions || []).includes('tabs') && !(m.optional_permissions || []).includes('tabs'), 'no "tabs"');
  for (const p of ['webRequest', 'scripting', 'cookies', 'history', 'debugger', 'nativeMessaging']) {
    assert.ok(!text.includes(`"${p}"`), `no ${p}`);
  }
  assert.equal(m.externally_connectable, undefined, 'no web page may message the extension');
  assert.equal(m.web_accessible_resources, undefined, 'no extension file is exposed to web pages');
  const csp = m.content_security_policy && m.content_security_policy.extension_pages;
  assert.equal(csp, "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'");
  assert.ok(!/unsafe-inline|'unsafe-eval'|https?:|\*/.test(csp.replace("'wasm-unsafe-eval'", '')), 'no remote or inline script');
  // every extension page loads scripts from its own files only (no inline script, no inline handlers)
  for (const f of ['popup/popup.html', 'options/options.html']) {
    const html = fs.readFileSync(path.join(EXT_DIR, f), 'utf8');
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), `${f}: no inline <script>`);
    assert.ok(!/\son[a-z]+\s*=/i.test(html), `${f}: no inline event handler`);
    assert.ok(!/src=["']?https?:/i.test(html), `${f}: no remote resource`);
  }
});

test('OAuth: a redirect whose state does not match is rejected, nothing is exchanged', async () => {
  const env = await setup();
  try {
    // 1. The parser itself, from an extension page with the real wasm package.
    const page = await env.ext.page();
    const codes = await page.evaluate(async () => {
      const m = await import(chrome.runtime.getURL('pkg/tyme_tab.js'));
      await m.default({ module_or_path: chrome.runtime.getURL('pkg/tyme_tab_bg.wasm') });
      const base = chrome.identity.getRedirectURL();
      const tryParse = (url, st) => { try { return `ok:${m.TymeClient.parseRedirect(url, st)}`; } catch (e) { return `${e.name}:${e.code}`; } };
      return {
        wrong: tryParse(`${base}?code=abc&state=attacker`, 'expected-state'),
        missing: tryParse(`${base}?code=abc`, 'expected-state'),
        empty: tryParse(`${base}?code=abc&state=`, 'expected-state'),
        prefix: tryParse(`${base}?code=abc&state=expected-stat`, 'expected-state'),
        right: tryParse(`${base}?code=abc&state=expected-state`, 'expected-state'),
      };
    });
    assert.equal(codes.wrong, 'TymeError:invalid_state');
    assert.equal(codes.missing, 'TymeError:invalid_state');
    assert.equal(codes.empty, 'TymeError:invalid_state');
    assert.equal(codes.prefix, 'TymeError:invalid_state');
    assert.equal(codes.right, 'ok:abc', 'the matching state is accepted (the check is not a blanket refusal)');

    // 2. The extension's sign-in, with the authorization server's answer tampered with.
    await wrapAuthFlow(env.ext, { tamperState: 'forged-state' });
    const res = await env.ext.call('signIn', { interactive: true });
    assert.equal(res.ok, false);
    assert.equal(res.error.code, 'invalid_state');
    await wrapAuthFlow(env.ext, { tamperState: '' });
    const res2 = await env.ext.call('signIn', { interactive: true });
    assert.equal(res2.ok, false);
    assert.equal(res2.error.code, 'invalid_state');
    const st = await env.ext.storage(['tokens', 'auth']);
    assert.equal(st.tokens, undefined, 'no tokens stored');
    const sbs = await env.sandbox.state();
    assert.equal(sbs.stats.tokens_issued, 0, 'the code was never exchanged');
    const log = await env.sandbox.log();
    assert.equal(log.filter((l) => l.path.startsWith('/v1/authorize') && l.method === 'GET').length, 2, 'both sign-ins reached the server');
    assert.equal(log.filter((l) => l.path.startsWith('/v1/access_token') && l.method === 'POST').length, 0);

    // 3. Untampered, the same flow signs in.
    await wrapAuthFlow(env.ext, { tamperState: null });
    const good = await env.ext.call('signIn', { interactive: true });
    assert.equal(good.ok, true, JSON.stringify(good.error));
    assert.equal((await env.sandbox.state()).stats.tokens_issued, 1);
  } finally { await env.close(); }
});

test('OAuth: every sign-in uses a fresh state and PKCE verifier (S256)', async () => {
  const env = await setup();
  try {
    const w = await wrapAuthFlow(env.ext);
    for (let i = 0; i < 3; i++) {
      const r = await env.ext.call('signIn', { interactive: true });
      assert.equal(r.ok, true, JSON.stringify(r.error));
    }
    const urls = await w.evaluate(() => globalThis.__authUrls);
    assert.equal(urls.length, 3);
    const params = urls.map((u) => new URL(u).searchParams);
    for (const p of params) {
      assert.equal(p.get('code_challenge_method'), 'S256');
      assert.match(p.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
      assert.ok(p.get('state') && p.get('state').length >= 16, 'a state of at least 16 characters');
      assert.equal(p.get('code_verifier'), null, 'the verifier itself never travels in the URL');
    }
    assert.equal(new Set(params.map((p) => p.get('code_challenge'))).size, 3, 'three different code challenges');
    assert.equal(new Set(params.map((p) => p.get('state'))).size, 3, 'three different states');
    // The sandbox verified each challenge against the verifier sent with the code.
    assert.equal((await env.sandbox.state()).stats.tokens_issued, 3);

    // The core's generator, many times: verifiers never repeat and each challenge is S256(verifier).
    const page = await env.ext.page();
    const out = await page.evaluate(async () => {
      const m = await import(chrome.runtime.getURL('pkg/tyme_tab.js'));
      await m.default({ module_or_path: chrome.runtime.getURL('pkg/tyme_tab_bg.wasm') });
      const c = new m.TymeClient({ baseUrl: 'https://api.tyme-app.com', clientId: 'x', redirectUri: chrome.identity.getRedirectURL() });
      const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const rows = [];
      for (let i = 0; i < 200; i++) {
        const s = c.beginSignIn();
        const challenge = new URL(s.url).searchParams.get('code_challenge');
        const expect = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s.verifier)));
        rows.push({ v: s.verifier, st: s.state, ok: challenge === expect });
      }
      return rows;
    });
    assert.equal(new Set(out.map((r) => r.v)).size, 200, 'no verifier repeats');
    assert.equal(new Set(out.map((r) => r.st)).size, 200, 'no state repeats');
    assert.ok(out.every((r) => r.ok), 'each challenge is base64url(SHA-256(verifier))');
    assert.ok(out.every((r) => r.v.length >= 43 && r.v.length <= 128 && /^[A-Za-z0-9._~-]+$/.test(r.v)), 'RFC 7636 verifier');
  } finally { await env.close(); }
});

test('tokens and the client secret never appear in console output or shown errors', async () => {
  const env = await setup({ secret: SECRET });
  const { ext, sandbox } = env;
  const messages = [];
  const seenWorkers = new Set();
  const watchWorker = (w) => {
    if (seenWorkers.has(w)) return;
    seenWorkers.add(w);
    w.on('console', (m) => messages.push(`sw ${m.type()}: ${m.text()}`));
  };
  const watchPage = (p) => {
    p.on('console', (m) => messages.push(`page ${m.type()}: ${m.text()}`));
    p.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  };
  ext.context.serviceWorkers().forEach(watchWorker);
  ext.context.on('serviceworker', watchWorker);
  ext.context.pages().forEach(watchPage);
  ext.context.on('page', watchPage);
  ext.context.on('weberror', (e) => messages.push(`weberror: ${e.error().message}`));
  const shown = [];
  const secrets = new Set([SECRET]);
  const collectTokens = async () => {
    const { tokens } = await ext.storage('tokens');
    if (tokens) { secrets.add(tokens.accessToken); secrets.add(tokens.refreshToken); }
  };
  const record = (res) => { if (res && !res.ok) shown.push(JSON.stringify(res.error)); return res; };
  try {
    // The capture works: a line the worker logs is seen.
    await (await ext.worker()).evaluate(() => console.log('capture-canary'));
    await waitFor(() => messages.some((m) => m.includes('capture-canary')), { what: 'worker console capture' });

    await signIn(ext);
    await collectTokens();
    assert.ok(secrets.size === 3, 'an access and a refresh token known');
    const ref = { taskId: 'demo-task-1', subtaskId: '', taskName: 'T', projectId: 'demo-project-1', projectName: 'P' };
    const tasks = (await sandbox.state()).tasks;
    ref.taskId = tasks[0].id; ref.projectId = tasks[0].project_id;

    // Errors of every kind while working: 503, 429, dropped, expired tokens, failing refresh.
    const faults = [
      { fail_next: 2, status: 503, retry_after: 1, path_prefix: '/data' },
      { fail_next: 2, status: 429, retry_after: 1, path_prefix: '/data' },
      { fail_next: 2, drop: true, path_prefix: '/data' },
      { fail_next: 1, status: 500, path_prefix: refreshPath(sandbox) },
    ];
    for (const f of faults) {
      await sandbox.faults(f);
      await sandbox.expireTokens();
      record(await ext.send('start', { task: ref, page: { url: `https://example.com/?access_token=${[...secrets][1]}`, title: 'x' } }));
      record(await ext.send('flush'));
      record(await ext.send('refresh'));
      const popup = await ext.openPopup();
      shown.push(await popup.evaluate(() => document.body.innerText));
      await popup.close();
      record(await ext.send('stop'));
      await collectTokens();
    }
    await sandbox.clearFaults();
    // The user withdraws the app's access on the server: the access token
    // answers 401 and the refresh invalid_grant, whatever pair the worker
    // holds at that moment (a retry still in flight may just have rotated
    // it), so the worker must sign out, with a message.
    await collectTokens();
    await sandbox.revokeTokens();
    await ext.stopWorker();
    record(await ext.send('start', { task: ref, page: null }));
    record(await ext.send('flush'));
    record(await ext.send('refresh'));
    await waitFor(async () => !(await ext.storage('tokens')).tokens, { what: 'signed out after invalid_grant' });
    const popup = await ext.openPopup();
    const v = await popupView(popup);
    assert.equal(v.signedOut, true);
    shown.push(await popup.evaluate(() => document.body.innerText));
    const st = await ext.storage(['outboxError', 'outbox', 'notice', 'auth']);
    shown.push(JSON.stringify(st.outboxError), JSON.stringify(st.notice), JSON.stringify(st.auth));
    for (const op of (st.outbox && st.outbox.ops) || []) shown.push(JSON.stringify(op.lastError || null));
    // A wrong client secret: the sign-in error must not echo it.
    await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT, clientSecret: 'cs-wrong-secret-5555aaaa' });
    secrets.add('cs-wrong-secret-5555aaaa');
    record(await ext.send('signIn', { interactive: true }));

    assert.ok(shown.some((s) => /server error|limiting|reach Tyme|sign in/i.test(s)), `errors were shown: ${shown.join(' | ').slice(0, 500)}`);
    for (const s of secrets) {
      assert.ok(s && s.length >= 16, 'a secret worth looking for');
      for (const m of messages) assert.ok(!m.includes(s), `console message leaks a secret: ${m.slice(0, 200)}`);
      for (const t of shown) assert.ok(!String(t).includes(s), `shown error leaks a secret: ${String(t).slice(0, 200)}`);
    }
  } finally { await env.close(); }
});

test('untrusted page titles and server-side names are shown as text in the popup', async () => {
  const env = await setup();
  const { ext, sandbox } = env;
  const dialogs = [];
  ext.context.on('page', (p) => p.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); }));
  try {
    await signIn(ext);
    const { tokens } = await ext.storage('tokens');
    const hostileProject = '<img src=x onerror=alert(2)><b>Proj</b>';
    const hostileTask = '<script>alert(3)</script><img src=x onerror=alert(4)>Task';
    const server = api(sandbox, tokens.accessToken);
    const create = async (body) => {
      const r = await server.update(body);
      assert.equal(r.status, 200, JSON.stringify(r.answer));
      return r.entity;
    };
    const p = await create({ type: 'Project', id: 'evil-p', name: hostileProject });
    const t = await create({ type: 'TimedTask', id: 'evil-t', name: hostileTask, project_id: p.id });

    // Server-side names in the picker. The picker lists the catalog the
    // extension cached at sign-in; names created on the server since reach it
    // through "Refresh lists" (or the background sync).
    const popup = await ext.openPopup();
    popup.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    // Every catalog write (the sign-in's warm-up fetch, not awaited by it,
    // may land after this one) rebuilds the lists, so an element handle taken
    // before it is detached; locators find the row again at each action.
    await popup.click('#refresh-lists');
    await popup.waitForSelector('#refresh-lists:not([disabled])');
    const pb = popup.locator('#project-list button[data-id="evil-p"]');
    assert.equal(await pb.textContent(), hostileProject);
    await pb.click();
    const tb = popup.locator('#task-list button[data-task="evil-t"]');
    assert.equal(await tb.textContent(), hostileTask);
    await tb.click();
    assert.equal(await popup.textContent('#selected'), `${hostileProject} › ${hostileTask}`);

    // A hostile page title: the note and the label of the running timer.
    const title = '<img src=x onerror=alert(1)>';
    const res = await ext.send('start', { task: { taskId: t.id, taskName: t.name, projectId: p.id, projectName: p.name }, page: { url: 'https://example.com/a', title } });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    await popup.reload();
    await popup.waitForSelector('body[data-ready="1"]');
    await popup.waitForSelector('#running:not([hidden])');
    const v = await popupView(popup);
    assert.ok(v.note.includes(title), `note shown as text: ${v.note}`);
    assert.equal(v.task, `${hostileProject} › ${hostileTask}`);
    const dom = await popup.evaluate(() => ({
      imgs: [...document.querySelectorAll('img')].map((i) => i.getAttribute('src')),
      scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
      bold: document.querySelectorAll('b').length,
    }));
    assert.deepEqual(dom.imgs, ['../icons/icon-32.png'], 'only the header icon is an img');
    assert.deepEqual(dom.scripts, ['../build/first-paint.js']);
    assert.equal(dom.bold, 0);
    // The same label handed to the popup's first paint in the toolbar's URL (handoff.js).
    const handed = await waitFor(async () => {
      const u = await (await ext.page()).evaluate(() => chrome.action.getPopup({}));
      const s = new URL(u).searchParams.get('s');
      return s && JSON.parse(s).t ? u : null;
    }, { what: 'the running timer handed over' });
    const p1 = await ext.context.newPage();
    p1.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    await p1.goto(handed);
    await p1.waitForSelector('body[data-ready="1"]');
    assert.equal(await p1.textContent('#run-task'), `${hostileProject} › ${hostileTask}`);
    assert.deepEqual(await p1.evaluate(() => [[...document.querySelectorAll('img')].length, document.querySelectorAll('b').length]), [1, 0]);
    await p1.close();

    // The same title as a page waiting for a task (context menu with no task chosen yet).
    await ext.send('stop');
    await ext.setStorage({ lastTask: null });
    const asked = await ext.menuClick({ menuItemId: 'track-page', pageUrl: 'https://example.com/b' }, { id: 9, title, url: 'https://example.com/b' });
    assert.equal(asked.askedForTask, true);
    const p2 = await ext.openPopup();
    p2.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    await p2.waitForSelector('#pending-page:not([hidden])');
    assert.equal(await p2.textContent('#pending-page'), `Pick a task to track: ${title}`);
    assert.deepEqual(await p2.evaluate(() => [...document.querySelectorAll('img')].map((i) => i.getAttribute('src'))), ['../icons/icon-32.png']);
    await imageErrorDispatched(p2); // an inline onerror of the title would have run by now
    assert.deepEqual(dialogs, [], 'no script from the data ran');
  } finally { await env.close(); }
});
