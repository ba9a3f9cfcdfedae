// `make run` opens nothing to others (issue 11, point 5): the sandbox it
// starts (tests/support/sandbox.mjs, as scripts/run.mjs starts it) listens
// on loopback only, serves its control API only with the run's token,
// answers only Host headers naming it and sends no wildcard CORS or
// private-network opt-in on control paths; the Chromium it starts trusts
// its own demo certificate by key pin only and runs without its sandbox
// only as root; the web console holds no token on a global, takes a
// sign-in answer only for the server it began with, and its webhook
// receiver takes deliveries only on a per-run secret path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSandbox } from '../support/sandbox.mjs';
import { chromiumArgsFor, CHROMIUM_ARGS } from '../support/chromium.mjs';
import { REDIRECT_URI, launchExtension, servePages } from './support.mjs';
import { runChromiumArgs } from '../../scripts/run-chromium.mjs';
import { startWwwServer } from '../../scripts/www-server.mjs';
import { setup as setupConsole, openConsole, signIn as consoleSignIn, CLIENT_ID as CONSOLE_CLIENT } from '../www/support.mjs';

const DEMO_CLIENT = 'tyme-tab-demo';

/** One request with the Host header and headers exactly as given. */
function raw(url, path, { method = 'GET', headers = {} } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers, setHost: !('Host' in headers) }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the sandbox make run starts: loopback only, control API only with the run\u2019s token, Host checked, no open CORS on control', async () => {
  const sb = await startSandbox({ args: ['--demo'], clients: [{ client_id: DEMO_CLIENT, redirect_uris: [REDIRECT_URI] }] });
  try {
    assert.equal(new URL(sb.url).hostname, '127.0.0.1');
    assert.ok(sb.controlToken && sb.controlToken.length >= 32, 'a random token per run');
    assert.ok(!sb.process.spawnargs.join(' ').includes(sb.controlToken), 'the token is not on the command line');
    for (const path of ['/_sandbox/state', '/_sandbox/log', '/_sandbox/clients']) {
      const r = await raw(sb.url, path);
      assert.equal(r.status, 401, `${path} without the token`);
      assert.ok(!r.body.includes('demo-') && !r.body.includes(DEMO_CLIENT), `${path} leaked: ${r.body.slice(0, 100)}`);
    }
    assert.equal((await raw(sb.url, '/_sandbox/state', { headers: { 'X-Sandbox-Token': sb.controlToken } })).status, 200);
    // A page elsewhere (or on a rebound DNS name) gets nothing.
    const pre = await raw(sb.url, '/_sandbox/reset', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-sandbox-token', 'Access-Control-Request-Private-Network': 'true' },
    });
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
    assert.equal(pre.headers['access-control-allow-private-network'], undefined);
    const rebound = await raw(sb.url, '/_sandbox/state', { headers: { Host: `evil.example:${sb.port}`, 'X-Sandbox-Token': sb.controlToken } });
    assert.equal(rebound.status, 421);
    assert.equal((await raw(sb.url, '/', { headers: { Host: `evil.example:${sb.port}` } })).status, 421);
  } finally { await sb.stop(); }
});

test('make run\u2019s Chromium trusts its demo certificate by key pin only, and runs without its sandbox only as root', async () => {
  const pages = await servePages({ '/guide': { title: 'Demo page' } }, { tls: true });
  const other = await servePages({ '/x': { title: 'Another certificate' } }, { tls: true });
  assert.notEqual(pages.spki, other.spki);
  const args = runChromiumArgs(pages);
  assert.ok(!args.includes('--ignore-certificate-errors'), 'certificate errors are not ignored wholesale');
  assert.ok(args.includes(`--ignore-certificate-errors-spki-list=${pages.spki}`));
  // Flags for a user other than root carry no --no-sandbox; root's must.
  assert.ok(!chromiumArgsFor({ root: false }).includes('--no-sandbox'));
  assert.ok(chromiumArgsFor({ root: true }).includes('--no-sandbox'));
  const root = process.getuid() === 0;
  assert.equal(CHROMIUM_ARGS.includes('--no-sandbox'), root);
  const ext = await launchExtension({ args });
  try {
    const page = await ext.context.newPage();
    await page.goto('https://api.tyme-app.com/guide');
    assert.equal(await page.title(), 'Demo page', 'the demo certificate is trusted');
    const page2 = await ext.context.newPage();
    await assert.rejects(page2.goto(`${other.url}/x`), /ERR_CERT/, 'another self-signed certificate is not');
    const version = await ext.context.newPage();
    await version.goto('chrome://version');
    const cmd = await version.textContent('#command_line');
    assert.ok(!/--ignore-certificate-errors(\s|$)/.test(cmd), cmd);
    assert.equal(/--no-sandbox/.test(cmd), root, `--no-sandbox only as root: ${cmd}`);
  } finally { await ext.close(); await pages.stop(); await other.stop(); }
});

