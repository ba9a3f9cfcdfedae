//! Values across the boundary: plain JSON-compatible objects both ways.
//! Outputs are built by serde-wasm-bindgen's JSON-compatible serializer
//! (plain objects, no BigInt, no Map). Inputs are read as JSON
//! (`JSON.stringify` there, `serde_json` here): what a page passes keeps
//! JSON's meaning (an `undefined` or function property is absent, a `Date`
//! is its `toJSON` text), which the API's inputs rely on; the config object
//! carries its callbacks beside its JSON fields.

use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::{Error, Result};

pub(crate) fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|_| Error::bad_response("value cannot be handed to JavaScript"))
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
