// The worker's side of the outbox: its state in chrome.storage (the queue
// in `outbox` and the journal of writes not folded into it yet: journal.js),
// changed under the storage lock, drained by the shared driver
// (shared/outbox-driver.js) with the signed-in account's client.
import { outboxRequeueInFlight, outboxRetry, outboxPending, outboxAck } from '../pkg/tyme_tab.js';
import { drainOutbox } from '../shared/outbox-driver.js';
import { wasmReady } from './wasm.js';
import { store, locked } from './storage.js';
import { errorInfo } from './errors.js';
import { getClient, sameAccount } from './auth.js';
import { scheduleOutboxAlarms, armOutboxAlarm, offlineNoted, noteOffline } from './alarms.js';
import { markSynced } from './catalog.js';
import { journalKeys, journalReads, readOutbox, queueKeys, dropTaken, pendingIds, claimKeys, sentKeys } from './journal.js';

/** The stored keys queueWrites reads for `entities` (read along with a caller's own: its `read`). */
export { journalReads as queueReads };

/**
 * Under the lock: the keys that queue `entities` (in order), for the
 * caller's one storage write (with the timer, the catalog...).
 */
export async function queueWrites(entities, now = Date.now(), read = null) {
  await wasmReady();
  return journalKeys(entities, now, read);
}

/** The ids of the entities a write of which waits in the outbox (queue or journal). */
export async function pendingSet() {
  await wasmReady();
  return pendingIds();
}

// Most ops one claim takes (each is sent in turn; a bigger queue takes more claims).
const CLAIM_MAX = 1000;

/**
 * fn(state) → next state, as one locked read-change-write (the journal
 * folded in first). With `client`: nothing is changed (null) once the stored
 * outbox is another account's. `extra`: keys written along, the queue then
 * written even when fn changed nothing.
 */
export async function mutateOutbox(fn, client = null, extra = null) {
  return locked(async () => {
    await wasmReady();
    if (client && !sameAccount(client)) return null;
    const { state, head, taken, folded } = await readOutbox();
    const next = fn(state);
    if (next !== state || folded || extra) {
      await store.set({ ...queueKeys(next, head), ...extra });
      await dropTaken(taken);
    }
    return next;
  });
}

/** `s` with every op `pred` picks due now (un-parked, its backoff cut short). */
function retryWhere(s, pred) {
  let next = s;
  for (const op of outboxPending(s)) {
    if (pred(op)) next = outboxRetry(next, op.opId, Date.now());
  }
  return next;
}

// A new worker has no request outstanding: ops marked in flight go back to
// the queue, once per worker, before this worker sends anything (tried
// again by the next caller when it failed, e.g. the wasm did not load).
let requeued = null;
export function started() {
  requeued ||= mutateOutbox((s) => outboxRequeueInFlight(s, Date.now())).catch(() => { requeued = null; });
  return requeued;
}

// Single-flight flush. A write queued while a flush is already past its last
// look at the outbox must not wait for the next alarm: every call asks for
// one more pass, and the running flush keeps going until no pass is owed.
let flushing = null;
let flushOwed = false;
export function flush() {
  flushOwed = true;
  if (!flushing) {
    flushing = (async () => {
      try {
        while (flushOwed) { flushOwed = false; await doFlush(); }
      } finally { flushing = null; }
    })();
  }
  return flushing;
}

