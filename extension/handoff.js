// What the popup's first paint shows, handed to it by the worker in the URL
// the toolbar button opens (chrome.action.setPopup): signed in, the running
// timer (its start and label) or the last task (its label). With it the
// popup paints its main action as its script's first statement, without
// waiting for a storage read (the bench's RESULTS.md: that read is answered
// 5 to 9 ms after the floor's page has painted). Storage stays the truth: the
// popup reads it right after and renders again from it, so a hand-off older
// than storage (a worker stopped between a write and its setPopup) shows for
// one render at most. The page's note is not handed over: it may hold a
// page's address, and the first paint does not need it.

import { taskLabel } from './shared/format.js';

export const POPUP_PAGE = 'popup/popup.html';
export const HANDOFF_KEYS = ['auth', 'timer', 'lastTask'];
const VERSION = 1;
const MAX_LABEL = 200;

const label = (s) => (typeof s === 'string' ? s.slice(0, MAX_LABEL) : '');

/** The popup's URL (relative to the extension) for the stored auth, timer and lastTask. */
export function popupUrl({ auth, timer, lastTask } = {}) {
  if (!auth || auth.status !== 'signed_in') return POPUP_PAGE;
  const h = { v: VERSION };
  if (timer && Number.isFinite(timer.startMs)) h.t = { s: timer.startMs, l: label(timer.label) };
  else if (lastTask) h.k = label(taskLabel(lastTask));
  return `${POPUP_PAGE}?s=${encodeURIComponent(JSON.stringify(h))}`;
}

/**
 * The hand-off in a popup's query string → { timer: {startMs, label}|null,
 * lastLabel: string|null }, or null when there is none or it is not one this
 * version wrote (then the popup waits for storage, as without a hand-off).
 */
export function readHandoff(search) {
  let h;
  try { h = JSON.parse(new URLSearchParams(search).get('s')); } catch { return null; }
  if (!h || typeof h !== 'object' || h.v !== VERSION) return null;
  const t = h.t && typeof h.t === 'object' && Number.isFinite(h.t.s) ? { startMs: h.t.s, label: label(h.t.l) } : null;
  return { timer: t, lastLabel: t || typeof h.k !== 'string' ? null : label(h.k) };
}
