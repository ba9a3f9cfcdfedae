//! Notes from a URL and title, scrubbed.
//!
//! `make_note(url, title, options)` gives `<title> — <scrubbed url>` (or just
//! the URL when the title is empty or repeats the URL), at most
//! `options.max_len` characters.  `scrub_url` keeps only what is safe to send:
//!
//! * only `http:`, `https:` and `file:` URLs are accepted; every other scheme
//!   (`chrome:`, `about:`, `data:`, `javascript:`, `blob:`, ...) is refused with
//!   `invalid_input`, and the message never repeats the URL;
//! * `user:password@` is dropped, and so is the `#fragment`;
//! * query parameters whose name matches the scrub list are dropped (see
//!   "Names" below), and so are `;name=value` path parameters (e.g.
//!   `;jsessionid=`);
//! * a value that looks like a credential (see "Values") is dropped whatever
//!   its parameter is called; a path segment that is one becomes `redacted`;
//! * everything else stays, in order, with its original encoding.  The URL is
//!   split, not normalised (only the scheme is lower-cased, `\` or missing
//!   slashes after a special scheme become `//`, tab/CR/LF and other
//!   control characters are removed, spaces at either end or in front of the
//!   fragment are trimmed and other spaces are written `%20`).  The result
//!   is a fixed point: scrubbing it again gives it back unchanged.
//!
//! ## Names
//!
//! A parameter name is percent-decoded, trimmed, and read as words: split at
//! every character that is not a letter or digit (`_`, `-`, `.`, space, `[`)
//! and at camelCase boundaries (`XAmzSignature` = x, amz, signature), in any
//! case.  A PHP-style `[...]` suffix is also tried without it.  An entry of
//! the list is written:
//!
//! | entry | matches a name that | example |
//! | --- | --- | --- |
//! | `name` | is that name (one word: as written; several: the same words) | `access_token` = `accessToken` = `Access-Token` |
//! | `pre_*` / `pre*` | starts with those words / with that text in its first word | `utm_*` = `utm_source`, not `utmost` |
//! | `*_suf` / `*suf` | ends with those words / its last word ends with that text | `*_id` = `userId` |
//! | `*_word_*` | has that word (or words) among its words | `*_key_*` = `api_key`, `apiKey`, `key-pair-id`, not `keyword` |
//! | `*part*` | contains that text once separators are removed | `*passw*` = `Pass_Word`, `userPassword` |
//! | `*` | anything | |
//!
//! `DEFAULT_SCRUB_PARAMS` is the built-in list; a user's entries are added
//! to it (`with_builtin`), never put in its place.
//!
//! ## Values
//!
//! Removed whatever their name: JWTs (JWS and JWE: `eyJ…` in 3 or 5 base64url
//! parts), and keys by their issuer's prefix: GitHub (`ghp_` `gho_` `ghu_`
//! `ghs_` `ghr_` `github_pat_`), GitLab (`glpat-`), Slack (`xox?-`), Stripe
//! (`sk_live_` `sk_test_` `rk_…` `whsec_`), `sk-…` API keys, npm (`npm_`),
//! Google (`AIza…`, OAuth `ya29.`), AWS access key ids (`AKIA…`/`ASIA…`).
//!
//! ## Titles
//!
//! A title that is a URL (with a scheme, or in the browser's display form for
//! a page without a title: no scheme, spaces decoded, unicode host) is
//! dropped when it names the page's own host (it repeats the URL), else
//! scrubbed like a URL.  A value the scrubber removed from the URL (8
//! characters or more) is cut from the title as well.  `make_link_note` (the
//! note for a link tracked from a page) drops a page title that is a URL.
//!
//! No `url` crate: splitting and filtering need a few dozen lines, whereas
//! full WHATWG parsing would pull IDNA tables into the wasm.

use crate::error::Error;
use crate::http::has_bytes;

