// The outbox's storage layout. A write is recorded in O(1): one key of its
// own in a journal, never a rewrite of the whole queue; the journal is folded
// into the queue (the core's OutboxState in `outbox`) in one pass when the
// queue is next read for a change (mutateOutbox: a flush, sign-in, a worker's
// start). So a week of writes made offline costs each write the same, and
// the fold once.
//
//   outbox                 the core's OutboxState: the queue as of the last fold
//   outboxLog              {next, through, count, base, wake}: the journal's head.
//                          Entries numbered n with through <= n < next are live;
//                          `count` entities have one; `base` is the size of
//                          `outbox`, `wake` its next due time (outboxNextWake)
//   outboxLog:<[type,id]>  {n, entity, at}: the entity's latest write not folded
//                          yet (a later write of it replaces it: the core would
//                          replace it too, as neither was sent)
//   outboxSize             base + count: the changes waiting, for the pages
//
// Every change is one storage write: a write's entry with the new head (and
// whatever the caller writes along, the timer); a fold's new queue with the
// head moved past the entries it took. Entries left behind by a worker
// stopped between that write and their removal are numbered below `through`:
// ignored, and removed by the next fold. A queue stored by an older version
// (no head) is read as it is, with an empty journal.
import { outboxNew, outboxSize, outboxNextWake, outboxEnqueueAll, outboxEntityKey, outboxPending } from '../pkg/tyme_tab.js';
import { store } from './storage.js';
import { UserError } from './errors.js';

export const LOG_PREFIX = 'outboxLog:';
const MAX_OPS = 10_000; // the core's MAX_OPS: refused beyond, never dropped

const emptyHead = () => ({ next: 1, through: 1, count: 0, base: 0, wake: null });
const entryKey = (entity) => `${LOG_PREFIX}${JSON.stringify([entity.type, entity.id])}`;

/**
 * Under the storage lock: the keys that record `entities` (in order, at
 * `now`), to be written in the caller's one storage write.
 */
export async function journalKeys(entities, now) {
  for (const e of entities) outboxEntityKey(e); // the core's refusal (invalid_input), before anything is written
  const keys = [...new Set(entities.map(entryKey))];
  const got = await store.get(['outboxLog', 'outboxSize', ...keys]);
  const head = { ...emptyHead(), ...(got.outboxLog || {}) };
  // A queue stored before the journal: its size is the base.
  if (!got.outboxLog && got.outboxSize) head.base = got.outboxSize;
  const out = {};
  for (const e of entities) {
    const k = entryKey(e);
    const had = out[k] || got[k];
    if (!(had && had.n >= head.through)) head.count++;
    if (head.base + head.count > MAX_OPS) throw new UserError('invalid_input', 'outbox full: too many changes waiting');
    out[k] = { n: head.next++, entity: e, at: now };
  }
  return { ...out, outboxLog: head, outboxSize: head.base + head.count };
}

/**
 * The queue with the journal folded in (nothing written): {state, head,
 * taken (entry keys folded or stale: removed after the caller's write),
 * folded (the journal had live entries)}.
 */
export async function readOutbox() {
  const got = await store.get(['outbox', 'outboxLog']);
  const state = got.outbox || outboxNew();
  const head = { ...emptyHead(), ...(got.outboxLog || {}) };
  if (!got.outboxLog || head.next === head.through) return { state, head, taken: [], folded: false };
  const all = await store.get(null);
  const taken = Object.keys(all).filter((k) => k.startsWith(LOG_PREFIX));
  const live = taken.map((k) => all[k]).filter((x) => x && x.n >= head.through && x.n < head.next).sort((a, b) => a.n - b.n);
  const next = live.length ? outboxEnqueueAll(state, live.map((x) => ({ entity: x.entity, at: x.at }))) : state;
  return { state: next, head, taken, folded: live.length > 0 };
}

/** The keys that store `state` as the queue, the journal taken into it. */
export function queueKeys(state, head) {
  const size = outboxSize(state);
  return {
    outbox: state, outboxSize: size,
    outboxLog: { next: head.next, through: head.next, count: 0, base: size, wake: outboxNextWake(state) },
  };
}

/** Remove the journal's entries a written fold took (a stop before this leaves them: see above). */
export async function dropTaken(taken) {
  if (taken.length) await store.remove(taken);
}

/** Does a write of entity `id` wait, in the queue or the journal? (reads the journal's entries if it has any) */
export async function pendingIds() {
  const { state } = await readOutbox();
  return new Set(outboxPending(state).map((p) => p.entity && p.entity.id));
}
