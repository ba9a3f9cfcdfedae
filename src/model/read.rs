//! Reading fields out of parsed JSON by hand, leniently: ids as strings or
//! numbers, null and missing read as the default, unknown fields ignored;
//! in what a server sent (`ErrorKind::BadResponse`) also numbers as numeric
//! strings and booleans as 0/1 or their strings. (The live service's answer
//! shapes are not published: see tests/sandbox/README.md for the variants
//! read here.) What a caller passes keeps JSON's own types, so a caller's
//! mistake (`timeoutMs: "300"`) is refused rather than guessed at.
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

    /// Whether the object is a server's answer, read leniently.
    fn from_server(&self) -> bool {
        self.kind == ErrorKind::BadResponse
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

    /// The first of `fields` that is present (not null, not ""): the seed's
    /// name first, then the live service's alias.
    pub fn first_id(&self, fields: &[&str]) -> Result<Option<String>> {
        for f in fields {
            if let Some(id) = self.opt_id(f)? {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// The first of `fields` that is present.
    pub fn first_present(&self, fields: &[&'a str]) -> Option<&'a str> {
        fields.iter().copied().find(|f| self.has(f))
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

    /// A number, or from a server a string holding one ("90.00"); missing,
    /// null and (from a server) "" are 0.
    pub fn float(&self, field: &str) -> Result<f64> {
        match self.get(field) {
            None => Ok(0.0),
            Some(Value::Number(n)) => n.as_f64().ok_or_else(|| self.err(field, "is not a number")),
            Some(Value::String(s)) if self.from_server() && s.trim().is_empty() => Ok(0.0),
            Some(Value::String(s)) if self.from_server() => parse_decimal(s.trim()).ok_or_else(|| self.err(field, "must be a number")),
            Some(v) => Err(self.wrong(field, "a number", v)),
        }
    }

    /// A whole number (integral floats such as 3600.0 accepted; from a
    /// server also as a string); missing and null are 0.
    pub fn int(&self, field: &str) -> Result<i64> {
        match self.get(field) {
            None => Ok(0),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
                .ok_or_else(|| self.err(field, "must be a whole number")),
            Some(Value::String(s)) if self.from_server() && s.trim().is_empty() => Ok(0),
            Some(Value::String(s)) if self.from_server() => parse_decimal(s.trim())
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
                .ok_or_else(|| self.err(field, "must be a whole number")),
            Some(v) => Err(self.wrong(field, "a whole number", v)),
        }
    }

    /// `true`/`false`, and from a server also `1`/`0` or those as strings;
    /// missing and null are false.
    pub fn boolean(&self, field: &str) -> Result<bool> {
        match self.get(field) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::Number(n)) if self.from_server() && n.as_f64() == Some(0.0) => Ok(false),
            Some(Value::Number(n)) if self.from_server() && n.as_f64() == Some(1.0) => Ok(true),
            Some(Value::String(s)) if self.from_server() => match s.trim() {
                "1" | "true" | "TRUE" | "True" => Ok(true),
                "0" | "false" | "FALSE" | "False" | "" => Ok(false),
                _ => Err(self.err(field, "must be true or false")),
            },
            Some(v) => Err(self.wrong(field, "true or false", v)),
        }
    }
}

impl Fields<'_> {
    /// A duration in seconds: a number, a numeric string, or `h:mm:ss` /
    /// `h:mm` text (hours not capped at 24). Missing and null are 0.
    pub fn duration_secs(&self, field: &str) -> Result<f64> {
        match self.get(field) {
            Some(Value::String(s)) if s.contains(':') => parse_clock(s.trim()).ok_or_else(|| self.err(field, "must be seconds or h:mm:ss")),
            _ => self.float(field),
        }
    }
}

/// `h:mm:ss` or `h:mm` (minutes and seconds below 60) to seconds.
pub fn parse_clock(s: &str) -> Option<f64> {
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let n = |i: usize| parts.get(i).map_or(Some(0u64), |p| p.parse::<u64>().ok());
    let (h, m, sec) = (n(0)?, n(1)?, n(2)?);
    if m >= 60 || sec >= 60 || parts[1].len() != 2 || parts.get(2).is_some_and(|p| p.len() != 2) {
        return None;
    }
    Some((h * 3600 + m * 60 + sec) as f64)
}

/// A plain decimal number (`-12`, `90.00`, `.5`), parsed by hand: Rust's
/// float parser would add several kilobytes to the WebAssembly module, and
/// these strings are money and hours, never exponents.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if (whole.is_empty() && frac.is_empty()) || whole.len() > 15 || frac.len() > 15 {
        return None;
    }
    if !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v = 0f64;
    for b in whole.bytes() {
        v = v * 10.0 + f64::from(b - b'0');
    }
    let mut scale = 1f64;
    let mut f = 0f64;
    for b in frac.bytes() {
        f = f * 10.0 + f64::from(b - b'0');
        scale *= 10.0;
    }
    let v = v + f / scale;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_scalars() {
        let v = json!({"a":"90.00","b":"15","c":1,"d":"0","e":0,"f":"","g":12,"h":"x","i":2});
        let f = Fields::of(&v, "t", ErrorKind::BadResponse).unwrap();
        assert_eq!(f.float("a").unwrap(), 90.0);
        assert_eq!(f.int("b").unwrap(), 15);
        assert!(f.boolean("c").unwrap());
        assert!(!f.boolean("d").unwrap());
        assert!(!f.boolean("e").unwrap());
        assert_eq!(f.float("f").unwrap(), 0.0);
        assert!(f.text("g").is_err(), "text stays text");
        assert!(f.float("h").is_err());
        assert!(f.boolean("i").is_err());
        assert!(f.int("a").is_ok(), "90.00 is a whole number");
        assert_eq!(parse_clock("27:03:09"), Some(97_389.0));
        assert_eq!(parse_clock("0:00:00"), Some(0.0));
        assert_eq!(parse_clock("1:30"), Some(5_400.0));
        for bad in ["1:60:00", "1:5:00", ":00:00", "1:00:00:00", "a:00:00", "1:00:0"] {
            assert_eq!(parse_clock(bad), None, "{bad:?}");
        }
        let d = json!({"a":"1:00:01","b":3600,"c":"3600","d":"x:y"});
        let f = Fields::of(&d, "t", ErrorKind::BadResponse).unwrap();
        assert_eq!(f.duration_secs("a").unwrap(), 3601.0);
        assert_eq!(f.duration_secs("b").unwrap(), 3600.0);
        assert_eq!(f.duration_secs("c").unwrap(), 3600.0);
        assert!(f.duration_secs("d").is_err());
        assert_eq!(parse_decimal("-1.25"), Some(-1.25));
        // A caller's input keeps JSON's types: no numbers in strings, no 0/1 booleans.
        let f = Fields::of(&v, "t", ErrorKind::InvalidInput).unwrap();
        assert!(f.float("a").is_err() && f.int("b").is_err() && f.float("f").is_err());
        assert!(f.boolean("c").is_err() && f.boolean("d").is_err());
        assert_eq!((f.float("g").unwrap(), f.int("g").unwrap()), (12.0, 12));
        assert_eq!(parse_decimal(".5"), Some(0.5));
        for bad in ["", ".", "1e5", "1.2.3", "--1", "0x10", "1 2"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }
}
