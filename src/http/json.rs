//! Reading an answer's JSON: one value, one object, or a list, each item
//! read leniently or strictly, within the body size limit.

use serde_json::Value;

use super::{excerpt, MAX_BODY};
use crate::error::{Error, Result};
use crate::model::read::kind_of;

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
    use crate::error::ErrorKind;

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
