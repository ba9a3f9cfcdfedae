//! Values across the boundary: plain JSON-compatible objects both ways.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::{Error, Result};

pub(crate) fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::bad_response(format!("value cannot be handed to JavaScript: {e}")))
}

pub(crate) fn from_js<T: DeserializeOwned>(v: JsValue, what: &str) -> Result<T> {
    serde_wasm_bindgen::from_value(v).map_err(|e| Error::invalid_input(format!("{what}: {}", crate::http::redact(&e.to_string()))))
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
