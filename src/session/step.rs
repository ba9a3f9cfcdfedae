//! The session's decisions as next-action state machines, free of I/O and
//! of time: each is told what happened (the tokens held now, the clock, a
//! reply) and answers what to do next. `Session` runs them with the
//! transport its host passes in; tests drive them directly.

use crate::dialect::{Dialect, Learned, RefreshAt};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpRequest, Reply};
use crate::oauth::{build_refresh, next_step, parse_token_response, ClientConfig, NextStep, Secret, TokenGrant, TokenSet};

/// What a data call does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallAction {
    /// No tokens: fail with `unauthorized` (the user must sign in).
    SignIn,
    /// Refresh (or join the refresh under way), then ask `next` again.
    Refresh,
    /// Send the request with this access token, then hand the reply to `on_reply`.
    Send(String),
    /// The reply stands: the endpoint reads it.
    Done,
}

/// One data call: a refresh first when the access token is due, and one
/// more attempt after a 401 (refreshing first unless another call already
/// replaced the token the 401 was for).
#[derive(Debug, Default)]
pub struct CallStep {
    due_checked: bool,
    retried: bool,
    sent_with: Option<String>,
}

impl CallStep {
    pub fn new() -> Self {
        Self::default()
    }

    /// What to do with the tokens held now: at the start, and after a refresh
    /// (which is not checked for being due again: a pair that lives a short
    /// time is still used once).
    pub fn next(&mut self, tokens: Option<&TokenSet>, now_ms: i64) -> CallAction {
        let Some(t) = tokens else { return CallAction::SignIn };
        if !self.due_checked {
            self.due_checked = true;
            if next_step(tokens, now_ms) == NextStep::Refresh {
                return CallAction::Refresh;
            }
        }
        let access = t.access_token.expose().to_string();
        self.sent_with = Some(access.clone());
        CallAction::Send(access)
    }

    /// What to do after a reply of `status`, the tokens held now being `tokens`.
    pub fn on_reply(&mut self, status: u16, tokens: Option<&TokenSet>, now_ms: i64) -> CallAction {
        if status != 401 || self.retried {
            return CallAction::Done;
        }
        self.retried = true;
        self.due_checked = true;
        let current = tokens.map(|t| t.access_token.expose());
        if current.is_some() && current == self.sent_with.as_deref() {
            CallAction::Refresh
        } else {
            // Refreshed meanwhile (or signed out): try with what is held now.
            self.next(tokens, now_ms)
        }
    }
}

/// What a refresh does next.
#[derive(Debug)]
pub enum RefreshAction {
    /// Send this (the refresh again, on the other path of the two).
    Send(HttpRequest),
    /// A new pair: it replaces the held one (the old refresh token is spent)
    /// and is stored before any use.
    Rotated(TokenSet),
    /// The refresh token is refused for good: drop the tokens, store that,
    /// and fail with this (`reauth_required`).
    SignedOut(Error),
    /// The refresh failed for now (offline, a 5xx...): the tokens stay.
    Failed(Error),
}

/// One refresh: to the path the dialect names (the live one when not yet
/// known), and once to the other path when the server says the route is not
/// there; what worked is written into the dialect.
#[derive(Debug)]
pub struct RefreshStep {
    refresh_token: Secret,
    at: RefreshAt,
    first_try: bool,
}

impl RefreshStep {
    /// The first request, for the tokens held now; `unauthorized` without any.
    pub fn start(cfg: &ClientConfig, tokens: Option<&TokenSet>, dialect: &Dialect) -> Result<(RefreshStep, HttpRequest)> {
        let t = tokens.ok_or_else(|| Error::new(ErrorKind::Unauthorized, "not signed in"))?;
        let step = RefreshStep { refresh_token: t.refresh_token.clone(), at: dialect.refresh_at(), first_try: true };
        let req = build_refresh(cfg, &step.refresh_token, step.at)?;
        Ok((step, req))
    }