/// Default length limit of a note, in Unicode scalar values.
pub const DEFAULT_MAX_LEN: usize = 1000;
/// Smallest accepted `max_len`.
pub const MIN_MAX_LEN: usize = 16;
/// Largest accepted `max_len`.
pub const MAX_MAX_LEN: usize = 100_000;
/// Largest URL accepted as input (bytes); longer ones are refused rather than
/// scanned (a huge URL is more likely to carry content than a location).
pub const MAX_URL_BYTES: usize = 64 * 1024;
/// Shortest removed value that is also cut from the title (shorter ones are
/// too common in ordinary text: `code=42`, "Chapter 42").
pub const MIN_CUT_VALUE: usize = 8;

const ELLIPSIS: char = '…';
const SEPARATOR: &str = " — ";
/// What a path segment that is a credential becomes.
const REDACTED: &str = "redacted";

/// The built-in scrub list, in the notation of the module doc.
pub const DEFAULT_SCRUB_PARAMS: &[&str] = &[
    // Secret-looking names, however they are written.
    "*token*", "*secret*", "*passw*", "*passcode*", "*passphrase*", "*signature*", "*credential*",
    "*session*", "*sessid*", "*ticket*", "*verifier*", "*apikey*", "*accesskey*", "*authkey*", "*privatekey*",
    "*_key_*", "*_sig_*", "*_auth_*", "*_pwd_*", "*_pass_*", "*_otp_*", "*_jwt_*", "*_sid_*", "*_csrf_*",
    "*_xsrf_*", "*_saml_*", "*_hmac_*", "*_bearer_*", "*_assertion_*",
    // OAuth 1 and 2, SAML.
    "code", "state", "authorization_*", "oauth_*", "relay_state",
    // Signed URLs of cloud storage: AWS, Google, Alibaba, Huawei, Tencent
    // (Azure SAS `sig`, CloudFront `Signature`/`Key-Pair-Id` are above).
    "x-amz-*", "x-goog-*", "googleaccessid", "x-oss-*", "x-obs-*", "x-cos-*", "q-sign-*", "q-ak",
    // Tracking.
    "utm_*", "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_eid", "mc_cid", "_ga", "_gl",
    "yclid", "igshid", "twclid", "ttclid", "li_fat_id", "_hsenc", "_hsmi", "mkt_tok",
];

/// The default scrub list as owned strings (what `defaultScrubParams()` returns).
pub fn default_scrub_params() -> Vec<String> {
    DEFAULT_SCRUB_PARAMS.iter().map(|s| s.to_string()).collect()
}

/// The built-in list with a user's entries added: blank entries, repeats and
/// plain names the built-in list already drops are left out.  The built-in
/// rules are always all there.
pub fn with_builtin(extra: &[String]) -> Vec<String> {
    let builtin = Matcher::new(&default_scrub_params());
    let mut out = default_scrub_params();
    for e in extra {
        let e = e.trim();
        if e.is_empty() || out.iter().any(|x| x.eq_ignore_ascii_case(e)) || (!e.contains('*') && builtin.matches_raw(e)) {
            continue;
        }
        out.push(e.to_string());
    }
    out
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

/// A letter or digit of a name: ASCII ones, and any non-ASCII character (no
/// Unicode tables in the wasm for names that are ASCII in practice).
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || !c.is_ascii()
}

/// The words of a name: split at non-alphanumerics and (ASCII) camelCase, lower-cased.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !is_word_char(c) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if !cur.is_empty() && c.is_ascii_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// One entry of a scrub list (see the module doc).
enum Rule {
    All,
    /// The name as written (lower-cased), or its words when the entry has several.
    Exact(String, Vec<String>),
    /// Leading words; `true`: the last one may be longer in the name.
    Prefix(Vec<String>, bool),
    /// Trailing words; `true`: the first one may be longer in the name.
    Suffix(Vec<String>, bool),
    Word(Vec<String>),
    Contains(String),
}

