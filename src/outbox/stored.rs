//! The persisted outbox state read back strictly.

use serde_json::{Map, Value};

use super::{LastError, OpState, OutboxState, PendingOp, MAX_MESSAGE_CHARS};
use crate::error::Error;
use crate::model::read::kind_of;

pub(super) fn corrupt(why: &str) -> Error {
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

pub(super) fn read_state(v: &Value) -> Result<OutboxState, Error> {
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

pub(super) fn short(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(MAX_MESSAGE_CHARS).collect()
}

pub(super) fn short_code(s: &str) -> String {
    let c: String = s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(40).collect();
    if c.is_empty() {
        "unknown".to_string()
    } else {
        c
    }
}

