//! Validation and application of `update_entity` bodies (create or update).

use serde_json::{Map, Value};

use super::{bad, new_id, not_found, parse_dt, truncate, Category, Data, Project, Reject, SubTask, Task, TimeEntry};

/// What an `update_entity` call did, so the caller can fire webhooks.
pub struct Applied {
    pub entity: Value,
    pub events: Vec<(&'static str, Value)>,
}

/// The parent id of a task or sub-task: `field` (seed shape), else
/// `related_id` (live shape), else the stored one; required on create.
fn parent_id(b: &Map<String, Value>, field: &str, stored: Option<&str>) -> Result<String, Reject> {
    if let Some(p) = opt_nonempty(b, field)? {
        return Ok(p);
    }
    match (opt_nonempty(b, "related_id")?, stored) {
        (Some(r), _) => Ok(r),
        (None, Some(s)) => Ok(s.to_string()),
        (None, None) => Err(bad(field, format!("{field} is required"))),
    }
}

/// Put an upserted entity in its list: replace the one at `pos`, or append it
/// and report a `created` webhook event. Answers with the wire shape.
fn store<T>(
    list: &mut Vec<T>,
    pos: Option<usize>,
    item: T,
    wire: impl Fn(&T) -> Value,
    created: &'static str,
) -> Applied {
    let w = wire(&item);
    let events = match pos {
        Some(i) => {
            list[i] = item;
            vec![]
        }
        None => {
            list.push(item);
            vec![(created, w.clone())]
        }
    };
    Applied { entity: w, events }
}

fn opt_str(b: &Map<String, Value>, field: &str) -> Result<Option<String>, Reject> {
    match b.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(field, format!("{field} must be a string"))),
    }
}
/// A string field where "" means "not given".
fn opt_nonempty(b: &Map<String, Value>, field: &str) -> Result<Option<String>, Reject> {
    Ok(opt_str(b, field)?.filter(|s| !s.is_empty()))
}
fn opt_i64(b: &Map<String, Value>, field: &str) -> Result<Option<i64>, Reject> {
    match b.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad(field, format!("{field} must be an integer"))),
    }
}
fn opt_f64(b: &Map<String, Value>, field: &str) -> Result<Option<f64>, Reject> {
    match b.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| bad(field, format!("{field} must be a number"))),
    }
}
fn opt_bool(b: &Map<String, Value>, field: &str) -> Result<Option<bool>, Reject> {
    match b.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(x)) => Ok(Some(*x)),
        Some(_) => Err(bad(field, format!("{field} must be true or false"))),
    }
}
fn name_of(b: &Map<String, Value>, existing: Option<&str>) -> Result<String, Reject> {
    match opt_str(b, "name")? {
        Some(n) if n.trim().is_empty() => Err(bad("name", "name must not be empty")),
        Some(n) => Ok(n),
        None => existing.map(str::to_string).ok_or_else(|| bad("name", "name is required")),
    }
}
fn non_negative_i64(b: &Map<String, Value>, field: &str) -> Result<Option<i64>, Reject> {
    let v = opt_i64(b, field)?;
    if matches!(v, Some(x) if x < 0) {
        return Err(bad(field, format!("{field} must not be negative")));
    }
    Ok(v)
}
fn non_negative_f64(b: &Map<String, Value>, field: &str) -> Result<Option<f64>, Reject> {
    let v = opt_f64(b, field)?;
    if matches!(v, Some(x) if x < 0.0) {
        return Err(bad(field, format!("{field} must not be negative")));
    }
    Ok(v)
}

