//! Code exchange and refresh: the requests and the token response.

use serde_json::Value;

use super::secret::Secret;
use super::ClientConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::dialect::RefreshAt;
use crate::http::{join_url, plain_code, query, status_error, HttpRequest, Method, MAX_BODY};
use crate::model::read::Fields;

/// Lifetime assumed when the server names none.
pub const DEFAULT_EXPIRES_IN_S: i64 = 3600;

/// An access/refresh pair with its expiry and, when known, when it was
/// issued (milliseconds since the epoch).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenSet {
    pub access_token: Secret,
    pub refresh_token: Secret,
    pub token_type: String,
    pub expires_at_ms: i64,
    pub issued_at_ms: Option<i64>,
}

impl TokenSet {
    /// Due for a refresh within `margin_ms` of its expiry.
    pub fn needs_refresh_with(&self, now_ms: i64, margin_ms: i64) -> bool {
        now_ms.saturating_add(margin_ms) >= self.expires_at_ms
    }

    /// The refresh margin: 60 s, or half the lifetime when that is shorter
    /// (so a token living a minute or less is not refreshed before every call).
    pub fn refresh_margin_ms(&self) -> i64 {
        match self.issued_at_ms.filter(|i| *i <= self.expires_at_ms) {
            Some(i) => super::session::REFRESH_MARGIN_MS.min(self.expires_at_ms.saturating_sub(i) / 2),
            None => super::session::REFRESH_MARGIN_MS,
        }
    }

    /// Due for a refresh within `refresh_margin_ms` of its expiry.
    pub fn needs_refresh(&self, now_ms: i64) -> bool {
        self.needs_refresh_with(now_ms, self.refresh_margin_ms())
    }

    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.access_token.expose())
    }
}

/// Which grant a token request was, so the answer is read in context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenGrant {
    AuthorizationCode,
    RefreshToken,
}

/// A token request, form-encoded as RFC 6749 (4.1.3, 6) asks and as the
/// live client sends it (the seed's server takes JSON or form alike).
fn token_request(cfg: &ClientConfig, path: &str, fields: &[(&str, &str)]) -> HttpRequest {
    let mut body = fields.to_vec();
    body.push(("client_id", &cfg.client_id));
    if let Some(secret) = &cfg.client_secret {
        body.push(("client_secret", secret.expose()));
    }
    HttpRequest {
        method: Method::Post,
        url: join_url(&cfg.base_url, path),
        headers: vec![
            ("Content-Type".into(), "application/x-www-form-urlencoded".into()),
            ("Accept".into(), "application/json".into()),
        ],
        body: Some(query(&body).into_bytes()),
    }
}

/// `POST /v1/access_token` with the code and the PKCE verifier.
pub fn build_exchange(cfg: &ClientConfig, code: &str, verifier: &str) -> Result<HttpRequest> {
    if code.is_empty() {
        return Err(Error::new(ErrorKind::MissingCode, "no authorization code to exchange"));
    }
    if !(43..=128).contains(&verifier.len()) {
        return Err(Error::invalid_input("the PKCE verifier must be 43 to 128 characters"));
    }
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", cfg.redirect_uri.as_str()),
        ("code_verifier", verifier),
    ];
    Ok(token_request(cfg, "/v1/access_token", &fields))
}

