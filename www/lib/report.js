import { toCsv } from './csv.js';
import { hours, money } from './format.js';

// Turns per-day summary rows into the report: per task (or sub-task) totals,
// rounded per task total by the project's rule, per project and per day sums.

function key(r) {
  return `${r.task_id ?? ''}|${r.subtask_id ?? ''}`;
}

/**
 * days: [{label, rows: SummaryRow[]}] (one summary call per day of the range).
 * round(seconds, method, minutes) → rounded seconds (the wasm roundDuration).
 */
export function buildReport(days, round) {
  const byTask = new Map();
  const perDay = [];
  for (const day of days) {
    let dayRaw = 0;
    for (const r of day.rows || []) {
      const dur = Math.max(0, Number(r.duration) || 0);
      dayRaw += dur;
      const k = key(r);
      let t = byTask.get(k);
      if (!t) {
        t = {
          task_id: r.task_id ?? '', task_name: r.task_name ?? '',
          subtask_id: r.subtask_id ?? null, subtask_name: r.subtask_name ?? null,
          project_id: r.project_id ?? '', project_name: r.project_name ?? '',
          category_id: r.category_id ?? null, category_name: r.category_name ?? null,
          billable: Boolean(r.billable),
          rounding_method: r.rounding_method ?? 'NEAREST',
          rounding_minutes: Number(r.rounding_minutes) || 0,
          hourly_rate: Number(r.hourly_rate) || 0,
          raw: 0, entries: 0,
        };
        byTask.set(k, t);
      }
      t.raw += dur;
      t.entries += Number(r.entries) || 0;
    }
    perDay.push({ label: day.label, raw: dayRaw });
  }

  const rows = [...byTask.values()];
  for (const t of rows) {
    t.rounded = t.rounding_minutes > 0 ? round(t.raw, t.rounding_method, t.rounding_minutes) : t.raw;
    t.amount = t.billable ? (t.rounded / 3600) * t.hourly_rate : 0;
  }
  const cmp = (a, b) => (a || '').localeCompare(b || '');
  rows.sort((a, b) => cmp(a.category_name, b.category_name) || cmp(a.project_name, b.project_name)
    || cmp(a.task_name, b.task_name) || cmp(a.subtask_name, b.subtask_name));

  const byProject = new Map();
  for (const t of rows) {
    let p = byProject.get(t.project_id);
    if (!p) {
      p = {
        project_id: t.project_id, project_name: t.project_name, category_name: t.category_name,
        rounding_method: t.rounding_method, rounding_minutes: t.rounding_minutes, hourly_rate: t.hourly_rate,
        raw: 0, rounded: 0, amount: 0,
      };
      byProject.set(t.project_id, p);
    }
    p.raw += t.raw;
    p.rounded += t.rounded;
    p.amount += t.amount;
  }
  const projects = [...byProject.values()];
  const totals = projects.reduce((a, p) => ({ raw: a.raw + p.raw, rounded: a.rounded + p.rounded, amount: a.amount + p.amount }),
    { raw: 0, rounded: 0, amount: 0 });
  return { rows, projects, days: perDay, totals };
}

/** The task table as CSV (header row first). */
export function reportCsv(r) {
  const rows = [['Category', 'Project', 'Task', 'Sub-task', 'Billable', 'Raw seconds', 'Raw (h)', 'Rounding method',
    'Rounding minutes', 'Rounded seconds', 'Rounded (h)', 'Hourly rate', 'Amount']];
  for (const t of r.rows) {
    rows.push([t.category_name || '', t.project_name, t.task_name, t.subtask_name || '', t.billable,
      t.raw, hours(t.raw, 4), t.rounding_method, t.rounding_minutes, t.rounded, hours(t.rounded, 4),
      money(t.hourly_rate), money(t.amount)]);
  }
  return toCsv(rows);
}
