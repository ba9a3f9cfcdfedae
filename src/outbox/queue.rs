//! The queue's operations: enqueue, what is due, in flight, acknowledged,
//! failed (with backoff), retried, and the checks of a state read back.

use serde_json::Value;

use super::index::EntityIndex;
use super::*;

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
        let op = PendingOp::queued(seq, ty, id, entity, now);
        let op_id = op.op_id.clone();
        self.ops.push(op);
        Ok(op_id)
    }

    /// The ops that are the oldest of their entity, oldest first, and not
    /// waiting for a parent entity that still has an op queued.
    fn sendable_heads(&self) -> impl Iterator<Item = &PendingOp> {
        let index = EntityIndex::new(&self.ops);
        let heads = index.heads();
        self.ops.iter().zip(heads).filter(move |(op, head)| *head && !index.waits_for_parent(op)).map(|(op, _)| op)
    }

    pub(super) fn ready(&self, op: &PendingOp, now: i64) -> bool {
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

    /// The first op of `due(now)`, without copying the others: what a
    /// sender that sends one op at a time asks for (a drain of n ops then
    /// copies n ops, not n²/2).
    pub fn next_due(&self, now: i64) -> Option<PendingOp> {
        if self.hold_until.is_some_and(|h| h > now) {
            return None;
        }
        self.sendable_heads().find(|op| self.ready(op, now)).cloned()
    }

    /// The pending op with this id.
    pub fn op(&self, op_id: &str) -> Option<&PendingOp> {
        self.find(op_id).map(|i| &self.ops[i])
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
        // A newer full body of the entity waits behind it: that one is sent instead.
        let retry_after = failure.retry_after.map(|s| s.min(MAX_RETRY_AFTER_SECS));
        let class = classify(&failure.code);
        let key = self.ops[i].key();
        if self.ops[i + 1..].iter().any(|o| o.key() == key) {
            self.ops.remove(i);
            // A server's Retry-After still holds the whole queue.
            if let (FailureClass::Retry, Some(s)) = (class, retry_after) {
                let until = now.saturating_add(i64::from(s) * 1000).min(MAX_ABS_TIME_MS);
                self.hold_until = Some(self.hold_until.map_or(until, |h| h.max(until)));
            }
            return Ok(());
        }
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
