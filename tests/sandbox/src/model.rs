//! Stored entities, their wire shapes (see README "Wire contract") and the
//! validation of `update_entity` bodies.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

pub const DT_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Parse a Tyme date-time: exactly `Y-m-d H:i:s` in UTC, nothing else.
///
/// The byte shape is checked first (`DDDD-DD-DD DD:DD:DD`: ASCII digits at
/// fixed positions, `-`, ` ` and `:` between them), because chrono's
/// parser alone accepts more (unpadded fields, a sign before the year, runs
/// of spaces). Then chrono checks the calendar. A leap second (`:60`) is
/// refused: Tyme's format has none.
pub fn parse_dt(s: &str) -> Option<NaiveDateTime> {
    const SHAPE: &[u8; 19] = b"DDDD-DD-DD DD:DD:DD";
    let b = s.as_bytes();
    if b.len() != SHAPE.len() {
        return None;
    }
    let shaped = b.iter().zip(SHAPE).all(|(c, want)| match want {
        b'D' => c.is_ascii_digit(),
        sep => c == sep,
    });
    if !shaped {
        return None;
    }
    let d = NaiveDateTime::parse_from_str(s, DT_FORMAT).ok()?;
    // chrono represents a leap second as nanosecond >= 1e9.
    if chrono::Timelike::nanosecond(&d) >= 1_000_000_000 || &b[17..19] == b"60" {
        return None;
    }
    Some(d)
}

pub fn fmt_dt(d: NaiveDateTime) -> String {
    d.format(DT_FORMAT).to_string()
}

