//! Sends an `HttpRequest` with gloo-net (the global `fetch`: works in a page
//! and in a service worker) and returns status, the headers the core reads,
//! and the body, read as a stream and cut off past `MAX_BODY`. A redirect is
//! never followed (`redirect: "error"`), and no answer (headers and whole
//! body) within the timeout is a `network` error saying it timed out.

use gloo_net::http::{Method, RequestBuilder, Response};
use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, ReadableStreamDefaultReader, ReadableStreamReadResult, RequestRedirect};

use crate::error::{Error, Result};
use crate::http::{self, after_scheme_separator, HttpRequest, Reply, MAX_BODY};

fn origin(url: &str) -> &str {
    let after = after_scheme_separator(url).unwrap_or(0);
    let end = url[after..].find(['/', '?', '#']).map(|i| i + after).unwrap_or(url.len());
    &url[..end]
}

/// Reads the body chunk by chunk, stopping as soon as it exceeds `MAX_BODY`
/// (a missing or wrong Content-Length cannot make it read more); `None`
/// when it is too large. `expected` (the Content-Length, at most
/// `MAX_BODY`) is allocated at once: a catalog's answer of megabytes is
/// then one block of its size, not a buffer doubled chunk after chunk (the
/// old and the new copy both held at each doubling).
async fn read_body(resp: &Response, expected: usize) -> std::result::Result<Option<Vec<u8>>, wasm_bindgen::JsValue> {
    let mut body = Vec::with_capacity(expected);
    let Some(stream) = resp.body() else { return Ok(Some(body)) };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    loop {
        let chunk: ReadableStreamReadResult = JsFuture::from(reader.read()).await?.unchecked_into();
        if chunk.get_done() == Some(true) {
            return Ok(Some(body));
        }
        // Copied straight into the body, without a vector of each chunk.
        let bytes = Uint8Array::new(&chunk.get_value());
        let at = body.len();
        body.resize(at + bytes.length() as usize, 0);
        bytes.copy_to(&mut body[at..]);
        if body.len() > MAX_BODY {
            let _ = reader.cancel();
            return Ok(None);
        }
    }
}

/// Sends `req`, waiting at most `timeout_ms` for the answer and its body.
pub(crate) async fn send(req: HttpRequest, timeout_ms: u32) -> Result<Reply> {
    let signal = AbortSignal::timeout_with_u32(timeout_ms);
    let lost = |what: &str| {
        if signal.aborted() {
            Error::network(format!("{} did not answer within {timeout_ms} ms (timed out)", origin(&req.url)))
        } else {
            Error::network(format!("{what} {} (offline, the connection dropped, or it answered with a redirect, which is never followed)", origin(&req.url)))
        }
    };
    let method = match req.method {
        http::Method::Get => Method::GET,
        http::Method::Post => Method::POST,
        http::Method::Delete => Method::DELETE,
    };
    // A 307/308 would resend the body (an authorization code, a PKCE
    // verifier, a client secret, a refresh token) and the bearer token to
    // wherever it points: `redirect: "error"`.
    let mut b = RequestBuilder::new(&req.url).method(method).redirect(RequestRedirect::Error).abort_signal(Some(&signal));
    for (k, v) in &req.headers {
        b = b.header(k, v);
    }
    let built = match &req.body {
        Some(body) => b.body(Uint8Array::from(&body[..])),
        None => b.build(),
    };
    let request = built.map_err(|_| Error::invalid_input(format!("cannot build a request to {}", origin(&req.url))))?;
    let resp = request.send().await.map_err(|_| lost("could not reach"))?;
    let status = resp.status();
    let h = resp.headers();
    let mut headers = Vec::new();
    for name in ["retry-after", "content-type", "content-length"] {
        if let Some(v) = h.get(name) {
            headers.push((name.to_string(), v));
        }
    }
    let too_large = || Error::bad_response(format!("response body too large (limit {MAX_BODY} bytes)")).with_status(status);
    let declared = h.get("content-length").and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY as u64) {
        return Err(too_large());
    }
    let body = read_body(&resp, declared.unwrap_or(0) as usize).await.map_err(|_| lost("the answer was cut off from"))?.ok_or_else(too_large)?;
    Ok(Reply { status, headers, body })
}
