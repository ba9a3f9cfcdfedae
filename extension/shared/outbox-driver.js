// The one driver of the core's outbox (src/outbox.rs), for the extension's
// worker and the web console (copied to www/shared/ by the build). The core
// decides what is due, backoff, parking and order; this loop claims, sends
// and records, one op at a time. Where the state lives and how it is locked
// is the caller's: `update(fn)` runs fn(state) → next state (or the same
// object: nothing to write) as one locked read-change-write and resolves to
// the state after it, or to null when the state is no longer this sender's
// (another account): the drain then stops.
import { outboxNextDue, outboxMarkSending, outboxAck, outboxFail, outboxOp } from '../pkg/tyme_tab.js';

// After a failure with one of these, nothing else would get through either.
export const STOP_CODES = new Set(['network', 'unauthorized', 'reauth_required', 'signed_out']);
// A bound on one drain (every op backs off at least a second after a failure, so it is never reached in practice).
const MAX_SENDS = 500;

function sameEntity(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

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
 * → { sent, failed: the last failure or null, stopped: the state was taken away }
 */
export async function drainOutbox({ update, send, onSent = async () => {}, onFailed = async () => {}, describe = null, now = Date.now }) {
  let sent = 0;
  let failed = null;
  for (let i = 0; i < MAX_SENDS; i++) {
    let op = null;
    const claimed = await update((s) => {
      op = outboxNextDue(s, now());
      return op ? outboxMarkSending(s, op.opId, now()) : s;
    });
    if (claimed === null) return { sent, failed, stopped: true };
    if (!op) break;
    let error = null;
    try { await send(op.entity); } catch (e) { error = e || new Error('failed'); }
    if (!error) {
      const acked = await update((s) => {
        const cur = outboxOp(s, op.opId);
        // A newer write that replaced this op while it was in flight must still be sent.
        if (cur && !sameEntity(cur.entity, op.entity)) return s;
        return outboxAck(s, op.opId);
      });
      if (acked === null) return { sent, failed, stopped: true };
      sent++;
      await onSent(op);
      continue;
    }
    // The core decides: retry with backoff, park as stuck (refused), or wait for sign-in.
    failed = failureOf(error, describe ? describe(error) : null);
    const after = await update((s) => outboxFail(s, op.opId, failed, now()));
    if (after === null) return { sent, failed, stopped: true };
    await onFailed(op, error, failed);
    if (STOP_CODES.has(failed.code)) break;
  }
  return { sent, failed, stopped: false };
}
