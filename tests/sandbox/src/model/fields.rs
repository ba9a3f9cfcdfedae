//! Typed reads of `update_entity` body fields: each refuses a value of the
//! wrong type with a 400 naming the field; absent and `null` read as None.

use serde_json::{Map, Value};

use super::{bad, Reject};

pub(super) type Body = Map<String, Value>;

pub(super) fn opt_str(b: &Body, field: &str) -> Result<Option<String>, Reject> {
    match b.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(field, format!("{field} must be a string"))),
    }
}
/// A string field where "" means "not given".
pub(super) fn opt_nonempty(b: &Body, field: &str) -> Result<Option<String>, Reject> {
    Ok(opt_str(b, field)?.filter(|s| !s.is_empty()))
}
/// An id that may come as a string or as a non-negative integer (the live
/// dialect answers ids as numbers, so a client may send them back so);
/// "" means "not given".
pub(super) fn opt_id(b: &Body, field: &str) -> Result<Option<String>, Reject> {
    match b.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
        Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
        Some(_) => Err(bad(field, format!("{field} must be a string or an integer id"))),
    }
}
pub(super) fn opt_i64(b: &Body, field: &str) -> Result<Option<i64>, Reject> {
    match b.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad(field, format!("{field} must be an integer"))),
    }
}
pub(super) fn opt_f64(b: &Body, field: &str) -> Result<Option<f64>, Reject> {
    match b.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| bad(field, format!("{field} must be a number"))),
    }
}
pub(super) fn opt_bool(b: &Body, field: &str) -> Result<Option<bool>, Reject> {
    match b.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(x)) => Ok(Some(*x)),
        Some(_) => Err(bad(field, format!("{field} must be true or false"))),
    }
}
pub(super) fn name_of(b: &Body, existing: Option<&str>) -> Result<String, Reject> {
    match opt_str(b, "name")? {
        Some(n) if n.trim().is_empty() => Err(bad("name", "name must not be empty")),
        Some(n) => Ok(n),
        None => existing.map(str::to_string).ok_or_else(|| bad("name", "name is required")),
    }
}
pub(super) fn non_negative_i64(b: &Body, field: &str) -> Result<Option<i64>, Reject> {
    let v = opt_i64(b, field)?;
    if matches!(v, Some(x) if x < 0) {
        return Err(bad(field, format!("{field} must not be negative")));
    }
    Ok(v)
}
pub(super) fn non_negative_f64(b: &Body, field: &str) -> Result<Option<f64>, Reject> {
    let v = opt_f64(b, field)?;
    if matches!(v, Some(x) if x < 0.0) {
        return Err(bad(field, format!("{field} must not be negative")));
    }
    Ok(v)
}
