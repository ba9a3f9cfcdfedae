// `make run`: start the sandbox with demo data and a demo client, open Chromium
// with Tyme Tab loaded and pointed at it. Without a display, run a scripted
// headless tour (sign in, pick a task, start on a page, stop, summary), save
// popup screenshots and exit.
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox } from '../tests/support/sandbox.mjs';
import { ROOT, REDIRECT_URI, EXTENSION_ID, launchExtension, servePages, popupView, waitFor } from '../tests/e2e/support.mjs';
import { runChromiumArgs } from './run-chromium.mjs';

const DEMO_CLIENT = 'tyme-tab-demo';
const headless = !process.env.DISPLAY;
const cleanups = [];
async function cleanup() { while (cleanups.length) await cleanups.pop()().catch(() => {}); }

async function main() {
  const sandbox = await startSandbox({ args: ['--demo'], clients: [{ client_id: DEMO_CLIENT, redirect_uris: [REDIRECT_URI] }] });
  cleanups.push(() => sandbox.stop());
  console.log(`sandbox:      ${sandbox.url}  (demo data, client id "${DEMO_CLIENT}", ${sandbox.dialect} dialect; TYME_DIALECT=seed|live)`);
  console.log(`extension id: ${EXTENSION_ID}  redirect URI: ${REDIRECT_URI}`);

  let wwwUrl = null;
  const wwwScript = path.join(ROOT, 'scripts', 'www-server.mjs');
  if (fs.existsSync(wwwScript)) {
    try {
      const { startWwwServer } = await import(wwwScript);
      const www = await startWwwServer({ port: 0, sandboxUrl: sandbox.url });
      cleanups.push(() => www.stop());
      await sandbox.addClient({ client_id: 'tyme-www', redirect_uris: [`${www.url}/`] }).catch(() => {});
      wwwUrl = www.url;
      console.log(`www page:     ${www.url}/`);
    } catch (e) {
      console.log(`www page:     not started (${e.message})`);
    }
  }

  // A page to track, served over TLS under the manifest's host permission so
  // the popup can read its URL and title without a user gesture.
  const pages = await servePages({ '/guide': { title: 'Tyme Tab demo page', body: '<h1>Tyme Tab demo page</h1><p>Track the time you spend here.</p>' } }, { tls: true });
  cleanups.push(() => pages.stop());

  const profileDir = path.join(ROOT, 'out', 'profile');
  if (headless) fs.rmSync(profileDir, { recursive: true, force: true });
  // Trusts the demo page's certificate by its key alone (not every certificate).
  const ext = await launchExtension({ profileDir, headless, args: runChromiumArgs(pages) });
  cleanups.push(() => ext.close());
  // Through the worker, like the options page: a kept profile's data of an
  // earlier run's sandbox (another port: another server) is parked, not sent here.
  const saved = await ext.send('saveSettings', { baseUrl: sandbox.url, clientId: DEMO_CLIENT });
  if (!saved.ok) throw new Error(`saveSettings: ${saved.error.message}`);
  console.log(`extension configured: base URL ${sandbox.url}, client id ${DEMO_CLIENT}`);

  if (!headless) {
    const page = await ext.context.newPage();
    await page.goto('https://api.tyme-app.com/guide');
    await ext.openOptions();
    console.log('Chromium is open with Tyme Tab. Click the toolbar icon (or open the options tab) and sign in.');
    console.log('Press Ctrl-C to stop.');
    await new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      ext.context.once('close', resolve);
    });
    return;
  }

  const shots = path.join(ROOT, 'out', 'run-screenshots');
  fs.rmSync(shots, { recursive: true, force: true });
  const shot = async (page, name) => console.log(`  screenshot ${path.relative(ROOT, await ext.screenshot(page, path.join(shots, name)))}`);

  console.log('headless tour:');
  const page = await ext.context.newPage();
  await page.goto('https://api.tyme-app.com/guide?ref=tour&utm_source=demo');
  const w = await ext.worker();
  const [tab] = await w.evaluate(() => chrome.tabs.query({ url: 'https://api.tyme-app.com/*' }));
  const popup = await ext.openPopup(`?tab=${tab.id}`);
  await shot(popup, '1-signed-out.png');

  await popup.click('#sign-in');
  await popup.waitForSelector('#idle:not([hidden])', { timeout: 15000 });
  console.log('  signed in');
  await popup.waitForSelector('#project-list button', { timeout: 10000 });
  const project = popup.locator('#project-list button').first();
  const projectName = await project.textContent();
  await project.click();
  await popup.waitForSelector('#task-list button', { timeout: 10000 });
  await popup.locator('#task-list button').first().click();
  console.log(`  picked ${await popup.textContent('#selected')} (project "${projectName}")`);
  await shot(popup, '2-idle-picker.png');

  await popup.click('#start');
  await popup.waitForSelector('#running:not([hidden])');
  const entry = await waitFor(async () => (await sandbox.state()).time_entries.find((e) => e.time_end === null), { what: 'running entry' });
  console.log(`  started on the demo page: note "${entry.note}"`);
  await new Promise((r) => setTimeout(r, 2200));
  await shot(popup, '3-running.png');

  await popup.click('#stop');
  await popup.waitForSelector('#idle:not([hidden])');
  const stopped = await waitFor(async () => (await sandbox.state()).time_entries.find((e) => e.id === entry.id && e.time_end), { what: 'stopped entry' });
  console.log(`  stopped: ${stopped.time_start} → ${stopped.time_end} (UTC)`);

  const summaryPopup = await ext.openPopup(`?tab=${tab.id}`);
  await summaryPopup.waitForSelector('#totals:not([hidden])', { timeout: 10000 });
  const v = await popupView(summaryPopup);
  console.log(`  totals: ${v.totals}`);
  await shot(summaryPopup, '4-summary.png');
  console.log(`popup screenshots written to ${shots}`);

  // A person at a terminal keeps the sandbox (and the web console, whose
  // webhook receiver shows deliveries live) until Ctrl-C; a script exits here.
  if (process.stdin.isTTY) {
    await ext.close().catch(() => {});
    console.log(`still serving: sandbox ${sandbox.url}${wwwUrl ? `, web console ${wwwUrl}/` : ''} — Ctrl-C to stop`);
    await new Promise((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
  }
}

let code = 0;
try {
  await main();
} catch (e) {
  console.error(`make run failed: ${e.stack || e.message}`);
  code = 1;
} finally {
  await cleanup();
}
process.exit(code);
