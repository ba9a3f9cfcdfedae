//! The demo data set of `--demo`.

use super::{Category, Data, Project, SubTask, Task};

/// When every demo entity was "created" (fixed, so answers are stable).
const DEMO_CREATED: &str = "2026-01-05 09:00:00";

impl Data {
    /// The demo data set of `--demo` (fixed ids so tests and demos can name
    /// them): mostly `demo-...` ids, plus one project, task and sub-task
    /// whose ids are all digits, so clients meet numeric ids in both dialects.
    pub fn demo() -> Data {
        let cat = |id: &str, name: &str| Category { id: id.into(), name: name.into(), created_at: DEMO_CREATED.into() };
        let proj = |id: &str, name: &str, cat: Option<&str>, rate: f64| Project {
            id: id.into(),
            name: name.into(),
            category_id: cat.map(Into::into),
            rounding_method: "NEAREST".into(),
            rounding_minutes: 15,
            hourly_rate: rate,
            planned_duration_hours: 40.0,
            planned_budget: rate * 40.0,
            created_at: DEMO_CREATED.into(),
        };
        let task = |id: &str, name: &str, p: &str, billable: bool| Task {
            id: id.into(),
            name: name.into(),
            project_id: p.into(),
            billable,
            planned_duration: 0,
            created_at: DEMO_CREATED.into(),
        };
        let sub = |id: &str, name: &str, t: &str| SubTask {
            id: id.into(),
            name: name.into(),
            task_id: t.into(),
            planned_duration: 0,
            created_at: DEMO_CREATED.into(),
        };
        Data {
            categories: vec![cat("demo-cat-clients", "Clients"), cat("demo-cat-internal", "Internal")],
            projects: vec![
                proj("demo-proj-website", "Website Relaunch", Some("demo-cat-clients"), 95.0),
                proj("demo-proj-app", "Mobile App", Some("demo-cat-clients"), 110.0),
                proj("demo-proj-admin", "Administration", Some("demo-cat-internal"), 0.0),
                proj("4001", "Support Retainer", Some("demo-cat-clients"), 80.0),
            ],
            tasks: vec![
                task("demo-task-design", "Design", "demo-proj-website", true),
                task("demo-task-dev", "Development", "demo-proj-website", true),
                task("demo-task-api", "API integration", "demo-proj-app", true),
                task("demo-task-meetings", "Meetings", "demo-proj-admin", false),
                task("demo-task-accounting", "Accounting", "demo-proj-admin", false),
                task("4002", "Hotline", "4001", true),
            ],
            subtasks: vec![
                sub("demo-sub-homepage", "Homepage", "demo-task-design"),
                sub("demo-sub-checkout", "Checkout", "demo-task-design"),
                sub("demo-sub-login", "Login flow", "demo-task-api"),
                sub("4003", "Escalations", "4002"),
            ],
            ..Data::default()
        }
    }
}