// The keys `update_entity` takes per type: the seed's list, then the live
// aliases (tyme-api-notes.md, README "Live shapes accepted"). Any other key
// is refused, so a misspelt optional field is caught rather than dropped.
const CATEGORY_FIELDS: &[&str] = &["type", "id", "name"];
const PROJECT_FIELDS: &[&str] = &[
    "type",
    "id",
    "name",
    "category_id",
    "rounding_method",
    "rounding_minutes",
    "hourly_rate",
    "planned_duration_hours",
    "planned_budget",
    // live
    "related_id",
    "default_hourly_rate",
    "planned_duration",
];
const TASK_FIELDS: &[&str] = &["type", "id", "name", "project_id", "billable", "planned_duration", "related_id"];
const SUBTASK_FIELDS: &[&str] = &["type", "id", "name", "task_id", "planned_duration", "related_id"];
const ENTRY_FIELDS: &[&str] = &[
    "type",
    "id",
    "task_id",
    "subtask_id",
    "time_start",
    "time_end",
    "note",
    // live
    "related_id",
    "user_id",
];

impl Data {
    /// Apply one `update_entity` body: create (generated or given id) or
    /// update (given id that exists; missing fields keep their stored value).
    pub fn update_entity(&mut self, body: &Value) -> Result<Applied, Reject> {
        let b = body.as_object().ok_or_else(|| bad("body", "the body must be a JSON object"))?;
        let kind = match b.get("type") {
            None | Some(Value::Null) => return Err(bad("type", "type is required")),
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(bad("type", "type must be a string")),
        };
        let known: &[&str] = match kind {
            "ProjectCategory" => CATEGORY_FIELDS,
            "Project" => PROJECT_FIELDS,
            "TimedTask" => TASK_FIELDS,
            "TimedSubTask" => SUBTASK_FIELDS,
            "TimedTaskRecord" => ENTRY_FIELDS,
            _ => &[],
        };
        if !known.is_empty() {
            if let Some(k) = b.keys().find(|k| !known.contains(&k.as_str())) {
                return Err(bad(
                    &truncate(k),
                    format!("unknown field {:?} for {kind}; expected one of: {}", truncate(k), known.join(", ")),
                ));
            }
        }
        let id = match b.get("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(bad("id", "id must be a string")),
        };
        match kind {
            "ProjectCategory" => self.upsert_category(b, id),
            "Project" => self.upsert_project(b, id),
            "TimedTask" => self.upsert_task(b, id),
            "TimedSubTask" => self.upsert_subtask(b, id),
            "TimedTaskRecord" => self.upsert_entry(b, id),
            other => Err(bad(
                "type",
                format!(
                    "unknown type {:?}: expected ProjectCategory, Project, TimedTask, TimedSubTask or TimedTaskRecord",
                    truncate(other)
                ),
            )),
        }
    }

    fn upsert_category(&mut self, b: &Map<String, Value>, id: Option<String>) -> Result<Applied, Reject> {
        let pos = id.as_ref().and_then(|id| self.categories.iter().position(|c| &c.id == id));
        let name = name_of(b, pos.map(|p| self.categories[p].name.as_str()))?;
        let c = Category { id: id.unwrap_or_else(new_id), name };
        Ok(store(&mut self.categories, pos, c, Category::wire, "category"))
    }

