//! What one Tyme server speaks where the seed and the live service differ,
//! learned from its answers and remembered per server.
//!
//! The seed (`tyme-api-seed.txt`) and Tyme's own client of the live service
//! disagree on a few points that cannot share one request: where a refresh
//! goes, the webhook verbs, and whether `/data/times`, `/data/members` and
//! `DELETE /data/entity` exist. For each, the client starts with the live
//! service's way, and a server that answers "no such route" (404, 405, 501,
//! or an `unsupported_grant_type` for a refresh) is asked the seed's way once;
//! what worked is kept here, so no request is wasted after the first
//! discovery. Everything else is sent in one shape both understand (see
//! `Entity::wire_body`). The caller persists a `Dialect` per server (see
//! `to_json` / `from_json`) and starts afresh when the server changes.

use serde_json::{Map, Value};

use crate::error::{ErrorKind, Result};
use crate::http::names_field;
use crate::model::read::Fields;

/// Where a refresh is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshAt {
    /// `POST /v1/access_token` with `grant_type=refresh_token` (the live client).
    AccessToken,
    /// `POST /v1/refresh_token` (the seed).
    RefreshToken,
}

impl RefreshAt {
    pub fn path(self) -> &'static str {
        match self {
            RefreshAt::AccessToken => "/v1/access_token",
            RefreshAt::RefreshToken => "/v1/refresh_token",
        }
    }
    fn other(self) -> Self {
        match self {
            RefreshAt::AccessToken => RefreshAt::RefreshToken,
            RefreshAt::RefreshToken => RefreshAt::AccessToken,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            RefreshAt::AccessToken => "access_token",
            RefreshAt::RefreshToken => "refresh_token",
        }
    }
}

/// How webhooks are subscribed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookVerbs {
    /// `POST /webhooks/subscribe` with JSON `hook_url`; unsubscribe by `DELETE`.
    Live,
    /// `GET /webhooks/subscribe/?hookUrl`; unsubscribe by `POST` (the seed).
    Seed,
}

impl WebhookVerbs {
    fn other(self) -> Self {
        match self {
            WebhookVerbs::Live => WebhookVerbs::Seed,
            WebhookVerbs::Seed => WebhookVerbs::Live,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            WebhookVerbs::Live => "live",
            WebhookVerbs::Seed => "seed",
        }
    }
}

/// What is known of one server (`None`: not yet learned), and of the signed-in
/// account on it (`user_id`, from `/data/members/me`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dialect {
    pub refresh: Option<RefreshAt>,
    pub webhooks: Option<WebhookVerbs>,
    /// `GET /data/times` is served.
    pub times: Option<bool>,
    /// `GET /data/members/me` is served.
    pub members: Option<bool>,
    /// `DELETE /data/entity` is served.
    pub delete: Option<bool>,
    /// The signed-in member's id, sent as a time entry's `user_id`.
    pub user_id: Option<String>,
}

/// Whether an answer says the route itself does not exist on this server
/// (as opposed to a refusal of what was sent).
pub fn route_missing(status: u16) -> bool {
    matches!(status, 404 | 405 | 501)
}

/// What to do after an answer to a request sent one way of two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learned {
    /// The answer stands (success, or an error that is not about the route).
    Done,
    /// The server does not speak this way: ask the other way (the dialect
    /// has been updated to it).
    TryOther,
}

fn oauth_error_code(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("error").and_then(Value::as_str).map(str::to_string)
}

impl Dialect {
    /// Where the next refresh goes: what worked before, else the live way.
    pub fn refresh_at(&self) -> RefreshAt {
        self.refresh.unwrap_or(RefreshAt::AccessToken)
    }

    pub fn webhook_verbs(&self) -> WebhookVerbs {
        self.webhooks.unwrap_or(WebhookVerbs::Live)
    }

    /// Reads a refresh answer sent to `tried`. A route-missing status, or an
    /// `unsupported_grant_type` (the seed's `/v1/access_token` takes codes
    /// only), means the other path, tried once (`first_try`); a success fixes
    /// the path.
    pub fn learn_refresh(&mut self, tried: RefreshAt, status: u16, body: &[u8], first_try: bool) -> Learned {
        let wrong_way = route_missing(status)
            || (status == 400 && oauth_error_code(body).as_deref() == Some("unsupported_grant_type"));
        if (200..300).contains(&status) {
            self.refresh = Some(tried);
            Learned::Done
        } else if wrong_way && first_try {
            self.refresh = Some(tried.other());
            Learned::TryOther
        } else {
            Learned::Done
        }
    }

    /// Reads a subscribe answer sent with `tried`: a route-missing status, or
    /// a 400 naming the hook field of the other dialect, means the other verbs.
    pub fn learn_webhooks(&mut self, tried: WebhookVerbs, status: u16, body: &[u8], first_try: bool) -> Learned {
        let names_field = status == 400 && (names_field(body, "hook_url") || names_field(body, "hookUrl"));
        if (200..300).contains(&status) {
            self.webhooks = Some(tried);
            Learned::Done
        } else if (route_missing(status) || names_field) && first_try && self.webhooks.is_none() {
            self.webhooks = Some(tried.other());
            Learned::TryOther
        } else {
            Learned::Done
        }
    }

    /// Notes whether an optional endpoint exists from its answer: a
    /// route-missing status says no, any other answer but a 401/403 (which
    /// say nothing of the route) or a 5xx says yes.
    pub fn learn_endpoint(slot: &mut Option<bool>, status: u16) {
        if route_missing(status) {
            *slot = Some(false);
        } else if !matches!(status, 401 | 403 | 408 | 429 | 500..=599) {
            *slot = Some(true);
        }
    }

