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
//   outboxRefused          how many of them the server refused (stuck), as of the last fold
//   outboxBatch            the opIds a drain claimed at once (in flight)
//   outboxSent:<opId>      the entity sent, once the server confirmed it:
//                          one small key per answer, not a rewrite of the
//                          queue; taken out of it by the next fold (before
//                          the journal's writes, which are all newer)
//
// Every change is one storage write: a write's entry with the new head (and
// whatever the caller writes along, the timer); a fold's new queue with the
// head moved past the entries it took. Entries left behind by a worker
// stopped between that write and their removal are numbered below `through`:
// ignored, and removed by the next fold. A queue stored by an older version
// (no head) is read as it is, with an empty journal.
import { outboxNew, outboxSize, outboxNextWake, outboxEnqueueAll, outboxEntityKey, outboxPending, outboxAckSent, outboxClaim } from '../pkg/tyme_tab.js';
import { store } from './storage.js';
import { UserError } from './errors.js';

export const LOG_PREFIX = 'outboxLog:';
export const SENT_PREFIX = 'outboxSent:';
const MAX_OPS = 10_000; // the core's MAX_OPS: refused beyond, never dropped

const emptyHead = () => ({ next: 1, through: 1, count: 0, base: 0, wake: null });
const entryKey = (entity) => `${LOG_PREFIX}${JSON.stringify([entity.type, entity.id])}`;

/** The stored keys journalKeys reads to record `entities`. */
export function journalReads(entities) {
  return ['outboxLog', 'outboxSize', ...new Set(entities.map(entryKey))];
}

/**
 * Under the storage lock: the keys that record `entities` (in order, at
 * `now`), to be written in the caller's one storage write. `read`: those of
 * journalReads(entities), when the caller read them along with its own keys
 * in one storage read.
 */
export async function journalKeys(entities, now, read = null) {
  for (const e of entities) outboxEntityKey(e); // the core's refusal (invalid_input), before anything is written
  const got = read || await store.get(journalReads(entities));
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
 * The queue with the confirmed sends and the journal folded in (nothing
 * written): {state, head, taken (keys folded or stale: removed after the
 * caller's write), folded (anything was folded)}.
 */
export async function readOutbox() {
  const got = await store.get(['outbox', 'outboxLog', 'outboxBatch']);
  let state = got.outbox || outboxNew();
  const head = { ...emptyHead(), ...(got.outboxLog || {}) };
  const taken = [];
  let folded = false;
  const batch = Array.isArray(got.outboxBatch) ? got.outboxBatch : [];
  if (batch.length) {
    const sent = await store.get(batch.map((id) => SENT_PREFIX + id));
    const acks = Object.entries(sent).map(([k, entity]) => ({ opId: k.slice(SENT_PREFIX.length), entity }));
    if (acks.length) {
      state = outboxAckSent(state, acks);
      taken.push(...Object.keys(sent));
      folded = true;
    }
  }
  if (!got.outboxLog || head.next === head.through) return { state, head, taken, folded };
  const keys = (await store.keys()).filter((k) => k.startsWith(LOG_PREFIX));
  const all = await store.get(keys);
  taken.push(...keys);
  const live = keys.map((k) => all[k]).filter((x) => x && x.n >= head.through && x.n < head.next).sort((a, b) => a.n - b.n);
  if (live.length) {
    state = outboxEnqueueAll(state, live.map((x) => ({ entity: x.entity, at: x.at })));
    folded = true;
  }
  return { state, head, taken, folded };
}

/**
 * Under the lock, with the queue just read (readOutbox): claim up to `max`
 * due ops (outboxClaim) → {state, ops, keys: what to write}.
 */
export function claimKeys(state, head, now, max) {
  const claimed = outboxClaim(state, now, max);
  // Each op with the ops of this claim it must follow (its parents' writes).
  const ops = claimed.ops.map((o, i) => ({ ...o, after: claimed.after[i] || [] }));
  return { state: claimed.state, ops, keys: { ...queueKeys(claimed.state, head), outboxBatch: ops.map((o) => o.opId) } };
}

/**
 * Under the lock: the keys that record the server's confirmation of `op`
 * (one small key, and the count of changes waiting one less).
 */
export async function sentKeys(op) {
  const { outboxLog } = await store.get('outboxLog');
  const head = { ...emptyHead(), ...(outboxLog || {}) };
  head.base = Math.max(0, head.base - 1);
  return { [SENT_PREFIX + op.opId]: op.entity, outboxLog: head, outboxSize: head.base + head.count };
}

/** The keys that store `state` as the queue, the journal taken into it. */
export function queueKeys(state, head) {
  const size = outboxSize(state);
  // Changes the server refused (parked as stuck until the user retries or discards them).
  const refused = size ? outboxPending(state).filter((o) => o.state === 'stuck').length : 0;
  return {
    outbox: state, outboxSize: size, outboxRefused: refused,
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