pub fn now_dt() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Category {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub category_id: Option<String>,
    pub rounding_method: String,
    pub rounding_minutes: i64,
    pub hourly_rate: f64,
    pub planned_duration_hours: f64,
    pub planned_budget: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub billable: bool,
    pub planned_duration: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubTask {
    pub id: String,
    pub name: String,
    pub task_id: String,
    pub planned_duration: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimeEntry {
    pub id: String,
    /// Always the task id (for a record on a sub-task: the sub-task's task).
    pub task_id: String,
    pub subtask_id: Option<String>,
    pub time_start: String,
    pub time_end: Option<String>,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Webhook {
    pub hook_url: String,
    pub trigger_type: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Delivery {
    pub id: String,
    pub hook_url: String,
    pub trigger_type: String,
    pub entity_id: String,
    /// "pending", "delivered" or "failed"
    pub status: String,
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Stats {
    pub tokens_issued: u64,
    pub refreshes: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Data {
    pub categories: Vec<Category>,
    pub projects: Vec<Project>,
    pub tasks: Vec<Task>,
    pub subtasks: Vec<SubTask>,
    pub time_entries: Vec<TimeEntry>,
    pub webhooks: Vec<Webhook>,
    pub deliveries: Vec<Delivery>,
    pub stats: Stats,
}

impl Category {
    pub fn wire(&self) -> Value {
        json!({"type": "ProjectCategory", "id": self.id, "name": self.name})
    }
}
impl Project {
    pub fn wire(&self) -> Value {
        json!({"type": "Project", "id": self.id, "name": self.name, "category_id": self.category_id,
            "rounding_method": self.rounding_method, "rounding_minutes": self.rounding_minutes,
            "hourly_rate": self.hourly_rate, "planned_duration_hours": self.planned_duration_hours,
            "planned_budget": self.planned_budget})
    }
}
impl Task {
    pub fn wire(&self) -> Value {
        json!({"type": "TimedTask", "id": self.id, "name": self.name, "project_id": self.project_id,
            "billable": self.billable, "planned_duration": self.planned_duration})
    }
}
impl SubTask {
    pub fn wire(&self) -> Value {
        json!({"type": "TimedSubTask", "id": self.id, "name": self.name, "task_id": self.task_id,
            "planned_duration": self.planned_duration})
    }
}
impl TimeEntry {
    pub fn wire(&self) -> Value {
        json!({"type": "TimedTaskRecord", "id": self.id, "task_id": self.task_id,
            "subtask_id": self.subtask_id.clone().unwrap_or_default(),
            "time_start": self.time_start, "time_end": self.time_end, "note": self.note})
    }
}

impl Data {
    pub fn dump(&self) -> Value {
        json!({
            "categories": self.categories.iter().map(Category::wire).collect::<Vec<_>>(),
            "projects": self.projects.iter().map(Project::wire).collect::<Vec<_>>(),
            "tasks": self.tasks.iter().map(Task::wire).collect::<Vec<_>>(),
            "subtasks": self.subtasks.iter().map(SubTask::wire).collect::<Vec<_>>(),
            "time_entries": self.time_entries.iter().map(TimeEntry::wire).collect::<Vec<_>>(),
            "webhooks": self.webhooks,
            "deliveries": self.deliveries,
            "stats": self.stats,
        })
    }

    /// Check what a state file may have got wrong that the wire checks keep
    /// out of a running server: the date-times of time entries.
    pub fn check(&self) -> Result<(), String> {
        for (i, e) in self.time_entries.iter().enumerate() {
            let at = |f: &str, v: &str| {
                format!("time_entries[{i}] (id {:?}): {f} {:?} is not Y-m-d H:i:s", truncate(&e.id), truncate(v))
            };
            let start = parse_dt(&e.time_start).ok_or_else(|| at("time_start", &e.time_start))?;
            if let Some(end) = &e.time_end {
                let end_dt = parse_dt(end).ok_or_else(|| at("time_end", end))?;
                if end_dt < start {
                    return Err(format!("time_entries[{i}] (id {:?}): time_end is before time_start", truncate(&e.id)));
                }
            }
        }
        Ok(())
    }

    /// The demo data set of `--demo` (fixed ids so tests and demos can name them).
    pub fn demo() -> Data {
        let cat = |id: &str, name: &str| Category { id: id.into(), name: name.into() };
        let proj = |id: &str, name: &str, cat: Option<&str>, rate: f64| Project {
            id: id.into(),
            name: name.into(),
            category_id: cat.map(Into::into),
            rounding_method: "NEAREST".into(),
            rounding_minutes: 15,
            hourly_rate: rate,
            planned_duration_hours: 40.0,
            planned_budget: rate * 40.0,
        };
        let task = |id: &str, name: &str, p: &str, billable: bool| Task {
            id: id.into(),
            name: name.into(),
            project_id: p.into(),
            billable,
            planned_duration: 0,
        };
        let sub = |id: &str, name: &str, t: &str| SubTask {
            id: id.into(),
            name: name.into(),
            task_id: t.into(),
            planned_duration: 0,
        };
        Data {
            categories: vec![cat("demo-cat-clients", "Clients"), cat("demo-cat-internal", "Internal")],
            projects: vec![
                proj("demo-proj-website", "Website Relaunch", Some("demo-cat-clients"), 95.0),
                proj("demo-proj-app", "Mobile App", Some("demo-cat-clients"), 110.0),
                proj("demo-proj-admin", "Administration", Some("demo-cat-internal"), 0.0),
            ],
            tasks: vec![
                task("demo-task-design", "Design", "demo-proj-website", true),
                task("demo-task-dev", "Development", "demo-proj-website", true),
                task("demo-task-api", "API integration", "demo-proj-app", true),
                task("demo-task-meetings", "Meetings", "demo-proj-admin", false),
                task("demo-task-accounting", "Accounting", "demo-proj-admin", false),
            ],
            subtasks: vec![
                sub("demo-sub-homepage", "Homepage", "demo-task-design"),
                sub("demo-sub-checkout", "Checkout", "demo-task-design"),
                sub("demo-sub-login", "Login flow", "demo-task-api"),
            ],
            ..Data::default()
        }
    }
}

/// A rejected request: HTTP status, error code and the field at fault.
#[derive(Debug)]
pub struct Reject {
    pub status: u16,
    pub error: &'static str,
    pub field: String,
    pub message: String,
}

pub fn bad(field: &str, message: impl Into<String>) -> Reject {
    Reject { status: 400, error: "invalid_request", field: field.into(), message: message.into() }
}
pub fn not_found(field: &str, message: impl Into<String>) -> Reject {
    Reject { status: 404, error: "not_found", field: field.into(), message: message.into() }
}

impl Reject {
    pub fn body(&self) -> Value {
        json!({"error": self.error, "field": self.field, "message": self.message})
    }
}

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

    pub fn search(&self, kind: &str, name: &str, parent: Option<&str>) -> Result<Value, Reject> {
        let needle = name.to_lowercase();
        let m = |n: &str| n.to_lowercase().contains(&needle);
        let pm = |p: Option<&str>| parent.is_none() || parent == p;
        let out: Vec<Value> = match kind {
            "ProjectCategory" => self.categories.iter().filter(|c| m(&c.name)).map(Category::wire).collect(),
            "Project" => self
                .projects
                .iter()
                .filter(|c| m(&c.name) && pm(c.category_id.as_deref()))
                .map(Project::wire)
                .collect(),
            "TimedTask" => self
                .tasks
                .iter()
                .filter(|c| m(&c.name) && pm(Some(&c.project_id)))
                .map(Task::wire)
                .collect(),
            "TimedSubTask" => self
                .subtasks
                .iter()
                .filter(|c| m(&c.name) && pm(Some(&c.task_id)))
                .map(SubTask::wire)
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
        Ok(Value::Array(out))
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
}

/// Shorten untrusted text before echoing it in an error message.
pub fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
