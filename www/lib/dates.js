// Local-time ranges for the report, in milliseconds. Every range is
// [from, to) on local day boundaries, so DST days are 23 or 25 hours long.

import { dayStart } from '../shared/format.js';

/** Local midnight of the day holding `ms` (the extension's day too). */
export const startOfDay = dayStart;

export function addDays(dayStartMs, n) {
  const d = new Date(dayStartMs);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n).getTime();
}

/** 'YYYY-MM-DD' (an <input type=date> value) to the local midnight, or NaN. */
export function parseDateInput(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text || ''));
  if (!m) return NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(y, mo - 1, d);
  if (t.getFullYear() !== y || t.getMonth() !== mo - 1 || t.getDate() !== d) return NaN;
  return t.getTime();
}

export function toDateInput(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** 'YYYY-MM-DDTHH:MM[:SS]' (an <input type=datetime-local> value) to ms, or NaN. */
export function parseDateTimeLocal(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(String(text || ''));
  if (!m) return NaN;
  const n = m.slice(1).map((x) => Number(x || 0));
  const t = new Date(n[0], n[1] - 1, n[2], n[3], n[4], n[5]);
  if (t.getMonth() !== n[1] - 1 || t.getDate() !== n[2] || t.getHours() !== n[3]) return NaN;
  return t.getTime();
}

export const MAX_RANGE_DAYS = 92;

/** The report range: kind 'today' | 'week' (Monday first) | 'month' | 'custom'
 *  (from and to inclusive, as 'YYYY-MM-DD'). Returns {from, to, days:[{from,to,label}]}
 *  or throws an Error with a `field`. */
export function reportRange(kind, nowMs, custom = {}) {
  const today = startOfDay(nowMs);
  let from;
  let to;
  if (kind === 'today') { from = today; to = addDays(today, 1); }
  else if (kind === 'week') {
    const dow = (new Date(today).getDay() + 6) % 7; // Monday = 0
    from = addDays(today, -dow); to = addDays(from, 7);
  } else if (kind === 'month') {
    const d = new Date(today);
    from = new Date(d.getFullYear(), d.getMonth(), 1).getTime();
    to = new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime();
  } else if (kind === 'custom') {
    from = parseDateInput(custom.from);
    const last = parseDateInput(custom.to);
    if (Number.isNaN(from)) throw Object.assign(new Error('Enter a start date.'), { field: 'from' });
    if (Number.isNaN(last)) throw Object.assign(new Error('Enter an end date.'), { field: 'to' });
    if (last < from) throw Object.assign(new Error('The end date is before the start date.'), { field: 'to' });
    to = addDays(last, 1);
  } else {
    throw Object.assign(new Error('Choose a range.'), { field: 'from' });
  }
  const days = [];
  for (let d = from; d < to; d = addDays(d, 1)) {
    days.push({ from: d, to: addDays(d, 1), label: toDateInput(d) });
    if (days.length > MAX_RANGE_DAYS) {
      throw Object.assign(new Error(`A range may span at most ${MAX_RANGE_DAYS} days.`), { field: 'to' });
    }
  }
  return { from, to, days };
}