    fn upsert_project(&mut self, b: &Map<String, Value>, id: Option<String>) -> Result<Applied, Reject> {
        let pos = id.as_ref().and_then(|id| self.projects.iter().position(|c| &c.id == id));
        let old = pos.map(|p| self.projects[p].clone());
        let name = name_of(b, old.as_ref().map(|o| o.name.as_str()))?;
        // seed: category_id; live: related_id
        let category_id = if b.contains_key("category_id") {
            opt_nonempty(b, "category_id")?
        } else if b.contains_key("related_id") {
            opt_nonempty(b, "related_id")?
        } else {
            old.as_ref().and_then(|o| o.category_id.clone())
        };
        if let Some(cid) = &category_id {
            if !self.categories.iter().any(|c| &c.id == cid) {
                let f = if b.contains_key("category_id") { "category_id" } else { "related_id" };
                return Err(not_found(f, "no category with this id"));
            }
        }
        let rounding_method = match opt_str(b, "rounding_method")? {
            Some(m) if ["DOWN", "NEAREST", "UP"].contains(&m.as_str()) => m,
            Some(_) => return Err(bad("rounding_method", "rounding_method must be DOWN, NEAREST or UP")),
            None => old.as_ref().map(|o| o.rounding_method.clone()).unwrap_or_else(|| "NEAREST".into()),
        };
        let rounding_minutes = non_negative_i64(b, "rounding_minutes")?
            .or(old.as_ref().map(|o| o.rounding_minutes))
            .unwrap_or(0);
        let hourly_rate = match non_negative_f64(b, "hourly_rate")? {
            Some(x) => Some(x),
            None => non_negative_f64(b, "default_hourly_rate")?,
        }
        .or(old.as_ref().map(|o| o.hourly_rate))
        .unwrap_or(0.0);
        let planned_duration_hours = match non_negative_f64(b, "planned_duration_hours")? {
            Some(x) => Some(x),
            // live shape: planned_duration in seconds
            None => non_negative_f64(b, "planned_duration")?.map(|s| s / 3600.0),
        }
        .or(old.as_ref().map(|o| o.planned_duration_hours))
        .unwrap_or(0.0);
        let planned_budget = non_negative_f64(b, "planned_budget")?
            .or(old.as_ref().map(|o| o.planned_budget))
            .unwrap_or(0.0);
        let p = Project {
            id: id.unwrap_or_else(new_id),
            name,
            category_id,
            rounding_method,
            rounding_minutes,
            hourly_rate,
            planned_duration_hours,
            planned_budget,
        };
        Ok(store(&mut self.projects, pos, p, Project::wire, "project"))
    }

    fn upsert_task(&mut self, b: &Map<String, Value>, id: Option<String>) -> Result<Applied, Reject> {
        let pos = id.as_ref().and_then(|id| self.tasks.iter().position(|c| &c.id == id));
        let old = pos.map(|p| self.tasks[p].clone());
        let name = name_of(b, old.as_ref().map(|o| o.name.as_str()))?;
        let project_id = parent_id(b, "project_id", old.as_ref().map(|o| o.project_id.as_str()))?;
        if !self.projects.iter().any(|p| p.id == project_id) {
            return Err(not_found("project_id", "no project with this id"));
        }
        let billable = opt_bool(b, "billable")?.or(old.as_ref().map(|o| o.billable)).unwrap_or(false);
        let planned_duration = non_negative_i64(b, "planned_duration")?
            .or(old.as_ref().map(|o| o.planned_duration))
            .unwrap_or(0);
        let t = Task { id: id.unwrap_or_else(new_id), name, project_id, billable, planned_duration };
        Ok(store(&mut self.tasks, pos, t, Task::wire, "task"))
    }

    fn upsert_subtask(&mut self, b: &Map<String, Value>, id: Option<String>) -> Result<Applied, Reject> {
        let pos = id.as_ref().and_then(|id| self.subtasks.iter().position(|c| &c.id == id));
        let old = pos.map(|p| self.subtasks[p].clone());
        let name = name_of(b, old.as_ref().map(|o| o.name.as_str()))?;
        let task_id = parent_id(b, "task_id", old.as_ref().map(|o| o.task_id.as_str()))?;
        if !self.tasks.iter().any(|p| p.id == task_id) {
            return Err(not_found("task_id", "no task with this id"));
        }
        let planned_duration = non_negative_i64(b, "planned_duration")?
            .or(old.as_ref().map(|o| o.planned_duration))
            .unwrap_or(0);
        let s = SubTask { id: id.unwrap_or_else(new_id), name, task_id, planned_duration };
        Ok(store(&mut self.subtasks, pos, s, SubTask::wire, "subtask"))
    }

