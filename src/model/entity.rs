//! Entities with the seed's wire field names (snake_case, tagged by `type`).
//! Parsing is lenient: ids may be strings or numbers, unknown fields are
//! ignored, missing optional fields take their defaults.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::datetime::WireTime;
use super::id::{id, kind_of, opt_id};
use super::rounding::RoundingMethod;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
        .ok_or_else(|| Error::invalid_input(format!("unknown entity type {:?}", short(s))))
    }

    /// Whether `search_entity` serves this type (the seed lists four).
    pub fn searchable(self) -> bool {
        self != EntityType::TimedTaskRecord
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
        .ok_or_else(|| Error::invalid_input(format!("unknown trigger type {:?}", short(s))))
    }
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    #[serde(default, deserialize_with = "id")]
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    #[serde(default, deserialize_with = "id")]
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub category_id: Option<String>,
    #[serde(default)]
    pub rounding_method: RoundingMethod,
    #[serde(default, deserialize_with = "int")]
    pub rounding_minutes: i64,
    #[serde(default, deserialize_with = "float")]
    pub hourly_rate: f64,
    #[serde(default, deserialize_with = "float")]
    pub planned_duration_hours: f64,
    #[serde(default, deserialize_with = "float")]
    pub planned_budget: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    #[serde(default, deserialize_with = "id")]
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, deserialize_with = "id")]
    pub project_id: String,
    #[serde(default, deserialize_with = "boolean")]
    pub billable: bool,
    #[serde(default, deserialize_with = "int")]
    pub planned_duration: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubTask {
    #[serde(default, deserialize_with = "id")]
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, deserialize_with = "id")]
    pub task_id: String,
    #[serde(default, deserialize_with = "int")]
    pub planned_duration: i64,
}

/// A time entry; `time_end: None` while it runs. `task_id` / `subtask_id`
/// are "" when not set, as on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeRecord {
    #[serde(default, deserialize_with = "id")]
    pub id: String,
    #[serde(default, deserialize_with = "id")]
    pub task_id: String,
    #[serde(default, deserialize_with = "id")]
    pub subtask_id: String,
    pub time_start: WireTime,
    #[serde(default)]
    pub time_end: Option<WireTime>,
    #[serde(default, deserialize_with = "text")]
    pub note: String,
}

/// Any entity, tagged by `type` as on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Entity {
    ProjectCategory(Category),
    Project(Project),
    TimedTask(Task),
    TimedSubTask(SubTask),
    TimedTaskRecord(TimeRecord),
}

impl Entity {
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

fn text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s),
        other => Err(serde::de::Error::custom(format!("expected a string, got {}", kind_of(&other)))),
    }
}

fn boolean<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(b),
        other => Err(serde::de::Error::custom(format!("expected a boolean, got {}", kind_of(&other)))),
    }
}

/// A whole number; integral floats (`3600.0`) are accepted, null is 0.
pub(crate) fn int<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(0),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Ok(i);
            }
            match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
                _ => Err(serde::de::Error::custom("expected a whole number")),
            }
        }
        other => Err(serde::de::Error::custom(format!("expected a number, got {}", kind_of(&other)))),
    }
}

/// A number; null is 0.
pub(crate) fn float<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(0.0),
        Value::Number(n) => n.as_f64().ok_or_else(|| serde::de::Error::custom("expected a number")),
        other => Err(serde::de::Error::custom(format!("expected a number, got {}", kind_of(&other)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_leniently() {
        let e: Entity = serde_json::from_str(
            r#"{"type":"TimedTask","id":42,"name":"Write","project_id":"p1","extra":{"x":1},"planned_duration":3600.0}"#,
        )
        .unwrap();
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
