// The console's outbox: the core's state in localStorage, shared by the
// console's tabs under a Web Lock, drained by the shared driver
// (shared/outbox-driver.js), the extension's as well.
import {
  outboxNew, outboxEnqueue, outboxSize, outboxPending, outboxRetry, outboxResume, outboxNextWake, outboxClaim, outboxAckSent,
} from '../pkg/tyme_tab.js';
import { drainOutbox } from '../shared/outbox-driver.js';
import { setText } from '../lib/dom.js';
import { K, AUTH, app, $, load, save, say, errText, signedIn } from './state.js';
import { renderAuth } from './auth.js';
import { updateSyncCells } from './time.js';

export function outboxState() {
  return load(localStorage, K.outbox, null) || outboxNew();
}
function saveOutbox(state) {
  save(localStorage, K.outbox, state);
  renderOutbox(state);
  updateSyncCells();
}
export function renderOutbox(state) {
  setText($('#outbox-size'), String(outboxSize(state || outboxState())));
}

/** Runs fn, a synchronous read-change-write of the stored outbox, while this
 *  tab holds the 'tyme-outbox' Web Lock: console tabs share the outbox in
 *  localStorage, and without the lock two tabs could each read the same state
 *  and the second write would drop the first tab's change. Resolves to fn's
 *  result (rejects with what it throws). */
function withOutbox(fn) {
  if (navigator.locks && typeof navigator.locks.request === 'function') {
    return navigator.locks.request('tyme-outbox', () => fn());
  }
  return new Promise((resolve) => { resolve(fn()); }); // no Web Locks: one tab at a time is all we can do
}

/** Records a write in the outbox (rejects when it cannot be stored), then sends. */
async function enqueue(entity) {
  await withOutbox(() => saveOutbox(outboxEnqueue(outboxState(), entity, Date.now())));
  flush();
}

/** enqueue, or a message saying what was not saved; true when queued. */
export async function tryEnqueue(entity, what) {
  try {
    await enqueue(entity);
    return true;
  } catch (e) {
    say(`The ${what} could not be queued, nothing was changed: ${errText(e)}`, 'error');
    return false;
  }
}

/** Sends due ops one at a time until none is due. Each op is claimed under the
 *  lock (marked `sending`): that is its send lease, so no other tab offers it
 *  until it is answered here or the lease runs out (a tab closed mid-send),
 *  and a write of the same entity queued meanwhile waits behind it. Its
 *  answer is recorded before the next claim, so a claim of one leaves
 *  nothing of this tab's in flight; the ops in flight that a claim ends with
 *  are other tabs', not this tab's to queue again. */
export async function flush() {
  if (app.flushing) { app.flushAgain = true; return; }
  if (!signedIn()) { setText($('#outbox-error'), '; sign in to send them'); return; }
  app.flushing = true;
  clearTimeout(app.wakeTimer);
  const client = app.client;
  try {
    do {
      app.flushAgain = false;
      // Signed out (or reconnected) meanwhile: this client sends no more (null).
      const mine = (fn) => withOutbox(() => (app.client === client ? fn(outboxState()) : null));
      await drainOutbox({
        update: (fn) => mine((state) => {
          const next = fn(state);
          if (next !== state) saveOutbox(next);
          return next;
        }),
        claim: () => mine((state) => {
          const claimed = outboxClaim(state, Date.now(), 1);
          if (claimed.ops.length) saveOutbox(claimed.state);
          return claimed.ops;
        }),
        recordSent: async (op) => (await mine((state) => {
          saveOutbox(outboxAckSent(state, [{ opId: op.opId, entity: op.entity }]));
          return true;
        })) !== null,
        settle: async () => true,
        send: (entity) => client.sendWrite(entity),
        onSent: async () => { setText($('#outbox-error'), ''); },
        onFailed: async (op, e) => {
          setText($('#outbox-error'), `; last error: ${errText(e)}`);
          if (AUTH.has(e && e.code)) renderAuth();
        },
      });
    } while (app.flushAgain && app.client === client);
  } catch (e) {
    // The stored outbox could not be read or written: shown, tried again on the next write.
    setText($('#outbox-error'), `; the outbox could not be updated: ${errText(e)}`);
    return;
  } finally {
    app.flushing = false;
    updateSyncCells();
  }
  let wake = null;
  try { wake = outboxNextWake(outboxState()); } catch { /* shown above on the next flush */ }
  if (wake != null && signedIn()) app.wakeTimer = setTimeout(flush, Math.max(250, wake - Date.now()));
}

/** The outbox state of each entity id: 'queued' | 'sending' | 'stuck' | 'waitingForSignIn', or absent once sent. */
export function opStates() {
  const map = new Map();
  for (const op of outboxPending(outboxState())) {
    map.set(op.entity.id, { state: op.state || 'queued', opId: op.opId, lastError: op.lastError });
  }
  return map;
}

export function retryOp(opId) {
  withOutbox(() => saveOutbox(outboxRetry(outboxState(), opId, Date.now())))
    .then(flush, (e) => say(`Could not retry: ${errText(e)}`, 'error'));
}

/** After sign-in: ops parked for want of it are due again. Ops found
 *  `sending` are left alone: another tab may be sending them right now. One
 *  left by a closed or crashed tab is offered again by outboxDue once its
 *  send lease runs out (2 min; the resend is harmless, it carries its id). */
export async function resumeOutbox() {
  try {
    await withOutbox(() => save(localStorage, K.outbox, outboxResume(outboxState(), Date.now())));
  } catch (e) {
    setText($('#outbox-error'), `; the outbox could not be updated: ${errText(e)}`);
  }
}
