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
//!    * anything else (`network`, `server`, `rate_limited`, `bad_response`,
//!      unknown codes): exponential backoff, capped, with full jitter:
//!      `delay = max(MIN_DELAY_MS, rand * min(MAX_DELAY_MS, BASE_DELAY_MS * 2^(attempts-1)))`;
//!      a `retryAfter` (429, 503) makes the delay at least that long (capped at
//!      `MAX_RETRY_AFTER_SECS`) and holds the whole queue until then.

use crate::error::Error;
use crate::model::read::kind_of;
use serde::Serialize;
use serde_json::{Map, Value};

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

impl OutboxState {
    /// An empty outbox.
    pub fn new() -> Self {
        OutboxState { version: STATE_VERSION, next_seq: 1, hold_until: None, ops: Vec::new() }
    }

    /// Parse a stored state (JSON text); a corrupt one is an `invalid_input`
    /// error, never a panic.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        // from_slice, like every other JSON read: one parser in the wasm module.
        let value: Value = serde_json::from_slice(text.as_bytes()).map_err(|_| corrupt("not JSON"))?;
        Self::from_value(&value)
    }

    /// Parse a stored state from a JSON value (see `from_json`).
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let state = read_state(value)?;
        state.validate()?;
        Ok(state)
    }

    /// The stored JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// Check the invariants of a state read from storage.
    pub fn validate(&self) -> Result<(), Error> {
        if self.version != STATE_VERSION {
            return Err(corrupt("unknown version"));
        }
        if self.ops.len() > MAX_OPS {
            return Err(corrupt("too many ops"));
        }
        // Sequence numbers start at 1: a nextSeq of 0 would give the next op seq 0, itself refused.
        if self.next_seq == 0 || self.next_seq > MAX_SEQ {
            return Err(corrupt("nextSeq out of range"));
        }
        if let Some(h) = self.hold_until {
            check_time(h).map_err(|_| corrupt("holdUntil out of range"))?;
        }
        let mut last_seq = 0u64;
        for op in &self.ops {
            if op.seq == 0 || op.seq <= last_seq || op.seq >= self.next_seq {
                return Err(corrupt("op sequence numbers out of order"));
            }
            last_seq = op.seq;
            // Sequence numbers strictly increase, so ids derived from them are unique.
            if op.op_id != format!("op-{}", op.seq) {
                return Err(corrupt("bad or repeated opId"));
            }
            let (ty, id) = entity_key(&op.entity).map_err(|_| corrupt("op without a valid entity"))?;
            if ty != op.entity_type || id != op.entity_id {
                return Err(corrupt("entityType/entityId do not match the entity"));
            }
            for t in [op.enqueued_at, op.next_attempt_at] {
                check_time(t).map_err(|_| corrupt("time out of range"))?;
            }
            match (op.state, op.sending_since) {
                (OpState::Sending, Some(t)) => {
                    check_time(t).map_err(|_| corrupt("time out of range"))?;
                }
                (OpState::Sending, None) => return Err(corrupt("sending op without sendingSince")),
                _ => {}
            }
        }
        if EntityIndex::new(&self.ops).most_ops_per_entity() > 2 {
            return Err(corrupt("more than two ops for one entity"));
        }
        Ok(())
    }

    /// Number of pending ops.
    pub fn size(&self) -> usize {
        self.ops.len()
    }

    /// Every pending op, oldest first (for display: "2 changes waiting").
    pub fn pending(&self) -> &[PendingOp] {
        &self.ops
    }

    fn find(&self, op_id: &str) -> Option<usize> {
        self.ops.iter().position(|o| o.op_id == op_id)
    }

    /// Record a write before it is sent; returns the new op's id.
    pub fn enqueue(&mut self, entity: Value, now: i64) -> Result<String, Error> {
        let now = check_time(now)?;
        let (ty, id) = entity_key(&entity)?;
        let size = serde_json::to_vec(&entity).map_or(usize::MAX, |s| s.len());
        if size > MAX_ENTITY_BYTES {
            return Err(Error::invalid_input("entity too large for the outbox"));
        }
        // Checked, and before anything changes: a stored nextSeq may be at the top.
        let next_seq = self.next_seq.checked_add(1).filter(|n| *n <= MAX_SEQ).ok_or_else(|| Error::invalid_input("outbox sequence numbers used up"))?;
        // The entity's latest op, if it is not in flight, is superseded.
        if let Some(i) = self.ops.iter().rposition(|o| o.entity_type == ty && o.entity_id == id) {
            if self.ops[i].state != OpState::Sending {
                self.ops.remove(i);
            }
        }
        if self.ops.len() >= MAX_OPS {
            return Err(Error::invalid_input("outbox full: too many changes waiting"));
        }
        let seq = self.next_seq;
        self.next_seq = next_seq;
        let op_id = format!("op-{seq}");
        self.ops.push(PendingOp {
            op_id: op_id.clone(),
            seq,
            entity_type: ty,
            entity_id: id,
            entity,
            enqueued_at: now,
            attempts: 0,
            next_attempt_at: now,
            state: OpState::Queued,
            sending_since: None,
            last_error: None,
        });
        Ok(op_id)
    }

    /// The ops that are the oldest of their entity, oldest first, and not
    /// waiting for a parent entity that still has an op queued.
    fn sendable_heads(&self) -> impl Iterator<Item = &PendingOp> {
        let index = EntityIndex::new(&self.ops);
        let heads = index.heads();
        self.ops.iter().zip(heads).filter(move |(op, head)| *head && !index.waits_for_parent(op)).map(|(op, _)| op)
    }

    fn ready(&self, op: &PendingOp, now: i64) -> bool {
        match op.state {
            OpState::Queued => op.next_attempt_at <= now,
            OpState::Sending => op.sending_since.is_none_or(|t| t.saturating_add(SEND_LEASE_MS) <= now),
            OpState::Stuck | OpState::WaitingForSignIn => false,
        }
    }

    /// What to send now: at most one op per entity, oldest first.
    pub fn due(&self, now: i64) -> Vec<PendingOp> {
        if self.hold_until.is_some_and(|h| h > now) {
            return Vec::new();
        }
        self.sendable_heads().filter(|op| self.ready(op, now)).cloned().collect()
    }

    /// The op is being sent now (it is in flight until ack/fail).
    pub fn mark_sending(&mut self, op_id: &str, now: i64) -> Result<(), Error> {
        let now = check_time(now)?;
        let Some(i) = self.find(op_id) else { return Ok(()) };
        let key = self.ops[i].key();
        if self.ops[..i].iter().any(|o| o.key() == key) {
            return Err(Error::invalid_input("op waits behind another write of the same entity"));
        }
        let op = &mut self.ops[i];
        op.state = OpState::Sending;
        op.sending_since = Some(now);
        Ok(())
    }

    /// Back to `queued` every op left `sending` (a fresh worker has no request
    /// outstanding).  They are due at once.
    pub fn requeue_in_flight(&mut self) {
        for op in &mut self.ops {
            if op.state == OpState::Sending {
                op.state = OpState::Queued;
                op.sending_since = None;
            }
        }
    }

    /// The server confirmed the op: remove it.  Unknown ids change nothing.
    pub fn ack(&mut self, op_id: &str) -> bool {
        match self.find(op_id) {
            Some(i) => {
                self.ops.remove(i);
                true
            }
            None => false,
        }
    }

    /// An attempt failed: schedule, park, or wait for sign-in (module doc).
    pub fn fail(&mut self, op_id: &str, failure: &Failure, now: i64, rand: f64) -> Result<(), Error> {
        let now = check_time(now)?;
        let Some(i) = self.find(op_id) else { return Ok(()) };
        let retry_after = failure.retry_after.map(|s| s.min(MAX_RETRY_AFTER_SECS));
        let class = classify(&failure.code);
        let op = &mut self.ops[i];
        op.attempts = op.attempts.saturating_add(1);
        op.sending_since = None;
        op.last_error = Some(LastError {
            code: short_code(&failure.code),
            message: short(&failure.message),
            retry_after,
            at: now,
        });
        match class {
            FailureClass::WaitForSignIn => {
                op.state = OpState::WaitingForSignIn;
                op.next_attempt_at = now;
            }
            FailureClass::Stuck => {
                op.state = OpState::Stuck;
                op.next_attempt_at = now;
            }
            FailureClass::Retry => {
                let mut delay = backoff_delay_ms(op.attempts, rand);
                if let Some(s) = retry_after {
                    let ra = i64::from(s) * 1000;
                    delay = delay.max(ra);
                    let until = now.saturating_add(ra).min(MAX_ABS_TIME_MS);
                    self.hold_until = Some(self.hold_until.map_or(until, |h| h.max(until)));
                }
                let op = &mut self.ops[i];
                op.state = OpState::Queued;
                op.next_attempt_at = now.saturating_add(delay).min(MAX_ABS_TIME_MS);
            }
        }
        Ok(())
    }

    /// Retry one parked (or backing-off) op now, on the user's request.
    pub fn retry(&mut self, op_id: &str, now: i64) -> Result<(), Error> {
        let now = check_time(now)?;
        if let Some(i) = self.find(op_id) {
            let op = &mut self.ops[i];
            if op.state != OpState::Sending {
                op.state = OpState::Queued;
                op.next_attempt_at = now;
            }
        }
        Ok(())
    }

    /// After sign-in (or a user's "retry all"): every parked op is due again.
    pub fn resume_all(&mut self, now: i64) -> Result<(), Error> {
        let now = check_time(now)?;
        for op in &mut self.ops {
            if matches!(op.state, OpState::Stuck | OpState::WaitingForSignIn) {
                op.state = OpState::Queued;
                op.next_attempt_at = now;
            }
        }
        Ok(())
    }

    /// When `due` may next return something (ms), or `None` if nothing will
    /// become due without an outside event (empty, or all parked).
    pub fn next_wake(&self) -> Option<i64> {
        let t = self
            .sendable_heads()
            .filter_map(|op| match op.state {
                OpState::Queued => Some(op.next_attempt_at),
                OpState::Sending => op.sending_since.map(|t| t.saturating_add(SEND_LEASE_MS)),
                _ => None,
            })
            .min()?;
        Some(self.hold_until.map_or(t, |h| h.max(t)))
    }

    /// Ops parked as `stuck` (to show the user).
    pub fn stuck(&self) -> Vec<&PendingOp> {
        self.ops.iter().filter(|o| o.state == OpState::Stuck).collect()
    }
}

