// Shared by the popup, the options page and the worker: the one message
// protocol ({type, payload} → {ok, data} | {ok:false, error:{code, message}}),
// and the rules the web console shares too (shared/, re-exported here).
import { dayStart, weekStart } from './shared/format.js';
import { t } from './i18n.js';

export { DEFAULT_BASE_URL } from './shared/rules.js';
export { hms, taskLabel, dayStart, weekStart } from './shared/format.js';
// How long a page waits for a task to be picked (context menu without a task) before it is dropped.
export const PENDING_PAGE_TTL_MS = 10 * 60_000;

export async function send(type, payload = {}) {
  let res;
  try {
    res = await chrome.runtime.sendMessage({ type, payload });
  } catch (e) {
    return { ok: false, error: { code: 'internal', message: t('err_restarting') } };
  }
  return res || { ok: false, error: { code: 'internal', message: t('err_no_answer') } };
}

// Text only: never parse data as HTML.
export function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text != null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/**
 * Today's and this week's totals (seconds) at `now`: the figures fetched from
 * summary at `totals.at`, plus the running timer's time they do not hold yet
 * (all of it since its start, or only since `at` when the server already
 * counted it as running: `totals.runningId`). After midnight (or Monday) the
 * fetched day (or week) starts again from zero. Also used by the worker to
 * fold a stopped timer into the stored totals, so a stop needs no request.
 * → { today, week, dayStart, weekStart }
 */
export function liveTotals(totals, timer, now = Date.now()) {
  if (!totals) return null;
  const day = dayStart(now);
  const week = weekStart(now);
  // Totals stored without their day (older versions) are shown as they are.
  const sameDay = !Number.isFinite(totals.dayStart) || totals.dayStart === day;
  const sameWeek = !Number.isFinite(totals.weekStart) || totals.weekStart === week;
  let t = sameDay ? Number(totals.today) || 0 : 0;
  let w = sameWeek ? Number(totals.week) || 0 : 0;
  if (timer && Number.isFinite(timer.startMs) && Number.isFinite(totals.dayStart)) {
    const counted = timer.entity && totals.runningId === timer.entity.id ? totals.at : -Infinity;
    t += Math.max(0, now - Math.max(timer.startMs, day, counted)) / 1000;
    w += Math.max(0, now - Math.max(timer.startMs, week, sameWeek ? counted : -Infinity)) / 1000;
  }
  return { today: t, week: w, dayStart: day, weekStart: week };
}

/** The stored totals with a timer stopped at endMs folded in (no request needed). */
export function foldStopped(totals, timer, endMs) {
  return { ...totals, ...liveTotals(totals, timer, endMs), runningId: null };
}
