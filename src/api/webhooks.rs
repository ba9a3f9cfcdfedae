//! Webhooks in both dialects: the seed's `GET /webhooks/subscribe?hookUrl`
//! and `POST /webhooks/unsubscribe`, and the live service's
//! `POST /webhooks/subscribe` / `DELETE /webhooks/unsubscribe` with a JSON
//! `hook_url` (which one a server speaks: `dialect::WebhookVerbs`).

use serde_json::Value;

use super::authorised;
use crate::dialect::WebhookVerbs;
use crate::error::{Error, Result};
use crate::http::{check_status, excerpt, json_body, query, HttpRequest, Method};
use crate::model::TriggerType;

fn check_hook_url(hook_url: &str) -> Result<()> {
    let ok = (hook_url.starts_with("https://") || hook_url.starts_with("http://"))
        && hook_url.len() > 8
        && hook_url.len() <= 2048
        && !hook_url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input("hookUrl must be an http(s) URL"))
    }
}

pub fn build_subscribe(base_url: &str, access_token: &str, hook_url: &str, trigger: TriggerType, verbs: WebhookVerbs) -> Result<HttpRequest> {
    check_hook_url(hook_url)?;
    Ok(match verbs {
        WebhookVerbs::Seed => {
            let q = query(&[("hookUrl", hook_url), ("trigger_type", trigger.as_str())]);
            authorised(Method::Get, base_url, &format!("/webhooks/subscribe?{q}"), access_token, None)
        }
        WebhookVerbs::Live => {
            let body = json_body(&[("hook_url", hook_url), ("trigger_type", trigger.as_str())]);
            authorised(Method::Post, base_url, "/webhooks/subscribe", access_token, Some(body))
        }
    })
}

pub fn build_unsubscribe(base_url: &str, access_token: &str, hook_url: &str, trigger: TriggerType, verbs: WebhookVerbs) -> Result<HttpRequest> {
    check_hook_url(hook_url)?;
    Ok(match verbs {
        WebhookVerbs::Seed => {
            let body = json_body(&[("hookUrl", hook_url), ("trigger_type", trigger.as_str())]);
            authorised(Method::Post, base_url, "/webhooks/unsubscribe", access_token, Some(body))
        }
        WebhookVerbs::Live => {
            let body = json_body(&[("hook_url", hook_url), ("trigger_type", trigger.as_str())]);
            authorised(Method::Delete, base_url, "/webhooks/unsubscribe", access_token, Some(body))
        }
    })
}

/// 200 `{"status":"success"}` (or an empty 2xx body) is success; 403
/// `not_allowed` is `forbidden`, 400 `missing values` is `invalid_input`.
pub fn parse_webhook(status: u16, headers: &[(String, String)], body: &[u8]) -> Result<()> {
    check_status(status, headers, body)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| Error::bad_response(format!("webhook answer is not JSON: {}", excerpt(body))).with_status(status))?;
    match v.get("status").and_then(Value::as_str) {
        Some("success") | Some("ok") => Ok(()),
        _ => Err(Error::bad_response(format!("webhook answer without success: {}", excerpt(body))).with_status(status)),
    }
}

/// An unsubscribe answer: with the live verbs a 404 means the subscription
/// is already gone, which is what was asked.
pub fn parse_unsubscribe(verbs: WebhookVerbs, status: u16, headers: &[(String, String)], body: &[u8]) -> Result<()> {
    if verbs == WebhookVerbs::Live && status == 404 {
        return Ok(());
    }
    parse_webhook(status, headers, body)
}