/// Each op's entity, sorted once: which entities have ops, how many, and
/// which op is each entity's oldest.  (A sorted list rather than hash sets:
/// one sort keeps the hashing machinery out of the WebAssembly module.)
struct EntityIndex<'a> {
    /// `(entity key, op index)`, sorted: an entity's ops are adjacent, oldest first.
    sorted: Vec<((&'a str, &'a str), usize)>,
}

impl<'a> EntityIndex<'a> {
    fn new(ops: &'a [PendingOp]) -> Self {
        let mut sorted: Vec<_> = ops.iter().map(PendingOp::key).zip(0..).collect();
        sorted.sort_unstable();
        EntityIndex { sorted }
    }

    fn has_ops(&self, key: (&str, &str)) -> bool {
        self.sorted.binary_search_by(|(k, _)| k.cmp(&key)).is_ok()
    }

    /// For each op (by index): is it the oldest op of its entity?
    fn heads(&self) -> Vec<bool> {
        let mut head = vec![false; self.sorted.len()];
        let mut prev = None;
        for (key, i) in &self.sorted {
            if prev != Some(key) {
                head[*i] = true;
            }
            prev = Some(key);
        }
        head
    }

    fn most_ops_per_entity(&self) -> usize {
        self.sorted.chunk_by(|a, b| a.0 == b.0).map(<[_]>::len).max().unwrap_or(0)
    }

