//! The live dialect's reading of an `update_entity` body (what Tyme's live
//! client, tyme-app/n8n, sends): only the live names are read, every other
//! key is ignored (that client sends extra fields such as `color` or
//! `start_date`, so the seed's names are ignored too, not refused). The body
//! is translated into the canonical (seed) names, with the renames to apply
//! to the field of an error raised on the canonical body.

use serde_json::{json, Value};

use super::fields::{opt_f64, opt_id, Body};
use super::{bad, not_found, Data, Reject};

pub(super) type Renames = &'static [(&'static str, &'static str)];

const PROJECT_RENAMES: Renames = &[
    ("category_id", "related_id"),
    ("hourly_rate", "default_hourly_rate"),
    ("planned_duration_hours", "planned_duration"),
];
const TASK_RENAMES: Renames = &[("project_id", "related_id")];
const SUBTASK_RENAMES: Renames = &[("task_id", "related_id")];
const ENTRY_RENAMES: Renames = &[("task_id", "related_id"), ("subtask_id", "related_id")];

/// Copy the keys that keep their name (when sent).
fn copy(b: &Body, out: &mut Body, keys: &[&str]) {
    for k in keys {
        if let Some(v) = b.get(*k) {
            out.insert(k.to_string(), v.clone());
        }
    }
}

/// A required parent: on create it must be sent; on update, left out keeps it.
fn parent(b: &Body, creating: bool, what: &str) -> Result<Option<String>, Reject> {
    match opt_id(b, "related_id")? {
        Some(p) => Ok(Some(p)),
        None if creating => Err(bad("related_id", format!("related_id (the {what} id) is required"))),
        None => Ok(None),
    }
}

pub(super) fn translate(data: &Data, kind: &str, b: &Body) -> Result<(Body, Renames), Reject> {
    let mut out = Body::new();
    out.insert("type".into(), json!(kind));
    let id = opt_id(b, "id")?;
    if let Some(id) = &id {
        out.insert("id".into(), json!(id));
    }
    let exists = |list: &[&str]| id.as_ref().is_some_and(|id| list.contains(&id.as_str()));
    match kind {
        "ProjectCategory" => {
            copy(b, &mut out, &["name"]);
            Ok((out, &[]))
        }
        "Project" => {
            copy(b, &mut out, &["name", "rounding_method", "rounding_minutes", "planned_budget"]);
            if b.contains_key("related_id") {
                out.insert("category_id".into(), json!(opt_id(b, "related_id")?));
            }
            if let Some(v) = b.get("default_hourly_rate") {
                out.insert("hourly_rate".into(), rate(v)?);
            }
            if b.contains_key("planned_duration") {
                let secs = opt_f64(b, "planned_duration")?;
                if secs.is_some_and(|s| s < 0.0) {
                    return Err(bad("planned_duration", "planned_duration must not be negative"));
                }
                out.insert("planned_duration_hours".into(), json!(secs.map(|s| s / 3600.0)));
            }
            Ok((out, PROJECT_RENAMES))
        }
        "TimedTask" => {
            copy(b, &mut out, &["name", "planned_duration"]);
            let ids: Vec<&str> = data.tasks.iter().map(|t| t.id.as_str()).collect();
            if let Some(p) = parent(b, !exists(&ids), "project")? {
                out.insert("project_id".into(), json!(p));
            }
            match b.get("billable") {
                None | Some(Value::Null) => {}
                Some(Value::Bool(x)) => {
                    out.insert("billable".into(), json!(x));
                }
                Some(v) if v.as_u64() == Some(0) || v.as_u64() == Some(1) => {
                    out.insert("billable".into(), json!(v.as_u64() == Some(1)));
                }
                Some(_) => return Err(bad("billable", "billable must be true, false, 0 or 1")),
            }
            Ok((out, TASK_RENAMES))
        }
        "TimedSubTask" => {
            copy(b, &mut out, &["name", "planned_duration"]);
            let ids: Vec<&str> = data.subtasks.iter().map(|t| t.id.as_str()).collect();
            if let Some(t) = parent(b, !exists(&ids), "task")? {
                out.insert("task_id".into(), json!(t));
            }
            Ok((out, SUBTASK_RENAMES))
        }
        "TimedTaskRecord" => {
            copy(b, &mut out, &["time_start", "time_end", "note", "billing_state"]);
            let ids: Vec<&str> = data.time_entries.iter().map(|t| t.id.as_str()).collect();
            if let Some(r) = parent(b, !exists(&ids), "task or sub-task")? {
                if data.tasks.iter().any(|t| t.id == r) {
                    out.insert("task_id".into(), json!(r));
                } else if data.subtasks.iter().any(|s| s.id == r) {
                    out.insert("subtask_id".into(), json!(r));
                } else {
                    return Err(not_found("related_id", "no task or sub-task with this id"));
                }
            }
            // every write of a time entry names its member
            let user = opt_id(b, "user_id")?.ok_or_else(|| bad("user_id", "user_id is required"))?;
            if !data.members.iter().any(|m| m.id == user) {
                return Err(bad("user_id", "user_id is not a member of this team"));
            }
            out.insert("user_id".into(), json!(user));
            Ok((out, ENTRY_RENAMES))
        }
        _ => Ok((out, &[])),
    }
}

/// `default_hourly_rate`: a number, or the decimal string the live dialect
/// answers it as ("90.00").
fn rate(v: &Value) -> Result<Value, Reject> {
    let n = match v {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        v => v.as_f64(),
    };
    match n {
        Some(x) if x.is_finite() && x >= 0.0 => Ok(json!(x)),
        _ => Err(bad("default_hourly_rate", "default_hourly_rate must be a non-negative number")),
    }
}