    fn upsert_entry(&mut self, b: &Map<String, Value>, id: Option<String>) -> Result<Applied, Reject> {
        let pos = id.as_ref().and_then(|id| self.time_entries.iter().position(|c| &c.id == id));
        let old = pos.map(|p| self.time_entries[p].clone());
        let task_field = opt_nonempty(b, "task_id")?;
        let sub_field = opt_nonempty(b, "subtask_id")?;
        let related = opt_nonempty(b, "related_id")?;
        // Resolve the parent: (task id, sub-task id).
        let (task_id, subtask_id) = if let Some(sid) = sub_field {
            let s = self
                .subtasks
                .iter()
                .find(|s| s.id == sid)
                .ok_or_else(|| not_found("subtask_id", "no sub-task with this id"))?;
            if let Some(t) = &task_field {
                if t != &s.task_id {
                    return Err(bad("task_id", "task_id is not the task of this sub-task"));
                }
            }
            (s.task_id.clone(), Some(sid))
        } else if let Some(tid) = task_field {
            if !self.tasks.iter().any(|t| t.id == tid) {
                return Err(not_found("task_id", "no task with this id"));
            }
            (tid, None)
        } else if let Some(rid) = related {
            if self.tasks.iter().any(|t| t.id == rid) {
                (rid, None)
            } else if let Some(s) = self.subtasks.iter().find(|s| s.id == rid) {
                (s.task_id.clone(), Some(rid))
            } else {
                return Err(not_found("related_id", "no task or sub-task with this id"));
            }
        } else if let Some(o) = &old {
            (o.task_id.clone(), o.subtask_id.clone())
        } else {
            return Err(bad("task_id", "task_id or subtask_id is required"));
        };
        let time_start = match opt_str(b, "time_start")? {
            Some(s) => {
                parse_dt(&s).ok_or_else(|| bad("time_start", "time_start must be Y-m-d H:i:s (UTC)"))?;
                s
            }
            None => match &old {
                Some(o) => o.time_start.clone(),
                None => return Err(bad("time_start", "time_start is required")),
            },
        };
        let time_end = if b.contains_key("time_end") {
            match opt_str(b, "time_end")? {
                None => None,
                Some(s) if s.is_empty() => None,
                Some(s) => {
                    let e = parse_dt(&s).ok_or_else(|| bad("time_end", "time_end must be Y-m-d H:i:s (UTC) or null"))?;
                    // time_start was checked above when sent; a stored one
                    // may come from an edited state file, so no unwrap here.
                    let start = parse_dt(&time_start).ok_or_else(|| {
                        bad("time_start", "the stored time_start is not Y-m-d H:i:s (UTC); send time_start too")
                    })?;
                    if e < start {
                        return Err(bad("time_end", "time_end is before time_start"));
                    }
                    Some(s)
                }
            }
        } else {
            old.as_ref().and_then(|o| o.time_end.clone())
        };
        let note = opt_str(b, "note")?.or(old.as_ref().map(|o| o.note.clone())).unwrap_or_default();
        let e = TimeEntry { id: id.unwrap_or_else(new_id), task_id, subtask_id, time_start, time_end, note };
        let w = e.wire();
        let events = match pos {
            Some(i) => {
                let was_running = self.time_entries[i].time_end.is_none();
                let stopped = was_running && e.time_end.is_some();
                self.time_entries[i] = e;
                if stopped {
                    vec![("stopped_time", w.clone())]
                } else {
                    vec![]
                }
            }
            None => {
                self.time_entries.push(e);
                vec![("time", w.clone())]
            }
        };
        Ok(Applied { entity: w, events })
    }

}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A stored entry with a broken time_start (an edited state file) gets a
    /// 400 naming the field when stopped, never a panic.
    #[test]
    fn stopping_an_entry_with_a_broken_stored_start_is_an_error() {
        let mut d = Data::demo();
        d.time_entries.push(TimeEntry {
            id: "e1".into(),
            task_id: "demo-task-design".into(),
            subtask_id: None,
            time_start: "yesterday".into(),
            time_end: None,
            note: String::new(),
        });
        assert!(d.check().unwrap_err().contains("time_start"));
        let r = d.update_entity(&json!({"type":"TimedTaskRecord","id":"e1","time_end":"2025-01-01 10:00:00"}));
        let r = r.err().expect("refused");
        assert_eq!((r.status, r.field.as_str()), (400, "time_start"));
        // sending a good time_start along repairs it
        let ok = d.update_entity(&json!({"type":"TimedTaskRecord","id":"e1","time_start":"2025-01-01 09:00:00","time_end":"2025-01-01 10:00:00"}));
        assert!(ok.is_ok());
        assert!(d.check().is_ok());
    }
}
