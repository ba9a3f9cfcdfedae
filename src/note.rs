//! Notes from a URL and title, scrubbed.
//!
//! `make_note(url, title, options)` gives `<title> — <scrubbed url>` (or just
//! the URL when the title is empty or is itself the URL), at most
//! `options.max_len` characters.  `scrub_url` keeps only what is safe to send:
//!
//! * only `http:`, `https:` and `file:` URLs are accepted; every other scheme
//!   (`chrome:`, `about:`, `data:`, `javascript:`, `blob:`, ...) is refused with
//!   `invalid_input`, and the message never repeats the URL;
//! * `user:password@` is dropped, and so is the `#fragment`;
//! * query parameters whose name is in the scrub list are dropped; names are
//!   compared after percent-decoding, ASCII-case-insensitively, and without a
//!   PHP-style `[...]` suffix; a list entry ending in `*` matches by prefix;
//! * path parameters of the form `;name=value` (e.g. `;jsessionid=`) are
//!   filtered by the same list;
//! * everything else stays, in order, with its original encoding.  The URL is
//!   split, not normalised (only the scheme is lower-cased, `\` or missing
//!   slashes after a special scheme become `//`, tab/CR/LF and other
//!   control characters are removed, spaces at either end or in front of the
//!   fragment are trimmed and other spaces are written `%20`).  The result
//!   is a fixed point: scrubbing it again gives it back unchanged.
//!
//! No `url` crate: splitting and filtering need a few dozen lines, whereas
//! full WHATWG parsing would pull IDNA tables into the wasm.

use crate::error::Error;

/// Default length limit of a note, in Unicode scalar values.
pub const DEFAULT_MAX_LEN: usize = 1000;
/// Smallest accepted `max_len`.
pub const MIN_MAX_LEN: usize = 16;
/// Largest accepted `max_len`.
pub const MAX_MAX_LEN: usize = 100_000;
/// Largest URL accepted as input (bytes); longer ones are refused rather than
/// scanned (a huge URL is more likely to carry content than a location).
pub const MAX_URL_BYTES: usize = 64 * 1024;

const ELLIPSIS: char = '…';
const SEPARATOR: &str = " — ";

/// Query parameter names dropped by default (`*` at the end: prefix).
pub const DEFAULT_SCRUB_PARAMS: &[&str] = &[
    "token", "access_token", "id_token", "refresh_token", "code", "state", "password",
    "passwd", "pwd", "pass", "secret", "client_secret", "key", "api_key", "apikey",
    "sig", "signature", "session", "sessionid", "session_id", "sid", "jsessionid",
    "phpsessid", "auth", "authorization", "jwt", "otp", "x-amz-signature",
    "x-amz-credential", "x-amz-security-token", "utm_*", "fbclid", "gclid", "dclid",
    "gbraid", "wbraid", "msclkid", "mc_eid", "mc_cid", "_ga", "_gl", "yclid", "igshid",
    "twclid", "ttclid", "li_fat_id", "_hsenc", "_hsmi", "mkt_tok",
];

/// The default scrub list as owned strings (what `defaultScrubParams()` returns).
pub fn default_scrub_params() -> Vec<String> {
    DEFAULT_SCRUB_PARAMS.iter().map(|s| s.to_string()).collect()
}

/// Options of `make_note`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteOptions {
    pub scrub_params: Vec<String>,
    pub max_len: usize,
}

impl Default for NoteOptions {
    fn default() -> Self {
        NoteOptions { scrub_params: default_scrub_params(), max_len: DEFAULT_MAX_LEN }
    }
}

/// A compiled scrub list: lower-cased exact names and prefixes.
struct Matcher {
    exact: Vec<String>,
    prefixes: Vec<String>,
}

impl Matcher {
    fn new(params: &[String]) -> Matcher {
        let mut m = Matcher { exact: Vec::new(), prefixes: Vec::new() };
        for p in params {
            let p = p.trim().to_ascii_lowercase();
            if let Some(prefix) = p.strip_suffix('*') {
                m.prefixes.push(prefix.to_string());
            } else if !p.is_empty() {
                m.exact.push(p);
            }
        }
        m
    }

