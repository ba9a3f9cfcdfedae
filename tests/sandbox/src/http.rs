//! Request and response plumbing shared by every endpoint: JSON, HTML and
//! redirect answers, CORS headers, and the parameters of a request.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::HeaderValue;
use hyper::{Method, Response, StatusCode};
use serde_json::{json, Map, Value};

use crate::model::{bad, Reject};

pub(crate) type Body = Full<Bytes>;
pub(crate) type Resp = Response<Body>;

pub(crate) const MAX_BODY: usize = 1 << 20;

pub(crate) fn with_cors(mut r: Resp) -> Resp {
    let h = r.headers_mut();
    h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    h.insert("access-control-allow-headers", HeaderValue::from_static("Authorization, Content-Type"));
    h.insert("access-control-allow-methods", HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"));
    h.insert("access-control-expose-headers", HeaderValue::from_static("Retry-After, Location"));
    h.insert("access-control-max-age", HeaderValue::from_static("600"));
    r
}

pub(crate) fn json_resp(status: u16, v: &Value) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(v.to_string())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    r.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
    r
}

pub(crate) fn reject(r: Reject) -> Resp {
    json_resp(r.status, &r.body())
}

pub(crate) fn html_resp(status: u16, body: String) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut().insert("content-type", HeaderValue::from_static("text/html; charset=utf-8"));
    r.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
    r
}

pub(crate) fn redirect(location: &str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert("location", v);
    }
    r.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
    r
}

pub(crate) fn oauth_err(status: u16, error: &str, description: &str) -> Resp {
    json_resp(status, &json!({"error": error, "error_description": description}))
}

pub(crate) fn unauthorized(msg: &str) -> Resp {
    let mut r = json_resp(401, &json!({"error": "unauthorized", "message": msg}));
    r.headers_mut()
        .insert("www-authenticate", HeaderValue::from_static("Bearer error=\"invalid_token\""));
    r
}

pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: hyper::HeaderMap,
    pub(crate) body: Bytes,
}

impl Req {
    pub(crate) fn content_type(&self) -> String {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase()
    }
    /// The query string's parameters only.
    pub(crate) fn query_params(&self) -> Map<String, Value> {
        self.query.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()
    }
    /// Parameters from the body (JSON object or form) overlaid by the query string.
    pub(crate) fn params(&self) -> Result<Map<String, Value>, Reject> {
        let mut m = Map::new();
        let body = self.body.as_ref();
        if !body.iter().all(u8::is_ascii_whitespace) {
            let ct = self.content_type();
            if ct.contains("application/x-www-form-urlencoded") {
                for (k, v) in form_urlencoded::parse(body) {
                    m.insert(k.into_owned(), Value::String(v.into_owned()));
                }
            } else {
                match serde_json::from_slice::<Value>(body) {
                    Ok(Value::Object(o)) => m = o,
                    Ok(_) => return Err(bad("body", "the body must be a JSON object")),
                    Err(e) if ct.contains("json") || body.first() == Some(&b'{') => {
                        return Err(bad("body", format!("the body is not valid JSON: {e}")))
                    }
                    Err(_) => {
                        for (k, v) in form_urlencoded::parse(body) {
                            m.insert(k.into_owned(), Value::String(v.into_owned()));
                        }
                    }
                }
            }
        }
        for (k, v) in &self.query {
            m.insert(k.clone(), Value::String(v.clone()));
        }
        Ok(m)
    }
}

pub(crate) fn pstr(m: &Map<String, Value>, k: &str) -> Option<String> {
    match m.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}
