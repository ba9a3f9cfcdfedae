//! Core errors to JS `Error` objects: `{name: "TymeError", code, message, status?, retryAfter?}`.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::error::Error;

pub(crate) fn to_js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("TymeError");
    let obj: &JsValue = err.as_ref();
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(obj, &"code".into(), &e.code().into());
    if let Some(s) = e.status {
        let _ = Reflect::set(obj, &"status".into(), &JsValue::from_f64(s as f64));
    }
    if let Some(r) = e.retry_after {
        let _ = Reflect::set(obj, &"retryAfter".into(), &JsValue::from_f64(r as f64));
    }
    err.into()
}

/// For `Result<_, JsValue>` returns.
pub(crate) fn js_err(e: Error) -> JsValue {
    to_js_error(&e)
}
