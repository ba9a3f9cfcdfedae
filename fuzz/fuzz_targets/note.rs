//! The note scrubber: any URL, title and length limit.  Checks the promises,
//! not just the absence of panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tyme_tab::note::{default_scrub_params, make_note, scrub_url, NoteOptions};

fuzz_target!(|data: &[u8]| {
    let Some((&len_byte, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let (url, title) = text.split_once('\u{0}').unwrap_or((&text, ""));
    let max_len = 16 + usize::from(len_byte) * 4;
    let params = default_scrub_params();
    if let Ok(note) = make_note(url, title, &NoteOptions { scrub_params: params.clone(), max_len }) {
        assert!(note.chars().count() <= max_len, "note over the limit");
        assert!(!note.chars().any(char::is_control), "control character in note");
    }
    if let Ok(s) = scrub_url(url, &params) {
        assert!(!s.contains('#'), "fragment kept");
        let after = &s[s.find("://").expect("scheme separator") + 3..];
        let host = after.split(['/', '\\', '?']).next().unwrap_or("");
        assert!(!host.contains('@'), "userinfo kept");
        assert_eq!(scrub_url(&s, &params).as_deref(), Ok(s.as_str()), "scrubbing is not idempotent");
    }
});
