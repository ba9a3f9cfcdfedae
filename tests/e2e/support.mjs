// Launch Chromium with the Tyme Tab extension loaded and drive it: find the
// service worker and the extension id, open the popup, call the worker, stop
// the worker through the DevTools protocol, serve local pages. Used by the
// end-to-end tests, scripts/run.mjs, and later by the soak test and benchmark.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_SANDBOX } from '../support/chromium.mjs';
import { waitFor } from '../support/wait.mjs';
import { startSandbox } from '../support/sandbox.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// TYME_TAB_EXTENSION points at another copy of the extension (e.g. an unpacked dist build).
export const EXT_DIR = process.env.TYME_TAB_EXTENSION ? path.resolve(process.env.TYME_TAB_EXTENSION) : path.join(ROOT, 'extension');
// Fixed by the manifest `key`.
export const EXTENSION_ID = 'lnbnkbecnbgfjimheicebbkfalphbcmg';
export const REDIRECT_URI = `https://${EXTENSION_ID}.chromiumapp.org/`;
export { CHROMIUM };

/** Chromium's flags for the extension at extDir (plus any in alsoLoad, e.g. the bench's floor extension). */
export function chromiumArgs(extDir = EXT_DIR, extra = [], alsoLoad = []) {
  const dirs = [extDir, ...alsoLoad].join(',');
  return [
    ...CHROMIUM_ARGS,
    `--disable-extensions-except=${dirs}`, `--load-extension=${dirs}`, ...extra,
  ];
}

export function assertBuilt(extDir = EXT_DIR) {
  const wasm = path.join(extDir, 'pkg', 'tyme_tab_bg.wasm');
  if (!fs.existsSync(wasm)) throw new Error(`${wasm} is missing: run \`make wasm\` first`);
  // The browser loads the bundles of scripts/bundle.mjs (build/), not the
  // sources: a source changed after them would go untested.
  const bundled = path.join(extDir, 'build', 'background.js');
  if (!fs.existsSync(bundled)) throw new Error(`${bundled} is missing: run \`make build\` (or node scripts/bundle.mjs) first`);
  const builtAt = fs.statSync(bundled).mtimeMs;
  const newer = fs.readdirSync(extDir, { recursive: true }).filter((f) => /\.js$/.test(f) && !/^build[\\/]/.test(f))
    .find((f) => fs.statSync(path.join(extDir, f)).mtimeMs > builtAt);
  if (newer) throw new Error(`${path.join(extDir, newer)} is newer than the bundles: run \`make build\` (or node scripts/bundle.mjs) first`);
}

/**
 * Launch Chromium with the extension (`extDir`: another copy of it, e.g. a
 * deliberately broken one in the soak's tests). Returns a handle:
 * { context, extensionId, profileDir, worker(), openPopup(query), clickAction(page), inPopup(fn, arg), call(type, payload),
 *   send(page, type, payload), storage(keys), setStorage(obj), stopWorker(), screenshot(page, file), close() }
 * `env`: variables added to the browser's environment (e.g. TZ); `alsoLoad`: more extension folders loaded beside it (the bench's floor).
 */
