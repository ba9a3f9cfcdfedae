//! search_entity, summary and times over the stored data (in canonical
//! form; the endpoints put them in their dialect's shape).

use std::cmp::Ordering;

use chrono::NaiveDateTime;
use serde_json::{json, Value};

use super::{bad, parse_dt, truncate, Data, Entity, Reject, TimeEntry};

impl Data {
    /// Entities of `kind` whose name contains `name` (case-insensitive; ""
    /// matches all), filtered by parent when `parent` is given.
    pub fn search(&self, kind: &str, name: &str, parent: Option<&str>) -> Result<Vec<Entity>, Reject> {
        let needle = name.to_lowercase();
        let m = |n: &str| n.to_lowercase().contains(&needle);
        let pm = |p: Option<&str>| parent.is_none() || parent == p;
        let out: Vec<Entity> = match kind {
            "ProjectCategory" => self.categories.iter().filter(|c| m(&c.name)).cloned().map(Entity::Category).collect(),
            "Project" => self
                .projects
                .iter()
                .filter(|c| m(&c.name) && pm(c.category_id.as_deref()))
                .cloned()
                .map(Entity::Project)
                .collect(),
            "TimedTask" => self
                .tasks
                .iter()
                .filter(|c| m(&c.name) && pm(Some(&c.project_id)))
                .cloned()
                .map(Entity::Task)
                .collect(),
            "TimedSubTask" => self
                .subtasks
                .iter()
                .filter(|c| m(&c.name) && pm(Some(&c.task_id)))
                .cloned()
                .map(Entity::SubTask)
                .collect(),
            "" => return Err(bad("type", "type is required")),
            other => {
                return Err(bad(
                    "type",
                    format!(
                        "unknown type {:?}: expected ProjectCategory, Project, TimedTask or TimedSubTask",
                        truncate(other)
                    ),
                ))
            }
        };
        Ok(out)
    }

    pub fn summary(&self, from: NaiveDateTime, to: NaiveDateTime, now: NaiveDateTime) -> Value {
        struct Row {
            task_id: String,
            subtask_id: Option<String>,
            secs: i64,
            entries: u64,
        }
        let mut rows: Vec<Row> = Vec::new();
        for e in &self.time_entries {
            let Some(start) = parse_dt(&e.time_start) else { continue };
            let end = e.time_end.as_deref().and_then(parse_dt).unwrap_or(now.max(start));
            let s = start.max(from);
            let t = end.min(to);
            let inside = t > s || (start == end && start >= from && start <= to);
            if !inside {
                continue;
            }
            let secs = (t - s).num_seconds().max(0);
            match rows.iter_mut().find(|r| r.task_id == e.task_id && r.subtask_id == e.subtask_id) {
                Some(r) => {
                    r.secs += secs;
                    r.entries += 1;
                }
                None => rows.push(Row { task_id: e.task_id.clone(), subtask_id: e.subtask_id.clone(), secs, entries: 1 }),
            }
        }
        let mut out: Vec<(String, Value)> = Vec::new();
        for r in rows {
            let task = self.tasks.iter().find(|t| t.id == r.task_id);
            let sub = r.subtask_id.as_ref().and_then(|s| self.subtasks.iter().find(|x| &x.id == s));
            let project = task.and_then(|t| self.projects.iter().find(|p| p.id == t.project_id));
            let cat = project
                .and_then(|p| p.category_id.as_ref())
                .and_then(|c| self.categories.iter().find(|x| &x.id == c));
            let key = format!(
                "{}\u{0}{}\u{0}{}\u{0}{}",
                cat.map(|c| c.name.as_str()).unwrap_or(""),
                project.map(|p| p.name.as_str()).unwrap_or(""),
                task.map(|t| t.name.as_str()).unwrap_or(""),
                sub.map(|s| s.name.as_str()).unwrap_or("")
            );
            out.push((
                key,
                json!({
                    "task_id": r.task_id,
                    "task_name": task.map(|t| t.name.clone()),
                    "subtask_id": r.subtask_id,
                    "subtask_name": sub.map(|s| s.name.clone()),
                    "project_id": project.map(|p| p.id.clone()),
                    "project_name": project.map(|p| p.name.clone()),
                    "category_id": cat.map(|c| c.id.clone()),
                    "category_name": cat.map(|c| c.name.clone()),
                    "billable": task.map(|t| t.billable).unwrap_or(false),
                    "rounding_method": project.map(|p| p.rounding_method.clone()).unwrap_or_else(|| "NEAREST".into()),
                    "rounding_minutes": project.map(|p| p.rounding_minutes).unwrap_or(0),
                    "hourly_rate": project.map(|p| p.hourly_rate).unwrap_or(0.0),
                    "duration": r.secs,
                    "entries": r.entries,
                }),
            ));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Value::Array(out.into_iter().map(|x| x.1).collect())
    }

    /// Time entries overlapping [from, to] (a running entry up to now, as in
    /// the summary), filtered by member and billing state when given,
    /// ordered by time_start, then id (numerically when both are numbers).
    pub fn times(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        now: NaiveDateTime,
        user_id: Option<&str>,
        billing_state: Option<u8>,
    ) -> Vec<&TimeEntry> {
        let mut out: Vec<&TimeEntry> = self
            .time_entries
            .iter()
            .filter(|e| {
                let Some(start) = parse_dt(&e.time_start) else { return false };
                let end = e.time_end.as_deref().and_then(parse_dt).unwrap_or(now.max(start));
                let (s, t) = (start.max(from), end.min(to));
                t > s || (start == end && start >= from && start <= to)
            })
            .filter(|e| user_id.is_none() || e.user_id.as_deref() == user_id)
            .filter(|e| billing_state.is_none_or(|b| e.billing_state == b))
            .collect();
        out.sort_by(|a, b| a.time_start.cmp(&b.time_start).then_with(|| id_order(&a.id, &b.id)));
        out
    }
}

fn id_order(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}
