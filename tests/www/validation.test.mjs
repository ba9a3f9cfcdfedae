// Invalid input is refused beside the field, and no request reaches the sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, signIn, dataRequests, createProject, selectItem, createTask } from './support.mjs';
import { waitFor } from '../support/wait.mjs';

async function errorFor(page, form, field) {
  return (await page.textContent(`${form} .field-error[data-error-for="${field}"]`)).trim();
}

test('invalid entity, entry and webhook input is refused before any request', async (t) => {
  const { sb, www, page, pageErrors } = await setup(t);
  await signIn(page, www);
  await createProject(page, { name: 'Valid', rounding_method: 'NEAREST', rounding_minutes: 15, hourly_rate: 10 });
  await selectItem(page, '#project-list', 'Valid');
  await createTask(page, { name: 'Valid task', billable: true });
  await selectItem(page, '#task-list', 'Valid task');
  await page.waitForSelector('#subtask-list li.empty');
  await sb.clearLog();
  const before = await sb.state();

  // Empty names.
  await page.click('#category-form button.new');
  await page.fill('#category-form input[name=name]', '   ');
  await page.click('#category-form button[type=submit]');
  assert.equal(await errorFor(page, '#category-form', 'name'), 'Enter a name.');
  assert.equal(await page.getAttribute('#category-form input[name=name]', 'aria-invalid'), 'true');

  // A project with every kind of bad value at once.
  await page.click('#project-form button.new');
  const f = '#project-form';
  await page.fill(`${f} input[name=name]`, '');
  await page.fill(`${f} input[name=rounding_method]`, 'SIDEWAYS');
  await page.fill(`${f} input[name=rounding_minutes]`, '7.5');
  await page.fill(`${f} input[name=hourly_rate]`, '-20');
  await page.fill(`${f} input[name=planned_duration_hours]`, '-1');
  await page.fill(`${f} input[name=planned_budget]`, '-0.01');
  await page.click(`${f} button[type=submit]`);
  assert.equal(await errorFor(page, f, 'name'), 'Enter a name.');
  assert.equal(await errorFor(page, f, 'rounding_method'), 'Choose DOWN, NEAREST or UP.');
  assert.equal(await errorFor(page, f, 'rounding_minutes'), 'Must be a whole number.');
  assert.equal(await errorFor(page, f, 'hourly_rate'), 'Must not be negative.');
  assert.equal(await errorFor(page, f, 'planned_duration_hours'), 'Must not be negative.');
  assert.equal(await errorFor(page, f, 'planned_budget'), 'Must not be negative.');
  // Fixing one field clears its message on the next try, the others stay.
  await page.fill(`${f} input[name=name]`, 'Fixed name');
  await page.click(`${f} button[type=submit]`);
  assert.equal(await errorFor(page, f, 'name'), '');
  assert.equal(await errorFor(page, f, 'rounding_method'), 'Choose DOWN, NEAREST or UP.');

  // A task with non-integer minutes and seconds out of range.
  await page.click('#task-form button.new');
  await page.fill('#task-form input[name=name]', 'Bad duration');
  await page.fill('#task-form input[name=planned_minutes]', '1.5');
  await page.fill('#task-form input[name=planned_seconds]', '75');
  await page.click('#task-form button[type=submit]');
  assert.equal(await errorFor(page, '#task-form', 'planned_minutes'), 'Must be a whole number.');
  assert.equal(await errorFor(page, '#task-form', 'planned_seconds'), 'Must be at most 59.');

  // A past entry whose end is not after its start (on the selected task).
  assert.equal(await page.textContent('#time-target'), 'Valid task');
  await page.fill('#past-form input[name=start]', '2025-03-10T10:00:00');
  await page.fill('#past-form input[name=end]', '2025-03-10T09:59:00');
  await page.click('#past-form button[type=submit]');
  assert.equal(await errorFor(page, '#past-form', 'end'), 'The end must be after the start.');
  await page.fill('#past-form input[name=start]', '');
  await page.click('#past-form button[type=submit]');
  assert.equal(await errorFor(page, '#past-form', 'start'), 'Enter a start date and time.');

  // A webhook with a non-http URL and no trigger.
  await page.click('nav a[data-tab=webhooks]');
  await page.fill('#hook-form input[name=hookUrl]', 'javascript:alert(1)');
  for (const c of await page.locator('#hook-form input[name=trigger]').all()) await c.setChecked(false);
  await page.click('#hook-subscribe');
  assert.equal(await errorFor(page, '#hook-form', 'hookUrl'), 'Use an http or https URL.');
  assert.equal(await errorFor(page, '#hook-form', 'trigger'), 'Choose at least one trigger.');

  // A custom report range that ends before it starts.
  await page.click('nav a[data-tab=report]');
  await page.check('#report-form input[value=custom]');
  await page.fill('#report-form input[name=from]', '2025-03-12');
  await page.fill('#report-form input[name=to]', '2025-03-10');
  await page.click('#run-report');
  assert.equal(await errorFor(page, '#report-form', 'to'), 'The end date is before the start date.');

  // A valid range is sent: once its summary request is in the log, a
  // request of any refused input before it would be there too.
  await page.fill('#report-form input[name=to]', '2025-03-12');
  await page.click('#run-report');
  await waitFor(async () => (await dataRequests(sb)).some((r) => r.path.startsWith('/data/summary')), { what: 'the valid report\'s summary request' });
  // (the summary's own CORS preflight aside)
  assert.deepEqual((await dataRequests(sb)).filter((r) => !(['GET', 'OPTIONS'].includes(r.method) && r.path.startsWith('/data/summary'))), [],
    'no request was sent for invalid input');
  const after = await sb.state();
  assert.deepEqual([after.categories, after.projects, after.tasks, after.time_entries, after.webhooks],
    [before.categories, before.projects, before.tasks, before.time_entries, before.webhooks]);
  assert.equal(await page.textContent('#outbox-size'), '0');
  assert.deepEqual(pageErrors, []);
});
