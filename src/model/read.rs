//! Reading fields out of parsed JSON by hand, leniently: ids as strings or
//! numbers, null and missing read as the default, unknown fields ignored.
//! (Hand-written rather than derived: it keeps serde's deserializer
//! machinery, and its float formatting, out of the WebAssembly module.)

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The fields of one JSON object. Errors carry `kind` (`bad_response` for
/// what a server sent, `invalid_input` for what a caller passed).
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    what: &'a str,
    kind: ErrorKind,
}

impl<'a> Fields<'a> {
    pub fn of(v: &'a Value, what: &'a str, kind: ErrorKind) -> Result<Self> {
        match v {
            Value::Object(map) => Ok(Fields { map, what, kind }),
            other => Err(Error::new(kind, format!("{what}: expected an object, got {}", kind_of(other)))),
        }
    }

    pub fn err(&self, field: &str, msg: &str) -> Error {
        Error::new(self.kind, format!("{}: field {field} {msg}", self.what))
    }

    fn wrong(&self, field: &str, expected: &str, got: &Value) -> Error {
        self.err(field, &format!("must be {expected}, got {}", kind_of(got)))
    }

    /// The value, with null read as missing.
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn opt_text(&self, field: &str) -> Result<Option<String>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(self.wrong(field, "a string", v)),
        }
    }

    pub fn text(&self, field: &str) -> Result<String> {
        Ok(self.opt_text(field)?.unwrap_or_default())
    }

    /// A string or number id; missing, null and "" read as `None`.
    pub fn opt_id(&self, field: &str) -> Result<Option<String>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(v) => Err(self.wrong(field, "a string or number id", v)),
        }
    }

    pub fn id(&self, field: &str) -> Result<String> {
        Ok(self.opt_id(field)?.unwrap_or_default())
    }

    /// A number; missing and null are 0.
    pub fn float(&self, field: &str) -> Result<f64> {
        match self.get(field) {
            None => Ok(0.0),
            Some(Value::Number(n)) => n.as_f64().ok_or_else(|| self.err(field, "is not a number")),
            Some(v) => Err(self.wrong(field, "a number", v)),
        }
    }

    /// A whole number (integral floats such as 3600.0 accepted); missing and null are 0.
    pub fn int(&self, field: &str) -> Result<i64> {
        match self.get(field) {
            None => Ok(0),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
                .ok_or_else(|| self.err(field, "must be a whole number")),
            Some(v) => Err(self.wrong(field, "a whole number", v)),
        }
    }

    pub fn boolean(&self, field: &str) -> Result<bool> {
        match self.get(field) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(self.wrong(field, "true or false", v)),
        }
    }
}
