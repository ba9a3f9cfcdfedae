// The page's pure modules (CSV, validation, ranges, report arithmetic), run in node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCsv, csvCell } from '../../www/lib/csv.js';
import { validateProject, validateTask, validateCategory, validatePastEntry, validateHook } from '../../www/lib/validate.js';
import { reportRange, parseDateTimeLocal } from '../../www/lib/dates.js';
import { buildReport } from '../../www/lib/report.js';

test('CSV quotes per RFC 4180 and neutralises formula cells', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('-2'), "'-2");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\tx'), "'\tx");
  assert.equal(csvCell(-2), '-2');
  assert.equal(csvCell(true), 'yes');
  assert.equal(csvCell(null), '');
  assert.equal(toCsv([['a', 'b'], [1, 'c,d']]), 'a,b\r\n1,"c,d"\r\n');
});

test('validation refuses empty names, negatives, bad rounding, non-integers', () => {
  assert.deepEqual(Object.keys(validateCategory({ name: '  ' }).errors), ['name']);
  const p = validateProject({ name: 'P', rounding_method: 'SIDEWAYS', rounding_minutes: '1.5', hourly_rate: '-1', planned_duration_hours: '', planned_budget: '-0.5' });
  assert.deepEqual(Object.keys(p.errors).sort(), ['hourly_rate', 'planned_budget', 'planned_duration_hours', 'rounding_method', 'rounding_minutes']);
  const ok = validateProject({ name: ' P ', category_id: '', rounding_method: 'up', rounding_minutes: '15', hourly_rate: '90.5', planned_duration_hours: '12.5', planned_budget: '1000' });
  assert.deepEqual(ok.errors, {});
  assert.deepEqual(ok.value, { type: 'Project', name: 'P', category_id: null, rounding_method: 'UP', rounding_minutes: 15, hourly_rate: 90.5, planned_duration_hours: 12.5, planned_budget: 1000 });
  const t = validateTask({ name: 'T', project_id: 'p1', billable: true, planned_minutes: '90', planned_seconds: '30', id: 'x' });
  assert.deepEqual(t.value, { type: 'TimedTask', id: 'x', name: 'T', project_id: 'p1', billable: true, planned_duration: 5430 });
  assert.deepEqual(Object.keys(validateTask({ name: 'T', project_id: '', planned_minutes: '2.5', planned_seconds: '60' }).errors).sort(),
    ['planned_minutes', 'planned_seconds', 'project_id']);
  const s = parseDateTimeLocal('2025-03-10T10:00:00');
  assert.deepEqual(Object.keys(validatePastEntry({ start: s, end: s, note: '' }).errors), ['end']);
  assert.deepEqual(Object.keys(validatePastEntry({ start: NaN, end: s, note: '' }).errors), ['start']);
  assert.deepEqual(Object.keys(validateHook({ hookUrl: 'javascript:alert(1)', triggers: ['nope'] }).errors).sort(), ['hookUrl', 'trigger']);
});

test('report ranges cover whole local days', () => {
  const now = new Date(2025, 2, 12, 15, 30).getTime(); // a Wednesday
  const w = reportRange('week', now);
  assert.equal(w.days.length, 7);
  assert.equal(new Date(w.from).getDay(), 1);
  assert.equal(reportRange('month', now).days.length, 31);
  assert.equal(reportRange('today', now).days.length, 1);
  const c = reportRange('custom', now, { from: '2025-03-10', to: '2025-03-11' });
  assert.deepEqual(c.days.map((d) => d.label), ['2025-03-10', '2025-03-11']);
  assert.throws(() => reportRange('custom', now, { from: '2025-03-11', to: '2025-03-10' }), (e) => e.field === 'to');
  assert.throws(() => reportRange('custom', now, { from: '2024-01-01', to: '2025-03-10' }), (e) => e.field === 'to');
});

test('report sums per-day rows per task, then rounds each task total', () => {
  const row = (task, dur, extra = {}) => ({ task_id: task, task_name: task, subtask_id: null, project_id: 'p', project_name: 'P',
    billable: true, rounding_method: 'UP', rounding_minutes: 15, hourly_rate: 100, duration: dur, entries: 1, ...extra });
  const calls = [];
  const round = (s, m, n) => { calls.push([s, m, n]); const q = n * 60; return Math.ceil(s / q) * q; };
  const r = buildReport([{ label: 'd1', rows: [row('a', 600)] }, { label: 'd2', rows: [row('a', 300), row('b', 60, { billable: false })] }], round);
  assert.deepEqual(calls, [[900, 'UP', 15], [60, 'UP', 15]]);
  assert.deepEqual(r.days, [{ label: 'd1', raw: 600 }, { label: 'd2', raw: 360 }]);
  assert.equal(r.projects.length, 1);
  assert.deepEqual([r.projects[0].raw, r.projects[0].rounded, r.projects[0].amount], [960, 1800, 25]);
});