    /// Does a raw (still encoded) parameter name match?
    fn matches_raw(&self, raw_name: &str) -> bool {
        let decoded = decode_component(raw_name);
        let lower = decoded.trim().to_ascii_lowercase();
        let base = match lower.find('[') {
            Some(i) if i > 0 => &lower[..i],
            _ => lower.as_str(),
        };
        [lower.as_str(), base]
            .iter()
            .any(|n| self.exact.iter().any(|e| e == n) || self.prefixes.iter().any(|p| n.starts_with(p.as_str())))
    }
}

/// Percent-decode (and `+` to space) one name, lossily.
fn decode_component(raw: &str) -> String {
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

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Characters never kept in a URL or a title: C0/C1 controls, DEL, and the
/// bidirectional overrides and isolates that can make text read differently.
fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The scheme of `s` (lower-cased) and the rest after the `:`, if `s` starts
/// with a syntactically valid scheme.
fn split_scheme(s: &str) -> Option<(String, &str)> {
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic() || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), &s[colon + 1..]))
}

/// Scrub `url` with the given parameter list (see the module doc).
pub fn scrub_url(url: &str, scrub_params: &[String]) -> Result<String, Error> {
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
    let matcher = Matcher::new(scrub_params);

    let mut out = String::with_capacity(cleaned.len() + 8);
    out.push_str(&scheme);
    out.push_str("://");
    out.push_str(host_port);
    out.push_str(&scrub_path(path, &matcher));
    if let Some(q) = query {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|seg| !seg.is_empty())
            .filter(|seg| !segment_matches(seg, &matcher))
            .collect();
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
    Ok(out.replace(' ', "%20"))
}

/// A query segment is dropped when its name matches, or when any `;`-separated
/// part of it has a matching name (some servers split on `;` as well).
fn segment_matches(seg: &str, m: &Matcher) -> bool {
    seg.split(';').any(|part| {
        let name = part.split('=').next().unwrap_or("");
        !name.is_empty() && m.matches_raw(name)
    })
}

/// Drop `;name=value` path parameters whose name matches.
fn scrub_path(path: &str, m: &Matcher) -> String {
    if !path.contains(';') {
        return path.to_string();
    }
    let mut out = String::with_capacity(path.len());
    let mut first_seg = true;
    for seg in path.split('/') {
        if !first_seg {
            out.push('/');
        }
        first_seg = false;
        let mut parts = seg.split(';');
        out.push_str(parts.next().unwrap_or(""));
        for p in parts {
            let name = p.split('=').next().unwrap_or("");
            if name.is_empty() || !m.matches_raw(name) {
                out.push(';');
                out.push_str(p);
            }
        }
    }
    out
}

