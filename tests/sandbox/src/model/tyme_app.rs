//! Changes made "in the Tyme app" rather than through the API (the control
//! API's `add_time` and `stop_time`), so tests can prove a client notices
//! what happened elsewhere. They fire the same webhooks as the API would.

use serde_json::Value;

use super::fields::{opt_id, opt_str};
use super::{bad, fmt_dt, not_found, now_dt, parse_dt, truncate, Applied, Data, Entity, Reject};

const ADD_TIME_FIELDS: &[&str] = &["task_id", "subtask_id", "time_start", "time_end", "note", "user_id"];

/// Why a stop was refused: no such entry (404) or not running (409).
pub enum StopError {
    Invalid(Reject),
    NotRunning,
}

impl Data {
    /// Add a time entry `{task_id, subtask_id?, time_start, time_end?, note?,
    /// user_id?}` under a generated id (the dialect's kind of id).
    pub fn add_time(&mut self, body: &Value) -> Result<Applied, Reject> {
        let b = body.as_object().ok_or_else(|| bad("body", "the body must be a JSON object"))?;
        if let Some(k) = b.keys().find(|k| !ADD_TIME_FIELDS.contains(&k.as_str())) {
            return Err(bad(&truncate(k), format!("unknown field; expected {}", ADD_TIME_FIELDS.join(", "))));
        }
        if let Some(u) = opt_id(b, "user_id")? {
            if !self.members.iter().any(|m| m.id == u) {
                return Err(bad("user_id", "user_id is not a member of this team"));
            }
        }
        if opt_str(b, "time_start")?.is_none() {
            return Err(bad("time_start", "time_start is required"));
        }
        self.apply("TimedTaskRecord", b)
    }

    /// Stop the running entry `id` at `time_end` (default now, or its start
    /// when that is later).
    pub fn stop_time(&mut self, id: &str, time_end: Option<&str>) -> Result<Applied, StopError> {
        let Some(e) = self.time_entries.iter_mut().find(|e| e.id == id) else {
            return Err(StopError::Invalid(not_found("id", "no time entry with this id")));
        };
        if e.time_end.is_some() {
            return Err(StopError::NotRunning);
        }
        let start = parse_dt(&e.time_start)
            .ok_or_else(|| StopError::Invalid(bad("id", "the stored time_start is not Y-m-d H:i:s")))?;
        let end = match time_end {
            Some(s) => {
                let end = parse_dt(s)
                    .ok_or_else(|| StopError::Invalid(bad("time_end", "time_end must be Y-m-d H:i:s (UTC)")))?;
                if end < start {
                    return Err(StopError::Invalid(bad("time_end", "time_end is before time_start")));
                }
                end
            }
            None => now_dt().max(start),
        };
        e.time_end = Some(fmt_dt(end));
        let entity = Entity::Time(e.clone());
        Ok(Applied { entity: entity.clone(), events: vec![("stopped_time", entity)] })
    }
}
