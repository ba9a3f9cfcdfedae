// Accessibility of every popup state and the options page, in light and dark
// (prefers-color-scheme), with axe-core: no violations of any rule it runs by
// default, colour contrast included. Screenshots of each state in both
// schemes go to out/screenshots/ (linked from the README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startSandbox } from '../support/sandbox.mjs';
import { axeBothSchemes } from '../support/axe.mjs';
import { ROOT, REDIRECT_URI, launchExtension, configure, signIn, waitFor, popupView } from './support.mjs';

const SHOTS = path.join(ROOT, 'out', 'screenshots');
const CLIENT = 'tyme-tab-a11y';

async function check(page, name) {
  const v = await axeBothSchemes(page);
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(SHOTS, `popup-${name}-${scheme}.png`), fullPage: true });
  }
  assert.deepEqual(v, { light: [], dark: [] }, `axe on ${name}`);
}

test('axe: every popup state and the options page, light and dark, have no violations', async () => {
  const sandbox = await startSandbox({ clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT_URI] }] });
  const ext = await launchExtension();
  try {
    await configure(ext, { baseUrl: sandbox.url, clientId: CLIENT });
    let popup = await ext.openPopup();
    assert.equal((await popupView(popup)).signedOut, true);
    await check(popup, 'signed-out');
    await popup.close();

    await signIn(ext);
    const p = await ext.send('create', { type: 'Project', name: 'Website' });
    assert.equal(p.ok, true, JSON.stringify(p.error));
    const t = await ext.send('create', { type: 'TimedTask', name: 'Research', parentId: p.data.id });
    assert.equal(t.ok, true, JSON.stringify(t.error));
    await ext.send('flush');

    popup = await ext.openPopup();
    await popup.waitForSelector('#project-list button');
    await check(popup, 'idle');
    await popup.click('#project-list button');
    await popup.waitForSelector('#task-list button');
    await popup.click('#task-list button');
    await popup.waitForSelector('#start:not([disabled])');
    await check(popup, 'task-chosen');
    await popup.click('#start');
    await popup.waitForSelector('#running:not([hidden])');
    // The change is announced politely to screen readers.
    assert.equal(await popup.getAttribute('#announce', 'aria-live'), 'polite');
    assert.equal(await popup.textContent('#announce'), 'Timer started: Website › Research');
    await check(popup, 'running');

    // An error shown: the server refuses the stop for a while.
    await sandbox.faults({ fail_next: 3, status: 503, path_prefix: '/data' });
    await popup.click('#stop');
    await waitFor(async () => { const v = await popupView(popup); return v.error || v.pending; }, { what: 'an error or pending note in the popup' });
    assert.equal(await popup.textContent('#announce'), 'Timer stopped');
    await check(popup, 'error');
    await popup.close();

    const options = await ext.openOptions();
    await options.waitForSelector('#auth-status:not(:empty)');
    await check(options, 'options');
  } finally {
    await ext.close();
    await sandbox.stop();
  }
});
