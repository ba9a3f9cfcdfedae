//! The authorize step: the URL to open, and reading the redirect it ends on.

use base64ct::{Base64UrlUnpadded, Encoding};

use super::pkce::{challenge_s256, verifier_from_bytes};
use super::ClientConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{join_url, query, redact};

/// What the caller keeps while the user signs in.
#[derive(Debug, Clone, PartialEq)]
pub struct SignIn {
    pub url: String,
    pub state: String,
    pub verifier: String,
}

/// Builds the authorize URL. `state_bytes` (at least 16) and
/// `verifier_bytes` (32 to 96) must come from a secure random source.
pub fn authorize_request(cfg: &ClientConfig, state_bytes: &[u8], verifier_bytes: &[u8]) -> Result<SignIn> {
    if state_bytes.len() < 16 {
        return Err(Error::invalid_input("state needs at least 16 random bytes"));
    }
    if !(32..=96).contains(&verifier_bytes.len()) {
        return Err(Error::invalid_input("the PKCE verifier needs 32 to 96 random bytes"));
    }
    let state = Base64UrlUnpadded::encode_string(state_bytes);
    let verifier = verifier_from_bytes(verifier_bytes);
    let challenge = challenge_s256(&verifier);
    let q = query(&[
        ("response_type", "code"),
        ("client_id", &cfg.client_id),
        ("state", &state),
        ("redirect_uri", &cfg.redirect_uri),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    Ok(SignIn { url: format!("{}?{q}", join_url(&cfg.base_url, "/v1/authorize")), state, verifier })
}

/// Reads the redirect URL the authorize step ended on: the `code`, or
/// `invalid_state` / `access_denied` / `missing_code`.
pub fn parse_redirect(redirect_url: &str, expected_state: &str) -> Result<String> {
    let after = redirect_url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let (q, fragment) = match after.split_once('#') {
        Some((q, f)) => (q, f),
        None => (after, redirect_url.split_once('#').map(|(_, f)| f).unwrap_or("")),
    };
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    if pairs.is_empty() {
        pairs = form_urlencoded::parse(fragment.as_bytes()).into_owned().collect();
    }
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let state = get("state").unwrap_or("");
    if expected_state.is_empty() || !constant_time_eq(state.as_bytes(), expected_state.as_bytes()) {
        return Err(Error::new(ErrorKind::InvalidState, "the sign-in answer does not belong to this sign-in (state mismatch)"));
    }
    if let Some(err) = get("error") {
        let desc = get("error_description").map(|d| format!(": {}", clip(d))).unwrap_or_default();
        return Err(Error::new(ErrorKind::AccessDenied, format!("sign-in refused ({}{desc})", clip(err))));
    }
    match get("code") {
        Some(c) if !c.is_empty() => Ok(c.to_string()),
        _ => Err(Error::new(ErrorKind::MissingCode, "the sign-in answer carries no authorization code")),
    }
}

fn clip(s: &str) -> String {
    redact(&s.chars().take(100).collect::<String>())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ClientConfig {
        ClientConfig::new("http://127.0.0.1:9/", "ext", None, "https://abc.chromiumapp.org/cb").unwrap()
    }

    #[test]
    fn authorize_url_has_every_parameter() {
        let s = authorize_request(&cfg(), &[7u8; 16], &[9u8; 32]).unwrap();
        let (base, q) = s.url.split_once('?').unwrap();
        assert_eq!(base, "http://127.0.0.1:9/v1/authorize");
        let pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
        let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["response_type", "client_id", "state", "redirect_uri", "code_challenge", "code_challenge_method"]);
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get("response_type"), "code");
        assert_eq!(get("client_id"), "ext");
        assert_eq!(get("redirect_uri"), "https://abc.chromiumapp.org/cb");
        assert_eq!(get("state"), s.state);
        assert_eq!(s.state.len(), 22); // 16 bytes, base64url
        assert_eq!(get("code_challenge"), challenge_s256(&s.verifier));
        assert_eq!(get("code_challenge_method"), "S256");
    }

    #[test]
    fn refuses_weak_randomness() {
        assert_eq!(authorize_request(&cfg(), &[1u8; 15], &[9u8; 32]).unwrap_err().kind, ErrorKind::InvalidInput);
        assert_eq!(authorize_request(&cfg(), &[1u8; 16], &[9u8; 8]).unwrap_err().kind, ErrorKind::InvalidInput);
    }

    #[test]
    fn redirect_outcomes() {
        let r = "https://abc.chromiumapp.org/cb?code=C%2B1&state=S1";
        assert_eq!(parse_redirect(r, "S1").unwrap(), "C+1");
        assert_eq!(parse_redirect(r, "S2").unwrap_err().kind, ErrorKind::InvalidState);
        assert_eq!(parse_redirect(r, "").unwrap_err().kind, ErrorKind::InvalidState);
        assert_eq!(parse_redirect("https://x/cb?code=C", "S1").unwrap_err().kind, ErrorKind::InvalidState);
        assert_eq!(parse_redirect("https://x/cb?state=S1", "S1").unwrap_err().kind, ErrorKind::MissingCode);
        assert_eq!(parse_redirect("https://x/cb?state=S1&code=", "S1").unwrap_err().kind, ErrorKind::MissingCode);
        let e = parse_redirect("https://x/cb?error=access_denied&state=S1", "S1").unwrap_err();
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert!(e.message.contains("access_denied"), "{}", e.message);
        assert_eq!(parse_redirect("https://x/cb#code=F&state=S1", "S1").unwrap(), "F");
        assert_eq!(parse_redirect("not a url", "S1").unwrap_err().kind, ErrorKind::InvalidState);
    }
}
