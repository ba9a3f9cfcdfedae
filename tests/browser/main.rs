//! wasm-bindgen-test suite for the JS-facing API, run in headless Chromium.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn format_date_time_works() {
    assert_eq!(tyme_tab::wasm::format_date_time(0.0).unwrap(), "1970-01-01 00:00:00");
}
