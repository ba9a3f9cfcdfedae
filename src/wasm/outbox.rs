//! `outbox*` functions: thin wrappers of `crate::outbox`.  The state is a
//! plain object the caller persists; every call validates it (a corrupt one
//! throws `invalid_input`) and returns the new state.

use wasm_bindgen::prelude::*;

use super::convert::{json_of, random_bytes, to_js};
use super::error::js_err;
use crate::error::{Error, ErrorKind, Result};
use crate::model::read::Fields;
use crate::outbox::{Failure, OutboxState, MAX_ABS_TIME_MS};

fn state_in(v: JsValue) -> Result<OutboxState> {
    if v.is_undefined() || v.is_null() {
        return Ok(OutboxState::new());
    }
    OutboxState::from_value(&json_of(&v, "outbox state")?)
}

/// A JS array as its parsed JSON items (else `invalid_input` naming `what`).
fn array_in(v: &JsValue, what: &str) -> Result<Vec<serde_json::Value>> {
    match json_of(v, what)? {
        serde_json::Value::Array(items) => Ok(items),
        _ => Err(Error::invalid_input(format!("{what} must be an array"))),
    }
}

fn ms(v: f64) -> Result<i64> {
    if !v.is_finite() || v.abs() > MAX_ABS_TIME_MS as f64 {
        return Err(Error::invalid_input("time must be a finite number of milliseconds"));
    }
    Ok(v.floor() as i64)
}

fn out<T: serde::Serialize>(v: &T) -> std::result::Result<JsValue, JsValue> {
    to_js(v).map_err(js_err)
}

/// An empty outbox state.
#[wasm_bindgen(js_name = outboxNew, unchecked_return_type = "OutboxState")]
pub fn outbox_new() -> std::result::Result<JsValue, JsValue> {
    out(&OutboxState::new())
}

/// Record a write (an entity with `type` and `id`) before it is sent.
#[wasm_bindgen(js_name = outboxEnqueue, unchecked_return_type = "OutboxState")]
pub fn outbox_enqueue(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue, #[wasm_bindgen(unchecked_param_type = "OutboxEntity")] entity: JsValue, #[wasm_bindgen(js_name = nowMs)] now_ms: f64) -> std::result::Result<JsValue, JsValue> {
    let run = || -> Result<OutboxState> {
        let mut s = state_in(state)?;
        let entity = json_of(&entity, "entity")?;
        s.enqueue(entity, ms(now_ms)?)?;
        Ok(s)
    };
    out(&run().map_err(js_err)?)
}

/// Record many writes (`[{entity, at}]`, oldest first) in one pass: as
/// `outboxEnqueue` for each in turn; all or nothing.
#[wasm_bindgen(js_name = outboxEnqueueAll, unchecked_return_type = "OutboxState")]
pub fn outbox_enqueue_all(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue, #[wasm_bindgen(unchecked_param_type = "{ entity: OutboxEntity, at: number }[]")] writes: JsValue) -> std::result::Result<JsValue, JsValue> {
    let run = || -> Result<OutboxState> {
        let mut s = state_in(state)?;
        let list = array_in(&writes, "writes")?;
        let mut batch = Vec::with_capacity(list.len());
        for mut w in list {
            let at = w.get("at").and_then(serde_json::Value::as_f64).ok_or_else(|| Error::invalid_input("each write needs a number `at`"))?;
            let entity = w.get_mut("entity").map(serde_json::Value::take).unwrap_or_default();
            batch.push((entity, ms(at)?));
        }
        s.enqueue_all(batch)?;
        Ok(s)
    };
    out(&run().map_err(js_err)?)
}

/// The key (`type`, a NUL, `id`) of an entity the outbox would take, or the
/// `invalid_input` error `outboxEnqueue` would give it.
#[wasm_bindgen(js_name = outboxEntityKey)]
pub fn outbox_entity_key(#[wasm_bindgen(unchecked_param_type = "OutboxEntity")] entity: JsValue) -> std::result::Result<String, JsValue> {
    let run = || -> Result<String> {
        let entity = json_of(&entity, "entity")?;
        let (ty, id) = crate::outbox::entity_key(&entity)?;
        if serde_json::to_vec(&entity).map_or(usize::MAX, |s| s.len()) > crate::outbox::MAX_ENTITY_BYTES {
            return Err(Error::invalid_input("entity too large for the outbox"));
        }
        Ok(format!("{ty}\u{0}{id}"))
    };
    run().map_err(js_err)
}