    /// Is this op waiting for a parent entity that still has an op queued?
    fn waits_for_parent(&self, op: &PendingOp) -> bool {
        let rank = type_rank(&op.entity_type);
        parents(&op.entity).into_iter().any(|(ty, id)| type_rank(ty) < rank && self.has_ops((ty, id)))
    }
}

fn corrupt(why: &str) -> Error {
    Error::invalid_input(format!("stored outbox state is corrupt: {why}"))
}

/// The fields of one object of the stored shape, read strictly: the fields
/// the shape requires must be there with the right type, numbers must be
/// whole and in range (`null` counts as absent for optional fields), and
/// unknown fields are ignored.  Hand-written rather than a serde derive: it
/// keeps serde's deserializer machinery out of the WebAssembly module.
struct Stored<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Stored<'a> {
    fn of(v: &'a Value, what: &str) -> Result<Self, Error> {
        match v {
            Value::Object(map) => Ok(Stored { map }),
            other => Err(corrupt(&format!("{what} must be an object, got {}", kind_of(other)))),
        }
    }

    fn wrong(field: &str, expected: &str) -> Error {
        corrupt(&format!("field {field} must be {expected}"))
    }

    /// The value, or `None` when missing or null.
    fn opt(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    fn required(&self, field: &str) -> Result<&'a Value, Error> {
        self.map.get(field).ok_or_else(|| corrupt(&format!("missing field {field}")))
    }

    fn text(&self, field: &str) -> Result<String, Error> {
        match self.required(field)? {
            Value::String(s) => Ok(s.clone()),
            _ => Err(Self::wrong(field, "a string")),
        }
    }

    fn opt_text(&self, field: &str) -> Result<String, Error> {
        match self.opt(field) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(Self::wrong(field, "a string")),
        }
    }

    fn u64(&self, field: &str) -> Result<u64, Error> {
        self.required(field)?.as_u64().ok_or_else(|| Self::wrong(field, "a whole number >= 0"))
    }

    fn u32(&self, field: &str) -> Result<u32, Error> {
        u32::try_from(self.u64(field)?).map_err(|_| Self::wrong(field, "a 32-bit whole number"))
    }

    fn opt_u32(&self, field: &str) -> Result<Option<u32>, Error> {
        match self.opt(field) {
            None => Ok(None),
            Some(_) => self.u32(field).map(Some),
        }
    }

    fn i64(&self, field: &str) -> Result<i64, Error> {
        self.required(field)?.as_i64().ok_or_else(|| Self::wrong(field, "a whole number"))
    }

    fn opt_i64(&self, field: &str) -> Result<Option<i64>, Error> {
        match self.opt(field) {
            None => Ok(None),
            Some(_) => self.i64(field).map(Some),
        }
    }
}

