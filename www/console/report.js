// The report: one summary call per local day of the range, totals raw,
// rounded (by the core's rounding) and billable, charts and a CSV download.
import { roundDuration } from '../pkg/tyme_tab.js';
import { h, clear, setText } from '../lib/dom.js';
import { reportRange, toDateInput } from '../lib/dates.js';
import { hms, money } from '../lib/format.js';
import { barChart } from '../lib/chart.js';
import { buildReport, reportCsv } from '../lib/report.js';
import { app, $, errText, needSignIn, showErrors } from './state.js';

async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function runReport(ev) {
  ev?.preventDefault();
  const f = $('#report-form');
  const kind = f.elements.range.value;
  let range;
  try {
    range = reportRange(kind, Date.now(), { from: f.elements.from.value, to: f.elements.to.value });
  } catch (e) {
    showErrors(f, { [e.field || 'from']: e.message });
    return;
  }
  showErrors(f, {});
  if (needSignIn()) return;
  f.dataset.state = 'loading';
  setText($('#report-range'), 'Loading…');
  const t0 = performance.now();
  try {
    // One summary call per local day (at most 4 at a time): the per-day chart needs
    // them, and the range totals are their sums (the server clips entries to each day).
    const days = await mapLimit(range.days, 4, async (d) => ({
      label: d.label, rows: await app.client.summary(d.from, d.to),
    }));
    const ms = Math.round(performance.now() - t0);
    app.report = { ...buildReport(days, (s, m, n) => roundDuration(s, m, n)), range, ms };
    renderReport();
    f.dataset.state = 'done';
  } catch (e) {
    f.dataset.state = 'error';
    setText($('#report-range'), `Report failed: ${errText(e)}`);
  }
}

function roundingText(r) {
  return `${r.rounding_method} ${r.rounding_minutes} min`;
}

function renderReport() {
  const r = app.report;
  const first = r.range.days[0].label;
  const last = r.range.days[r.range.days.length - 1].label;
  setText($('#report-range'), `${first} to ${last}: ${r.range.days.length} day(s), ${r.range.days.length} summary request(s) in ${r.ms} ms.`);
  $('#report-range').dataset.requests = String(r.range.days.length);
  $('#report-range').dataset.ms = String(r.ms);

  const totals = clear($('#report-totals'));
  totals.append(
    h('span', { 'data-total': 'raw', 'data-seconds': r.totals.raw }, `Raw ${hms(r.totals.raw)}`),
    h('span', { 'data-total': 'rounded', 'data-seconds': r.totals.rounded }, `Rounded ${hms(r.totals.rounded)}`),
    h('span', { 'data-total': 'amount', 'data-amount': money(r.totals.amount) }, `Billable ${money(r.totals.amount)}`),
  );

  const fmtH = (v) => (v / 3600).toFixed(v >= 36000 ? 0 : 1);
  clear($('#day-chart')).append(barChart({
    title: 'Hours per day', series: [{ name: 'raw', className: 'raw' }], format: fmtH,
    groups: r.days.map((d) => ({ label: d.label.slice(5), values: [d.raw] })),
  }));
  clear($('#project-chart')).append(barChart({
    title: 'Hours per project', series: [{ name: 'raw', className: 'raw' }, { name: 'rounded', className: 'rounded' }], format: fmtH,
    groups: r.projects.map((p) => ({ label: p.project_name || p.project_id, values: [p.raw, p.rounded] })),
  }));

  const pbody = clear($('#project-table tbody'));
  for (const p of r.projects) {
    pbody.append(h('tr', { 'data-project-id': p.project_id },
      h('td', {}, p.category_name || ''), h('td', {}, p.project_name),
      h('td', {}, roundingText(p)),
      h('td', { class: 'num', 'data-seconds': p.raw }, hms(p.raw)),
      h('td', { class: 'num', 'data-seconds': p.rounded }, hms(p.rounded)),
      h('td', { class: 'num', 'data-amount': money(p.amount) }, money(p.amount))));
  }
  if (!r.projects.length) pbody.append(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No time in this range.')));

  const tbody = clear($('#report-table tbody'));
  for (const t of r.rows) {
    tbody.append(h('tr', { 'data-task-id': t.task_id, 'data-subtask-id': t.subtask_id || '' },
      h('td', {}, t.category_name || ''), h('td', {}, t.project_name), h('td', {}, t.task_name),
      h('td', {}, t.subtask_name || ''), h('td', {}, t.billable ? 'yes' : 'no'),
      h('td', { class: 'num', 'data-seconds': t.raw }, hms(t.raw)),
      h('td', {}, roundingText(t)),
      h('td', { class: 'num', 'data-seconds': t.rounded }, hms(t.rounded)),
      h('td', { class: 'num' }, money(t.hourly_rate)),
      h('td', { class: 'num', 'data-amount': money(t.amount) }, money(t.amount))));
  }
  if (!r.rows.length) tbody.append(h('tr', {}, h('td', { colspan: 10, class: 'empty' }, 'No time in this range.')));
  $('#csv-download').disabled = false;
}

function downloadCsv() {
  if (!app.report) return;
  const blob = new Blob(['\uFEFF', reportCsv(app.report)], { type: 'text/csv;charset=utf-8' });
  const a = h('a', {
    href: URL.createObjectURL(blob),
    download: `tyme-report-${app.report.range.days[0].label}-to-${app.report.range.days.at(-1).label}.csv`,
  });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

export function wireReport() {
  const f = $('#report-form');
  f.addEventListener('submit', runReport);
  const today = toDateInput(Date.now());
  f.elements.from.value = today;
  f.elements.to.value = today;
  for (const el of [f.elements.from, f.elements.to]) {
    el.addEventListener('input', () => { f.elements.range.value = 'custom'; });
  }
  $('#csv-download').addEventListener('click', downloadCsv);
}
