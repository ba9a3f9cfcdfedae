// The report against entries the test creates through the page: per-project
// and per-day totals, rounding per task total (UP / DOWN / NEAREST, worked out
// by hand below), billable amounts, the SVG chart, the CSV and a screenshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  setup, signIn, selectItem, createCategory, createProject, createTask, createSubTask, addPastEntry, waitOutboxEmpty, screenshot,
} from './support.mjs';

/** A small RFC 4180 reader for checking the download. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') q = false; else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

test('report totals, rounding per task total, per-day chart, CSV and screenshot', async (t) => {
  const { sb, www, page, pageErrors } = await setup(t, { timezoneId: 'UTC' });
  await signIn(page, www);

  await createCategory(page, 'Clients');
  // Alpha: UP to 15 min, 100/h. A1 (billable): 20:00 + 7:30 = 1650 s → 1800 s (30 min) → 50.00.
  //   Rounding each entry instead would give 30 + 15 = 45 min: the test tells them apart.
  await createProject(page, { name: 'Alpha', category: 'Clients', rounding_method: 'UP', rounding_minutes: 15, hourly_rate: 100 });
  await selectItem(page, '#project-list', 'Alpha');
  await createTask(page, { name: 'A1', billable: true });
  await selectItem(page, '#task-list', 'A1');
  await addPastEntry(page, '2025-03-10T10:00:00', '2025-03-10T10:20:00', 'a');
  await addPastEntry(page, '2025-03-10T11:00:00', '2025-03-10T11:07:30', 'b');
  await addPastEntry(page, '2025-03-09T12:00:00', '2025-03-09T13:00:00', 'outside the range');

  // Beta: DOWN to 15 min, 80/h. B1 (not billable): 1:29:59 = 5399 s → 4500 s, 0.00.
  //   "=SUM(1+1)" (billable): 14:00 = 840 s → 0 s → 0.00.
  await createProject(page, { name: 'Beta, "DOWN" 15', rounding_method: 'DOWN', rounding_minutes: 15, hourly_rate: 80 });
  await selectItem(page, '#category-list', 'All projects'); // Beta has no category
  await selectItem(page, '#project-list', 'Beta, "DOWN" 15');
  await createTask(page, { name: 'B1', billable: false });
  await createTask(page, { name: '=SUM(1+1)', billable: true });
  await selectItem(page, '#task-list', 'B1');
  await addPastEntry(page, '2025-03-10T13:00:00', '2025-03-10T14:29:59');
  await selectItem(page, '#task-list', '=SUM(1+1)');
  await addPastEntry(page, '2025-03-11T09:00:00', '2025-03-11T09:14:00');

  // Gamma: NEAREST 10 min, 60/h. C1 (billable): 23:50 → 00:12:30 across midnight = 1350 s
  //   (600 s on the 10th, 750 s on the 11th) → 1200 s → 20.00.
  //   Sub-task C1a: 7:00 = 420 s → 600 s → 10.00.
  await createProject(page, { name: 'Gamma', category: 'Clients', rounding_method: 'NEAREST', rounding_minutes: 10, hourly_rate: 60 });
  await selectItem(page, '#project-list', 'Gamma');
  await createTask(page, { name: 'C1', billable: true });
  await selectItem(page, '#task-list', 'C1');
  await addPastEntry(page, '2025-03-10T23:50:00', '2025-03-11T00:12:30');
  await createSubTask(page, { name: 'C1a' });
  await selectItem(page, '#subtask-list', 'C1a');
  await addPastEntry(page, '2025-03-11T10:00:00', '2025-03-11T10:07:00');
  await waitOutboxEmpty(page);
  assert.equal((await sb.state()).time_entries.length, 7);

  await page.click('nav a[data-tab=report]');
  await page.check('#report-form input[value=custom]');
  await page.fill('#report-form input[name=from]', '2025-03-10');
  await page.fill('#report-form input[name=to]', '2025-03-12');
  await sb.clearLog();
  await page.click('#run-report');
  await page.waitForSelector('#report-form[data-state="done"]', { state: 'attached' });
  const summaries = (await sb.log()).filter((r) => r.method === 'GET' && r.path === '/data/summary');
  assert.equal(summaries.length, 3, 'one summary call per day');
  t.diagnostic(`report of 3 days: ${await page.getAttribute('#report-range', 'data-ms')} ms`);

  // Totals.
  assert.equal(await page.getAttribute('[data-total=raw]', 'data-seconds'), String(1650 + 5399 + 840 + 1350 + 420));
  assert.equal(await page.getAttribute('[data-total=rounded]', 'data-seconds'), String(1800 + 4500 + 0 + 1200 + 600));
  assert.equal(await page.getAttribute('[data-total=amount]', 'data-amount'), '80.00');

  // Per project: [raw, rounded, amount].
  const projects = await page.$$eval('#project-table tbody tr', (trs) => trs.map((tr) => [
    tr.children[1].textContent, Number(tr.children[3].dataset.seconds), Number(tr.children[4].dataset.seconds), tr.children[5].dataset.amount]));
  assert.deepEqual(projects.sort(), [
    ['Alpha', 1650, 1800, '50.00'],
    ['Beta, "DOWN" 15', 6239, 4500, '0.00'],
    ['Gamma', 1770, 1800, '30.00'],
  ]);

  // Per task row.
  const rows = await page.$$eval('#report-table tbody tr', (trs) => trs.map((tr) => [
    tr.children[2].textContent, tr.children[3].textContent, Number(tr.children[5].dataset.seconds),
    tr.children[6].textContent, Number(tr.children[7].dataset.seconds), tr.children[9].dataset.amount]));
  assert.deepEqual(rows.sort(), [
    ['=SUM(1+1)', '', 840, 'DOWN 15 min', 0, '0.00'],
    ['A1', '', 1650, 'UP 15 min', 1800, '50.00'],
    ['B1', '', 5399, 'DOWN 15 min', 4500, '0.00'],
    ['C1', '', 1350, 'NEAREST 10 min', 1200, '20.00'],
    ['C1', 'C1a', 420, 'NEAREST 10 min', 600, '10.00'],
  ]);

  // The per-day chart: one bar per day with the raw seconds.
  const bars = await page.$$eval('#day-chart svg g.bar-group', (gs) => gs.map((g) => [g.dataset.label, Number(g.querySelector('rect').dataset.value)]));
  assert.deepEqual(bars, [['03-10', 1650 + 5399 + 600], ['03-11', 840 + 750 + 420], ['03-12', 0]]);
  const projectBars = await page.$$eval('#project-chart svg rect.bar[data-series]', (rs) => rs.map((r) => Number(r.dataset.value)));
  assert.equal(projectBars.length, 6);
  assert.equal(await page.locator('#day-chart svg').evaluate((el) => el.namespaceURI), 'http://www.w3.org/2000/svg');

  const shot = await screenshot(page, 'www-report.png');
  t.diagnostic(`screenshot: ${shot}`);

  // CSV download.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv-download')]);
  assert.equal(download.suggestedFilename(), 'tyme-report-2025-03-10-to-2025-03-12.csv');
  const text = await readFile(await download.path(), 'utf8');
  assert.ok(text.startsWith('\uFEFF'));
  assert.ok(text.endsWith('\r\n'));
  const csv = parseCsv(text.slice(1));
  assert.deepEqual(csv[0], ['Category', 'Project', 'Task', 'Sub-task', 'Billable', 'Raw seconds', 'Raw (h)', 'Rounding method',
    'Rounding minutes', 'Rounded seconds', 'Rounded (h)', 'Hourly rate', 'Amount']);
  assert.equal(csv.length, 6);
  const byTask = Object.fromEntries(csv.slice(1).map((r) => [`${r[2]}/${r[3]}`, r]));
  assert.deepEqual(byTask['A1/'], ['Clients', 'Alpha', 'A1', '', 'yes', '1650', '0.4583', 'UP', '15', '1800', '0.5000', '100.00', '50.00']);
  assert.deepEqual(byTask["'=SUM(1+1)/"], ['', 'Beta, "DOWN" 15', "'=SUM(1+1)", '', 'yes', '840', '0.2333', 'DOWN', '15', '0', '0.0000', '80.00', '0.00']);
  assert.deepEqual(byTask['C1/C1a'].slice(5), ['420', '0.1167', 'NEAREST', '10', '600', '0.1667', '60.00', '10.00']);
  assert.ok(text.includes('"Beta, ""DOWN"" 15"'), 'quotes doubled inside a quoted cell');

  // Today and this month: one request per day of the range.
  await page.check('#report-form input[value=today]');
  await sb.clearLog();
  await page.click('#run-report');
  await page.waitForFunction(() => document.querySelector('#report-range').dataset.requests === '1');
  assert.equal((await sb.log()).filter((r) => r.method === 'GET' && r.path === '/data/summary').length, 1);
  assert.equal(await page.getAttribute('[data-total=raw]', 'data-seconds'), '0');
  await page.check('#report-form input[value=month]');
  await page.click('#run-report');
  const now = new Date();
  const monthDays = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
  await page.waitForFunction((n) => document.querySelector('#report-range').dataset.requests === String(n), monthDays);
  t.diagnostic(`report of ${monthDays} days: ${await page.getAttribute('#report-range', 'data-ms')} ms`);
  assert.deepEqual(pageErrors, []);
});
