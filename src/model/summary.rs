//! A row of `GET /data/summary/`: per-task (and per-sub-task) totals.

use serde::{Deserialize, Serialize};

use super::entity::{float, int};
use super::id::{id, opt_id};
use super::rounding::{round_duration, RoundingMethod};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    #[serde(default, deserialize_with = "id")]
    pub task_id: String,
    #[serde(default)]
    pub task_name: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub subtask_id: Option<String>,
    #[serde(default)]
    pub subtask_name: Option<String>,
    #[serde(default, deserialize_with = "id")]
    pub project_id: String,
    #[serde(default)]
    pub project_name: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub category_id: Option<String>,
    #[serde(default)]
    pub category_name: Option<String>,
    #[serde(default)]
    pub billable: bool,
    #[serde(default)]
    pub rounding_method: RoundingMethod,
    #[serde(default, deserialize_with = "int")]
    pub rounding_minutes: i64,
    #[serde(default, deserialize_with = "float")]
    pub hourly_rate: f64,
    /// Seconds in the range, unrounded.
    #[serde(deserialize_with = "float")]
    pub duration: f64,
    #[serde(default, deserialize_with = "int")]
    pub entries: i64,
    /// `duration` rounded with the project's rounding (computed here, not on the wire).
    #[serde(default, skip_deserializing)]
    pub rounded_duration: f64,
}

impl SummaryRow {
    /// Fills `rounded_duration`; a bad rounding setting leaves it unrounded.
    pub fn with_rounding(mut self) -> Self {
        self.rounded_duration = round_duration(self.duration.max(0.0), self.rounding_method, self.rounding_minutes.max(0) as f64)
            .unwrap_or(self.duration);
        self
    }
}
