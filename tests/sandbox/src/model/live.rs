//! The live dialect's answer shapes (README "Dialects"): ids that are all
//! digits as JSON numbers, parents as `related_id`, booleans as 0/1,
//! date-times as ISO 8601 UTC with milliseconds, and a few extra fields a
//! client must ignore.

use serde_json::{json, Value};

use super::{parse_dt, Category, Entity, Member, Project, SubTask, Task, TimeEntry};

/// An id as the live dialect answers it: a JSON number when it is all ASCII
/// digits (without a leading zero, and fitting 64 bits, so that the number
/// names the same entity when sent back), else the string.
pub fn id_value(id: &str) -> Value {
    let digits = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    let canonical = id == "0" || !id.starts_with('0');
    match id.parse::<u64>() {
        Ok(n) if digits && canonical => json!(n),
        _ => json!(id),
    }
}

fn opt_id(id: Option<&str>) -> Value {
    id.map(id_value).unwrap_or(Value::Null)
}

/// `Y-m-d H:i:s` → `Y-m-dTH:i:s.000Z` (a stored value that does not parse
/// is passed through unchanged).
pub fn iso(dt: &str) -> String {
    match parse_dt(dt) {
        Some(d) => d.format("%Y-%m-%dT%H:%M:%S.000Z").to_string(),
        None => dt.to_string(),
    }
}

/// Seconds as `h:mm:ss`, hours not capped (`27:03:09`).
pub fn hms(secs: i64) -> String {
    let s = secs.max(0);
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

fn flag(b: bool) -> u8 {
    u8::from(b)
}

impl Category {
    pub fn live(&self) -> Value {
        json!({"id": id_value(&self.id), "name": self.name, "color": 0, "completed": 0,
            "created_at": iso(&self.created_at)})
    }
}
impl Project {
    pub fn live(&self) -> Value {
        json!({"id": id_value(&self.id), "name": self.name, "related_id": opt_id(self.category_id.as_deref()),
            "rounding_method": self.rounding_method, "rounding_minutes": self.rounding_minutes,
            "default_hourly_rate": format!("{:.2}", self.hourly_rate),
            "planned_duration": (self.planned_duration_hours * 3600.0).round() as i64,
            "planned_budget": self.planned_budget, "color": 0, "completed": 0,
            "created_at": iso(&self.created_at)})
    }
}
impl Task {
    pub fn live(&self) -> Value {
        json!({"id": id_value(&self.id), "name": self.name, "related_id": id_value(&self.project_id),
            "billable": flag(self.billable), "planned_duration": self.planned_duration, "color": 0,
            "completed": 0, "created_at": iso(&self.created_at)})
    }
}
impl SubTask {
    pub fn live(&self) -> Value {
        json!({"id": id_value(&self.id), "name": self.name, "related_id": id_value(&self.task_id),
            "planned_duration": self.planned_duration, "completed": 0, "created_at": iso(&self.created_at)})
    }
}
impl TimeEntry {
    /// The item of `GET /data/times`: the parent as `related_id` (the
    /// sub-task when there is one), `time_end` "" while running.
    pub fn live(&self) -> Value {
        let related = self.subtask_id.as_deref().unwrap_or(&self.task_id);
        json!({"id": id_value(&self.id), "related_id": id_value(related),
            "user_id": opt_id(self.user_id.as_deref()), "time_start": iso(&self.time_start),
            "time_end": self.time_end.as_deref().map(iso).unwrap_or_default(),
            "note": self.note, "billing_state": self.billing_state})
    }
}
impl Member {
    pub fn live(&self) -> Value {
        json!({"id": id_value(&self.id), "name": self.name, "email": self.email, "role": self.role})
    }
}

impl Entity {
    /// The live dialect's shape.
    pub fn live(&self) -> Value {
        match self {
            Entity::Category(x) => x.live(),
            Entity::Project(x) => x.live(),
            Entity::Task(x) => x.live(),
            Entity::SubTask(x) => x.live(),
            Entity::Time(x) => x.live(),
        }
    }
}

/// A seed summary row in the live shape: ids as numbers where digits,
/// `billable` 0/1, `duration` as `h:mm:ss`.
pub fn summary_row(row: &Value) -> Value {
    let mut r = row.clone();
    for k in ["task_id", "subtask_id", "project_id", "category_id"] {
        if let Some(s) = row[k].as_str() {
            r[k] = id_value(s);
        }
    }
    r["billable"] = json!(flag(row["billable"].as_bool().unwrap_or(false)));
    r["duration"] = json!(hms(row["duration"].as_i64().unwrap_or(0)));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_dates_and_durations() {
        assert_eq!(id_value("5001"), json!(5001));
        assert_eq!(id_value("0"), json!(0));
        assert_eq!(id_value("007"), json!("007"));
        assert_eq!(id_value("demo-task"), json!("demo-task"));
        assert_eq!(id_value("99999999999999999999999"), json!("99999999999999999999999"));
        assert_eq!(id_value(""), json!(""));
        assert_eq!(iso("2026-11-29 10:00:00"), "2026-11-29T10:00:00.000Z");
        assert_eq!(hms(27 * 3600 + 3 * 60 + 9), "27:03:09");
        assert_eq!(hms(59), "0:00:59");
    }
}
