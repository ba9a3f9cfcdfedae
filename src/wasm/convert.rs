//! Values across the boundary: plain JSON-compatible objects both ways.
//! They travel as JSON text (`serde_json` here, `JSON.parse` /
//! `JSON.stringify` there): every output is JSON-compatible by construction
//! (no BigInt, no Map), and one serde backend keeps the module small.

use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::{Error, Result};

pub(crate) fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue> {
    let text = serde_json::to_string(v).map_err(|_| Error::bad_response("value cannot be handed to JavaScript"))?;
    js_sys::JSON::parse(&text).map_err(|_| Error::bad_response("value cannot be handed to JavaScript"))
}

/// A JS value as parsed JSON (via `JSON.stringify`; read with `from_slice`,
/// the one JSON parser instance in the module).
pub(crate) fn json_of(v: &JsValue, what: &str) -> Result<serde_json::Value> {
    let text: String = js_sys::JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| Error::invalid_input(format!("{what} is not JSON-compatible")))?;
    serde_json::from_slice(text.as_bytes()).map_err(|_| Error::invalid_input(format!("{what} is not JSON-compatible")))
}

/// Secure random bytes from `crypto.getRandomValues` (window or worker global).
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    get_random_values(&mut buf).map_err(|_| Error::invalid_input("crypto.getRandomValues is not available"))?;
    Ok(buf)
}

pub(crate) fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &mut [u8]) -> std::result::Result<JsValue, JsValue>;
}