/// A refresh with the current refresh token, at `at` (`/v1/access_token`
/// as the live client does, or the seed's `/v1/refresh_token`; see `dialect`).
pub fn build_refresh(cfg: &ClientConfig, refresh_token: &Secret, at: RefreshAt) -> Result<HttpRequest> {
    if refresh_token.expose().is_empty() {
        return Err(Error::new(ErrorKind::Unauthorized, "no refresh token: sign in first"));
    }
    let fields = [("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose())];
    Ok(token_request(cfg, at.path(), &fields))
}

/// A token answer as JSON or, as some servers send it, form-encoded.
fn token_body(body: &[u8]) -> Option<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return Some(v);
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    if !crate::http::has_bytes(text.as_bytes(), b"access_token=") || text.bytes().any(|b| matches!(b, b'<' | b'{' | b' ')) {
        return None;
    }
    let mut m = serde_json::Map::new();
    for (k, v) in form_urlencoded::parse(text.as_bytes()) {
        m.insert(k.into_owned(), Value::String(v.into_owned()));
    }
    Some(Value::Object(m))
}

/// Reads a token endpoint's answer. `previous_refresh` is kept when a
/// refresh answer carries no new refresh token. An `invalid_grant` is
/// `reauth_required`: the user must sign in again.
pub fn parse_token_response(
    grant: TokenGrant,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    now_ms: i64,
    previous_refresh: Option<&Secret>,
) -> Result<TokenSet> {
    if body.len() > MAX_BODY {
        return Err(Error::bad_response("token response too large").with_status(status));
    }
    // Nothing of a token endpoint's body goes into a message (it may echo a
    // token): fixed texts, plus the OAuth `error` code when it is a plain word.
    if !(200..300).contains(&status) {
        let v = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
        let code = v.get("error").and_then(Value::as_str).and_then(plain_code);
        let err = match code {
            Some("invalid_grant") => Error::new(
                ErrorKind::ReauthRequired,
                match grant {
                    TokenGrant::RefreshToken => "the session ended (refresh token rejected): sign in again",
                    TokenGrant::AuthorizationCode => "the sign-in code was rejected: sign in again",
                },
            ),
            Some("invalid_client" | "unauthorized_client") => Error::new(ErrorKind::Unauthorized, "this client is not accepted by the server"),
            Some("invalid_request" | "unsupported_grant_type" | "invalid_scope") => Error::invalid_input("the server refused the token request"),
            _ => status_error(status, headers, None),
        };
        let mut err = err.with_status(status);
        if let Some(c) = code {
            err.message = format!("{} ({c})", err.message);
        }
        return Err(err);
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::bad_response("empty token response").with_status(status));
    }
    let v = token_body(body).ok_or_else(|| Error::bad_response("token response is not JSON").with_status(status))?;
    let f = Fields::of(&v, "token response", ErrorKind::BadResponse)?;
    let access = f
        .opt_text("access_token")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::bad_response("token response without access_token"))?;
    let refresh = match f.opt_text("refresh_token")?.filter(|s| !s.is_empty()) {
        Some(r) => Secret::new(r),
        None => previous_refresh
            .cloned()
            .ok_or_else(|| Error::bad_response("token response without refresh_token"))?,
    };
    let token_type = f.opt_text("token_type")?.filter(|s| !s.is_empty()).unwrap_or_else(|| "Bearer".into());
    let expires_in = match f.get("expires_in") {
        None => DEFAULT_EXPIRES_IN_S,
        Some(Value::String(s)) => s.trim().parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| f.err("expires_in", "is not a number"))?,
        Some(_) => {
            let n = f.float("expires_in")?;
            if !(n >= 0.0) {
                return Err(f.err("expires_in", "must not be negative"));
            }
            n as i64
        }
    };
    Ok(TokenSet {
        access_token: Secret::new(access),
        refresh_token: refresh,
        token_type,
        expires_at_ms: now_ms.saturating_add(expires_in.min(10 * 365 * 86_400).saturating_mul(1000)),
        issued_at_ms: Some(now_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_refresh_margin() {
        let t = TokenSet {
            access_token: Secret::new("a"),
            refresh_token: Secret::new("r"),
            token_type: "Bearer".into(),
            expires_at_ms: 1_000_000,
            issued_at_ms: None,
        };
        assert!(!t.needs_refresh(1_000_000 - 60_001));
        assert!(t.needs_refresh(1_000_000 - 60_000));
        assert!(t.needs_refresh(2_000_000));
        assert!(!t.needs_refresh_with(999_999, 0));
        assert!(format!("{t:?}").contains("[redacted]"));
        assert!(!format!("{t:?}").contains("\"a\""));
    }
}
