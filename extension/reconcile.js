// Was the running entry stopped elsewhere (in the Tyme app)? Pure functions:
// no chrome.*, no clock, so the worker and node tests call the same code.
//
// The contract has no call that reads one time entry; summary counts a
// running entry up to the server's now. Comparing that figure with the local
// elapsed time mixes two clocks (time_start is stamped by this device, "now"
// is the server's), so a device whose clock runs ahead would see too little
// time and stop a timer that still runs. Instead only the server's own figure
// is compared with itself: each check stores {tracked, at}; the entry counts
// as stopped when a later check, at least MIN_INTERVAL_MS later by the local
// clock, shows no growth of the task's (or sub-task's) tracked seconds, the
// entry having been seen growing on the server before (while it has never
// grown — e.g. a time_start in the server's future because this clock is
// ahead — nothing can be concluded). A check made while a write of the entry
// waits in the outbox records nothing and forgets the earlier one. Only a
// clock's rate enters, never its offset.

export const MIN_INTERVAL_MS = 60_000;
// Growth up to this many seconds is "none" (rounding of the server's figures).
export const NO_GROWTH_S = 1;

/**
 * Seconds the summary rows give the timer's task: rows of the sub-task
 * (matched on subtask_id) for a sub-task timer, else the task's own rows
 * (task_id, no sub-task).
 * ref: { taskId, subtaskId }
 */
export function trackedFor(rows, ref) {
  if (!Array.isArray(rows) || !ref) return 0;
  const sub = ref.subtaskId || '';
  let sum = 0;
  for (const r of rows) {
    if (!r) continue;
    const match = sub ? r.subtask_id === sub : (r.task_id === ref.taskId && !r.subtask_id);
    if (match) sum += Number(r.duration) || 0;
  }
  return sum;
}

/**
 * One check of the running entry.
 * prev: the stored observation or null: { id, from, tracked, at, grew }
 * cur:  { id (entry id), from (the summary range's start), tracked (seconds,
 *         from trackedFor), at (local ms of the check), pending (a write of
 *         the entry waits in the outbox) }
 * → { next: observation to store (null: none), stopped: boolean }
 */
export function decide(prev, cur) {
  if (!cur || !cur.id || cur.pending || !Number.isFinite(cur.tracked) || !Number.isFinite(cur.at)) {
    return { next: null, stopped: false };
  }
  const fresh = (grew) => ({ id: cur.id, from: cur.from, tracked: cur.tracked, at: cur.at, grew: !!grew });
  if (!prev || prev.id !== cur.id || !Number.isFinite(prev.tracked) || !Number.isFinite(prev.at) || cur.at < prev.at) {
    return { next: fresh(false), stopped: false };
  }
  // Another range (a new day): the figures are not comparable; what was seen of the entry holds.
  if (prev.from !== cur.from) return { next: fresh(prev.grew), stopped: false };
  // Too soon to tell: keep the older baseline.
  if (cur.at - prev.at < MIN_INTERVAL_MS) return { next: prev, stopped: false };
  const growth = cur.tracked - prev.tracked;
  if (growth > NO_GROWTH_S) return { next: fresh(true), stopped: false };
  if (prev.grew) return { next: null, stopped: true };
  return { next: fresh(false), stopped: false };
}