    /// Reads the reply to the last request sent; learns the path into `dialect`.
    pub fn on_reply(&mut self, cfg: &ClientConfig, dialect: &mut Dialect, reply: &Reply, now_ms: i64) -> RefreshAction {
        if dialect.learn_refresh(self.at, reply.status, &reply.body, self.first_try) == Learned::TryOther {
            self.first_try = false;
            self.at = dialect.refresh_at();
            return match build_refresh(cfg, &self.refresh_token, self.at) {
                Ok(req) => RefreshAction::Send(req),
                Err(e) => RefreshAction::Failed(e),
            };
        }
        match parse_token_response(TokenGrant::RefreshToken, reply.status, &reply.headers, &reply.body, now_ms, Some(&self.refresh_token)) {
            Ok(t) => RefreshAction::Rotated(t),
            Err(e) if e.kind == ErrorKind::ReauthRequired => RefreshAction::SignedOut(e),
            Err(e) => RefreshAction::Failed(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(access: &str, expires_at_ms: i64) -> TokenSet {
        TokenSet { access_token: Secret::new(access), refresh_token: Secret::new("r1"), token_type: "Bearer".into(), expires_at_ms, issued_at_ms: None }
    }

    fn reply(status: u16, body: &str) -> Reply {
        Reply { status, headers: vec![("content-type".into(), "application/json".into())], body: body.as_bytes().to_vec() }
    }

    #[test]
    fn a_call_refreshes_when_due_and_once_after_a_401() {
        let fresh = pair("a1", 1_000_000);
        let mut c = CallStep::new();
        assert_eq!(c.next(None, 0), CallAction::SignIn);
        let mut c = CallStep::new();
        assert_eq!(c.next(Some(&fresh), 0), CallAction::Send("a1".into()));
        assert_eq!(c.on_reply(200, Some(&fresh), 0), CallAction::Done);
        // Due: refresh first, then send with the new pair even if it is short-lived.
        let mut c = CallStep::new();
        assert_eq!(c.next(Some(&fresh), 999_000), CallAction::Refresh);
        let short = pair("a2", 999_500);
        assert_eq!(c.next(Some(&short), 999_000), CallAction::Send("a2".into()));
        // A 401 for the token still held: refresh, send again; a second 401 stands.
        let mut c = CallStep::new();
        assert_eq!(c.next(Some(&fresh), 0), CallAction::Send("a1".into()));
        assert_eq!(c.on_reply(401, Some(&fresh), 0), CallAction::Refresh);
        let renewed = pair("a3", 2_000_000);
        assert_eq!(c.next(Some(&renewed), 0), CallAction::Send("a3".into()));
        assert_eq!(c.on_reply(401, Some(&renewed), 0), CallAction::Done);
        // A 401 for a token another call has replaced meanwhile: just send again.
        let mut c = CallStep::new();
        assert_eq!(c.next(Some(&fresh), 0), CallAction::Send("a1".into()));
        assert_eq!(c.on_reply(401, Some(&renewed), 0), CallAction::Send("a3".into()));
        // Signed out meanwhile.
        let mut c = CallStep::new();
        c.next(Some(&fresh), 0);
        assert_eq!(c.on_reply(401, None, 0), CallAction::SignIn);
        // Any other status stands, errors included.
        let mut c = CallStep::new();
        c.next(Some(&fresh), 0);
        assert_eq!(c.on_reply(503, Some(&fresh), 0), CallAction::Done);
    }

    #[test]
    fn a_refresh_finds_its_path_once_and_reads_the_answer() {
        let cfg = ClientConfig::new("http://127.0.0.1:9", "client", None, "https://x.test/cb").unwrap();
        let held = pair("a1", 0);
        assert_eq!(RefreshStep::start(&cfg, None, &Dialect::default()).unwrap_err().kind, ErrorKind::Unauthorized);
        let mut d = Dialect::default();
        let (mut s, req) = RefreshStep::start(&cfg, Some(&held), &d).unwrap();
        assert_eq!(req.path(), "/v1/access_token");
        // A seed server refuses the grant there: the other path, once.
        let next = s.on_reply(&cfg, &mut d, &reply(400, r#"{"error":"unsupported_grant_type"}"#), 0);
        let RefreshAction::Send(req) = next else { panic!("{next:?}") };
        assert_eq!((req.path(), d.refresh), ("/v1/refresh_token", Some(RefreshAt::RefreshToken)));
        assert!(req.form_pairs().contains(&("refresh_token".into(), "r1".into())));
        let next = s.on_reply(&cfg, &mut d, &reply(404, ""), 0);
        assert!(matches!(next, RefreshAction::Failed(ref e) if e.status == Some(404)), "{next:?}");
        // A new pair.
        let (mut s, _) = RefreshStep::start(&cfg, Some(&held), &d).unwrap();
        let ok = r#"{"access_token":"a2","refresh_token":"r2","token_type":"Bearer","expires_in":3600}"#;
        match s.on_reply(&cfg, &mut d, &reply(200, ok), 1_000) {
            RefreshAction::Rotated(t) => assert_eq!((t.access_token.expose(), t.refresh_token.expose(), t.expires_at_ms), ("a2", "r2", 3_601_000)),
            other => panic!("{other:?}"),
        }
        // A spent refresh token signs out; a 503 keeps the tokens.
        let (mut s, _) = RefreshStep::start(&cfg, Some(&held), &d).unwrap();
        assert!(matches!(s.on_reply(&cfg, &mut d, &reply(400, r#"{"error":"invalid_grant"}"#), 0), RefreshAction::SignedOut(_)));
        let (mut s, _) = RefreshStep::start(&cfg, Some(&held), &d).unwrap();
        assert!(matches!(s.on_reply(&cfg, &mut d, &reply(503, ""), 0), RefreshAction::Failed(ref e) if e.kind == ErrorKind::Server));
        assert_eq!(d.refresh, Some(RefreshAt::RefreshToken), "a failure teaches nothing");
    }
}
