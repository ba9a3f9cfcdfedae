//! Pending writes: what must still reach the server, in which order, and when
//! to try again.  No I/O: the clock and randomness are passed in, and the
//! state is a plain serde value the extension persists (chrome.storage).
//!
//! Life of a write:
//! 1. `enqueue(entity, now)` records it *before* it is sent.  Writes are full
//!    upserts keyed by `(type, id)`.  If the entity's latest op is not in
//!    flight, the new body replaces it (a fresh op with a new `opId`, placed
//!    at the end of the queue); otherwise the new op is queued behind the one
//!    in flight.  So an entity has at most two ops, and a stop never overtakes
//!    its start.
//! 2. `due(now)` lists what to send now: for each entity only its oldest op,
//!    if it is `queued` and `nextAttemptAt <= now` (or `sending` with an
//!    expired lease, see below), not held by a global `holdUntil`
//!    (`Retry-After`), and not waiting for a parent entity it references
//!    (`category_id`, `project_id`, `task_id`, `subtask_id`) that still has an
//!    op in the queue.  Oldest first.
//! 3. `mark_sending(op_id, now)` is called just before the request goes out:
//!    the op is then *in flight* (state `sending`) until `ack`, `fail`, or
//!    `requeue_in_flight()` (call it when the service worker starts: a new
//!    worker has no request outstanding), and at most `SEND_LEASE_MS` (after
//!    which `due` offers it again; the resend is harmless since it carries the
//!    entity's id).  A write enqueued meanwhile waits behind it.
//! 4. `ack(op_id)` removes it: the only way an op leaves, apart from being
//!    replaced by a newer full body of the same entity that was not in flight.
//!    Acking or failing an unknown op id changes nothing (a replaced op's late
//!    answer is ignored; its newer body is still queued and will be sent).
//! 5. `fail(op_id, failure, now, rand)`:
//!    * `unauthorized` / `reauth_required`: the op waits for sign-in
//!      (`waitingForSignIn`) until `resume_all(now)`;
//!    * `invalid_input` / `not_found` / `forbidden`: retrying cannot help; the
//!      op is parked as `stuck` (kept and shown) until `retry(op_id, now)`, a
//!      new write of the entity, or `resume_all(now)`;
//!    * in every case, an op that a newer write of its entity waits behind
//!      (it was in flight when that write came) is dropped: the newer full
//!      body is sent in its place;
//!    * anything else (`network`, `server`, `rate_limited`, `bad_response`,
//!      unknown codes): exponential backoff, capped, with full jitter:
//!      `delay = max(MIN_DELAY_MS, rand * min(MAX_DELAY_MS, BASE_DELAY_MS * 2^(attempts-1)))`;
//!      a `retryAfter` (429, 503) makes the delay at least that long (capped at
//!      `MAX_RETRY_AFTER_SECS`) and holds the whole queue until then.

use crate::error::Error;
use serde::Serialize;
use serde_json::Value;

mod batch;
pub use batch::Claimed;
mod index;
mod queue;
mod stored;

use stored::{corrupt, read_state, short, short_code};

/// Version of the stored JSON shape.
pub const STATE_VERSION: u32 = 1;
/// First retry delay (before jitter).
pub const BASE_DELAY_MS: i64 = 2_000;
/// Backoff cap (before jitter).
pub const MAX_DELAY_MS: i64 = 300_000;
/// Smallest delay after a failure, so jitter never gives a hot loop.
pub const MIN_DELAY_MS: i64 = 1_000;
/// Largest `Retry-After` honoured (seconds); longer ones are capped.
pub const MAX_RETRY_AFTER_SECS: u32 = 3_600;
/// How long an op may stay `sending` before it is offered again.
pub const SEND_LEASE_MS: i64 = 120_000;
/// Most ops kept; enqueueing beyond is refused (never silently dropped).
pub const MAX_OPS: usize = 10_000;
/// Largest entity body accepted (bytes of JSON).
pub const MAX_ENTITY_BYTES: usize = 64 * 1024;
/// Longest error message kept in `lastError`.
pub const MAX_MESSAGE_CHARS: usize = 300;
/// Valid range of clock values (ms since the epoch), as JS `Date` allows.
pub const MAX_ABS_TIME_MS: i64 = 8_640_000_000_000_000;
/// Largest sequence number: a JS number holds every whole number up to 2^53.
pub const MAX_SEQ: u64 = 1 << 53;

/// Where an op is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OpState {
    /// Waiting for `nextAttemptAt`.
    Queued,
    /// Handed to the transport (`mark_sending`), answer not yet known.
    Sending,
    /// Refused in a way retrying cannot fix; kept and shown to the user.
    Stuck,
    /// Refused for lack of a valid sign-in; resumed by `resume_all`.
    WaitingForSignIn,
}

/// The last failure of an op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastError {
    pub code: String,
    pub message: String,
    pub retry_after: Option<u32>,
    pub at: i64,
}

/// One pending write.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingOp {
    pub op_id: String,
    pub seq: u64,
    pub entity_type: String,
    pub entity_id: String,
    /// The full entity body (wire field names, with `type` and `id`).
    pub entity: Value,
    pub enqueued_at: i64,
    pub attempts: u32,
    pub next_attempt_at: i64,
    pub state: OpState,
    pub sending_since: Option<i64>,
    pub last_error: Option<LastError>,
}

