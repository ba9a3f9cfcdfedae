// `make run BROWSER=firefox`: start the sandbox with demo data and a demo
// client registered for Firefox's redirect URL, and open firefox-esr with the
// Firefox build of Tyme Tab (temporary add-on) pointed at it. With a display,
// Firefox stays open: sign in from the options tab (Firefox asks for access
// to the sandbox host: Allow). Without one, a scripted headless tour: sign in
// (the prompt answered Allow), pick a task, start on a page, stop, summary,
// with screenshots in out/run-firefox-screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import { By } from 'selenium-webdriver';
import { startSandbox } from '../tests/support/sandbox.mjs';
import { servePages } from '../tests/e2e/support.mjs';
import { ROOT, REDIRECT_URI, GECKO_ID, BASE, launchFirefox } from '../tests/firefox/support.mjs';
import { writeUnpacked } from './build-dist.mjs';

const DEMO_CLIENT = 'tyme-tab-demo';
const headless = !process.env.DISPLAY;
const cleanups = [];
async function cleanup() { while (cleanups.length) await cleanups.pop()().catch(() => {}); }

async function main() {
  const sandbox = await startSandbox({ args: ['--demo'], clients: [{ client_id: DEMO_CLIENT, redirect_uris: [REDIRECT_URI] }] });
  cleanups.push(() => sandbox.stop());
  console.log(`sandbox:      ${sandbox.url}  (demo data, client id "${DEMO_CLIENT}")`);
  console.log(`add-on id:    ${GECKO_ID}  redirect URI: ${REDIRECT_URI}`);

  // The Firefox build as packaged (no test hook), unpacked.
  const dir = path.join(ROOT, 'out', 'firefox');
  writeUnpacked('firefox', dir);
  const pages = await servePages({ '/guide': { title: 'Tyme Tab demo page', body: '<h1 id="h">Tyme Tab demo page</h1><p>Track the time you spend here.</p>' } });
  cleanups.push(() => pages.stop());

  const ff = await launchFirefox({ addon: dir, headless });
  cleanups.push(() => ff.close());
  const d = ff.driver;
  const { settings } = await ff.storage('settings');
  await ff.setStorage({ settings: { clientSecret: '', scrubParams: null, allowIncognito: false, ...(settings || {}), baseUrl: sandbox.url, clientId: DEMO_CLIENT } });
  console.log(`add-on configured: base URL ${sandbox.url}, client id ${DEMO_CLIENT}`);
  const page = `${pages.url}/guide?ref=tour&utm_source=demo`;

  if (!headless) {
    await ff.openTab(page);
    await ff.openTab(`${BASE}/options/options.html`);
    console.log('Firefox is open with Tyme Tab. In the options tab, "Save and sign in" (allow access to 127.0.0.1 when Firefox asks).');
    console.log('Press Ctrl-C to stop.');
    await new Promise((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
    return;
  }

  const shots = path.join(ROOT, 'out', 'run-firefox-screenshots');
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  const shot = async (name) => {
    const file = path.join(shots, name);
    fs.writeFileSync(file, Buffer.from(await d.takeScreenshot(), 'base64'));
    console.log(`  screenshot ${path.relative(ROOT, file)}`);
  };

  console.log('headless tour:');
  await ff.helper();
  await d.get(`${BASE}/options/options.html`);
  await ff.textOf('#auth-status', /signed/);
  await d.findElement(By.id('sign-in')).click();
  await ff.answerPermissionPrompt(true);
  console.log(`  options: ${await ff.textOf('#message', /Signed in\.|\S.*[^…]$/)}`);
  await shot('1-options-signed-in.png');

  await ff.openTab(page);
  const [tab] = await ff.inPage((u) => browser.tabs.query({ url: u }), 'http://127.0.0.1/guide*');
  await ff.openPopup(`?tab=${tab.id}`);
  const project = await ff.waitFor(async () => (await d.findElements(By.css('#project-list button')))[0], { what: 'projects' });
  const projectName = await project.getText();
  await project.click();
  const task = await ff.waitFor(async () => (await d.findElements(By.css('#task-list button')))[0], { what: 'tasks' });
  await task.click();
  console.log(`  picked ${await ff.textOf('#selected')} (project "${projectName}")`);
  await shot('2-idle-picker.png');

  await d.findElement(By.id('start')).click();
  await ff.textOf('#run-task');
  const entry = await ff.waitFor(async () => (await sandbox.state()).time_entries.find((e) => e.time_end === null), { what: 'running entry' });
  console.log(`  started on the demo page: note "${entry.note}"`);
  await shot('3-running.png');

  await d.findElement(By.id('stop')).click();
  const stopped = await ff.waitFor(async () => (await sandbox.state()).time_entries.find((e) => e.id === entry.id && e.time_end), { what: 'stopped entry' });
  console.log(`  stopped: ${stopped.time_start} → ${stopped.time_end} (UTC)`);
  await ff.openPopup(`?tab=${tab.id}`);
  console.log(`  summary: ${await ff.textOf('#totals')}`);
  await shot('4-summary.png');
  console.log(`popup screenshots written to ${shots}`);
}

let code = 0;
try { await main(); } catch (e) { console.error(e); code = 1; } finally { await cleanup(); }
process.exit(code);
