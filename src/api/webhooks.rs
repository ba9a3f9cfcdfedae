//! Webhooks: `GET /webhooks/subscribe/` and `POST /webhooks/unsubscribe/`
//! with the seed's `hookUrl` and `trigger_type`.

use serde_json::Value;

use super::authorised;
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

pub fn build_subscribe(base_url: &str, access_token: &str, hook_url: &str, trigger: TriggerType) -> Result<HttpRequest> {
    check_hook_url(hook_url)?;
    let q = query(&[("hookUrl", hook_url), ("trigger_type", trigger.as_str())]);
    Ok(authorised(Method::Get, base_url, &format!("/webhooks/subscribe/?{q}"), access_token, None))
}

pub fn build_unsubscribe(base_url: &str, access_token: &str, hook_url: &str, trigger: TriggerType) -> Result<HttpRequest> {
    check_hook_url(hook_url)?;
    let body = json_body(&[("hookUrl", hook_url), ("trigger_type", trigger.as_str())]);
    Ok(authorised(Method::Post, base_url, "/webhooks/unsubscribe/", access_token, Some(body)))
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
