//! Plain HTTP values: what to send (`HttpRequest`) and the shared rules for
//! reading what came back (status to error, size limit, lenient JSON).

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::model::read::kind_of;

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

fn check_size(body: &[u8]) -> Result<()> {
    if body.len() > MAX_BODY {
        return Err(Error::bad_response(format!("response body too large ({} bytes, limit {MAX_BODY})", body.len())));
    }
    Ok(())
}

/// Parses a 2xx body as JSON; empty, non-JSON (e.g. HTML) and oversized
/// bodies become `bad_response` with a short, redacted excerpt.
pub fn decode_value(status: u16, body: &[u8]) -> Result<Value> {
    check_size(body)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::bad_response("empty response body").with_status(status));
    }
    serde_json::from_slice(body).map_err(|e| {
        let what = if e.is_eof() { "truncated JSON" } else { "not JSON" };
        Error::bad_response(format!("response is {what}: {}", excerpt(body))).with_status(status)
    })
}

/// Parses a list answered as a bare array, a `{"data": [...]}` envelope,
/// or a single object (a list of one), reading each item with `item`.
pub fn decode_list<T>(status: u16, body: &[u8], item: impl Fn(&Value) -> Result<T>) -> Result<Vec<T>> {
    let v = unwrap_envelope(decode_value(status, body)?);
    match v {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for it in &items {
                out.push(item(it).map_err(|e| e.with_status(status))?);
            }
            Ok(out)
        }
        Value::Null => Ok(Vec::new()),
        obj @ Value::Object(_) => Ok(vec![item(&obj).map_err(|e| e.with_status(status))?]),
        other => Err(Error::bad_response(format!("expected a list, got {}: {}", kind_of(&other), excerpt(body))).with_status(status)),
    }
}

/// A list read item by item: what could be read, and how many items could
/// not (each skipped rather than failing the whole list).
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub skipped: usize,
}

/// Like `decode_list`, but an item that cannot be read is skipped and
/// counted. The answer as a whole must still be a list, an envelope or an
/// object.
pub fn decode_list_lenient<T>(status: u16, body: &[u8], item: impl Fn(&Value) -> Result<T>) -> Result<Listed<T>> {
    check_size(body)?;
    // A bare array (what both dialects answer) is parsed one item at a time:
    // a catalog's answer (megabytes) is never held as one parsed tree, only
    // as its bytes and the items read from it. Any other body (an envelope,
    // one object, null, or not JSON) is read whole below, for its items or
    // its error.
    let mut out = Listed { items: Vec::new(), skipped: 0 };
    if each_array_item(body, &mut |v| match item(v) {
        Ok(x) => out.items.push(x),
        Err(_) => out.skipped += 1,
    }) {
        return Ok(out);
    }
    let v = unwrap_envelope(decode_value(status, body)?);
    let items = match v {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        obj @ Value::Object(_) => vec![obj],
        other => return Err(Error::bad_response(format!("expected a list, got {}: {}", kind_of(&other), excerpt(body))).with_status(status)),
    };
    let mut out = Listed { items: Vec::with_capacity(items.len()), skipped: 0 };
    // Each parsed item is dropped once read: the parsed answer and the list
    // made of it do not both stay whole (a catalog's answer is megabytes).
    for it in items {
        match item(&it) {
            Ok(x) => out.items.push(x),
            Err(_) => out.skipped += 1,
        }
    }
    Ok(out)
}

/// Parses one object answered bare, in a `{"data": {...}}` envelope, or as
/// a list of one.
pub fn decode_one<T>(status: u16, body: &[u8], item: impl Fn(&Value) -> Result<T>) -> Result<T> {
    let v = unwrap_envelope(decode_value(status, body)?);
    let v = match v {
        Value::Array(mut items) if items.len() == 1 => items.remove(0),
        other => other,
    };
    item(&v).map_err(|e| e.with_status(status))
}

/// Calls `each` with every item of `body`, parsed one at a time, when it is
/// one JSON array of JSON items; false otherwise (what was passed to `each`
/// is then to be dropped). Not generic: one copy for every kind of list.
fn each_array_item(body: &[u8], each: &mut dyn FnMut(&Value)) -> bool {
    let Some(slices) = array_items(body) else { return false };
    for slice in slices {
        let Ok(v) = serde_json::from_slice::<Value>(slice) else { return false };
        each(&v);
    }
    true
}

/// The text of each top-level item of `body` when it is one JSON array,
/// found by following its strings and brackets; None otherwise (not an
/// array, unbalanced, a trailing comma, or text after it). It does not
/// check the items: each is then parsed as JSON on its own.
fn array_items(body: &[u8]) -> Option<Vec<&[u8]>> {
    let open = body.iter().position(|&b| !json_space(b))?;
    if body[open] != b'[' {
        return None;
    }
    let mut items = Vec::new();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut from = open + 1;
    for (i, &b) in body.iter().enumerate().skip(open + 1) {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' if depth > 0 => depth -= 1,
            b',' if depth == 0 => {
                items.push(&body[from..i]);
                from = i + 1;
            }
            b']' => {
                let last = &body[from..i];
                let blank = last.iter().all(|&b| json_space(b));
                if blank && !items.is_empty() {
                    return None;
                }
                if !blank {
                    items.push(last);
                }
                return body[i + 1..].iter().all(|&b| json_space(b)).then_some(items);
            }
            b'}' => return None,
            _ => {}
        }
    }
    None
}

