//! The pure helpers: ids, the wire date-time format, rounding.

use wasm_bindgen::prelude::*;

use super::convert::random_bytes;
use super::error::js_err;
use crate::model::{self, RoundingMethod};

/// UUID v4 from `crypto.getRandomValues`.
#[wasm_bindgen(js_name = newId)]
pub fn new_id() -> Result<String, JsValue> {
    Ok(model::new_id(random_bytes::<16>().map_err(js_err)?))
}

/// Milliseconds since the epoch to `Y-m-d H:i:s` UTC.
#[wasm_bindgen(js_name = formatDateTime)]
pub fn format_date_time(ms: f64) -> Result<String, JsValue> {
    model::format_date_time(ms).map_err(js_err)
}

/// `Y-m-d H:i:s` UTC to milliseconds since the epoch (throws `invalid_input`).
#[wasm_bindgen(js_name = parseDateTime)]
pub fn parse_date_time(s: &str) -> Result<f64, JsValue> {
    model::parse_date_time(s).map(|ms| ms as f64).map_err(js_err)
}

/// Rounds seconds DOWN / NEAREST / UP to a multiple of `minutes`; 0 = none.
#[wasm_bindgen(js_name = roundDuration)]
pub fn round_duration(seconds: f64, #[wasm_bindgen(unchecked_param_type = "RoundingMethod")] method: &str, minutes: f64) -> Result<f64, JsValue> {
    let m = RoundingMethod::parse(method).map_err(js_err)?;
    model::round_duration(seconds, m, minutes).map_err(js_err)
}
