//! Applying an `update_entity` body (create or update) to the canonical
//! model, after the dialect's reading of it (`seed_body` checks the seed's
//! body as sent; `live_body` translates a live body into the canonical one).

use serde_json::Value;

use super::fields::{
    name_of, non_negative_f64, non_negative_i64, opt_bool, opt_i64, opt_id, opt_nonempty, opt_str, Body,
};
use super::{
    bad, fmt_dt, live_body, not_found, now_dt, parse_dt, seed_body, truncate, Category, Data, Dialect, Entity,
    Project, Reject, SubTask, Task, TimeEntry,
};

/// What an `update_entity` call did: the stored entity, and the webhook
/// events it fires (trigger, entity).
pub struct Applied {
    pub entity: Entity,
    pub events: Vec<(&'static str, Entity)>,
}

/// The parent id of a task or sub-task: `field` (seed shape), else
/// `related_id` (live alias), else the stored one; required on create.
fn parent_id(b: &Body, field: &str, stored: Option<&str>) -> Result<String, Reject> {
    if let Some(p) = opt_nonempty(b, field)? {
        return Ok(p);
    }
    match (opt_id(b, "related_id")?, stored) {
        (Some(r), _) => Ok(r),
        (None, Some(s)) => Ok(s.to_string()),
        (None, None) => Err(bad(field, format!("{field} is required"))),
    }
}

/// Put an upserted entity in its list: replace the one at `pos`, or append it
/// and report a `created` webhook event.
fn store<T: Clone>(
    list: &mut Vec<T>,
    pos: Option<usize>,
    item: T,
    wrap: impl Fn(T) -> Entity,
    created: &'static str,
) -> Applied {
    let entity = wrap(item.clone());
    let events = match pos {
        Some(i) => {
            list[i] = item;
            vec![]
        }
        None => {
            list.push(item);
            vec![(created, entity.clone())]
        }
    };
    Applied { entity, events }
}

impl Data {
    /// Apply one `update_entity` body in the server's dialect: create
    /// (generated or given id) or update (given id that exists; fields left
    /// out keep their stored value). Nothing is stored when it is refused.
    pub fn update_entity(&mut self, body: &Value) -> Result<Applied, Reject> {
        let b = body.as_object().ok_or_else(|| bad("body", "the body must be a JSON object"))?;
        let kind = match b.get("type") {
            None | Some(Value::Null) => return Err(bad("type", "type is required")),
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(bad("type", "type must be a string")),
        };
        match self.dialect {
            Dialect::Seed => {
                seed_body::check(kind, b)?;
                self.apply(kind, b)
            }
            Dialect::Live => {
                let (canonical, renamed) = live_body::translate(self, kind, b)?;
                self.apply(kind, &canonical).map_err(|mut r| {
                    if let Some((_, live)) = renamed.iter().find(|(seed, _)| *seed == r.field) {
                        r.field = live.to_string();
                    }
                    r
                })
            }
        }
    }