fn read_state(v: &Value) -> Result<OutboxState, Error> {
    let f = Stored::of(v, "state")?;
    let ops = match f.required("ops")? {
        Value::Array(items) => items.iter().map(read_op).collect::<Result<Vec<_>, _>>()?,
        _ => return Err(Stored::wrong("ops", "an array")),
    };
    Ok(OutboxState { version: f.u32("version")?, next_seq: f.u64("nextSeq")?, hold_until: f.opt_i64("holdUntil")?, ops })
}

fn read_op(v: &Value) -> Result<PendingOp, Error> {
    let f = Stored::of(v, "op")?;
    let state = match f.required("state")?.as_str() {
        Some("queued") => OpState::Queued,
        Some("sending") => OpState::Sending,
        Some("stuck") => OpState::Stuck,
        Some("waitingForSignIn") => OpState::WaitingForSignIn,
        _ => return Err(Stored::wrong("state", "queued, sending, stuck or waitingForSignIn")),
    };
    let last_error = match f.opt("lastError") {
        None => None,
        Some(e) => {
            let e = Stored::of(e, "lastError")?;
            Some(LastError {
                code: e.text("code")?,
                message: e.opt_text("message")?,
                retry_after: e.opt_u32("retryAfter")?,
                at: e.i64("at")?,
            })
        }
    };
    Ok(PendingOp {
        op_id: f.text("opId")?,
        seq: f.u64("seq")?,
        entity_type: f.text("entityType")?,
        entity_id: f.text("entityId")?,
        entity: f.required("entity")?.clone(),
        enqueued_at: f.i64("enqueuedAt")?,
        attempts: f.u32("attempts")?,
        next_attempt_at: f.i64("nextAttemptAt")?,
        state,
        sending_since: f.opt_i64("sendingSince")?,
        last_error,
    })
}

fn short(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(MAX_MESSAGE_CHARS).collect()
}

fn short_code(s: &str) -> String {
    let c: String = s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(40).collect();
    if c.is_empty() {
        "unknown".to_string()
    } else {
        c
    }
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
