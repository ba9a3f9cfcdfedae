//! The wire date-time parser (`Y-m-d H:i:s`, UTC), with a round trip, and
//! the lenient reading of a server's date-times (`T`, `Z`, offsets,
//! fractions, "" and the zero date): none, an error, or a time that formats
//! in the wire format and reads back the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tyme_tab::model::datetime::parse_lenient;
use tyme_tab::model::{format_date_time, parse_date_time, WireTime};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(ms) = parse_date_time(s) {
        let formatted = format_date_time(ms as f64).expect("a parsed time must format");
        assert_eq!(parse_date_time(&formatted).ok(), Some(ms), "round trip changed the time");
    }
    if let Ok(Some(t)) = parse_lenient(s) {
        let wire = WireTime(t).to_string();
        assert_eq!(WireTime::parse(&wire).ok().map(|w| w.0), Some(t), "{s:?} read as {wire}, which does not read back");
        assert_eq!(parse_lenient(&wire).ok().flatten(), Some(t), "{wire} read leniently changed");
    }
    if data.len() >= 8 {
        let f = f64::from_le_bytes(data[..8].try_into().unwrap());
        let _ = format_date_time(f);
    }
});