impl Rule {
    fn parse(entry: &str) -> Option<Rule> {
        let e = entry.trim();
        if e.is_empty() {
            return None;
        }
        let (lead, trail) = (e.starts_with('*'), e.ends_with('*'));
        let core = e.trim_matches('*');
        if core.is_empty() {
            return Some(Rule::All);
        }
        let w = words(core);
        if w.is_empty() {
            return None;
        }
        let sep = |c: Option<char>| c.is_some_and(|c| !is_word_char(c));
        let (sep_start, sep_end) = (sep(core.chars().next()), sep(core.chars().last()));
        Some(match (lead, trail) {
            (false, false) => Rule::Exact(core.to_ascii_lowercase(), w),
            (false, true) => Rule::Prefix(w, !sep_end),
            (true, false) => Rule::Suffix(w, !sep_start),
            (true, true) if sep_start && sep_end => Rule::Word(w),
            (true, true) => Rule::Contains(w.concat()),
        })
    }

    fn matches(&self, lower: &str, nw: &[String]) -> bool {
        match self {
            Rule::All => true,
            Rule::Exact(raw, w) => lower == raw || (w.len() > 1 && nw == &w[..]),
            Rule::Prefix(w, partial) => {
                let k = w.len();
                nw.len() >= k && nw[..k - 1] == w[..k - 1] && {
                    let (n, e) = (&nw[k - 1], &w[k - 1]);
                    if *partial { n.starts_with(e.as_str()) } else { n == e }
                }
            }
            Rule::Suffix(w, partial) => {
                let k = w.len();
                nw.len() >= k && nw[nw.len() - k + 1..] == w[1..] && {
                    let (n, e) = (&nw[nw.len() - k], &w[0]);
                    if *partial { n.ends_with(e.as_str()) } else { n == e }
                }
            }
            Rule::Word(w) => nw.windows(w.len()).any(|x| x == &w[..]),
            Rule::Contains(part) => has_bytes(nw.concat().as_bytes(), part.as_bytes()),
        }
    }
}

/// A compiled scrub list.
struct Matcher {
    rules: Vec<Rule>,
}

impl Matcher {
    fn new(params: &[String]) -> Matcher {
        Matcher { rules: params.iter().filter_map(|p| Rule::parse(p)).collect() }
    }

    /// Does a raw (still encoded) parameter name match?
    fn matches_raw(&self, raw_name: &str) -> bool {
        if self.rules.is_empty() {
            return false;
        }
        let decoded = decode_component(raw_name);
        let name = decoded.trim();
        let base = match name.find('[') {
            Some(i) if i > 0 => &name[..i],
            _ => name,
        };
        [name, base].iter().any(|n| {
            let lower = n.to_ascii_lowercase();
            let nw = words(n);
            self.rules.iter().any(|r| r.matches(&lower, &nw))
        })
    }
}

/// Does a (decoded) value look like a credential, whatever its name?
pub fn looks_like_credential(value: &str) -> bool {
    let v = value.trim();
    let b64url = |s: &str| s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    // A JWT: JWS in 3 parts or JWE in 5, the first a base64url JSON object.
    if v.len() >= 20 && v.starts_with("eyJ") {
        let parts: Vec<&str> = v.split('.').collect();
        if (parts.len() == 3 || parts.len() == 5) && parts[0].len() >= 10 && !parts[1].is_empty() && parts.iter().all(|p| b64url(p)) {
            return true;
        }
    }
    // Keys named by their issuer's prefix, with at least this much after it.
    const PREFIXED: &[(&str, usize)] = &[
        ("ghp_", 30), ("gho_", 30), ("ghu_", 30), ("ghs_", 30), ("ghr_", 30), ("github_pat_", 30), ("glpat-", 20),
        ("xoxa-", 10), ("xoxb-", 10), ("xoxp-", 10), ("xoxr-", 10), ("xoxs-", 10), ("xoxe-", 10),
        ("sk_live_", 16), ("sk_test_", 16), ("rk_live_", 16), ("rk_test_", 16), ("whsec_", 16),
        ("sk-", 32), ("npm_", 30), ("ya29.", 20),
    ];
    for (p, min) in PREFIXED {
        if let Some(rest) = v.strip_prefix(p) {
            if rest.len() >= *min && rest.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')) {
                return true;
            }
        }
    }
    let upper_digits = v.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    (v.len() == 20 && (v.starts_with("AKIA") || v.starts_with("ASIA")) && upper_digits)
        || (v.len() == 39 && v.starts_with("AIza") && b64url(v))
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

