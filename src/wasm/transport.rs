//! Sends an `HttpRequest` with the global `fetch` (works in a page and in a
//! service worker) and returns status, the headers the core reads, and the body.
//!
//! The few Fetch API calls needed are bound here directly (rather than via
//! an HTTP wrapper crate) to keep the WebAssembly module small.

use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, Result};
use crate::http::{after_scheme_separator, HttpRequest, MAX_BODY};

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
    #[wasm_bindgen(method, js_class = "Response", js_name = arrayBuffer)]
    fn array_buffer(this: &FetchResponse) -> Promise;
}

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

/// `new Request(url, {method, headers, body})`; throws for a bad URL or header.
fn build(req: &HttpRequest) -> std::result::Result<FetchRequest, JsValue> {
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
    FetchRequest::new(&req.url, &init)
}

pub(crate) async fn send(req: HttpRequest) -> Result<Reply> {
    let request = build(&req).map_err(|_| Error::invalid_input(format!("cannot build a request to {}", origin(&req.url))))?;
    let resp: FetchResponse = JsFuture::from(fetch_request(&request))
        .await
        .map_err(|_| Error::network(format!("could not reach {} (offline, or the connection dropped)", origin(&req.url))))?
        .unchecked_into();
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
    let body = JsFuture::from(resp.array_buffer())
        .await
        .map(|buf| Uint8Array::new(&buf).to_vec())
        .map_err(|_| Error::network(format!("the answer from {} was cut off", origin(&req.url))))?;
    Ok(Reply { status, headers, body })
}
