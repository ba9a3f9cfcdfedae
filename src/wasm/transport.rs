//! Sends an `HttpRequest` with the global `fetch` (works in a page and in a
//! service worker) and returns status, the headers the core reads, and the body.
//!
//! The few Fetch API calls needed are bound here directly (rather than via
//! an HTTP wrapper crate) to keep the WebAssembly module small.

use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, Result};
use crate::http::{after_scheme_separator, HttpRequest, Reply, MAX_BODY};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (window or worker).
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_request(request: &FetchRequest) -> Promise;

    #[wasm_bindgen(js_name = Request)]
    type FetchRequest;
    #[wasm_bindgen(constructor, js_class = "Request", catch)]
    fn new(url: &str, init: &Object) -> std::result::Result<FetchRequest, JsValue>;

    #[wasm_bindgen(js_name = Headers)]
    type FetchHeaders;
    #[wasm_bindgen(constructor, js_class = "Headers")]
    fn new() -> FetchHeaders;
    #[wasm_bindgen(method, js_class = "Headers", catch)]
    fn append(this: &FetchHeaders, name: &str, value: &str) -> std::result::Result<(), JsValue>;
    #[wasm_bindgen(method, js_class = "Headers")]
    fn get(this: &FetchHeaders, name: &str) -> Option<String>;

    #[wasm_bindgen(js_name = Response)]
    type FetchResponse;
    #[wasm_bindgen(method, getter, js_class = "Response")]
    fn status(this: &FetchResponse) -> u16;
    #[wasm_bindgen(method, getter, js_class = "Response")]
    fn headers(this: &FetchResponse) -> FetchHeaders;
    #[wasm_bindgen(method, getter, js_class = "Response")]
    fn body(this: &FetchResponse) -> Option<BodyStream>;

    #[wasm_bindgen(js_name = ReadableStream)]
    type BodyStream;
    #[wasm_bindgen(method, js_class = "ReadableStream", js_name = getReader, catch)]
    fn get_reader(this: &BodyStream) -> std::result::Result<BodyReader, JsValue>;

    #[wasm_bindgen(js_name = ReadableStreamDefaultReader)]
    type BodyReader;
    #[wasm_bindgen(method, js_class = "ReadableStreamDefaultReader")]
    fn read(this: &BodyReader) -> Promise;
    #[wasm_bindgen(method, js_class = "ReadableStreamDefaultReader")]
    fn cancel(this: &BodyReader) -> Promise;

    #[wasm_bindgen(js_name = AbortSignal)]
    type Signal;
    /// `AbortSignal.timeout(ms)`: aborts the fetch, and the reading of its body.
    #[wasm_bindgen(static_method_of = Signal, js_class = "AbortSignal", js_name = timeout, catch)]
    fn timeout(ms: u32) -> std::result::Result<Signal, JsValue>;
    #[wasm_bindgen(method, getter, js_class = "AbortSignal")]
    fn aborted(this: &Signal) -> bool;
}

fn origin(url: &str) -> &str {
    let after = after_scheme_separator(url).unwrap_or(0);
    let end = url[after..].find(['/', '?', '#']).map(|i| i + after).unwrap_or(url.len());
    &url[..end]
}

/// `new Request(url, {method, headers, body, signal, redirect: "error"})`;
/// throws for a bad URL or header. A redirect is never followed: a 307/308
/// would resend the body (an authorization code, a PKCE verifier, a client
/// secret, a refresh token) and the bearer token to wherever it points.
fn build(req: &HttpRequest, signal: &JsValue) -> std::result::Result<FetchRequest, JsValue> {
    let headers = FetchHeaders::new();
    for (k, v) in &req.headers {
        headers.append(k, v)?;
    }
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &req.method.as_str().into())?;
    Reflect::set(&init, &"headers".into(), &headers)?;
    if let Some(body) = &req.body {
        Reflect::set(&init, &"body".into(), &Uint8Array::from(&body[..]))?;
    }
    Reflect::set(&init, &"signal".into(), signal)?;
    Reflect::set(&init, &"redirect".into(), &"error".into())?;
    FetchRequest::new(&req.url, &init)
}

/// Reads the body chunk by chunk, stopping as soon as it exceeds `MAX_BODY`
/// (a missing or wrong Content-Length cannot make it read more).
async fn read_body(resp: &FetchResponse) -> std::result::Result<Option<Vec<u8>>, JsValue> {
    let mut body = Vec::new();
    let Some(stream) = resp.body() else { return Ok(Some(body)) };
    let reader = stream.get_reader()?;
    loop {
        let chunk = JsFuture::from(reader.read()).await?;
        if Reflect::get(&chunk, &"done".into())?.is_truthy() {
            return Ok(Some(body));
        }
        body.extend(Uint8Array::new(&Reflect::get(&chunk, &"value".into())?).to_vec());
        if body.len() > MAX_BODY {
            let _ = reader.cancel();
            return Ok(None);
        }
    }
}

/// Sends `req`; no answer (headers and whole body) within `timeout_ms` is a
/// `network` error saying it timed out.
pub(crate) async fn send(req: HttpRequest, timeout_ms: u32) -> Result<Reply> {
    // Every browser and worker this runs in has AbortSignal.timeout; where it
    // is missing the request goes without a timeout rather than not at all.
    let signal = Signal::timeout(timeout_ms).ok();
    let js_signal = signal.as_ref().map_or(JsValue::UNDEFINED, |s| s.into());
    let lost = |what: &str| {
        if signal.as_ref().is_some_and(Signal::aborted) {
            Error::network(format!("{} did not answer within {timeout_ms} ms (timed out)", origin(&req.url)))
        } else {
            Error::network(format!("{what} {} (offline, the connection dropped, or it answered with a redirect, which is never followed)", origin(&req.url)))
        }
    };
    let request = build(&req, &js_signal).map_err(|_| Error::invalid_input(format!("cannot build a request to {}", origin(&req.url))))?;
    let resp: FetchResponse = JsFuture::from(fetch_request(&request)).await.map_err(|_| lost("could not reach"))?.unchecked_into();
    let status = resp.status();
    let h = resp.headers();
    let mut headers = Vec::new();
    for name in ["retry-after", "content-type", "content-length"] {
        if let Some(v) = h.get(name) {
            headers.push((name.to_string(), v));
        }
    }
    let too_large = || Error::bad_response(format!("response body too large (limit {MAX_BODY} bytes)")).with_status(status);
    if h.get("content-length").and_then(|v| v.trim().parse::<u64>().ok()).is_some_and(|len| len > MAX_BODY as u64) {
        return Err(too_large());
    }
    let body = read_body(&resp).await.map_err(|_| lost("the answer was cut off from"))?.ok_or_else(too_large)?;
    Ok(Reply { status, headers, body })
}
