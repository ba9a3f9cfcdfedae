// Alarms (they wake a stopped worker) and the toolbar badge.
import { outboxSize, outboxNextWake } from '../pkg/tyme_tab.js';
import { wasmReady } from './wasm.js';
import { store } from './storage.js';
import { idleQuestion } from '../idle.js';
import { t } from '../i18n.js';

export const ALARM_OUTBOX = 'outbox';        // periodic retry while the outbox is not empty
export const ALARM_WAKE = 'outbox-wake';     // one-shot at the outbox's next due time
export const ALARM_TICK = 'tick';            // badge + reconciliation while a timer runs
export const ALARM_SYNC = 'sync';            // while signed in: picker catalog and past days of the week
export const ALARM_PENDING = 'pending-page'; // one-shot: a page waiting for a task expires
const SYNC_PERIOD_MIN = 5;

export async function ensureTickAlarm() {
  if (!(await chrome.alarms.get(ALARM_TICK))) await chrome.alarms.create(ALARM_TICK, { periodInMinutes: 1 });
}

export async function ensureSyncAlarm() {
  if (!(await chrome.alarms.get(ALARM_SYNC))) await chrome.alarms.create(ALARM_SYNC, { periodInMinutes: SYNC_PERIOD_MIN });
}

// Armed before any write leaves: a worker stopped while a request is out
// (before it could schedule the retry) is woken again by this alarm.
export async function armOutboxAlarm() {
  if (!(await chrome.alarms.get(ALARM_OUTBOX))) await chrome.alarms.create(ALARM_OUTBOX, { periodInMinutes: 0.5 });
}

// The offline flush has recorded `offlineAt` and armed the outbox alarm, in
// this worker's life: the flushes after the next writes made offline have
// nothing to add (the queue only grows offline), so they cost no storage
// round trip. Cleared by a flush online, by clearing the outbox alarms, and
// with the worker.
let offlineArmed = false;
export const offlineNoted = () => offlineArmed;
export function noteOffline(on) { offlineArmed = on; }

export async function scheduleOutboxAlarms() {
  await wasmReady();
  // Small keys only (journal.js): this runs after every flush, offline too.
  const { outboxLog, outboxSize: stored } = await store.get(['outboxLog', 'outboxSize']);
  // A queue stored before the journal has no head: its size and wake come from the queue itself.
  const { outbox } = outboxLog ? {} : await store.get('outbox');
  const size = outboxLog ? stored || 0 : outbox ? outboxSize(outbox) : 0;
  if (!size) {
    offlineArmed = false;
    await chrome.alarms.clear(ALARM_OUTBOX);
    await chrome.alarms.clear(ALARM_WAKE);
    return;
  }
  await armOutboxAlarm();
  // Offline, writes wait in the journal for the first wake-up online: the periodic alarm is enough.
  if (self.navigator && navigator.onLine === false) return;
  const journal = outboxLog && outboxLog.next > outboxLog.through;
  const wake = journal ? Date.now() : outboxLog ? outboxLog.wake : outboxNextWake(outbox);
  if (wake != null) await chrome.alarms.create(ALARM_WAKE, { when: Math.max(wake, Date.now() + 1000) });
}

// The badge: the running timer's minutes, or that time away waits for an
// answer; the title names the task.
export async function updateBadge() {
  const { timer, idle } = await store.get(['timer', 'idle']);
  if (!timer) {
    await chrome.action.setBadgeText({ text: '' });
    await chrome.action.setTitle({ title: t('app_name') });
    return;
  }
  if (idleQuestion(idle, timer, Date.now())) {
    await chrome.action.setBadgeBackgroundColor({ color: '#a34d00' });
    await chrome.action.setBadgeText({ text: t('badge_away') });
    await chrome.action.setTitle({ title: t('title_away', timer.label || t('task')) });
    return;
  }
  await chrome.action.setTitle({ title: t('title_running', timer.label || t('task')) });
  const min = Math.max(0, Math.floor((Date.now() - timer.startMs) / 60000));
  const text = min < 60 ? `${min}m` : min < 600 ? `${Math.floor(min / 60)}h${String(min % 60).padStart(2, '0')}` : `${Math.floor(min / 60)}h`;
  await chrome.action.setBadgeBackgroundColor({ color: '#2f6fde' });
  await chrome.action.setBadgeText({ text });
}

/** A timer stopped or taken away: no tick, no badge. */
export async function timerGone() {
  await chrome.alarms.clear(ALARM_TICK);
  await updateBadge();
}