async function doFlush() {
  await started();
  // The browser knows it is offline: no request can get through, so none is
  // tried and the journal is not folded (each write stays O(1)). The first
  // wake-up online sends at once (onlineAgain).
  if (self.navigator && navigator.onLine === false) {
    if (offlineNoted()) return;
    const { offlineAt } = await store.get('offlineAt');
    if (!offlineAt) await store.set({ offlineAt: Date.now() });
    await scheduleOutboxAlarms();
    noteOffline(true);
    return;
  }
  noteOffline(false);
  let client;
  try { client = await getClient(); } catch { await scheduleOutboxAlarms(); return; }
  const { outboxSize: waiting } = await store.get('outboxSize');
  if (waiting) {
    await armOutboxAlarm();
    // This client holds tokens, so nothing waits for a sign-in: a write an
    // older client's request parked with its 401 after the sign-in had
    // already resumed the queue is due again (else it waited for a sign-in
    // that never comes).
    await mutateOutbox((s) => retryWhere(s, (op) => op.state === 'waitingForSignIn'), client);
  }
  // Every read and change of the outbox checks, under the lock, that it is
  // still this client's account's: ops of an account are sent with its client only.
  // Ops are claimed all at once and each confirmation is one small write
  // (journal.js), so a drain costs each op the same whatever the queue's size.
  const synced = [];
  let errorShown = true; // cleared once, at the first confirmed send
  await drainOutbox({
    update: (fn) => mutateOutbox(fn, client),
    // After a claim's sends: nothing of it is in flight any more.
    settle: (fn) => mutateOutbox(fn, client, { outboxBatch: [] }),
    claim: () => locked(async () => {
      if (!sameAccount(client)) return null;
      const { state, head, taken, folded } = await readOutbox();
      const { ops, keys } = claimKeys(state, head, Date.now(), CLAIM_MAX);
      if (ops.length || folded) {
        await store.set(keys);
        await dropTaken(taken);
      }
      return ops;
    }),
    recordSent: (op) => locked(async () => {
      if (!sameAccount(client)) return false;
      await store.set(await sentKeys(op));
      return true;
    }),
    send: (entity) => client.sendWrite(entity),
    describe: errorInfo,
    onSent: async (op) => {
      if (errorShown) { errorShown = false; await store.set({ outboxError: null }); }
      synced.push(op.entity);
    },
    onFailed: async (op, e, failure) => {
      errorShown = true;
      await store.set({ outboxError: { code: failure.code, message: failure.message, at: Date.now() } });
      // Failed while the browser itself is offline: the next wake-up that
      // finds it online again retries at once (see onlineAgain).
      if (failure.code === 'network' && self.navigator && navigator.onLine === false) await store.set({ offlineAt: Date.now() });
    },
  });
  // The creates the server confirmed lose their "not yet synced" mark, in one catalog write.
  if (synced.length) await markSynced(synced).catch(() => {});
  await scheduleOutboxAlarms();
}

// The changes the server refused (parked as stuck: retrying alone cannot
// help), as the user decides from the popup: sent again now (after a fix
// in Tyme), or discarded for good.
const refused = (op) => op.state === 'stuck';

export async function retryRefused() {
  await started();
  await mutateOutbox((s) => retryWhere(s, refused));
  await flush();
}

export async function discardRefused() {
  await started();
  await mutateOutbox((s) => outboxPending(s).filter(refused).reduce((next, op) => outboxAck(next, op.opId), s));
  await store.set({ outboxError: null });
  await scheduleOutboxAlarms();
}

// Back online: ops that failed for want of a network are due now instead of
// at the end of their backoff (a server's Retry-After still holds the queue).
export async function retryNetworkFailures() {
  await started();
  await store.remove('offlineAt');
  await mutateOutbox((s) => retryWhere(s, (op) => op.state === 'queued' && op.lastError && op.lastError.code === 'network'));
  await flush();
}

// Chromium fires no `online` event in an extension service worker (the
// handler exists on windows only), and a worker asleep during the outage
// could not hear one anyway. So every wake-up (a page's message, browser
// start, worker start, an alarm) asks: did a send fail while the browser was
// offline (`offlineAt`), and is it online now? Then it retries at once.
export async function onlineAgain() {
  if (self.navigator && navigator.onLine === false) return;
  const { offlineAt } = await store.get('offlineAt');
  if (offlineAt) await retryNetworkFailures();
}