test('the web console\u2019s webhook receiver takes deliveries only on its per-run secret path', async () => {
  const a = await startWwwServer({ sandboxUrl: 'http://127.0.0.1:9' });
  const b = await startWwwServer({ sandboxUrl: 'http://127.0.0.1:9' });
  try {
    const secret = new URL(a.hooksUrl).pathname;
    assert.match(secret, /^\/hooks\/receive\/[0-9a-f]{32}$/);
    assert.notEqual(secret, new URL(b.hooksUrl).pathname, 'a secret per run');
    const cfg = await (await fetch(`${a.url}/config.json`)).json();
    assert.equal(cfg.hooksUrl, a.hooksUrl, 'the page is given it to subscribe');
    const post = (url) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"trigger_type":"task","entity":{"id":"x"}}' });
    for (const url of [`${a.url}/hooks/receive`, `${a.url}/hooks/receive/`, `${a.url}${new URL(b.hooksUrl).pathname}`, `${a.url}${secret}x`]) {
      const status = (await post(url)).status;
      assert.ok(status === 404 || status === 405, `${url}: ${status}`);
    }
    assert.deepEqual(a.deliveries(), []);
    assert.equal((await post(a.hooksUrl)).status, 200);
    assert.equal(a.deliveries().length, 1);
  } finally { await a.stop(); await b.stop(); }
});

test('the web console keeps no token on a global', async (t) => {
  const { page, www } = await setupConsole(t);
  await consoleSignIn(page, www);
  const found = await page.evaluate(() => {
    const tokens = JSON.parse(sessionStorage.getItem('tyme.www.tokens'));
    const secrets = [tokens.accessToken, tokens.refreshToken];
    const hits = [];
    const seen = new WeakSet();
    const visit = (v, path, depth) => {
      if (depth > 6 || v == null) return;
      if (typeof v === 'string') { if (secrets.some((s) => v.includes(s))) hits.push(path); return; }
      if (typeof v !== 'object' && typeof v !== 'function') return;
      if (seen.has(v)) return;
      seen.add(v);
      // A wasm-bound object hands its tokens out through a method: try the getters.
      if (typeof v.getTokens === 'function') { try { visit(v.getTokens(), `${path}.getTokens()`, depth + 1); } catch { /* not one */ } }
      for (const k of Object.getOwnPropertyNames(v)) {
        let x;
        try { x = v[k]; } catch { continue; }
        visit(x, `${path}.${k}`, depth + 1);
      }
    };
    const builtins = new Set(Object.getOwnPropertyNames(Object.getPrototypeOf(window)));
    for (const k of Object.getOwnPropertyNames(window)) {
      if (builtins.has(k) || k === 'sessionStorage' || k === 'localStorage' || k === 'window' || k === 'self' || k === 'top' || k === 'parent' || k === 'frames' || k === 'globalThis' || k === 'document') continue;
      let v;
      try { v = window[k]; } catch { continue; }
      visit(v, k, 0);
    }
    return { hits, tymeConsole: typeof window.tymeConsole };
  });
  assert.equal(found.tymeConsole, 'undefined');
  assert.deepEqual(found.hits, []);
});

test('the web console exchanges a sign-in code only with the server the sign-in began with', async (t) => {
  // The console's page may talk to its own sandbox (`sb`, in its CSP). The
  // sign-in begins with another server, and meanwhile another tab of the
  // console sets the connection back to `sb`: the code and the PKCE verifier
  // of the other server must not be sent to `sb`.
  const { sb, www, page, context } = await setupConsole(t);
  const other = await startSandbox();
  t.after(() => other.stop());
  await other.addClient({ client_id: CONSOLE_CLIENT, redirect_uris: [`${www.url}/`] });
  await other.setInteractive(true);
  await openConsole(page, www);
  await page.click('#settings summary');
  await page.fill('#settings-form [name=apiBaseUrl]', other.url);
  await page.click('#settings-form [type=submit]');
  await page.waitForFunction(() => /sign in again/i.test(document.querySelector('#message').textContent));
  await page.click('#sign-in');
  await page.waitForSelector('#approve');
  const tab = await context.newPage();
  await openConsole(tab, www);
  await tab.click('#settings summary');
  await tab.click('#settings-reset');
  await tab.waitForFunction((u) => document.querySelector('#settings-form [name=apiBaseUrl]').value === u, sb.url);
  await sb.clearLog();
  await page.fill('input[name=email]', 'me@example.test');
  await page.fill('input[name=password]', 'pw');
  await page.click('#approve');
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  await page.waitForFunction(() => document.querySelector('#message').textContent.length > 0);
  assert.ok(!(await sb.log()).some((l) => l.path.startsWith('/v1/access_token')), 'the other server’s code and verifier were sent to this one');
  assert.match(await page.textContent('#message'), /ignored/i);
  assert.equal(await page.getAttribute('#auth-status', 'data-state'), 'signed-out');
});
