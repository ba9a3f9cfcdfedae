// Shared by the popup and the options page: the one message protocol
// ({type, payload} → {ok, data} | {ok:false, error:{code, message}}) and formatting.
import { t } from './i18n.js';
// The Tyme API used unless the options name another base URL.
export const DEFAULT_BASE_URL = 'https://api.tyme-app.com';
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

export function hms(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function hm(seconds) {
  const m = Math.max(0, Math.floor(seconds / 60));
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}

// Text only: never parse data as HTML.
export function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text != null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/** A task's label as the popup, badge title and options show it: "Project › Task › Sub-task". */
export function taskLabel(ref) {
  if (!ref) return '';
  return [ref.projectName, ref.taskName, ref.subtaskName].filter(Boolean).join(' › ');
}

// Local midnight of the day, and of the Monday of the week, holding `ms`.
export function dayStart(ms) { const d = new Date(ms); d.setHours(0, 0, 0, 0); return d.getTime(); }
export function weekStart(ms) {
  const d = new Date(dayStart(ms));
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d.getTime();
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
