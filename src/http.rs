//! Plain HTTP values: what to send (`HttpRequest`) and the shared rules for
//! reading what came back (status to error, size limit, lenient JSON).

use serde_json::Value;

mod json;
pub use json::{decode_list, decode_list_lenient, decode_one, decode_value, Listed};

use crate::error::{Error, ErrorKind, Result};

/// Bodies larger than this are refused with `bad_response`. The picker's
/// catalog is three whole `search_entity` lists (the API pages no entity
/// list), about 230 bytes an entity: 32 MiB holds some 140,000 projects
/// (tests/bench: a 50,000-project list is 11.6 MB, past the 8 MiB it was).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// A request ready for any transport. `Debug` hides header values and the
/// body, which may carry tokens.
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redact(&self.url))
            .field("headers", &names)
            .field("body", &self.body.as_ref().map(|b| format!("[{} bytes]", b.len())))
            .finish()
    }
}

/// What came back for an `HttpRequest`: the status, the headers the core
/// reads (`retry-after`, `content-type`, `content-length`) and the body
/// (at most `MAX_BODY` bytes: the transport refuses more).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (for tests and logging-free inspection).
    pub fn json_body(&self) -> Option<Value> {
        self.body.as_ref().and_then(|b| serde_json::from_slice(b).ok())
    }

    /// The body read as form fields (token requests), decoded.
    pub fn form_pairs(&self) -> Vec<(String, String)> {
        self.body.as_ref().map_or_else(Vec::new, |b| form_urlencoded::parse(b).into_owned().collect())
    }

    /// The query pairs of the URL, decoded.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        match self.url.split_once('?') {
            Some((_, q)) => form_urlencoded::parse(q.split('#').next().unwrap_or("").as_bytes()).into_owned().collect(),
            None => Vec::new(),
        }
    }

    /// The path of the URL (after scheme and host, before the query).
    pub fn path(&self) -> &str {
        let rest = after_scheme_separator(&self.url).map_or(self.url.as_str(), |i| &self.url[i..]);
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        match rest.find('/') {
            Some(i) => &rest[i..],
            None => "/",
        }
    }
}

/// The byte index just after the first `://` in `s`.  (A byte scan: a
/// substring search would bring the two-way string searcher into the
/// WebAssembly module for this one pattern.)
pub fn after_scheme_separator(s: &str) -> Option<usize> {
    s.as_bytes().windows(3).position(|w| w == b"://").map(|i| i + 3)
}

/// Whether `needle` occurs in `hay` (a byte scan, for the same reason as
/// `after_scheme_separator`).
pub fn has_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether an error answer names `field` (`"field":"user_id"`, or the name
/// anywhere in its first 2,000 bytes).
pub fn names_field(body: &[u8], field: &str) -> bool {
    has_bytes(&body[..body.len().min(2000)], field.as_bytes())
}

/// A JSON object of string fields, serialised (request bodies).  Built as
/// a `Value`, the one type the module serialises for requests.
pub fn json_body(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut map = serde_json::Map::new();
    for (k, v) in fields {
        map.insert((*k).to_string(), Value::from(*v));
    }
    // Serialising a map of strings cannot fail.
    serde_json::to_vec(&Value::Object(map)).unwrap_or_default()
}

/// Joins a base URL (with or without a trailing slash, possibly with a path
/// prefix) and an absolute API path.
pub fn join_url(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}

pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Finds a header value, ignoring case.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// `Retry-After` in whole seconds (an HTTP date is not honoured: it reads as absent).
pub fn retry_after(headers: &[(String, String)]) -> Option<u32> {
    let v = header(headers, "retry-after")?.trim();
    if let Ok(n) = v.parse::<u64>() {
        return Some(n.min(u32::MAX as u64) as u32);
    }
    // A fractional value ("1.5") rounds up; parsed by hand to keep float
    // parsing out of the WebAssembly module.
    let (whole, frac) = v.split_once('.')?;
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let up = u64::from(frac.bytes().any(|b| b != b'0'));
    Some(whole.saturating_add(up).min(u32::MAX as u64) as u32)
}

/// Masks what may be a secret: every run of 20 or more token-like characters,
/// and the run that follows a key naming a secret (a run containing
/// `token`, `code`, `secret`, `password` or `bearer`, as in `"refresh_token":"…"` or
/// `code=…`), so an excerpt of a body or URL never carries a token.
pub fn redact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let mut mask_next = false;
    let mut flush = |run: &mut String, out: &mut String| {
        if run.is_empty() {
            return;
        }
        if mask_next || run.len() >= 20 {
            out.push_str("[redacted]");
        } else {
            out.push_str(run);
        }
        mask_next = ["token", "code", "secret", "password", "bearer"]
            .iter()
            .any(|k| run.as_bytes().windows(k.len()).any(|w| w.eq_ignore_ascii_case(k.as_bytes())));
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=' | '%') {
            if c == '=' && !run.is_empty() && !run.ends_with('=') {
                // `key=value`: the key and the value are separate runs.
                flush(&mut run, &mut out);
                out.push(c);
                continue;
            }
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// An OAuth-style `error` code worth keeping in a message: a short word of
/// `a-z` and `_` only (anything else may be server text, or a token).
pub fn plain_code(s: &str) -> Option<&str> {
    (!s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')).then_some(s)
}

/// A short, single-line, redacted excerpt of a body for error messages.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(400)]);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = one_line.chars().take(120).collect();
    let mut r = redact(&short);
    if one_line.chars().count() > 120 {
        r.push('…');
    }
    r
}

/// The server's `error` / `message` / `error_description` text, redacted.
fn server_reason(body: &[u8]) -> Option<(String, String)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let obj = v.as_object()?;
    let error = obj.get("error").and_then(Value::as_str).unwrap_or("").to_string();
    let detail = ["message", "error_description"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str))
        .unwrap_or("");
    let field = obj.get("field").and_then(Value::as_str);
    let mut d = detail.chars().take(200).collect::<String>();
    if let Some(f) = field {
        if d.is_empty() {
            d = format!("field {f}");
        } else {
            d = format!("{d} (field {f})");
        }
    }
    Some((plain_code(&error).unwrap_or("").to_string(), redact(&d)))
}

