//! Sends an `HttpRequest` with the global `fetch` (works in a page and in a
//! service worker) and returns status, the headers the core reads, and the body.

use gloo_net::http::{Method, RequestBuilder};

use crate::error::{Error, Result};
use crate::http::{after_scheme_separator, HttpRequest, Method as M, MAX_BODY};

pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

fn origin(url: &str) -> &str {
    let after = after_scheme_separator(url).unwrap_or(0);
    let end = url[after..].find(['/', '?', '#']).map(|i| i + after).unwrap_or(url.len());
    &url[..end]
}

pub(crate) async fn send(req: HttpRequest) -> Result<Reply> {
    let method = match req.method {
        M::Get => Method::GET,
        M::Post => Method::POST,
    };
    let mut b = RequestBuilder::new(&req.url).method(method);
    for (k, v) in &req.headers {
        b = b.header(k, v);
    }
    let request = match req.body {
        Some(body) => b.body(js_sys::Uint8Array::from(&body[..])),
        None => b.build(),
    }
    .map_err(|_| Error::invalid_input(format!("cannot build a request to {}", origin(&req.url))))?;
    let resp = request
        .send()
        .await
        .map_err(|_| Error::network(format!("could not reach {} (offline, or the connection dropped)", origin(&req.url))))?;
    let status = resp.status();
    let h = resp.headers();
    let mut headers = Vec::new();
    for name in ["retry-after", "content-type", "content-length"] {
        if let Some(v) = h.get(name) {
            headers.push((name.to_string(), v));
        }
    }
    if let Some(len) = h.get("content-length").and_then(|v| v.trim().parse::<u64>().ok()) {
        if len > MAX_BODY as u64 {
            return Err(Error::bad_response(format!("response body too large ({len} bytes, limit {MAX_BODY})")).with_status(status));
        }
    }
    let body = resp
        .binary()
        .await
        .map_err(|_| Error::network(format!("the answer from {} was cut off", origin(&req.url))))?;
    Ok(Reply { status, headers, body })
}
