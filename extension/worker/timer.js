// The running timer (`timer` in storage): start, stop, discard. Every change
// is queued in the outbox in the same storage write as the timer itself.
import { startedEntry, finishedEntry, stoppedEntry, discardedEntry, ENTRY_TYPE } from '../shared/entities.js';
import { taskLabel } from '../shared/format.js';
import { foldStopped } from '../common.js';
import { t } from '../i18n.js';
import { store, locked, getSettings } from './storage.js';
import { UserError, signedOutError } from './errors.js';
import { getClient, sameAccount, clientLocked, CLIENT_KEYS } from './auth.js';
import { afterSwitch } from './accounts.js';
import { flush, queueWrites, queueReads } from './outbox.js';
import { ensureTickAlarm, updateBadge, timerGone } from './alarms.js';
import { noteFor, noteWith } from './notes.js';

const RECENT_MAX = 6;

export function checkTaskRef(ref) {
  if (!ref || typeof ref.taskId !== 'string' || !ref.taskId) throw new UserError('invalid_input', t('err_pick_task'));
  return {
    taskId: ref.taskId, subtaskId: ref.subtaskId || '',
    taskName: String(ref.taskName || ''), subtaskName: String(ref.subtaskName || ''),
    projectId: String(ref.projectId || ''), projectName: String(ref.projectName || ''),
  };
}

export const incognitoRefused = () => new UserError('incognito', t('err_incognito'));

export async function startTimer(refIn, page) {
  const ref = checkTaskRef(refIn);
  if (page && page.incognito && !(await getSettings()).allowIncognito) throw incognitoRefused();
  // Signed in and configured, or a clear error before anything is queued; the note meanwhile.
  const [client, note] = await Promise.all([getClient(), noteFor(page)]);
  const now = Date.now();
  const timer = await locked(async () => {
    // The account changed since: the task and page were picked for another one.
    if (!sameAccount(client)) throw signedOutError();
    const got = await store.get(['timer', 'recent', 'totals']);
    const writes = [];
    const extra = {};
    if (got.timer) {
      extra.endedAt = now;
      writes.push(stoppedEntry(got.timer.entity, now));
      if (got.totals) extra.totals = foldStopped(got.totals, got.timer, now);
    }
    // The local timer keeps its task in `ref` for display.
    const entity = startedEntry(ref, note, now);
    writes.push(entity);
    const t = { entity, startMs: now, ref, label: taskLabel(ref), note };
    const recent = [ref, ...(got.recent || []).filter((r) => !(r.taskId === ref.taskId && (r.subtaskId || '') === ref.subtaskId))].slice(0, RECENT_MAX);
    await store.set({ ...(await queueWrites(writes, now)), timer: t, lastTask: ref, recent, notice: null, pendingPage: null, ...extra });
    return t;
  });
  await ensureTickAlarm();
  await updateBadge();
  flush().catch(() => {});
  return timer;
}

export async function stopTimer() {
  const now = Date.now();
  const stopped = await locked(async () => {
    const got = await store.get(['timer', 'totals']);
    if (!got.timer) return null;
    const entity = stoppedEntry(got.timer.entity, now);
    // The stopped time goes into the stored totals here, so the idle view
    // shows them without asking the server again.
    const extra = got.totals ? { totals: foldStopped(got.totals, got.timer, now) } : {};
    await store.set({ ...(await queueWrites([entity], now)), timer: null, endedAt: now, ...extra });
    return { ...got.timer, entity, endMs: now };
  });
  await timerGone();
  flush().catch(() => {});
  return stopped;
}

// A timer started by mistake: its entry is deleted on the server (through the
// outbox, so it survives offline and a stopped worker; a create not yet sent
// is replaced by the delete, which the server takes as a no-op). Only offered
// where the server has DELETE /data/entity (see canDiscard in state.js).
export async function discardTimer() {
  const now = Date.now();
  const discarded = await locked(async () => {
    const got = await store.get(['timer']);
    if (!got.timer) return null;
    await store.set({ ...(await queueWrites([discardedEntry(got.timer.entity.id)], now)), timer: null, reconcile: null, endedAt: now });
    return got.timer;
  });
  await timerGone();
  flush().catch(() => {});
  return discarded;
}

// A past time entry changed: its task, start, end and page (the note made
// from the page, scrubbed, as for a start). The whole entry is written again
// through the outbox, after its start and stop, so the change survives
// offline and a stopped worker like any other write. The running timer's
// entry is not edited here: it is stopped first.
export async function editEntry(p) {
  const ref = checkTaskRef(p && p.task);
  const id = p && typeof p.id === 'string' ? p.id : '';
  const startMs = Number(p && p.startMs);
  const endMs = Number(p && p.endMs);
  if (!id) throw new UserError('invalid_input', t('err_pick_entry'));
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) throw new UserError('invalid_input', t('err_end_before_start'));
  const switched = { at: false };
  const entity = await locked(async () => {
    // One storage read: the client's keys (the scrub list among them), the
    // timer and what the journal reads for this entry; then one write.
    const got = await store.get([...CLIENT_KEYS, 'timer', ...queueReads([{ type: ENTRY_TYPE, id }])]);
    const client = await clientLocked(got, true, switched);
    if (!sameAccount(client)) throw signedOutError();
    if (got.timer && got.timer.entity.id === id) throw new UserError('invalid_input', t('err_stop_before_edit'));
    const e = { ...finishedEntry(ref, noteWith(p.page, got.settings), startMs, endMs), id };
    await store.set({ ...(await queueWrites([e], Date.now(), got)), totals: null });
    return e;
  }).finally(() => { if (switched.at) afterSwitch().catch(() => {}); });
  flush().catch(() => {});
  return entity;
}
