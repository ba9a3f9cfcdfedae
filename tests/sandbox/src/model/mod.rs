//! Stored entities (the canonical model every dialect shares), the
//! date-time format and the rejection type. Submodules: `fields` (typed reads
//! of body fields), `seed_body` / `live_body` (the two dialects' readings of
//! an `update_entity` body), `upsert` (applying it), `query` (search,
//! summary, times), `remove` (delete), `wire` / `live` (the answer shapes of
//! the seed and live dialects), `tyme_app` (changes made as the Tyme app
//! would, for the control API), `demo` (the `--demo` data set).

mod bulk;
mod demo;
mod fields;
mod live;
mod live_body;
mod query;
mod remove;
mod seed_body;
mod tyme_app;
mod upsert;
mod wire;

pub use bulk::BulkError;
pub use live::{hms, id_value, iso, summary_row};
pub use remove::Removal;
pub use tyme_app::StopError;
pub use upsert::Applied;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Which reading of the Tyme API the server speaks (README "Dialects").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// tyme-api-seed.txt, the contract the product was specified from.
    #[default]
    Seed,
    /// What Tyme's own live client (tyme-app/n8n) sends, answered in shapes
    /// the seed does not pin.
    Live,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Seed => "seed",
            Dialect::Live => "live",
        }
    }
}

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

fn created_now() -> String {
    fmt_dt(now_dt())
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Category {
    pub id: String,
    pub name: String,
    /// `Y-m-d H:i:s`; only the live dialect shows it (as ISO 8601).
    #[serde(default = "created_now")]
    pub created_at: String,
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
    #[serde(default = "created_now")]
    pub created_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub billable: bool,
    pub planned_duration: i64,
    #[serde(default = "created_now")]
    pub created_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubTask {
    pub id: String,
    pub name: String,
    pub task_id: String,
    pub planned_duration: i64,
    #[serde(default = "created_now")]
    pub created_at: String,
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
    /// The member the entry belongs to (live: required; seed: when given).
    #[serde(default)]
    pub user_id: Option<String>,
    /// 0 unbilled, 1 billed, 2 paid (live only; seed entries stay 0).
    #[serde(default)]
    pub billing_state: u8,
}

/// A team member (a fixed list: README "Members").
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
}

/// The member every access token belongs to.
pub const TOKEN_USER: &str = "1001";

pub fn fixed_members() -> Vec<Member> {
    let m = |id: &str, name: &str, email: &str, role: &str| Member {
        id: id.into(),
        name: name.into(),
        email: email.into(),
        role: role.into(),
    };
    vec![
        m(TOKEN_USER, "Sandbox User", "user@sandbox.test", "admin"),
        m("1002", "Second Member", "second@sandbox.test", "member"),
    ]
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

/// The first id the live dialect generates (ids it makes are numbers).
pub const FIRST_LIVE_ID: u64 = 5001;

fn first_live_id() -> u64 {
    FIRST_LIVE_ID
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Data {
    pub categories: Vec<Category>,
    pub projects: Vec<Project>,
    pub tasks: Vec<Task>,
    pub subtasks: Vec<SubTask>,
    pub time_entries: Vec<TimeEntry>,
    #[serde(default = "fixed_members")]
    pub members: Vec<Member>,
    pub webhooks: Vec<Webhook>,
    pub deliveries: Vec<Delivery>,
    pub stats: Stats,
    /// The next number the live dialect tries for a generated id.
    #[serde(default = "first_live_id")]
    pub next_id: u64,
    /// Set by the server from `--dialect`; decides the shape of generated ids.
    #[serde(skip)]
    pub dialect: Dialect,
}

impl Default for Data {
    fn default() -> Self {
        Data {
            categories: vec![],
            projects: vec![],
            tasks: vec![],
            subtasks: vec![],
            time_entries: vec![],
            members: fixed_members(),
            webhooks: vec![],
            deliveries: vec![],
            stats: Stats::default(),
            next_id: FIRST_LIVE_ID,
            dialect: Dialect::Seed,
        }
    }
}

/// One stored entity of any type (what an update or a search yields, and
/// what a webhook delivers), to be put in either dialect's shape.
#[derive(Clone, Debug)]
pub enum Entity {
    Category(Category),
    Project(Project),
    Task(Task),
    SubTask(SubTask),
    Time(TimeEntry),
}

impl Entity {
    pub fn id(&self) -> &str {
        match self {
            Entity::Category(x) => &x.id,
            Entity::Project(x) => &x.id,
            Entity::Task(x) => &x.id,
            Entity::SubTask(x) => &x.id,
            Entity::Time(x) => &x.id,
        }
    }
    /// The entity in `dialect`'s answer shape.
    pub fn shape(&self, dialect: Dialect) -> Value {
        match dialect {
            Dialect::Seed => self.wire(),
            Dialect::Live => self.live(),
        }
    }
}

impl Data {
    /// A fresh id for a new entity: an upper-case UUID (seed), or the next
    /// number not used by any entity (live).
    pub fn fresh_id(&mut self) -> String {
        if self.dialect == Dialect::Seed {
            return new_id();
        }
        loop {
            let id = self.next_id.to_string();
            self.next_id += 1;
            if !self.id_in_use(&id) {
                return id;
            }
        }
    }

    fn id_in_use(&self, id: &str) -> bool {
        self.categories.iter().any(|x| x.id == id)
            || self.projects.iter().any(|x| x.id == id)
            || self.tasks.iter().any(|x| x.id == id)
            || self.subtasks.iter().any(|x| x.id == id)
            || self.time_entries.iter().any(|x| x.id == id)
    }

    /// The canonical state of `GET /_sandbox/state`, the same for both
    /// dialects: the seed's entity shapes, plus `user_id` and
    /// `billing_state` on time entries, and the members.
    pub fn dump(&self) -> Value {
        json!({
            "categories": self.categories.iter().map(Category::wire).collect::<Vec<_>>(),
            "projects": self.projects.iter().map(Project::wire).collect::<Vec<_>>(),
            "tasks": self.tasks.iter().map(Task::wire).collect::<Vec<_>>(),
            "subtasks": self.subtasks.iter().map(SubTask::wire).collect::<Vec<_>>(),
            "time_entries": self.time_entries.iter().map(TimeEntry::canonical).collect::<Vec<_>>(),
            "members": self.members,
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