    /// The JSON the caller stores: `{refresh?, webhooks?, times?, members?, delete?, userId?}`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        if let Some(r) = self.refresh {
            m.insert("refresh".into(), r.as_str().into());
        }
        if let Some(w) = self.webhooks {
            m.insert("webhooks".into(), w.as_str().into());
        }
        for (k, v) in [("times", self.times), ("members", self.members), ("delete", self.delete)] {
            if let Some(b) = v {
                m.insert(k.into(), b.into());
            }
        }
        if let Some(u) = &self.user_id {
            m.insert("userId".into(), u.as_str().into());
        }
        Value::Object(m)
    }

    /// Reads what `to_json` wrote; unknown values read as not known (a
    /// stored dialect never stops the client: at worst it learns again).
    pub fn from_json(v: &Value) -> Result<Dialect> {
        if v.is_null() {
            return Ok(Dialect::default());
        }
        let f = Fields::of(v, "dialect", ErrorKind::InvalidInput)?;
        let text = |k: &str| f.opt_text(k).ok().flatten();
        let flag = |k: &str| match f.get(k) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        };
        Ok(Dialect {
            refresh: match text("refresh").as_deref() {
                Some("access_token") => Some(RefreshAt::AccessToken),
                Some("refresh_token") => Some(RefreshAt::RefreshToken),
                _ => None,
            },
            webhooks: match text("webhooks").as_deref() {
                Some("live") => Some(WebhookVerbs::Live),
                Some("seed") => Some(WebhookVerbs::Seed),
                _ => None,
            },
            times: flag("times"),
            members: flag("members"),
            delete: flag("delete"),
            user_id: f.opt_id("userId").ok().flatten(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_is_learned_once() {
        let mut d = Dialect::default();
        assert_eq!(d.refresh_at(), RefreshAt::AccessToken);
        let seed_refusal = br#"{"error":"unsupported_grant_type"}"#;
        assert_eq!(d.learn_refresh(RefreshAt::AccessToken, 400, seed_refusal, true), Learned::TryOther);
        assert_eq!(d.refresh_at(), RefreshAt::RefreshToken);
        assert_eq!(d.learn_refresh(RefreshAt::RefreshToken, 200, b"{}", false), Learned::Done);
        assert_eq!(d.refresh, Some(RefreshAt::RefreshToken));
        // A spent refresh token is not a reason to change paths.
        let mut d = Dialect::default();
        assert_eq!(d.learn_refresh(RefreshAt::AccessToken, 400, br#"{"error":"invalid_grant"}"#, true), Learned::Done);
        assert_eq!(d.refresh, None);
        // A live server that has no /v1/refresh_token.
        let mut d = Dialect { refresh: Some(RefreshAt::RefreshToken), ..Dialect::default() };
        assert_eq!(d.learn_refresh(RefreshAt::RefreshToken, 404, b"", true), Learned::TryOther);
        assert_eq!(d.refresh_at(), RefreshAt::AccessToken);
        // Never more than one switch per refresh.
        assert_eq!(d.learn_refresh(RefreshAt::AccessToken, 404, b"", false), Learned::Done);
    }

    #[test]
    fn webhooks_and_endpoints() {
        let mut d = Dialect::default();
        assert_eq!(d.webhook_verbs(), WebhookVerbs::Live);
        assert_eq!(d.learn_webhooks(WebhookVerbs::Live, 405, b"", true), Learned::TryOther);
        assert_eq!(d.webhook_verbs(), WebhookVerbs::Seed);
        let mut d = Dialect::default();
        assert_eq!(d.learn_webhooks(WebhookVerbs::Live, 400, br#"{"error":"missing values","field":"hook_url"}"#, true), Learned::TryOther);
        let mut d = Dialect::default();
        assert_eq!(d.learn_webhooks(WebhookVerbs::Live, 403, br#"{"error":"not_allowed"}"#, true), Learned::Done);
        assert_eq!(d.webhooks, None);
        let mut slot = None;
        Dialect::learn_endpoint(&mut slot, 503);
        assert_eq!(slot, None);
        Dialect::learn_endpoint(&mut slot, 404);
        assert_eq!(slot, Some(false));
        Dialect::learn_endpoint(&mut slot, 200);
        assert_eq!(slot, Some(true));
    }

    #[test]
    fn json_round_trip() {
        let d = Dialect {
            refresh: Some(RefreshAt::RefreshToken),
            webhooks: Some(WebhookVerbs::Live),
            times: Some(false),
            members: Some(true),
            delete: None,
            user_id: Some("1001".into()),
        };
        let v = d.to_json();
        assert_eq!(v, serde_json::json!({"refresh":"refresh_token","webhooks":"live","times":false,"members":true,"userId":"1001"}));
        assert_eq!(Dialect::from_json(&v).unwrap(), d);
        assert_eq!(Dialect::from_json(&Value::Null).unwrap(), Dialect::default());
        let odd = serde_json::json!({"refresh":"elsewhere","times":"yes","userId":1001});
        let d = Dialect::from_json(&odd).unwrap();
        assert_eq!((d.refresh, d.times, d.user_id.as_deref()), (None, None, Some("1001")));
        assert!(Dialect::from_json(&serde_json::json!([1])).is_err());
    }
}