export async function launchExtension({ profileDir, headless = true, args = [], keepProfile = false, env = {}, alsoLoad = [], extDir = EXT_DIR } = {}) {
  assertBuilt(extDir);
  const dir = profileDir || fs.mkdtempSync(path.join(os.tmpdir(), 'tyme-tab-profile-'));
  fs.mkdirSync(dir, { recursive: true });
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless, args: chromiumArgs(extDir, args, alsoLoad), viewport: { width: 380, height: 600 },
    chromiumSandbox: CHROMIUM_SANDBOX, ...(Object.keys(env).length ? { env: { ...process.env, ...env } } : {}),
  });
  let sw = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`));
  if (!sw) sw = await context.waitForEvent('serviceworker', { predicate: (w) => w.url().startsWith('chrome-extension://') && (!alsoLoad.length || w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`)), timeout: 15000 });
  const extensionId = new URL(sw.url()).host;
  if (extensionId !== EXTENSION_ID) throw new Error(`unexpected extension id ${extensionId} (manifest key changed?)`);
  const base = `chrome-extension://${extensionId}`;

  let helperPage = null;
  const ext = {
    context, extensionId, profileDir: dir, base,
    /** The live service worker, waking it (through an extension page) if it was stopped. */
    async worker() {
      for (let i = 0; i < 3; i++) {
        const w = context.serviceWorkers().find((x) => x.url().startsWith(base));
        if (w) {
          try { await w.evaluate(() => 1); return w; } catch { /* stale handle of a stopped worker */ }
        }
        const waiter = context.waitForEvent('serviceworker', { predicate: (x) => x.url().startsWith(base), timeout: 10000 }).catch(() => null);
        const p = await ext.page();
        p.evaluate(() => chrome.runtime.sendMessage({ type: 'getState' }).catch(() => null)).catch(() => {});
        await waiter;
      }
      throw new Error('service worker did not come back');
    },
    /** A blank extension page used to talk to the worker and to storage the way the popup does. */
    async page() {
      if (!helperPage || helperPage.isClosed()) {
        helperPage = await context.newPage();
        await helperPage.goto(`${base}/options/options.html`);
      }
      return helperPage;
    },
    async openPopup(query = '') {
      const page = await context.newPage();
      await page.goto(`${base}/popup/popup.html${query}`);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
      return page;
    },
    /**
     * The toolbar button clicked on `page`'s tab, as the browser runs it for a
     * person (CDP Extensions.triggerAction: the action's popup opens over that
     * tab and the extension is granted activeTab on it). Brings the tab to the
     * front first: the popup is the one of the active tab's window.
     */
    async clickAction(page) {
      await page.bringToFront();
      const url = page.url();
      const s = await context.browser().newBrowserCDPSession();
      try {
        const { targetInfos } = await s.send('Target.getTargets', { filter: [{ type: 'tab' }] });
        const tabs = targetInfos.filter((t) => t.type === 'tab' && t.url === url);
        if (tabs.length !== 1) throw new Error(`clickAction: ${tabs.length} tabs show ${url}`);
        await s.send('Extensions.triggerAction', { id: extensionId, targetId: tabs[0].targetId });
      } finally { await s.detach().catch(() => {}); }
    },
    /**
     * The action popup the browser opened (not a tab), as a window object of
     * the helper page's process: `fn(popupWindow)` runs in it. Waits until the
     * popup has rendered (body[data-ready]). Open the helper page (page())
     * before the popup: opening a page afterwards takes the focus and the
     * browser closes the popup.
     */
    async inPopup(fn, arg = null, { timeout = 15000 } = {}) {
      const p = await ext.page();
      await waitFor(() => p.evaluate(() => chrome.extension.getViews({ type: 'popup' }).some((v) => v.document.body.dataset.ready === '1')), { timeout, what: 'the action popup' });
      // An expression (run by the DevTools protocol, so the pages' CSP does not apply).
      return p.evaluate(`(${fn.toString()})(chrome.extension.getViews({ type: 'popup' })[0], ${JSON.stringify(arg)})`);
    },
    async openOptions() {
      const page = await context.newPage();
      await page.goto(`${base}/options/options.html`);
      return page;
    },
    /** The message protocol from an extension page: {ok, data} | {ok:false, error}. */
    async send(type, payload = {}, page = null) {
      const p = page || await ext.page();
      return p.evaluate(([t, pl]) => chrome.runtime.sendMessage({ type: t, payload: pl }), [type, payload]);
    },
    /** Same handlers, called inside the worker. */
    async call(type, payload = {}) {
      const w = await ext.worker();
      return w.evaluate(([t, pl]) => globalThis.tymeTab.dispatch({ type: t, payload: pl }), [type, payload]);
    },
    /** Dispatch the context-menu click handler in the worker. */
    async menuClick(info, tab) {
      const w = await ext.worker();
      return w.evaluate(([i, t]) => globalThis.tymeTab.handleMenuClick(i, t), [info, tab]);
    },
    async storage(keys = null) {
      const w = await ext.worker();
      return w.evaluate((k) => chrome.storage.local.get(k), keys);
    },
    async setStorage(obj) {
      const w = await ext.worker();
      return w.evaluate((o) => chrome.storage.local.set(o), obj);
    },
    /** Stop every service worker through the DevTools protocol; resolves
     *  when the protocol reports each version of this extension's worker
     *  stopped (its workerVersionUpdated event), 15 s being a safety net. */
    async stopWorker() {
      const p = await ext.page();
      const s = await context.newCDPSession(p);
      const status = new Map(); // versionId -> runningStatus, this extension's only
      let changed = () => {};
      s.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
        for (const v of versions) if (v.scriptURL.startsWith(`${base}/`)) status.set(v.versionId, v.runningStatus);
        changed();
      });
      try {
        await s.send('ServiceWorker.enable');
        await s.send('ServiceWorker.stopAllWorkers');
        await new Promise((res, rej) => {
          const timer = setTimeout(() => rej(new Error(`the service worker did not stop within 15 s (${JSON.stringify([...status])})`)), 15000);
          changed = () => {
            if (status.size && [...status.values()].every((st) => st === 'stopped')) { clearTimeout(timer); res(); }
          };
          changed();
        });
      } finally {
        await s.detach().catch(() => {});
      }
    },
    async screenshot(page, file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close().catch(() => {});
      if (!profileDir && !keepProfile) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return ext;
}

/** Point the extension at a sandbox and sign in (auto-approve). */
export async function configure(ext, { baseUrl, clientId, clientSecret }) {
  const res = await ext.send('saveSettings', { baseUrl, clientId, ...(clientSecret ? { clientSecret } : {}) });
  if (!res.ok) throw new Error(`saveSettings: ${res.error.message}`);
  return res.data;
}