/// Title cleaned: unsafe characters removed, whitespace runs collapsed to one
/// space, trimmed.
pub fn clean_title(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut pending_space = false;
    for c in title.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if is_unsafe_char(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Make the note for a page (see the module doc).
pub fn make_note(url: &str, title: &str, options: &NoteOptions) -> Result<String, Error> {
    if !(MIN_MAX_LEN..=MAX_MAX_LEN).contains(&options.max_len) {
        return Err(Error::invalid_input(format!(
            "maxLength must be between {MIN_MAX_LEN} and {MAX_MAX_LEN}"
        )));
    }
    let scrubbed = scrub_url(url, &options.scrub_params)?;
    let mut title = clean_title(title);
    // A page without a title shows its URL as the title: never let the
    // unscrubbed URL in through that door.
    if !title.is_empty() {
        let raw = url.trim();
        let raw_no_scheme = split_scheme(raw).map(|(_, r)| r.trim_start_matches('/')).unwrap_or(raw);
        if title == raw || title == raw_no_scheme || title == scrubbed {
            title.clear();
        } else if let Some((s, _)) = split_scheme(&title) {
            if crate::http::after_scheme_separator(&title).is_some() || s == "file" {
                // A URL-looking title is scrubbed like the URL (or dropped if not trackable).
                title = scrub_url(&title, &options.scrub_params).unwrap_or_default();
                if title == scrubbed {
                    title.clear();
                }
            }
        }
    }
    Ok(fit(&title, &scrubbed, options.max_len))
}

/// Join title and URL within `max` characters, cutting the title first.
fn fit(title: &str, url: &str, max: usize) -> String {
    let url_len = url.chars().count();
    let sep_len = SEPARATOR.chars().count();
    if title.is_empty() {
        return cut_url(url, url_len, max);
    }
    let title_len = title.chars().count();
    if title_len + sep_len + url_len <= max {
        return format!("{title}{SEPARATOR}{url}");
    }
    // Room left for the title once the URL, separator and ellipsis are in.
    let room = max.saturating_sub(url_len + sep_len + 1);
    if room >= 4 {
        let cut = cut_text(title, room);
        if !cut.is_empty() {
            return format!("{cut}{ELLIPSIS}{SEPARATOR}{url}");
        }
    }
    cut_url(url, url_len, max)
}

/// The URL alone, cut to `max` characters if needed (never inside a `%XX`).
fn cut_url(url: &str, url_len: usize, max: usize) -> String {
    if url_len <= max {
        return url.to_string();
    }
    let mut kept: String = url.chars().take(max - 1).collect();
    // Drop a dangling, incomplete percent escape.
    let bytes = kept.as_bytes();
    let n = bytes.len();
    if n >= 1 && bytes[n - 1] == b'%' {
        kept.truncate(n - 1);
    } else if n >= 2 && bytes[n - 2] == b'%' {
        kept.truncate(n - 2);
    }
    kept.push(ELLIPSIS);
    kept
}

/// Marks that belong to the character before them: combining marks, variation
/// selectors, joiners, emoji modifiers and tags.  Not the full Unicode grapheme
/// rules, but enough not to strip accents or split common emoji sequences.
fn is_extending(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0900}'..='\u{0903}'
        | '\u{093A}'..='\u{094F}' | '\u{0951}'..='\u{0957}' | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}'
        | '\u{0E47}'..='\u{0E4E}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{200C}' | '\u{200D}' | '\u{20D0}'..='\u{20FF}' | '\u{3099}' | '\u{309A}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FE20}'..='\u{FE2F}' | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0020}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// At most `room` characters of `text`, cut cleanly: never before an
/// extending mark, never after a joiner, never inside a flag pair, and at the
/// last space if one is near the end; trailing spaces and punctuation removed.
fn cut_text(text: &str, room: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= room {
        return text.to_string();
    }
    let mut end = room;
    // Do not separate a base character from what extends it.
    while end > 0 && (is_extending(chars[end]) || chars[end - 1] == '\u{200D}') {
        end -= 1;
    }
    // Regional indicators go in pairs (flags).
    if end > 0 && is_regional_indicator(chars[end]) {
        let run = chars[..end].iter().rev().take_while(|c| is_regional_indicator(**c)).count();
        if run % 2 == 1 {
            end -= 1;
        }
    }
    // Prefer a word boundary within the last 20 characters.
    if let Some(space) = chars[..end].iter().rposition(|c| *c == ' ') {
        if space > 0 && end - space <= 20 && !chars[end].is_whitespace() {
            end = space;
        }
    }
    let mut s: String = chars[..end].iter().collect();
    let trimmed_len = s.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '—' | '|')).len();
    s.truncate(trimmed_len);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrub(u: &str) -> String {
        scrub_url(u, &default_scrub_params()).unwrap()
    }

    #[test]
    fn decode_handles_escapes_and_truncated_ones() {
        assert_eq!(decode_component("a%74oken+x"), "atoken x");
        assert_eq!(decode_component("%"), "%");
        assert_eq!(decode_component("%7"), "%7");
        assert_eq!(decode_component("%zz"), "%zz");
        assert_eq!(decode_component("%41"), "A");
    }

    #[test]
    fn basic_scrub() {
        assert_eq!(scrub("https://u:p@example.com/a?token=1&q=2#frag"), "https://example.com/a?q=2");
    }
}