/// A scrubbed URL, its host (with port) and the values it lost.
struct Scrubbed {
    url: String,
    host: String,
    /// Decoded values of dropped parameters and redacted path segments.
    removed: Vec<String>,
}

/// Scrub `url` with the given parameter list (see the module doc).
pub fn scrub_url(url: &str, scrub_params: &[String]) -> Result<String, Error> {
    scrub_parts(url, &Matcher::new(scrub_params)).map(|s| s.url)
}

fn scrub_parts(url: &str, matcher: &Matcher) -> Result<Scrubbed, Error> {
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
fn part_drops(part: &str, m: &Matcher) -> bool {
    let (name, value) = part.split_once('=').unwrap_or((part, part));
    (!name.is_empty() && m.matches_raw(name)) || looks_like_credential(&decode_component(value))
}

/// A query segment is dropped when any `;`-separated part of it goes (some
/// servers split on `;` as well).
fn segment_drops(seg: &str, m: &Matcher) -> bool {
    seg.split(';').any(|part| part_drops(part, m))
}

/// Drop `;name=value` path parameters that go; a path segment that looks
/// like a credential becomes `redacted`.
fn scrub_path(path: &str, m: &Matcher, removed: &mut Vec<String>) -> String {
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
    note_with(url, title, options, false)
}

/// The note for a link tracked from a page: `page_title` is the title of the
/// page the link is on, so one that is a URL (the page's own, most likely)
/// is dropped, never scrubbed and kept.
pub fn make_link_note(url: &str, page_title: &str, options: &NoteOptions) -> Result<String, Error> {
    note_with(url, page_title, options, true)
}

fn note_with(url: &str, title: &str, options: &NoteOptions, link: bool) -> Result<String, Error> {
    if !(MIN_MAX_LEN..=MAX_MAX_LEN).contains(&options.max_len) {
        return Err(Error::invalid_input(format!(
            "maxLength must be between {MIN_MAX_LEN} and {MAX_MAX_LEN}"
        )));
    }
    let matcher = Matcher::new(&options.scrub_params);
    let page = scrub_parts(url, &matcher)?;
    let mut title = clean_title(title);
    if !title.is_empty() {
        title = title_for_note(title, url, &page, &matcher, link);
    }
    for v in &page.removed {
        if v.chars().count() >= MIN_CUT_VALUE {
            title = cut_out(&title, v);
        }
    }
    Ok(fit(&title, &page.url, options.max_len))
}

/// The title as the note carries it: a title that is a URL is dropped when
/// it names the page's host (or for a link), else scrubbed like a URL.
fn title_for_note(title: String, url: &str, page: &Scrubbed, m: &Matcher, link: bool) -> String {
    if title == url.trim() || title == page.url {
        return String::new();
    }
    let Some((as_url, had_scheme)) = title_as_url(&title) else {
        // A bare host: "example.com" for the page https://example.com/.
        let bare = !title.contains(char::is_whitespace) && title.contains('.') && host_chars(title.trim_end_matches('/'));
        return if bare && (link || same_host(title.trim_end_matches('/'), &page.host)) { String::new() } else { title };
    };
    if link {
        return String::new();
    }
    let Ok(t) = scrub_parts(&as_url, m) else { return String::new() };
    if same_host(&t.host, &page.host) {
        return String::new();
    }
    let shown = if had_scheme { t.url } else { t.url.strip_prefix("http://").unwrap_or(&t.url).to_string() };
    if shown == title.replace(' ', "%20") {
        title // nothing removed: as the page wrote it
    } else if shown == page.url {
        String::new()
    } else {
        shown
    }
}

/// `text` with every occurrence of `value` replaced by an ellipsis.  (A byte
/// scan: a substring search would bring the two-way string searcher into
/// the WebAssembly module, see `http::after_scheme_separator`.)
fn cut_out(text: &str, value: &str) -> String {
    let (hay, needle) = (text.as_bytes(), value.as_bytes());
    if !has_bytes(hay, needle) {
        return text.to_string();
    }
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(needle) {
            out.extend_from_slice(ELLIPSIS.encode_utf8(&mut [0; 4]).as_bytes());
            i += needle.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    // Whole UTF-8 sequences were matched and copied, so this never fails.
    String::from_utf8(out).unwrap_or_default()
}

/// Characters a host (with port, or a bracketed IPv6 address) is made of.
fn host_chars(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| is_word_char(c) || matches!(c, '-' | '.' | '_' | ':' | '[' | ']'))
}

/// The title read as a URL to scrub, and whether it had its own scheme:
/// `scheme://…` (or `http:`/`https:`/`file:` without slashes), or the display
/// form `host[:port]/…` / `host?…` with a dotted host, a port or `localhost`.
fn title_as_url(title: &str) -> Option<(String, bool)> {
    if let Some((scheme, rest)) = split_scheme(title) {
        if rest.starts_with("//") || matches!(scheme.as_str(), "http" | "https" | "file") {
            return Some((title.to_string(), true));
        }
    }
    let end = title.find(['/', '?'])?;
    let host = &title[..end];
    let hostish = host.contains('.') || host.contains(':') || host.eq_ignore_ascii_case("localhost");
    (host_chars(host) && hostish).then(|| (format!("http://{title}"), false))
}

/// Do two hosts name the same site: ASCII case, port, a trailing dot, a
/// leading `www.` and punycode (`xn--`, which decodes to lower case) aside?
fn same_host(a: &str, b: &str) -> bool {
    let key = |h: &str| -> String {
        let h = h.trim();
        let h = match h.strip_prefix('[') {
            Some(r) => r.split(']').next().unwrap_or(""),
            None => match h.rsplit_once(':') {
                Some((host, port)) if port.bytes().all(|c| c.is_ascii_digit()) => host,
                _ => h,
            },
        };
        let h = h.to_ascii_lowercase();
        let h = h.trim_end_matches('.');
        let h = h.strip_prefix("www.").unwrap_or(h);
        h.split('.')
            .map(|l| l.strip_prefix("xn--").and_then(punycode_decode).unwrap_or_else(|| l.to_string()))
            .collect::<Vec<_>>()
            .join(".")
    };
    let (ka, kb) = (key(a), key(b));
    !ka.is_empty() && ka == kb
}

/// RFC 3492 decoding of one label (without its `xn--`); None if malformed.
fn punycode_decode(input: &str) -> Option<String> {
    const BASE: u32 = 36;
    let (basic, extended) = match input.rfind('-') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => ("", input),
    };
    if !basic.is_ascii() {
        return None;
    }
    let mut out: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    let mut digits = extended.bytes().peekable();
    while digits.peek().is_some() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let c = digits.next()?;
            let d = match c {
                b'a'..=b'z' => c - b'a',
                b'A'..=b'Z' => c - b'A',
                b'0'..=b'9' => c - b'0' + 26,
                _ => return None,
            } as u32;
            i = i.checked_add(d.checked_mul(w)?)?;
            let t = if k <= bias { 1 } else if k >= bias + 26 { 26 } else { k - bias };
            if d < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = out.len() as u32 + 1;
        // Bias adaptation (RFC 3492 section 6.1).
        let mut delta = if old_i == 0 { (i - old_i) / 700 } else { (i - old_i) / 2 };
        delta += delta / len;
        let mut k2 = 0;
        while delta > ((BASE - 1) * 26) / 2 {
            delta /= BASE - 1;
            k2 += BASE;
        }
        bias = k2 + (BASE * delta) / (delta + 38);
        n = n.checked_add(i / len)?;
        i %= len;
        out.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    Some(out.into_iter().collect())
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
