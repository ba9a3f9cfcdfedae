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

mod fit;
mod rules;
mod title;
mod url;

use fit::*;
use rules::*;
use title::*;
use url::*;
pub use rules::looks_like_credential;
pub use url::scrub_url;

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
