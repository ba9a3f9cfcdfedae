//! `makeNote`, `scrubUrl`, `defaultScrubParams`: thin wrappers of `crate::note`.

use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::convert::{json_of, to_js};
use super::error::js_err;
use crate::error::{Error, ErrorKind, Result};
use crate::model::read::Fields;
use crate::note::{self, NoteOptions};

/// The built-in list plus the caller's entries: a caller's list adds to the
/// built-in one, it never replaces it.
fn params_with_builtin(v: Option<Vec<String>>) -> Vec<String> {
    note::with_builtin(&v.unwrap_or_default())
}

/// `{scrubParams?: string[], maxLength?: number, dropUrlTitle?: boolean}`;
/// missing and null take the defaults. Also answers whether the title is a
/// page's title for a link (`dropUrlTitle`).
fn options_in(options: &JsValue) -> Result<(NoteOptions, bool)> {
    if options.is_undefined() || options.is_null() {
        return Ok((NoteOptions::default(), false));
    }
    let json = json_of(options, "note options")?;
    let f = Fields::of(&json, "note options", ErrorKind::InvalidInput)?;
    let scrub_params = match f.get("scrubParams") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|p| p.as_str().map(str::to_string).ok_or_else(|| f.err("scrubParams", "must be a list of strings")))
                .collect::<Result<Vec<_>>>()?,
        ),
        Some(_) => return Err(f.err("scrubParams", "must be a list of strings")),
    };
    let max_len = if f.has("maxLength") {
        let m = f.float("maxLength")?;
        if !(m.is_finite() && m >= 0.0 && m.fract() == 0.0 && m <= note::MAX_MAX_LEN as f64) {
            return Err(Error::invalid_input("maxLength must be a whole number"));
        }
        m as usize
    } else {
        note::DEFAULT_MAX_LEN
    };
    let link = match f.get("dropUrlTitle") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(f.err("dropUrlTitle", "must be true or false")),
    };
    Ok((NoteOptions { scrub_params: params_with_builtin(scrub_params), max_len }, link))
}

/// The scrubbed note `<title> — <url>` (throws `invalid_input` for URLs that
/// are not tracked and for bad options). `scrubParams` adds to the built-in
/// list; `dropUrlTitle`: the title is the title of the page a link is on, and
/// is dropped when it is a URL.
#[wasm_bindgen(js_name = makeNote)]
pub fn make_note(
    url: &str,
    title: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "NoteOptions | null")] options: JsValue,
) -> std::result::Result<String, JsValue> {
    let (opts, link) = options_in(&options).map_err(js_err)?;
    if link { note::make_link_note(url, title, &opts) } else { note::make_note(url, title, &opts) }.map_err(js_err)
}

/// The URL without userinfo, fragment and secret or tracking parameters
/// (the built-in list plus `scrubParams`).
#[wasm_bindgen(js_name = scrubUrl)]
pub fn scrub_url(url: &str, #[wasm_bindgen(js_name = scrubParams)] scrub_params: Option<Vec<String>>) -> std::result::Result<String, JsValue> {
    note::scrub_url(url, &params_with_builtin(scrub_params)).map_err(js_err)
}

/// The built-in scrub list, in the notation of src/note/mod.rs (`*` marks a
/// prefix, suffix or part).
#[wasm_bindgen(js_name = defaultScrubParams, unchecked_return_type = "string[]")]
pub fn default_scrub_params() -> std::result::Result<JsValue, JsValue> {
    to_js(&note::default_scrub_params()).map_err(js_err)
}
