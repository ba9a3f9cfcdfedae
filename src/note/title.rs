//! A title that is a URL: recognised (also in the browser's display form,
//! with a Unicode host), and compared by host.

use super::*;

/// Characters a host (with port, or a bracketed IPv6 address) is made of.
pub(super) fn host_chars(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| is_word_char(c) || matches!(c, '-' | '.' | '_' | ':' | '[' | ']'))
}

/// The title read as a URL to scrub, and whether it had its own scheme:
/// `scheme://…` (or `http:`/`https:`/`file:` without slashes), or the display
/// form `host[:port]/…` / `host?…` with a dotted host, a port or `localhost`.
pub(super) fn title_as_url(title: &str) -> Option<(String, bool)> {
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
pub(super) fn same_host(a: &str, b: &str) -> bool {
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
pub(super) fn punycode_decode(input: &str) -> Option<String> {
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
