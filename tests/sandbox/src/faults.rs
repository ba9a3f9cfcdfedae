//! Injected faults: latency, failing statuses, redirects to another origin,
//! dropped connections and malformed bodies (README "Faults").

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::HeaderValue;
use hyper::Response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::http::{html_resp, json_resp, Req, Resp};
use crate::state::App;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Faults {
    #[serde(default)]
    pub(crate) latency_ms: u64,
    #[serde(default)]
    pub(crate) latency_jitter_ms: u64,
    #[serde(default)]
    pub(crate) fail_next: u64,
    #[serde(default)]
    pub(crate) fail_percent: f64,
    #[serde(default)]
    pub(crate) status: Option<u16>,
    #[serde(default)]
    pub(crate) retry_after: Option<u64>,
    #[serde(default)]
    pub(crate) drop: bool,
    #[serde(default)]
    pub(crate) malformed: Value,
    #[serde(default)]
    pub(crate) path_prefix: Option<String>,
    /// Process the request (apply its changes) before the fault answers.
    #[serde(default)]
    pub(crate) apply: bool,
    /// With `status` 307 or 308: the origin (`http://host:port`) the answer
    /// redirects to, keeping the request's path and query.
    #[serde(default)]
    pub(crate) redirect_to: Option<String>,
    /// Seeds the fault randomness again when the set is posted, so the same
    /// seed and the same requests give the same failures and latencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) seed: Option<u64>,
    /// Set when fail_next or fail_percent was given: only those requests fail.
    #[serde(skip)]
    pub(crate) counted: bool,
}

pub(crate) fn fault_response(f: &Faults, req: &Req) -> Resp {
    match &f.malformed {
        Value::Bool(true) | Value::String(_) => {
            if f.malformed.as_str() == Some("html") {
                return html_resp(200, "<html><body><h1>502 Bad Gateway</h1></body></html>".into());
            }
            let mut r = Response::new(Full::new(Bytes::from_static(b"{\"id\":\"7F3A\",\"name\":\"trunc")));
            r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
            return r;
        }
        _ => {}
    }
    let status = f.status.unwrap_or(503);
    if let (307 | 308, Some(origin)) = (status, &f.redirect_to) {
        let mut location = format!("{}{}", origin.trim_end_matches('/'), req.path);
        if !req.query.is_empty() {
            location.push('?');
            location.push_str(&form_urlencoded::Serializer::new(String::new()).extend_pairs(&req.query).finish());
        }
        let mut r = json_resp(status, &json!({"error": "moved", "location": location}));
        if let Ok(v) = HeaderValue::from_str(&location) {
            r.headers_mut().insert("location", v);
        }
        return r;
    }
    let error = match status {
        429 => "rate_limited",
        503 => "unavailable",
        502 => "bad_gateway",
        _ => "server_error",
    };
    let mut r = json_resp(status, &json!({"error": error}));
    let retry = f.retry_after.or(if status == 429 || status == 503 { Some(1) } else { None });
    if let Some(s) = retry {
        r.headers_mut().insert("retry-after", HeaderValue::from(s));
    }
    r
}

impl App {
    pub(crate) fn decide_fault(&self, path: &str) -> (Duration, Option<Faults>) {
        let mut st = self.lock();
        let f = st.faults.clone();
        if let Some(p) = &f.path_prefix {
            if !path.starts_with(p.as_str()) {
                return (Duration::ZERO, None);
            }
        }
        let jitter = if f.latency_jitter_ms > 0 { st.rand() % (f.latency_jitter_ms + 1) } else { 0 };
        let delay = Duration::from_millis(f.latency_ms + jitter);
        let malformed = matches!(f.malformed, Value::Bool(true) | Value::String(_));
        let fail = if f.fail_next > 0 {
            st.faults.fail_next -= 1;
            true
        } else if f.fail_percent > 0.0 {
            (st.rand() % 10_000) as f64 / 100.0 < f.fail_percent
        } else if f.counted {
            false
        } else {
            // drop / malformed / status alone apply to every matching request
            f.drop || malformed || f.status.is_some()
        };
        (delay, if fail { Some(f) } else { None })
    }
}
