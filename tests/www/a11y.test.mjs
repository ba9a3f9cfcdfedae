// Accessibility of each web-console tab (signed out, and signed in with
// entities, a report and a webhook listed) in light and dark with axe-core:
// no violations of any rule it runs by default, colour contrast included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { axeBothSchemes } from '../support/axe.mjs';
import {
  setup, openConsole, signIn, createProject, selectItem, createTask, addPastEntry, waitOutboxEmpty,
} from './support.mjs';

const SHOTS = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'out', 'screenshots');

async function check(page, name) {
  const v = await axeBothSchemes(page);
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(SHOTS, `www-${name}-${scheme}.png`), fullPage: true });
  }
  assert.deepEqual(v, { light: [], dark: [] }, `axe on ${name}`);
}

test('axe: every web-console tab, light and dark, has no violations', async (t) => {
  const { www, page, pageErrors } = await setup(t, { timezoneId: 'UTC' });
  await openConsole(page, www);
  await check(page, 'signed-out');

  await signIn(page, www);
  await createProject(page, { name: 'Alpha', rounding_method: 'UP', rounding_minutes: 15, hourly_rate: 100 });
  await selectItem(page, '#project-list', 'Alpha');
  await createTask(page, { name: 'A1', billable: true });
  await selectItem(page, '#task-list', 'A1');
  await addPastEntry(page, '2025-03-10T10:00:00', '2025-03-10T10:20:00', 'a');
  await waitOutboxEmpty(page);
  await check(page, 'browse');

  await page.click('nav a[data-tab=report]');
  await page.check('#report-form input[value=custom]');
  await page.fill('#report-form input[name=from]', '2025-03-10');
  await page.fill('#report-form input[name=to]', '2025-03-12');
  await page.click('#run-report');
  await page.waitForSelector('#report-form[data-state="done"]', { state: 'attached' });
  assert.equal(await page.locator('#report-table tbody tr').count() > 0, true, 'the report has rows');
  await check(page, 'report');

  await page.click('nav a[data-tab=webhooks]');
  await page.waitForSelector('#webhooks:not([hidden])');
  await check(page, 'webhooks');
  assert.deepEqual(pageErrors, []);
});
