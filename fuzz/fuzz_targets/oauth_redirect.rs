//! The OAuth redirect parser: any redirect URL against any expected state.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tyme_tab::oauth::parse_redirect;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (url, state) = text.split_once('\u{0}').unwrap_or((&text, "s"));
    if let Ok(code) = parse_redirect(url, state) {
        assert!(!code.is_empty(), "empty code accepted");
        assert!(!state.is_empty(), "empty expected state accepted");
    }
});