/// JSON's whitespace (not a form feed, which `is_ascii_whitespace` counts).
fn json_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn unwrap_envelope(v: Value) -> Value {
    match v {
        // `take` rather than `remove`: the map is dropped anyway, and it keeps
        // the B-tree's removal code out of the WebAssembly module.
        Value::Object(mut m) if !m.contains_key("type") && m.contains_key("data") => m.get_mut("data").map_or(Value::Null, Value::take),
        other => other,
    }
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

    /// The oracle: the body parsed whole, its array's items read one by one.
    fn whole(body: &[u8]) -> Option<(Vec<Value>, usize)> {
        let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(body) else { return None };
        let kept: Vec<Value> = items.iter().filter(|v| v.get("id").is_some()).cloned().collect();
        let skipped = items.len() - kept.len();
        Some((kept, skipped))
    }

    fn read(body: &[u8]) -> Result<Listed<Value>> {
        decode_list_lenient(200, body, |v| if v.get("id").is_some() { Ok(v.clone()) } else { Err(Error::bad_response("no id")) })
    }

    #[test]
    fn array_items_follow_strings_and_brackets() {
        let body = br#" [ {"id": "a,]}", "n": "say \"[x]\" \\"}, [1, {"id": 2}], {"id": {"deep": [",", "]"]}}, "x" , 3 ] "#;
        let items: Vec<&str> = array_items(body).unwrap().into_iter().map(|s| std::str::from_utf8(s).unwrap().trim()).collect();
        assert_eq!(items, [r#"{"id": "a,]}", "n": "say \"[x]\" \\"}"#, r#"[1, {"id": 2}]"#, r#"{"id": {"deep": [",", "]"]}}"#, r#""x""#, "3"]);
        assert_eq!(array_items(b"[]").unwrap().len(), 0);
        assert_eq!(array_items(b" [ \n ] ").unwrap().len(), 0);
        for not_one_array in [&b"[1,]"[..], b"[1] x", b"\x0c[1]", b"[1]\x0c", b"[1", b"[{\"a\":1}", b"{\"data\": []}", b"null", b"", b"[\"]", b"[}]"] {
            assert!(array_items(not_one_array).is_none(), "{}", String::from_utf8_lossy(not_one_array));
        }
    }

    #[test]
    fn a_list_read_item_by_item_is_the_list_read_whole() {
        for body in [
            &br#"[{"id": 1}, {"name": "no id"}, {"id": "x", "s": "]}\"{["}]"#[..],
            br#"[]"#,
            br#"[{"id": [1, [2, [3]]]}, 7, "s", null, {"id": null}]"#,
        ] {
            let (kept, skipped) = whole(body).unwrap();
            let got = read(body).unwrap();
            assert_eq!((got.items, got.skipped), (kept, skipped), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn what_is_not_one_array_is_read_as_before() {
        // An envelope, one object, null: the items of the whole answer.
        assert_eq!(read(br#"{"data": [{"id": 1}, {"x": 2}]}"#).unwrap().skipped, 1);
        assert_eq!(read(br#"{"id": 9}"#).unwrap().items, vec![serde_json::json!({"id": 9})]);
        assert!(read(b"null").unwrap().items.is_empty());
        // An array whose brackets balance but whose items are not JSON, a
        // trailing comma, a truncated answer, text after it: the whole
        // answer's error, never items skipped.
        for (body, says) in [(&b"[{\"id\": 1}, {id: 2}]"[..], "not JSON"), (b"[{\"id\": 1},]", "not JSON"), (b"[{\"id\": 1}, {\"id\"", "truncated JSON"), (b"[1] <html>", "not JSON"), (b"[]\x0c", "not JSON"), (b"[\x0c]", "not JSON")] {
            let e = read(body).unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse, "{e:?}");
            assert!(e.message.contains(says), "{}: {}", String::from_utf8_lossy(body), e.message);
        }
    }

    proptest::proptest! {
        /// Any JSON array, written compact or spaced, reads as its whole parse would.
        #[test]
        fn any_array_reads_as_whole(items in proptest::collection::vec(json_value(), 0..8), pretty in proptest::bool::ANY) {
            let v = Value::Array(items);
            let body = if pretty { serde_json::to_vec_pretty(&v).unwrap() } else { serde_json::to_vec(&v).unwrap() };
            let (kept, skipped) = whole(&body).unwrap();
            let got = read(&body).unwrap();
            proptest::prop_assert_eq!((got.items, got.skipped), (kept, skipped));
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| Value::from(n)),
            "[\\[\\]{},:\"\\\\a-z \u{e9}\u{1F600}]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("(id|name|[\\]\\[,\"a-z]{1,4})", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ])
    }
}
