//! The seed dialect's reading of an `update_entity` body before it is
//! applied: only the seed's keys plus the live aliases a client may send
//! next to them (any other key is refused, so a misspelt optional field is
//! caught rather than dropped), and a seed name and its alias sent together
//! must agree (400 naming the alias when they do not).

use super::fields::{opt_f64, opt_id, opt_nonempty, opt_str, Body};
use super::{bad, truncate, Reject};

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
    // live aliases
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
    // live aliases
    "related_id",
    "user_id",
];

/// Refuse unknown keys, then disagreeing aliases. Unknown types pass here
/// (the caller names them).
pub(super) fn check(kind: &str, b: &Body) -> Result<(), Reject> {
    let known: &[&str] = match kind {
        "ProjectCategory" => CATEGORY_FIELDS,
        "Project" => PROJECT_FIELDS,
        "TimedTask" => TASK_FIELDS,
        "TimedSubTask" => SUBTASK_FIELDS,
        "TimedTaskRecord" => ENTRY_FIELDS,
        _ => return Ok(()),
    };
    if let Some(k) = b.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(bad(
            &truncate(k),
            format!("unknown field {:?} for {kind}; expected one of: {}", truncate(k), known.join(", ")),
        ));
    }
    match kind {
        "Project" => {
            if b.contains_key("category_id") && b.contains_key("related_id") {
                same_parent(b, "category_id")?;
            }
            if b.contains_key("hourly_rate") && b.contains_key("default_hourly_rate") {
                let (seed, live) = (opt_f64(b, "hourly_rate")?, opt_f64(b, "default_hourly_rate")?);
                if let (Some(s), Some(l)) = (seed, live) {
                    if (s - l).abs() > 1e-9 {
                        return Err(disagree("default_hourly_rate", "hourly_rate"));
                    }
                }
            }
            if b.contains_key("planned_duration_hours") && b.contains_key("planned_duration") {
                let (hours, secs) = (opt_f64(b, "planned_duration_hours")?, opt_f64(b, "planned_duration")?);
                if let (Some(h), Some(s)) = (hours, secs) {
                    // agree when they name the same second
                    if (h * 3600.0 - s).abs() >= 1.0 {
                        return Err(disagree("planned_duration", "planned_duration_hours (× 3600)"));
                    }
                }
            }
            Ok(())
        }
        "TimedTask" => same_parent(b, "project_id"),
        "TimedSubTask" => same_parent(b, "task_id"),
        "TimedTaskRecord" => {
            let Some(related) = opt_id(b, "related_id")? else { return Ok(()) };
            // a record on a sub-task is related to the sub-task, else to the task
            match (opt_nonempty(b, "subtask_id")?, opt_nonempty(b, "task_id")?) {
                (Some(sub), _) if sub != related => Err(disagree("related_id", "subtask_id")),
                (None, Some(task)) if task != related => Err(disagree("related_id", "task_id")),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// `field` and `related_id`, both sent (and non-empty), name the same id.
/// (A project's category may also be sent empty in both: no category.)
fn same_parent(b: &Body, field: &str) -> Result<(), Reject> {
    if !b.contains_key(field) || !b.contains_key("related_id") {
        return Ok(());
    }
    let seed = opt_str(b, field)?.filter(|s| !s.is_empty());
    let live = opt_id(b, "related_id")?;
    let both_given = seed.is_some() && live.is_some();
    let both_empty_ok = field == "category_id";
    if seed != live && (both_given || both_empty_ok) {
        return Err(disagree("related_id", field));
    }
    Ok(())
}

fn disagree(alias: &str, seed: &str) -> Reject {
    bad(alias, format!("{alias} disagrees with {seed}; send the same value in both (or only one)"))
}
