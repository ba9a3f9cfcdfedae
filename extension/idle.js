// Idle time while a timer runs (pure: the worker stores the record and turns
// a choice into outbox writes). The record, kept in chrome.storage as `idle`:
// { timerId, since, until } (ms; until null while still away). Only the
// first period away is asked about until the user answers; a later one
// while the question waits is not recorded.
export const IDLE_DEFAULT_MIN = 10;
export const IDLE_MAX_MIN = 240;

/** The idle threshold in minutes from the settings: 0 = off, default 10. */
export function idleMinutesOf(settings) {
  const n = settings && settings.idleMinutes;
  if (n === undefined || n === null || n === '') return IDLE_DEFAULT_MIN;
  const v = Number(n);
  return Number.isInteger(v) && v >= 0 && v <= IDLE_MAX_MIN ? v : IDLE_DEFAULT_MIN;
}

/**
 * The record after the machine's state changed to `state` ('idle', 'locked'
 * or 'active') at `now`. `thresholdMs`: the idle threshold (chrome.idle
 * reports 'idle' that long after the last input; 'locked' at once).
 */
export function nextIdle(prev, { state, now, timer, thresholdMs }) {
  if (!timer || !timer.entity || !thresholdMs) return null;
  const current = prev && prev.timerId === timer.entity.id ? prev : null;
  if (state === 'idle' || state === 'locked') {
    if (current) return current;
    const began = state === 'idle' ? now - thresholdMs : now;
    return { timerId: timer.entity.id, since: Math.max(began, timer.startMs), until: null };
  }
  if (state === 'active' && current && current.until == null) {
    // Away for less than the threshold (a short lock): nothing to ask.
    return now - current.since >= thresholdMs ? { ...current, until: now } : null;
  }
  return current;
}

/** The question the popup shows, or null: the record belongs to the running timer and the user is back. */
export function idleQuestion(idle, timer, now) {
  if (!idle || !timer || !timer.entity || idle.timerId !== timer.entity.id) return null;
  const until = idle.until == null ? now : idle.until;
  return { since: idle.since, until, minutes: Math.round((until - idle.since) / 60000), still: idle.until == null };
}

/**
 * What a choice does. 'keep': nothing. 'stop': the entry ends when idleness
 * began. 'drop': the entry ends then and a new one (same task, same note)
 * starts when the user came back, and runs. → { writes: [entity], timer,
 * endedAt } with `fmt` formatting ms as the API's date-time and `newId` a
 * fresh entity id.
 */
export function resolveIdle(choice, { idle, timer, now, fmt, newId }) {
  const q = idleQuestion(idle, timer, now);
  if (!q) return { writes: [], timer, endedAt: null };
  if (choice === 'keep') return { writes: [], timer, endedAt: null };
  const stopped = { ...timer.entity, time_end: fmt(q.since) };
  if (choice === 'stop') return { writes: [stopped], timer: null, endedAt: q.since };
  if (choice === 'drop') {
    const entity = { ...timer.entity, id: newId(), time_start: fmt(q.until), time_end: null };
    return { writes: [stopped, entity], timer: { ...timer, entity, startMs: q.until }, endedAt: q.since };
  }
  throw new Error(`unknown idle choice: ${choice}`);
}