/// What to send now: at most one op per entity, oldest first.
#[wasm_bindgen(js_name = outboxDue, unchecked_return_type = "PendingOp[]")]
pub fn outbox_due(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue, #[wasm_bindgen(js_name = nowMs)] now_ms: f64) -> std::result::Result<JsValue, JsValue> {
    let run = || -> Result<_> { Ok(state_in(state)?.due(ms(now_ms)?)) };
    out(&run().map_err(js_err)?)
}




/// The server confirmed the op: remove it (unknown ids change nothing).
#[wasm_bindgen(js_name = outboxAck, unchecked_return_type = "OutboxState")]
pub fn outbox_ack(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue, #[wasm_bindgen(js_name = opId)] op_id: &str) -> std::result::Result<JsValue, JsValue> {
    let run = || -> Result<OutboxState> {
        let mut s = state_in(state)?;
        s.ack(op_id);
        Ok(s)
    };
    out(&run().map_err(js_err)?)
}

/// Claim up to `max` due ops at once, each marked in flight: `{state, ops,
/// after}`, `after[i]` the ops of `ops` that `ops[i]` must follow (see
/// `OutboxState::claim`).
#[wasm_bindgen(js_name = outboxClaim, unchecked_return_type = "{ state: OutboxState, ops: PendingOp[], after: string[][] }")]
pub fn outbox_claim(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue, #[wasm_bindgen(js_name = nowMs)] now_ms: f64, max: u32) -> std::result::Result<JsValue, JsValue> {
    #[derive(serde::Serialize)]
    struct Claimed {
        state: OutboxState,
        ops: Vec<crate::outbox::PendingOp>,
        after: Vec<Vec<String>>,
    }
    let run = || -> Result<Claimed> {
        let mut s = state_in(state)?;
        let (ops, after) = s.claim(ms(now_ms)?, max as usize)?.into_iter().map(|c| (c.op, c.after)).unzip();
        Ok(Claimed { state: s, ops, after })
    };
    out(&run().map_err(js_err)?)
}

/// Sends the server confirmed (`[{opId, entity}]`, the entity as sent):
/// each op still carrying that entity is removed, in one pass.
#[wasm_bindgen(js_name = outboxAckSent, unchecked_return_type = "OutboxState")]
pub fn outbox_ack_sent(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue, #[wasm_bindgen(unchecked_param_type = "{ opId: string, entity: PendingOp[\"entity\"] }[]")] sent: JsValue) -> std::result::Result<JsValue, JsValue> {
    let run = || -> Result<OutboxState> {
        let mut s = state_in(state)?;
        let list = array_in(&sent, "sent")?;
        let mut acks = Vec::with_capacity(list.len());
        for mut a in list {
            let id = a.get("opId").and_then(serde_json::Value::as_str).ok_or_else(|| Error::invalid_input("each sent op needs a string `opId`"))?.to_owned();
            let entity = a.get_mut("entity").map(serde_json::Value::take).ok_or_else(|| Error::invalid_input("each sent op needs its `entity`"))?;
            acks.push((id, entity));
        }
        s.ack_sent(&acks);
        Ok(s)
    };
    out(&run().map_err(js_err)?)
}

/// `{code, message?, retryAfter?}` as the transport reports a failure.
fn failure_in(v: &JsValue) -> Result<Failure> {
    let json = json_of(v, "outbox failure")?;
    let f = Fields::of(&json, "outbox failure", ErrorKind::InvalidInput)?;
    let code = f.opt_text("code")?.ok_or_else(|| f.err("code", "is required"))?;
    let retry_after = Some(f.float("retryAfter")?)
        .filter(|r| r.is_finite() && *r > 0.0)
        .map(|r| r.ceil().min(u32::MAX as f64) as u32);
    Ok(Failure { code, message: f.text("message")?, retry_after })
}

