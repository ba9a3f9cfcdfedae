//! The seed dialect's answer shapes (README "Wire contract"), which are also
//! the canonical shapes of `GET /_sandbox/state`.

use serde_json::{json, Value};

use super::{Category, Entity, Project, SubTask, Task, TimeEntry};

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
    /// The seed's answer (no user_id: the seed has none).
    pub fn wire(&self) -> Value {
        json!({"type": "TimedTaskRecord", "id": self.id, "task_id": self.task_id,
            "subtask_id": self.subtask_id.clone().unwrap_or_default(),
            "time_start": self.time_start, "time_end": self.time_end, "note": self.note})
    }
    /// The control API's shape: the seed's plus `user_id` and `billing_state`.
    pub fn canonical(&self) -> Value {
        let mut v = self.wire();
        v["user_id"] = json!(self.user_id);
        v["billing_state"] = json!(self.billing_state);
        v
    }
}

impl Entity {
    /// The seed dialect's shape.
    pub fn wire(&self) -> Value {
        match self {
            Entity::Category(x) => x.wire(),
            Entity::Project(x) => x.wire(),
            Entity::Task(x) => x.wire(),
            Entity::SubTask(x) => x.wire(),
            Entity::Time(x) => x.wire(),
        }
    }
    /// The control API's (canonical) shape.
    pub fn canonical(&self) -> Value {
        match self {
            Entity::Time(x) => x.canonical(),
            other => other.wire(),
        }
    }
}