export async function signIn(ext) {
  const res = await ext.send('signIn', { interactive: true });
  if (!res.ok) throw new Error(`signIn: ${res.error.code}: ${res.error.message}`);
  return res.data;
}

export { waitFor };

/**
 * A fresh sandbox (started with `sandboxArgs`; the demo set by default) with
 * `client` registered, and a fresh extension signed in to it; both closed
 * when the test `t` ends. → { sandbox, ext }
 */
export async function signedInSandbox(t, client, { sandboxArgs = ['--demo'] } = {}) {
  const sandbox = await startSandbox({ args: sandboxArgs, clients: [{ client_id: client, redirect_uris: [REDIRECT_URI] }] });
  const ext = await launchExtension();
  t.after(async () => { await ext.close(); await sandbox.stop(); });
  await configure(ext, { baseUrl: sandbox.url, clientId: client });
  await signIn(ext);
  return { sandbox, ext };
}

/**
 * The sandbox's demo set with the extension signed in, for journeys that
 * close both themselves: `task` is the demo's first task as the popup picks it.
 */
/**
 * The sign-in's warm-up has finished: the catalog and the past days of the
 * week are stored, so no request of it is still out (a test that times its
 * own requests starts after it).
 */
export async function warmUpDone(ext) {
  await waitFor(async () => {
    const st = await ext.storage(['catalogAt', 'pastWeek']);
    return st.catalogAt && st.pastWeek;
  }, { what: 'the sign-in warm-up' });
}

export async function signedInDemo(client) {
  const sandbox = await startSandbox({ args: ['--demo'], clients: [{ client_id: client, redirect_uris: [REDIRECT_URI] }] });
  const ext = await launchExtension();
  try {
    await configure(ext, { baseUrl: sandbox.url, clientId: client });
    await signIn(ext);
  } catch (e) { await ext.close(); await sandbox.stop(); throw e; }
  const t = (await sandbox.state()).tasks[0];
  const task = { taskId: t.id, subtaskId: '', taskName: t.name, projectId: t.project_id, projectName: 'Demo' };
  return { sandbox, ext, task, async close() { await ext.close(); await sandbox.stop(); } };
}

/**
 * Load an image that fails (`src="x"`, as in `<img src=x onerror=…>`) in
 * `page` and wait for its error event: once it has fired, the error of such
 * an image in the page's markup (and any handler of it) would have been
 * dispatched too, so a check that no script ran can follow.
 */
export async function imageErrorDispatched(page) {
  const outcome = await page.evaluate(() => new Promise((res) => {
    const probe = new Image();
    probe.onerror = () => res('error');
    probe.onload = () => res('load');
    probe.src = 'x';
  }));
  if (outcome !== 'error') throw new Error(`the probe image did not fail to load (${outcome})`);
}

/**
 * Serve a few HTML pages on 127.0.0.1. pages: {'/path': {title, body?}}.
 * With tls: true, serves https with a throw-away self-signed certificate;
 * `spki` is then the base64 SHA-256 of its public key (SPKI), what
 * Chromium's --ignore-certificate-errors-spki-list takes to trust it alone.
 */
export async function servePages(pages, { tls = false } = {}) {
  const handler = (req, res) => {
    const u = new URL(req.url, 'http://x');
    const p = pages[u.pathname];
    if (!p) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found'); return; }
    const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${esc(p.title)}</title></head><body>${p.body || `<h1>${esc(p.title)}</h1>`}</body></html>`);
  };
  let server;
  let tmp = null;
  let spki = null;
  if (tls) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tyme-tab-tls-'));
    const key = path.join(tmp, 'key.pem');
    const cert = path.join(tmp, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, handler);
    const der = new X509Certificate(fs.readFileSync(cert)).publicKey.export({ type: 'spki', format: 'der' });
    spki = createHash('sha256').update(der).digest('base64');
  } else {
    server = http.createServer(handler);
  }
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    port,
    spki,
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Run one popup action and return the popup's visible state, for assertions. */
export async function popupView(page) {
  return page.evaluate(() => {
    const vis = (id) => { const e = document.getElementById(id); return !!e && !e.hidden; };
    const txt = (id) => document.getElementById(id)?.textContent || '';
    return {
      signedOut: vis('signed-out'), idle: vis('idle'), running: vis('running'),
      error: vis('error') ? txt('error') : '', notice: vis('notice') ? txt('notice') : '',
      pending: vis('pending') ? txt('pending') : '', task: txt('run-task'), note: txt('run-note'),
      elapsed: txt('run-elapsed'), signedOutText: txt('signed-out-text'), totals: vis('totals') ? txt('totals') : '',
      discard: vis('discard'),
    };
  });
}