    /// Apply a body in the canonical (seed) names.
    pub(super) fn apply(&mut self, kind: &str, b: &Body) -> Result<Applied, Reject> {
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

    fn id_or_fresh(&mut self, id: Option<String>) -> String {
        match id {
            Some(id) => id,
            None => self.fresh_id(),
        }
    }

    fn upsert_category(&mut self, b: &Body, id: Option<String>) -> Result<Applied, Reject> {
        let pos = id.as_ref().and_then(|id| self.categories.iter().position(|c| &c.id == id));
        let old = pos.map(|p| self.categories[p].clone());
        let name = name_of(b, old.as_ref().map(|o| o.name.as_str()))?;
        let created_at = old.map(|o| o.created_at).unwrap_or_else(|| fmt_dt(now_dt()));
        let c = Category { id: self.id_or_fresh(id), name, created_at };
        Ok(store(&mut self.categories, pos, c, Entity::Category, "category"))
    }

    fn upsert_project(&mut self, b: &Body, id: Option<String>) -> Result<Applied, Reject> {
        let pos = id.as_ref().and_then(|id| self.projects.iter().position(|c| &c.id == id));
        let old = pos.map(|p| self.projects[p].clone());
        let name = name_of(b, old.as_ref().map(|o| o.name.as_str()))?;
        // seed: category_id; live alias: related_id
        let category_id = if b.contains_key("category_id") {
            opt_nonempty(b, "category_id")?
        } else if b.contains_key("related_id") {
            opt_id(b, "related_id")?
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
            // live alias: planned_duration in seconds
            None => non_negative_f64(b, "planned_duration")?.map(|s| s / 3600.0),
        }
        .or(old.as_ref().map(|o| o.planned_duration_hours))
        .unwrap_or(0.0);
        let planned_budget = non_negative_f64(b, "planned_budget")?
            .or(old.as_ref().map(|o| o.planned_budget))
            .unwrap_or(0.0);
        let created_at = old.map(|o| o.created_at).unwrap_or_else(|| fmt_dt(now_dt()));
        let p = Project {
            id: self.id_or_fresh(id),
            name,
            category_id,
            rounding_method,
            rounding_minutes,
            hourly_rate,
            planned_duration_hours,
            planned_budget,
            created_at,
        };
        Ok(store(&mut self.projects, pos, p, Entity::Project, "project"))
    }

    fn upsert_task(&mut self, b: &Body, id: Option<String>) -> Result<Applied, Reject> {
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
        let created_at = old.map(|o| o.created_at).unwrap_or_else(|| fmt_dt(now_dt()));
        let t = Task { id: self.id_or_fresh(id), name, project_id, billable, planned_duration, created_at };
        Ok(store(&mut self.tasks, pos, t, Entity::Task, "task"))
    }

    fn upsert_subtask(&mut self, b: &Body, id: Option<String>) -> Result<Applied, Reject> {
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
        let created_at = old.map(|o| o.created_at).unwrap_or_else(|| fmt_dt(now_dt()));
        let s = SubTask { id: self.id_or_fresh(id), name, task_id, planned_duration, created_at };
        Ok(store(&mut self.subtasks, pos, s, Entity::SubTask, "subtask"))
    }

    /// The parent of a time entry: (task id, sub-task id).
    fn entry_parent(&self, b: &Body, old: Option<&TimeEntry>) -> Result<(String, Option<String>), Reject> {
        let task_field = opt_nonempty(b, "task_id")?;
        let sub_field = opt_nonempty(b, "subtask_id")?;
        if let Some(sid) = sub_field {
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
            Ok((s.task_id.clone(), Some(sid)))
        } else if let Some(tid) = task_field {
            if !self.tasks.iter().any(|t| t.id == tid) {
                return Err(not_found("task_id", "no task with this id"));
            }
            Ok((tid, None))
        } else if let Some(rid) = opt_id(b, "related_id")? {
            if self.tasks.iter().any(|t| t.id == rid) {
                Ok((rid, None))
            } else if let Some(s) = self.subtasks.iter().find(|s| s.id == rid) {
                Ok((s.task_id.clone(), Some(rid)))
            } else {
                Err(not_found("related_id", "no task or sub-task with this id"))
            }
        } else if let Some(o) = old {
            Ok((o.task_id.clone(), o.subtask_id.clone()))
        } else {
            Err(bad("task_id", "task_id or subtask_id is required"))
        }
    }

    fn upsert_entry(&mut self, b: &Body, id: Option<String>) -> Result<Applied, Reject> {
        let pos = id.as_ref().and_then(|id| self.time_entries.iter().position(|c| &c.id == id));
        let old = pos.map(|p| self.time_entries[p].clone());
        let (task_id, subtask_id) = self.entry_parent(b, old.as_ref())?;
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
        let user_id = match opt_id(b, "user_id")? {
            Some(u) => Some(u),
            None => old.as_ref().and_then(|o| o.user_id.clone()),
        };
        let billing_state = match opt_i64(b, "billing_state")? {
            Some(x @ 0..=2) => x as u8,
            Some(_) => return Err(bad("billing_state", "billing_state must be 0, 1 or 2")),
            None => old.as_ref().map(|o| o.billing_state).unwrap_or(0),
        };
        let e = TimeEntry {
            id: self.id_or_fresh(id),
            task_id,
            subtask_id,
            time_start,
            time_end,
            note,
            user_id,
            billing_state,
        };
        let entity = Entity::Time(e.clone());
        let events = match pos {
            Some(i) => {
                let was_running = self.time_entries[i].time_end.is_none();
                let stopped = was_running && e.time_end.is_some();
                self.time_entries[i] = e;
                if stopped {
                    vec![("stopped_time", entity.clone())]
                } else {
                    vec![]
                }
            }
            None => {
                self.time_entries.push(e);
                vec![("time", entity.clone())]
            }
        };
        Ok(Applied { entity, events })
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
            user_id: None,
            billing_state: 0,
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

    /// Live ids the server makes are numbers that skip ids already taken.
    #[test]
    fn live_ids_are_fresh_numbers() {
        let mut d = Data { dialect: Dialect::Live, ..Data::default() };
        let first = super::super::FIRST_LIVE_ID.to_string();
        d.update_entity(&json!({"type":"ProjectCategory","id":first,"name":"taken"})).unwrap();
        let a = d.update_entity(&json!({"type":"ProjectCategory","name":"A"})).unwrap();
        assert_eq!(a.entity.id(), (super::super::FIRST_LIVE_ID + 1).to_string());
    }
}
