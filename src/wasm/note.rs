//! `makeNote`, `scrubUrl`, `defaultScrubParams`: thin wrappers of `crate::note`.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{from_js, to_js};
use super::error::js_err;
use crate::error::Error;
use crate::note::{self, NoteOptions};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct JsNoteOptions {
    #[serde(default)]
    scrub_params: Option<Vec<String>>,
    #[serde(default)]
    max_length: Option<f64>,
}

fn params_or_default(v: Option<Vec<String>>) -> Vec<String> {
    v.unwrap_or_else(note::default_scrub_params)
}

/// The scrubbed note `<title> — <url>` (throws `invalid_input` for URLs that
/// are not tracked and for bad options).
#[wasm_bindgen(js_name = makeNote)]
pub fn make_note(url: &str, title: &str, options: JsValue) -> Result<String, JsValue> {
    let opts: JsNoteOptions = if options.is_undefined() || options.is_null() {
        JsNoteOptions::default()
    } else {
        from_js(options, "note options").map_err(js_err)?
    };
    let max_len = match opts.max_length {
        None => note::DEFAULT_MAX_LEN,
        Some(m) if m.is_finite() && m >= 0.0 && m.fract() == 0.0 && m <= note::MAX_MAX_LEN as f64 => m as usize,
        Some(_) => return Err(js_err(Error::invalid_input("maxLength must be a whole number"))),
    };
    let opts = NoteOptions { scrub_params: params_or_default(opts.scrub_params), max_len };
    note::make_note(url, title, &opts).map_err(js_err)
}

/// The URL without userinfo, fragment and secret or tracking parameters.
#[wasm_bindgen(js_name = scrubUrl)]
pub fn scrub_url(url: &str, scrub_params: Option<Vec<String>>) -> Result<String, JsValue> {
    note::scrub_url(url, &params_or_default(scrub_params)).map_err(js_err)
}

/// The default scrub list (`*` at the end means prefix).
#[wasm_bindgen(js_name = defaultScrubParams)]
pub fn default_scrub_params() -> Result<JsValue, JsValue> {
    to_js(&note::default_scrub_params()).map_err(js_err)
}
