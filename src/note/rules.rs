//! Scrub rules: names split into words and matched against the list, and
//! values that look like credentials whatever their name.

use super::*;
use crate::http::has_bytes;

/// A letter or digit of a name: ASCII ones, and any non-ASCII character (no
/// Unicode tables in the wasm for names that are ASCII in practice).
pub(super) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || !c.is_ascii()
}

/// The words of a name: split at non-alphanumerics and (ASCII) camelCase, lower-cased.
pub(super) fn words(name: &str) -> Vec<String> {
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
pub(super) enum Rule {
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
    pub(super) fn parse(entry: &str) -> Option<Rule> {
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

    pub(super) fn matches(&self, lower: &str, nw: &[String]) -> bool {
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
pub(super) struct Matcher {
    rules: Vec<Rule>,
}

impl Matcher {
    pub(super) fn new(params: &[String]) -> Matcher {
        Matcher { rules: params.iter().filter_map(|p| Rule::parse(p)).collect() }
    }

    /// Does a raw (still encoded) parameter name match?
    pub(super) fn matches_raw(&self, raw_name: &str) -> bool {
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