impl PendingOp {
    /// A write just queued: `op-<seq>`, due now, not tried yet.
    fn queued(seq: u64, entity_type: String, entity_id: String, entity: Value, now: i64) -> Self {
        PendingOp {
            op_id: format!("op-{seq}"),
            seq,
            entity_type,
            entity_id,
            entity,
            enqueued_at: now,
            attempts: 0,
            next_attempt_at: now,
            state: OpState::Queued,
            sending_since: None,
            last_error: None,
        }
    }

    fn key(&self) -> (&str, &str) {
        (&self.entity_type, &self.entity_id)
    }
}

/// A failed attempt, as the transport reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub code: String,
    pub message: String,
    pub retry_after: Option<u32>,
}

impl Failure {
    pub fn new(code: &str, retry_after: Option<u32>) -> Self {
        Failure { code: code.to_string(), message: String::new(), retry_after }
    }
}

impl From<&Error> for Failure {
    fn from(e: &Error) -> Self {
        Failure { code: e.code().to_string(), message: e.message.clone(), retry_after: e.retry_after }
    }
}

/// How a failure is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    Retry,
    Stuck,
    WaitForSignIn,
}

/// Classify a failure code (unknown codes are retried: never drop, never park
/// on a guess).
pub fn classify(code: &str) -> FailureClass {
    match code {
        "unauthorized" | "reauth_required" => FailureClass::WaitForSignIn,
        "invalid_input" | "not_found" | "forbidden" => FailureClass::Stuck,
        _ => FailureClass::Retry,
    }
}

/// The backoff delay after the `attempts`-th failed attempt (1-based), with
/// full jitter from `rand` in `[0, 1]` (clamped; NaN counts as 1).
pub fn backoff_delay_ms(attempts: u32, rand: f64) -> i64 {
    let exp = attempts.saturating_sub(1).min(30);
    let cap = BASE_DELAY_MS.saturating_mul(1i64 << exp).min(MAX_DELAY_MS);
    let r = if rand.is_nan() { 1.0 } else { rand.clamp(0.0, 1.0) };
    ((cap as f64 * r) as i64).clamp(MIN_DELAY_MS, MAX_DELAY_MS)
}

/// The whole outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxState {
    pub version: u32,
    pub next_seq: u64,
    pub hold_until: Option<i64>,
    pub ops: Vec<PendingOp>,
}

impl Default for OutboxState {
    fn default() -> Self {
        OutboxState::new()
    }
}

fn check_time(now: i64) -> Result<i64, Error> {
    if now.abs() > MAX_ABS_TIME_MS {
        return Err(Error::invalid_input("time out of range"));
    }
    Ok(now)
}

/// `(type, id)` of an entity body, or why it is refused.
pub fn entity_key(entity: &Value) -> Result<(String, String), Error> {
    let obj = entity.as_object().ok_or_else(|| Error::invalid_input("entity must be an object"))?;
    let ty = obj.get("type").and_then(Value::as_str).unwrap_or("");
    let id = obj.get("id").and_then(Value::as_str).unwrap_or("");
    if ty.is_empty() || ty.len() > 64 {
        return Err(Error::invalid_input("entity needs a \"type\" string"));
    }
    if id.is_empty() || id.len() > 256 {
        return Err(Error::invalid_input("entity needs an \"id\" string (client-generated)"));
    }
    Ok((ty.to_string(), id.to_string()))
}

/// Rank in the Tyme hierarchy: an entity may only wait for entities of a
/// lower rank, so the waiting graph has no cycle and the queue always drains.
fn type_rank(ty: &str) -> u8 {
    match ty {
        "ProjectCategory" => 0,
        "Project" => 1,
        "TimedTask" => 2,
        "TimedSubTask" => 3,
        "TimedTaskRecord" => 4,
        _ => 5,
    }
}

/// The parent `(type, id)`s an entity body references.
fn parents(entity: &Value) -> Vec<(&'static str, &str)> {
    const LINKS: [(&str, &str); 4] = [
        ("category_id", "ProjectCategory"),
        ("project_id", "Project"),
        ("task_id", "TimedTask"),
        ("subtask_id", "TimedSubTask"),
    ];
    let mut out = Vec::new();
    if let Some(obj) = entity.as_object() {
        for (field, ty) in LINKS {
            if let Some(id) = obj.get(field).and_then(Value::as_str) {
                if !id.is_empty() {
                    out.push((ty, id));
                }
            }
        }
    }
    out
}


#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_delay_ms(1, 1.0), 2_000);
        assert_eq!(backoff_delay_ms(2, 1.0), 4_000);
        assert_eq!(backoff_delay_ms(9, 1.0), MAX_DELAY_MS);
        assert_eq!(backoff_delay_ms(u32::MAX, 1.0), MAX_DELAY_MS);
        assert_eq!(backoff_delay_ms(3, 0.0), MIN_DELAY_MS);
        assert_eq!(backoff_delay_ms(3, f64::NAN), 8_000);
    }

    #[test]
    fn replace_when_not_in_flight() {
        let mut s = OutboxState::new();
        let a = s.enqueue(json!({"type":"TimedTaskRecord","id":"r1","time_end":null}), 0).unwrap();
        let b = s.enqueue(json!({"type":"TimedTaskRecord","id":"r1","time_end":"x"}), 1).unwrap();
        assert_ne!(a, b);
        assert_eq!(s.size(), 1);
        assert!(!s.ack(&a));
        assert_eq!(s.size(), 1);
    }
}
