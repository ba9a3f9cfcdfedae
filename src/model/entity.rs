//! Entities with the seed's wire field names (snake_case, tagged by `type`).
//! Parsing is lenient: ids may be strings or numbers, unknown fields are
//! ignored, missing optional fields take their defaults, and the live
//! service's names are read where the seed's are absent (`related_id` for a
//! parent, `default_hourly_rate`, `planned_duration` in seconds for a
//! project). `wire_body` writes both names, so one request suits a server of
//! either dialect.

use serde::Serialize;
use serde_json::Value;

use super::datetime::WireTime;
use super::read::{kind_of, Fields};
use super::rounding::RoundingMethod;
use crate::error::{quoted, Error, ErrorKind, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EntityType {
    ProjectCategory,
    Project,
    TimedTask,
    TimedSubTask,
    TimedTaskRecord,
}

impl EntityType {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::ProjectCategory => "ProjectCategory",
            EntityType::Project => "Project",
            EntityType::TimedTask => "TimedTask",
            EntityType::TimedSubTask => "TimedSubTask",
            EntityType::TimedTaskRecord => "TimedTaskRecord",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        [
            EntityType::ProjectCategory,
            EntityType::Project,
            EntityType::TimedTask,
            EntityType::TimedSubTask,
            EntityType::TimedTaskRecord,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
        .ok_or_else(|| Error::invalid_input(format!("unknown entity type {}", quoted(s, 40))))
    }

    /// Whether `search_entity` serves this type (the seed lists four).
    pub fn searchable(self) -> bool {
        self != EntityType::TimedTaskRecord
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerType {
    Category,
    Project,
    Task,
    Subtask,
    Time,
    StoppedTime,
}

impl TriggerType {
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerType::Category => "category",
            TriggerType::Project => "project",
            TriggerType::Task => "task",
            TriggerType::Subtask => "subtask",
            TriggerType::Time => "time",
            TriggerType::StoppedTime => "stopped_time",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        [
            TriggerType::Category,
            TriggerType::Project,
            TriggerType::Task,
            TriggerType::Subtask,
            TriggerType::Time,
            TriggerType::StoppedTime,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
        .ok_or_else(|| Error::invalid_input(format!("unknown trigger type {}", quoted(s, 40))))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub category_id: Option<String>,
    pub rounding_method: RoundingMethod,
    pub rounding_minutes: i64,
    pub hourly_rate: f64,
    pub planned_duration_hours: f64,
    pub planned_budget: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub billable: bool,
    pub planned_duration: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubTask {
    pub id: String,
    pub name: String,
    pub task_id: String,
    pub planned_duration: i64,
}

/// A time entry; `time_end: None` while it runs. `task_id` / `subtask_id`
/// are "" when not set, as on the wire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeRecord {
    pub id: String,
    pub task_id: String,
    pub subtask_id: String,
    pub time_start: WireTime,
    pub time_end: Option<WireTime>,
    pub note: String,
}

/// Any entity, tagged by `type` as on the wire.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum Entity {
    ProjectCategory(Category),
    Project(Project),
    TimedTask(Task),
    TimedSubTask(SubTask),
    TimedTaskRecord(TimeRecord),
}

/// A date-time field: the seed's format only for caller input; what a
/// server sends is read leniently (`T`, `Z`, fractions; "" and the zero date as none).
fn time(f: &Fields, field: &str, kind: ErrorKind) -> Result<Option<WireTime>> {
    match f.opt_text(field)? {
        None => Ok(None),
        Some(s) if kind == ErrorKind::BadResponse => {
            WireTime::parse_lenient(&s).map_err(|_| f.err(field, "must be a UTC date-time like 2025-12-31 23:59:59"))
        }
        Some(s) => WireTime::parse(&s).map(Some).map_err(|_| f.err(field, "must be a UTC date-time like 2025-12-31 23:59:59")),
    }
}

fn rounding(f: &Fields, field: &str) -> Result<RoundingMethod> {
    match f.opt_text(field)? {
        None => Ok(RoundingMethod::default()),
        Some(s) => RoundingMethod::parse(&s).map_err(|_| f.err(field, "must be DOWN, NEAREST or UP")),
    }
}

impl Entity {
    /// Reads an entity from JSON, leniently (see `model::read`). `kind` is
    /// the error code for a bad shape: `bad_response` for server answers,
    /// `invalid_input` for caller input.
    pub fn from_json(v: &Value, kind: ErrorKind) -> Result<Entity> {
        Self::read(v, kind, None)
    }

    /// Reads an item of a list asked for by type: the live service leaves
    /// `type` out of its search answers, so `ty` stands in when it is absent.
    pub fn from_json_as(v: &Value, kind: ErrorKind, ty: EntityType) -> Result<Entity> {
        Self::read(v, kind, Some(ty))
    }

    fn read(v: &Value, kind: ErrorKind, default_type: Option<EntityType>) -> Result<Entity> {
        let f = Fields::of(v, "entity", kind)?;
        let ty = match (f.get("type"), default_type) {
            (Some(Value::String(t)), _) => EntityType::parse(t).map_err(|e| Error::new(kind, e.message))?,
            (Some(other), _) => return Err(Error::new(kind, format!("entity type must be a string, got {}", kind_of(other)))),
            (None, Some(t)) => t,
            (None, None) => return Err(Error::new(kind, "entity without a type")),
        };
        let f = Fields::of(v, ty.as_str(), kind)?;
        let parent = |seed: &'static str| -> Result<String> { Ok(f.first_id(&[seed, "related_id"])?.unwrap_or_default()) };
        Ok(match ty {
            EntityType::ProjectCategory => Entity::ProjectCategory(Category { id: f.id("id")?, name: f.text("name")? }),
            EntityType::Project => Entity::Project(Project {
                id: f.id("id")?,
                name: f.text("name")?,
                category_id: f.first_id(&["category_id", "related_id"])?,
                rounding_method: rounding(&f, "rounding_method")?,
                rounding_minutes: f.int("rounding_minutes")?,
                hourly_rate: f.float(f.first_present(&["hourly_rate", "default_hourly_rate"]).unwrap_or("hourly_rate"))?,
                planned_duration_hours: match f.has("planned_duration_hours") || !f.has("planned_duration") {
                    true => f.float("planned_duration_hours")?,
                    false => f.float("planned_duration")? / 3600.0,
                },
                planned_budget: f.float("planned_budget")?,
            }),
            EntityType::TimedTask => Entity::TimedTask(Task {
                id: f.id("id")?,
                name: f.text("name")?,
                project_id: parent("project_id")?,
                billable: f.boolean("billable")?,
                planned_duration: f.int("planned_duration")?,
            }),
            EntityType::TimedSubTask => Entity::TimedSubTask(SubTask {
                id: f.id("id")?,
                name: f.text("name")?,
                task_id: parent("task_id")?,
                planned_duration: f.int("planned_duration")?,
            }),
            EntityType::TimedTaskRecord => {
                let subtask_id = f.id("subtask_id")?;
                // `related_id` names a task or a sub-task; without the seed's
                // fields it is read as the task (a caller that knows its
                // catalog can tell a sub-task apart).
                let task_id = match subtask_id.is_empty() {
                    true => parent("task_id")?,
                    false => f.id("task_id")?,
                };
                Entity::TimedTaskRecord(TimeRecord {
                    id: f.id("id")?,
                    task_id,
                    subtask_id,
                    time_start: time(&f, "time_start", kind)?.ok_or_else(|| f.err("time_start", "is required"))?,
                    time_end: time(&f, "time_end", kind)?,
                    note: f.text("note")?,
                })
            }
        })
    }

    /// The body of an `update_entity` request: the seed's fields and, beside
    /// them, the live service's names for the same values (`related_id`,
    /// `default_hourly_rate`, `planned_duration` in seconds, `user_id`), so
    /// one request suits either dialect. A running entry leaves `time_end`
    /// out (the live client does; for the seed an absent `time_end` is null).
    pub fn wire_body(&self, user_id: Option<&str>) -> Value {
        let mut m = serde_json::Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("type", self.entity_type().as_str().into());
        put("id", self.id().into());
        match self {
            Entity::ProjectCategory(c) => put("name", c.name.as_str().into()),
            Entity::Project(p) => {
                put("name", p.name.as_str().into());
                put("category_id", p.category_id.as_deref().map_or(Value::Null, Value::from));
                put("related_id", p.category_id.as_deref().map_or(Value::Null, Value::from));
                put("rounding_method", p.rounding_method.as_str().into());
                put("rounding_minutes", p.rounding_minutes.into());
                put("hourly_rate", p.hourly_rate.into());
                put("default_hourly_rate", p.hourly_rate.into());
                put("planned_duration_hours", p.planned_duration_hours.into());
                put("planned_duration", ((p.planned_duration_hours * 3600.0).round() as i64).into());
                put("planned_budget", p.planned_budget.into());
            }
            Entity::TimedTask(t) => {
                put("name", t.name.as_str().into());
                put("project_id", t.project_id.as_str().into());
                put("related_id", t.project_id.as_str().into());
                put("billable", t.billable.into());
                put("planned_duration", t.planned_duration.into());
            }
            Entity::TimedSubTask(t) => {
                put("name", t.name.as_str().into());
                put("task_id", t.task_id.as_str().into());
                put("related_id", t.task_id.as_str().into());
                put("planned_duration", t.planned_duration.into());
            }
            Entity::TimedTaskRecord(r) => {
                put("task_id", r.task_id.as_str().into());
                put("subtask_id", r.subtask_id.as_str().into());
                put("related_id", if r.subtask_id.is_empty() { r.task_id.as_str() } else { r.subtask_id.as_str() }.into());
                if let Some(u) = user_id.filter(|u| !u.is_empty()) {
                    put("user_id", u.into());
                }
                put("time_start", r.time_start.to_string().into());
                if let Some(end) = r.time_end {
                    put("time_end", end.to_string().into());
                }
                put("note", r.note.as_str().into());
            }
        }
        Value::Object(m)
    }

    pub fn entity_type(&self) -> EntityType {
        match self {
            Entity::ProjectCategory(_) => EntityType::ProjectCategory,
            Entity::Project(_) => EntityType::Project,
            Entity::TimedTask(_) => EntityType::TimedTask,
            Entity::TimedSubTask(_) => EntityType::TimedSubTask,
            Entity::TimedTaskRecord(_) => EntityType::TimedTaskRecord,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Entity::ProjectCategory(e) => &e.id,
            Entity::Project(e) => &e.id,
            Entity::TimedTask(e) => &e.id,
            Entity::TimedSubTask(e) => &e.id,
            Entity::TimedTaskRecord(e) => &e.id,
        }
    }

    pub fn set_id(&mut self, id: String) {
        match self {
            Entity::ProjectCategory(e) => e.id = id,
            Entity::Project(e) => e.id = id,
            Entity::TimedTask(e) => e.id = id,
            Entity::TimedSubTask(e) => e.id = id,
            Entity::TimedTaskRecord(e) => e.id = id,
        }
    }

    /// Checks made before an entity is sent: required references present,
    /// non-negative numbers, an end not before the start.
    pub fn validate(&self) -> Result<()> {
        let need = |v: &str, f: &str| {
            if v.trim().is_empty() {
                Err(Error::invalid_input(format!("{f} is required")))
            } else {
                Ok(())
            }
        };
        match self {
            Entity::ProjectCategory(c) => need(&c.name, "name"),
            Entity::Project(p) => {
                need(&p.name, "name")?;
                if p.rounding_minutes < 0 || p.hourly_rate < 0.0 || p.planned_duration_hours < 0.0 || p.planned_budget < 0.0 {
                    return Err(Error::invalid_input("project numbers must not be negative"));
                }
                if !(p.hourly_rate.is_finite() && p.planned_duration_hours.is_finite() && p.planned_budget.is_finite()) {
                    return Err(Error::invalid_input("project numbers must be finite"));
                }
                Ok(())
            }
            Entity::TimedTask(t) => {
                need(&t.name, "name")?;
                need(&t.project_id, "project_id")?;
                if t.planned_duration < 0 {
                    return Err(Error::invalid_input("planned_duration must not be negative"));
                }
                Ok(())
            }
            Entity::TimedSubTask(t) => {
                need(&t.name, "name")?;
                need(&t.task_id, "task_id")?;
                if t.planned_duration < 0 {
                    return Err(Error::invalid_input("planned_duration must not be negative"));
                }
                Ok(())
            }
            Entity::TimedTaskRecord(r) => {
                if r.task_id.is_empty() && r.subtask_id.is_empty() {
                    return Err(Error::invalid_input("a time entry needs task_id or subtask_id"));
                }
                if let Some(end) = r.time_end {
                    if end < r.time_start {
                        return Err(Error::invalid_input("time_end is before time_start"));
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_leniently() {
        let v: Value = serde_json::from_str(
            r#"{"type":"TimedTask","id":42,"name":"Write","project_id":"p1","extra":{"x":1},"planned_duration":3600.0}"#,
        )
        .unwrap();
        let e = Entity::from_json(&v, ErrorKind::BadResponse).unwrap();
        assert_eq!(
            e,
            Entity::TimedTask(Task { id: "42".into(), name: "Write".into(), project_id: "p1".into(), billable: false, planned_duration: 3600 })
        );
    }

    #[test]
    fn serialises_with_wire_names() {
        let e = Entity::TimedSubTask(SubTask { id: "s".into(), name: "n".into(), task_id: "t".into(), planned_duration: 5 });
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"type":"TimedSubTask","id":"s","name":"n","task_id":"t","planned_duration":5})
        );
    }

    #[test]
    fn validation() {
        let r = |end: Option<&str>| {
            Entity::TimedTaskRecord(TimeRecord {
                id: "r".into(),
                task_id: "t".into(),
                subtask_id: String::new(),
                time_start: WireTime::parse("2025-01-01 10:00:00").unwrap(),
                time_end: end.map(|s| WireTime::parse(s).unwrap()),
                note: String::new(),
            })
        };
        assert!(r(None).validate().is_ok());
        assert!(r(Some("2025-01-01 11:00:00")).validate().is_ok());
        assert!(r(Some("2025-01-01 09:00:00")).validate().is_err());
        let t = Entity::TimedTask(Task { id: String::new(), name: "x".into(), project_id: "".into(), billable: true, planned_duration: 0 });
        assert_eq!(t.validate().unwrap_err().message, "project_id is required");
    }

    #[test]
    fn type_names() {
        assert_eq!(EntityType::parse("TimedSubTask").unwrap(), EntityType::TimedSubTask);
        assert!(EntityType::parse("timedsubtask").is_err());
        assert_eq!(TriggerType::parse("stopped_time").unwrap(), TriggerType::StoppedTime);
        assert!(TriggerType::parse("stopped").is_err());
    }
}