/// An attempt failed with `error = {code, message?, retryAfter?}`: backoff
/// with jitter (from `crypto.getRandomValues`, or `rand` in [0, 1] if given),
/// or park the op (see src/outbox/mod.rs).
#[wasm_bindgen(js_name = outboxFail, unchecked_return_type = "OutboxState")]
pub fn outbox_fail(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue, #[wasm_bindgen(js_name = opId)] op_id: &str, #[wasm_bindgen(unchecked_param_type = "OutboxFailure")] error: JsValue, #[wasm_bindgen(js_name = nowMs)] now_ms: f64, rand: Option<f64>) -> std::result::Result<JsValue, JsValue> {
    let run = || -> Result<OutboxState> {
        let mut s = state_in(state)?;
        let failure = failure_in(&error)?;
        let r = match rand {
            Some(r) => r,
            None => {
                let b = random_bytes::<4>()?;
                f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX)
            }
        };
        s.fail(op_id, &failure, ms(now_ms)?, r)?;
        Ok(s)
    };
    out(&run().map_err(js_err)?)
}

/// Retry one op now (the user asked; also un-parks a stuck op).
#[wasm_bindgen(js_name = outboxRetry, unchecked_return_type = "OutboxState")]
pub fn outbox_retry(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue, #[wasm_bindgen(js_name = opId)] op_id: &str, #[wasm_bindgen(js_name = nowMs)] now_ms: f64) -> std::result::Result<JsValue, JsValue> {
    let run = || -> Result<OutboxState> {
        let mut s = state_in(state)?;
        s.retry(op_id, ms(now_ms)?)?;
        Ok(s)
    };
    out(&run().map_err(js_err)?)
}

/// After sign-in: every parked op (stuck or waiting for sign-in) is due again.
#[wasm_bindgen(js_name = outboxResume, unchecked_return_type = "OutboxState")]
pub fn outbox_resume(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue, #[wasm_bindgen(js_name = nowMs)] now_ms: f64) -> std::result::Result<JsValue, JsValue> {
    let run = || -> Result<OutboxState> {
        let mut s = state_in(state)?;
        s.resume_all(ms(now_ms)?)?;
        Ok(s)
    };
    out(&run().map_err(js_err)?)
}

/// At service-worker start: ops left `sending` by a dead worker are queued again.
#[wasm_bindgen(js_name = outboxRequeueInFlight, unchecked_return_type = "OutboxState")]
pub fn outbox_requeue_in_flight(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue) -> std::result::Result<JsValue, JsValue> {
    let run = || -> Result<OutboxState> {
        let mut s = state_in(state)?;
        s.requeue_in_flight();
        Ok(s)
    };
    out(&run().map_err(js_err)?)
}

/// When something may next be due (ms), or null.
#[wasm_bindgen(js_name = outboxNextWake, unchecked_return_type = "number | null")]
pub fn outbox_next_wake(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue) -> std::result::Result<JsValue, JsValue> {
    let s = state_in(state).map_err(js_err)?;
    // null, not undefined, when nothing is pending (as src/wasm/API.md says).
    Ok(s.next_wake().map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64)))
}

/// Number of pending ops.
#[wasm_bindgen(js_name = outboxSize)]
pub fn outbox_size(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue) -> std::result::Result<u32, JsValue> {
    let s = state_in(state).map_err(js_err)?;
    Ok(s.size() as u32)
}

/// Every pending op, oldest first (with `state`: queued, sending, stuck, waitingForSignIn).
#[wasm_bindgen(js_name = outboxPending, unchecked_return_type = "PendingOp[]")]
pub fn outbox_pending(#[wasm_bindgen(unchecked_param_type = "OutboxState | null | undefined")] state: JsValue) -> std::result::Result<JsValue, JsValue> {
    let s = state_in(state).map_err(js_err)?;
    out(&s.pending())
}
