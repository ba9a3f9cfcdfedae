//! A row of `GET /data/summary/`: per-task (and per-sub-task) totals.

use serde::Serialize;
use serde_json::Value;

use super::read::Fields;
use super::rounding::{round_duration, RoundingMethod};
use crate::error::{ErrorKind, Result};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    pub task_id: String,
    pub task_name: String,
    pub subtask_id: Option<String>,
    pub subtask_name: Option<String>,
    pub project_id: String,
    pub project_name: String,
    pub category_id: Option<String>,
    pub category_name: Option<String>,
    pub billable: bool,
    pub rounding_method: RoundingMethod,
    pub rounding_minutes: i64,
    pub hourly_rate: f64,
    /// Seconds in the range, unrounded.
    pub duration: f64,
    pub entries: i64,
    /// `duration` rounded with the project's rounding (computed here, not on the wire).
    pub rounded_duration: f64,
}

impl SummaryRow {
    pub fn from_json(v: &Value) -> Result<SummaryRow> {
        let f = Fields::of(v, "summary row", ErrorKind::BadResponse)?;
        if !f.has("duration") {
            return Err(f.err("duration", "is required"));
        }
        let rounding_method = match f.opt_text("rounding_method")? {
            None => RoundingMethod::default(),
            Some(s) => RoundingMethod::parse(&s).map_err(|_| f.err("rounding_method", "must be DOWN, NEAREST or UP"))?,
        };
        let duration = f.duration_secs("duration")?;
        if duration < 0.0 {
            return Err(f.err("duration", "must not be negative"));
        }
        let rounding_minutes = f.int("rounding_minutes")?;
        let rounded_duration = round_duration(duration, rounding_method, rounding_minutes.max(0) as f64).unwrap_or(duration);
        Ok(SummaryRow {
            task_id: f.id("task_id")?,
            task_name: f.text("task_name")?,
            subtask_id: f.opt_id("subtask_id")?,
            subtask_name: f.opt_text("subtask_name")?,
            project_id: f.id("project_id")?,
            project_name: f.text("project_name")?,
            category_id: f.opt_id("category_id")?,
            category_name: f.opt_text("category_name")?,
            billable: f.boolean("billable")?,
            rounding_method,
            rounding_minutes,
            hourly_rate: f.float("hourly_rate")?,
            duration,
            entries: f.int("entries")?,
            rounded_duration,
        })
    }
}