fn describe(body: &[u8], fallback: &str) -> String {
    match server_reason(body) {
        Some((e, d)) if !e.is_empty() && !d.is_empty() => format!("{fallback}: {e}: {d}"),
        Some((e, _)) if !e.is_empty() => format!("{fallback}: {e}"),
        Some((_, d)) if !d.is_empty() => format!("{fallback}: {d}"),
        _ if body.is_empty() => fallback.to_string(),
        _ => format!("{fallback}: {}", excerpt(body)),
    }
}

/// The error for a non-2xx `status`, its message the fixed text for that
/// status plus, with `body`, the server's reason (redacted).
pub fn status_error(status: u16, headers: &[(String, String)], body: Option<&[u8]>) -> Error {
    let (kind, what) = match status {
        400 | 422 => (ErrorKind::InvalidInput, "the server refused the request"),
        401 => (ErrorKind::Unauthorized, "not signed in, or the session expired"),
        403 => (
            ErrorKind::Forbidden,
            "this account may not use the Tyme API (access must be granted by Tyme, and the account must be a team admin)",
        ),
        404 => (ErrorKind::NotFound, "not found"),
        429 => (ErrorKind::RateLimited, "too many requests, try again later"),
        500..=599 => (ErrorKind::Server, "the Tyme server failed"),
        _ => (ErrorKind::BadResponse, "unexpected HTTP status"),
    };
    let message = match body {
        Some(b) => describe(b, what),
        None => what.to_string(),
    };
    let mut err = Error::new(kind, message).with_status(status);
    if matches!(kind, ErrorKind::RateLimited | ErrorKind::Server) {
        err = err.with_retry_after(retry_after(headers));
    }
    err
}

/// Maps a non-2xx answer of a data or webhook endpoint to an error.
/// A 2xx answer gives `Ok(())`.
pub fn check_status(status: u16, headers: &[(String, String)], body: &[u8]) -> Result<()> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    Err(status_error(status, headers, Some(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_long_tokens() {
        assert_eq!(redact("Bearer abcdefghijklmnopqrstuvwxyz0123 ok"), "Bearer [redacted] ok");
        assert_eq!(redact("short words stay"), "short words stay");
    }

    #[test]
    fn retry_after_forms() {
        let h = |v: &str| vec![("Retry-After".to_string(), v.to_string())];
        assert_eq!(retry_after(&h("30")), Some(30));
        assert_eq!(retry_after(&h("1.2")), Some(2));
        assert_eq!(retry_after(&h("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(retry_after(&[]), None);
    }

    #[test]
    fn url_helpers() {
        assert_eq!(join_url("http://h:1/", "/data/x/"), "http://h:1/data/x/");
        assert_eq!(join_url("http://h:1/api", "/data/x/"), "http://h:1/api/data/x/");
        let r = HttpRequest { method: Method::Get, url: "http://h:1/a/b/?x=1%202&y=%C3%A9".into(), headers: vec![], body: None };
        assert_eq!(r.path(), "/a/b/");
        assert_eq!(r.query_pairs(), vec![("x".into(), "1 2".into()), ("y".into(), "é".into())]);
    }

    #[test]
    fn debug_hides_secrets() {
        let r = HttpRequest {
            method: Method::Post,
            url: "http://h/x".into(),
            headers: vec![("Authorization".into(), "Bearer supersecretaccesstoken123456".into())],
            body: Some(b"{\"refresh_token\":\"supersecretrefreshtoken123456\"}".to_vec()),
        };
        let d = format!("{r:?}");
        assert!(!d.contains("supersecret"), "{d}");
    }
}
