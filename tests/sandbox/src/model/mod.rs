//! Stored entities, their wire shapes (see README "Wire contract"), the
//! date-time format and the rejection type. `upsert` validates and applies
//! `update_entity` bodies, `query` answers search and summary, `demo` holds
//! the `--demo` data set.

mod demo;
mod query;
mod upsert;

pub use upsert::Applied;


use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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

/// Shorten untrusted text before echoing it in an error message.
pub fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}
