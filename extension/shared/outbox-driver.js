// The one driver of the core's outbox (src/outbox.rs), for the extension's
// worker and the web console (copied to www/shared/ by the build). The core
// decides what is due, backoff, parking and order; this loop claims, sends
// and records. Where the state lives and how it is locked is the caller's:
// `update(fn)` runs fn(state) → next state (or the same object: nothing to
// write) as one locked read-change-write and resolves to the state after it,
// or to null when the state is no longer this sender's (another account):
// the drain then stops.
import { outboxFail, outboxRequeueInFlight } from '../pkg/tyme_tab.js';

// After a failure with one of these, nothing else would get through either.
export const STOP_CODES = new Set(['network', 'unauthorized', 'reauth_required', 'signed_out']);
// A bound on one drain (every op backs off at least a second after a failure, so it is never reached in practice).
const MAX_SENDS = 500;

/**
 * What the outbox records of a failed send: {code, message, status?,
 * retryAfter?}; `info` ({code, message}, a caller's wording) over the error's own.
 */
export function failureOf(e, info = null) {
  const code = (info && info.code) || (e && e.code) || 'network';
  const out = { code, message: String((info && info.message) || (e && e.message) || e || 'failed').slice(0, 300) };
  if (e && typeof e.status === 'number') out.status = e.status;
  if (e && typeof e.retryAfter === 'number') out.retryAfter = e.retryAfter;
  return out;
}

/**
 * Send what is due until nothing is (or a failure says nothing else can go).
 *   update(fn)         locked read-change-write of the outbox state (see above)
 *   send(entity)       the client's sendWrite
 *   onSent(op)         after the ack is recorded
 *   onFailed(op, e, failure)  after the failure is recorded
 *   describe(e)        {code, message} recorded for a failure (default: the error's own)
 *   now()              the clock (ms)
 *   claim()            the ops due now, marked in flight (the core's
 *                      outboxClaim, each with `after`: the ops of the claim
 *                      it must follow), or null once the state is another account's
 *   recordSent(op)     records a confirmed send (→ false once the state is
 *                      another account's)
 *   settle(fn)         the update that ends a claim (default: update)
 * → { sent, failed: the last failure or null, stopped: the state was taken away }
 *
 * The worker claims every op due at once and records each confirmation as
 * one small write, folded into the state by its next `update`, so a drain of
 * n ops costs O(n), not O(n²). The web console claims one op at a time.
 */
export async function drainOutbox({ update, settle = null, send, claim, recordSent, onSent = async () => {}, onFailed = async () => {}, describe = null, now = Date.now }) {
  let sent = 0;
  let failed = null;
  let tries = 0;
  while (tries < MAX_SENDS) {
    const ops = await claim();
    if (ops === null) return { sent, failed, stopped: true };
    if (!ops.length) break;
    let stop = false;
    const notSent = new Set(); // ops of this claim that failed or were left
    for (const op of ops) {
      // Its parent's write did not go through: it waits (queued again below).
      if ((op.after || []).some((id) => notSent.has(id))) { notSent.add(op.opId); continue; }
      tries++;
      let error = null;
      try { await send(op.entity); } catch (e) { error = e || new Error('failed'); }
      if (!error) {
        if ((await recordSent(op)) === false) return { sent, failed, stopped: true };
        sent++;
        await onSent(op);
        continue;
      }
      notSent.add(op.opId);
      failed = failureOf(error, describe ? describe(error) : null);
      const after = await update((s) => outboxFail(s, op.opId, failed, now()));
      if (after === null) return { sent, failed, stopped: true };
      await onFailed(op, error, failed);
      if (STOP_CODES.has(failed.code)) { stop = true; break; }
    }
    // The claim's confirmed sends folded in (the caller's update applies
    // what recordSent recorded before fn runs), and what it left in flight
    // unsent (after a failure) queued again, due as before.
    const settled = await (settle || update)((s) => outboxRequeueInFlight(s));
    if (settled === null) return { sent, failed, stopped: true };
    if (stop) break;
  }
  return { sent, failed, stopped: false };
}
