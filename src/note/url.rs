//! Scrubbing one URL: scheme, user info, path parameters and segments,
//! query parameters, fragment.

use super::*;

/// Percent-decode (and `+` to space) one name, lossily.
pub(super) fn decode_component(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Characters never kept in a URL or a title: C0/C1 controls, DEL, and the
/// bidirectional overrides and isolates that can make text read differently.
pub(super) fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The scheme of `s` (lower-cased) and the rest after the `:`, if `s` starts
/// with a syntactically valid scheme.
pub(super) fn split_scheme(s: &str) -> Option<(String, &str)> {
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic() || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), &s[colon + 1..]))
}

/// A scrubbed URL, its host (with port) and the values it lost.
pub(super) struct Scrubbed {
    pub(super) url: String,
    pub(super) host: String,
    /// Decoded values of dropped parameters and redacted path segments.
    pub(super) removed: Vec<String>,
}

/// Scrub `url` with the given parameter list (see the module doc).
pub fn scrub_url(url: &str, scrub_params: &[String]) -> Result<String, Error> {
    scrub_parts(url, &Matcher::new(scrub_params)).map(|s| s.url)
}

pub(super) fn scrub_parts(url: &str, matcher: &Matcher) -> Result<Scrubbed, Error> {
    if url.len() > MAX_URL_BYTES {
        return Err(Error::invalid_input(format!("URL longer than {MAX_URL_BYTES} bytes is not tracked")));
    }
    // Unsafe characters go before the trim: a control character at either end
    // must not shield the spaces next to it from trimming.
    let filtered: String = url.chars().filter(|c| !is_unsafe_char(*c)).collect();
    let cleaned = filtered.trim_matches(|c: char| c <= ' ');
    let (scheme, rest) = split_scheme(cleaned).ok_or_else(|| Error::invalid_input("not an absolute URL"))?;
    if !matches!(scheme.as_str(), "http" | "https" | "file") {
        let shown: String = scheme.chars().take(32).collect();
        return Err(Error::invalid_input(format!("URLs with the scheme \"{shown}:\" are not tracked")));
    }
    // The fragment goes first: nothing after '#' is kept.
    let rest = match rest.find('#') {
        Some(i) => rest[..i].trim_end_matches(|c: char| c <= ' '),
        None => rest,
    };
    // http(s): any run of '/' or '\' starts the authority (as browsers do).
    // file: an authority only after exactly two slashes; `file:/x` has none.
    let (authority, tail) = {
        let after = if scheme == "file" {
            let b = rest.as_bytes();
            if b.len() >= 2 && matches!(b[0], b'/' | b'\\') && matches!(b[1], b'/' | b'\\') {
                Some(&rest[2..])
            } else {
                None
            }
        } else {
            Some(rest.trim_start_matches(['/', '\\']))
        };
        match after {
            Some(a) => {
                let end = a.find(['/', '\\', '?']).unwrap_or(a.len());
                (&a[..end], &a[end..])
            }
            None => ("", rest),
        }
    };
    // A file path without an authority must not read as a host once "//" is added.
    let rooted;
    let tail = if scheme == "file" && !tail.is_empty() && !tail.starts_with(['/', '\\']) {
        rooted = format!("/{tail}");
        rooted.as_str()
    } else {
        tail
    };
    let host_port = match authority.rfind('@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    if host_port.trim().is_empty() && scheme != "file" {
        return Err(Error::invalid_input("URL without a host"));
    }
    let (path, query) = match tail.find('?') {
        Some(i) => (&tail[..i], Some(&tail[i + 1..])),
        None => (tail, None),
    };
    let mut removed = Vec::new();

    let mut out = String::with_capacity(cleaned.len() + 8);
    out.push_str(&scheme);
    out.push_str("://");
    out.push_str(host_port);
    out.push_str(&scrub_path(path, matcher, &mut removed));
    if let Some(q) = query {
        let mut kept: Vec<&str> = Vec::new();
        for seg in q.split('&').filter(|seg| !seg.is_empty()) {
            if segment_drops(seg, matcher) {
                removed.extend(seg.split(';').map(|p| decode_component(p.split_once('=').map_or(p, |(_, v)| v))));
            } else {
                kept.push(seg);
            }
        }
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
    }
    // Inner spaces become %20 (as browsers write them): a space that a dropped
    // part leaves at the end would otherwise be trimmed by the next scrub,
    // exposing a '?', '&' or ';' that it would then drop.  With no character
    // <= ' ' left, the result is read back into the same parts, so scrubbing
    // it again changes nothing.  Names still match: they are compared decoded.
    Ok(Scrubbed { url: out.replace(' ', "%20"), host: host_port.to_string(), removed })
}

/// Is one `name=value` part (of a query segment or a path parameter) to go:
/// its name matches, or its value (the part itself, without `=`) looks like
/// a credential?
pub(super) fn part_drops(part: &str, m: &Matcher) -> bool {
    let (name, value) = part.split_once('=').unwrap_or((part, part));
    (!name.is_empty() && m.matches_raw(name)) || looks_like_credential(&decode_component(value))
}

/// A query segment is dropped when any `;`-separated part of it goes (some
/// servers split on `;` as well).
pub(super) fn segment_drops(seg: &str, m: &Matcher) -> bool {
    seg.split(';').any(|part| part_drops(part, m))
}

/// Drop `;name=value` path parameters that go; a path segment that looks
/// like a credential becomes `redacted`.
pub(super) fn scrub_path(path: &str, m: &Matcher, removed: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let mut parts = seg.split(';');
        let head = parts.next().unwrap_or("");
        let decoded = decode_component(head);
        if looks_like_credential(&decoded) {
            out.push_str(REDACTED);
            removed.push(decoded);
        } else {
            out.push_str(head);
        }
        for p in parts {
            if !p.is_empty() && part_drops(p, m) {
                removed.push(decode_component(p.split_once('=').map_or(p, |(_, v)| v)));
            } else {
                out.push(';');
                out.push_str(p);
            }
        }
    }
    out
}

